"""``manage.py recommend USER_ID [--limit N]``: one user's list, exactly as the API serves it."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from recommendations.api.fields import ID_MAX
from recommendations.serving.query import Query
from recommendations.serving.service import recommend

NAME_WIDTH = 40


class Command(BaseCommand):
    help = """Print a user's recommendations as GET /recommendations/{USER_ID}?limit=N returns them
(same service, same cache): rank, item id, item code, name, score and reason, one line per item."""

    def add_arguments(self, parser):
        parser.add_argument("user_id", help="the user's id (a positive integer)")
        parser.add_argument(
            "--limit", default=None,
            help=f"how many, 1 to {settings.MAX_RECOMMENDATIONS_LIMIT} (default TOP_N_RECOMMENDATIONS)",
        )

    def handle(self, *args, user_id, limit, **options):
        user_id = _integer(user_id, "USER_ID", 1, ID_MAX)
        limit = settings.TOP_N_RECOMMENDATIONS if limit is None else _integer(
            limit, "--limit", 1, settings.MAX_RECOMMENDATIONS_LIMIT
        )
        if not User.objects.filter(pk=user_id).exists():
            self.stderr.write(f"note: there is no user {user_id}; the API answers such ids with popular items")
        result = recommend(Query(user_id, limit))
        self.stdout.write(_heading(result))
        self.stdout.write(format_recommendations(result.recommendations))


def _integer(text: str, what: str, low: int, high: int) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise CommandError(f"{what} must be an integer from {low} to {high}, not {text!r}.") from None
    if not low <= value <= high:
        raise CommandError(f"{what} must be an integer from {low} to {high}, not {value}.")
    return value


def _heading(result) -> str:
    model_version = getattr(result, "model_version", None)
    source = f"model version {model_version}" if model_version else "popularity"
    return (
        f"Recommendations for user {result.user_id}: {len(result.recommendations)} items, {source}, "
        f"{'from the cache' if result.cached else 'computed now'}"
    )


def format_recommendations(rows: list[dict]) -> str:
    """Aligned columns: rank, item id, code, name (shortened), score, reason."""
    if not rows:
        return "(no recommendations: the catalog has no active item to offer)"
    id_width = max(7, *(len(str(row["item_id"])) for row in rows))
    code_width = max(4, *(len(str(row["item_code"])) for row in rows))
    lines = [f"{'rank':>4}  {'item_id':>{id_width}}  {'code':<{code_width}}  {'name':<{NAME_WIDTH}}  "
             f"{'score':>10}  reason"]
    for rank, row in enumerate(rows, start=1):
        name = _shorten(str(row["name"]), NAME_WIDTH)
        lines.append(
            f"{rank:>4}  {row['item_id']:>{id_width}}  {row['item_code']:<{code_width}}  {name:<{NAME_WIDTH}}  "
            f"{row['score']:>10.4f}  {row['reason']}"
        )
    return "\n".join(lines)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
