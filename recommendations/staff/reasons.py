"""Reasons as a person reads them: ``similar_to:<item_code>`` with the item's name.

The API answers ``similar_to:DEMO-374`` so that clients can parse it; the staff pages (the user's
Recommendations panel, the storefront) show "similar to Camping stove (DEMO-374)". The names of
every code on a page are read in one query.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from catalog.models import Item

SIMILAR_TO = "similar_to:"
# What the storefront may ask for at once (a page shows a few dozen rows).
MAX_CODES = 100


def reason_codes(reasons: Iterable[str]) -> list[str]:
    """The item codes named by ``similar_to:`` reasons, each once, in order."""
    return list(dict.fromkeys(r[len(SIMILAR_TO):] for r in reasons if r.startswith(SIMILAR_TO)))


def item_names(codes: Iterable[str]) -> dict[str, str]:
    """{item code: name} of the items with these codes that exist, in one query."""
    codes = list(codes)
    if not codes:
        return {}
    return dict(Item.objects.filter(item_code__in=codes).values_list("item_code", "name"))


def reason_label(reason: str, names: Mapping[str, str]) -> str:
    """``similar_to:CODE`` as "similar to <name> (CODE)" (just the code when the item is gone); other
    reasons (personalized, popular, new, similar, content) are words already."""
    if not reason.startswith(SIMILAR_TO):
        return reason
    code = reason[len(SIMILAR_TO):]
    return f"similar to {names[code]} ({code})" if code in names else f"similar to {code}"


def rows_with_reason_labels(rows: list[dict], names: Mapping[str, str]) -> list[dict]:
    """Copies of list rows (the API's shape) with ``reason_label`` added."""
    return [{**row, "reason_label": reason_label(row["reason"], names)} for row in rows]
