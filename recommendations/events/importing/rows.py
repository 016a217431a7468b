"""Turning one line of an import file into a staging row, or into a reason why it is bad."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from recommendations.events.importing.errors import ImportFileError

MAX_ID = 2**63 - 1  # PostgreSQL bigint
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# MovieLens ratings (0.5-5.0 stars) become interactions of these types; the stars are kept
# as interaction_value. A rating is evidence the user watched the movie, so every rating is at
# least a view; a high one is a like.
RATING_LIKE_THRESHOLD = 4.0
RATING_LIKE_TYPE = "like"
RATING_VIEW_TYPE = "view"


class BadValue(ValueError):
    """A field that cannot be imported; the message says why, for the bad-row report."""


@dataclass(frozen=True)
class BadRow:
    source: str  # the file name
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source} line {self.line}: {self.reason}"


def parse_id(text: str, what: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()):  # rejects "-3", "+3", "1.5", "", "abc" and "²"
        raise BadValue(f"{what} {text!r} is not a positive integer")
    value = int(text)
    if not 1 <= value <= MAX_ID:
        raise BadValue(f"{what} {text} is out of range 1..{MAX_ID}")
    return value


def parse_value(text: str, what: str = "interaction_value") -> float:
    try:
        value = float(text)
    except ValueError:
        raise BadValue(f"{what} {text.strip()!r} is not a number") from None
    if not math.isfinite(value) or not 0 <= value <= settings.INTERACTION_VALUE_MAX:
        raise BadValue(f"{what} {text.strip()!r} must be a number from 0 to {settings.INTERACTION_VALUE_MAX:g}")
    return value


def parse_timestamp(text: str) -> datetime:
    """Unix seconds (``1700000000`` or ``1700000000.5``) or ISO-8601; a naive time is UTC."""
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise BadValue(f"timestamp {text!r} is neither unix seconds nor ISO-8601") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        if not math.isfinite(seconds):
            raise ValueError
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise BadValue(f"timestamp {text!r} is out of range") from None


def interaction_type_check(text: str) -> str:
    text = text.strip()
    if text not in settings.INTERACTION_WEIGHTS:
        allowed = ", ".join(settings.INTERACTION_WEIGHTS)
        raise BadValue(f"unknown interaction_type {text!r} (configured: {allowed})")
    return text


def unix_seconds_text(moment: datetime | None) -> str:
    """Exact unix seconds as text (microseconds only when present); ``-`` for no timestamp."""
    if moment is None:
        return "-"
    delta = moment - EPOCH
    seconds = delta.days * 86_400 + delta.seconds
    return f"{seconds}.{delta.microseconds:06d}" if delta.microseconds else str(seconds)


def event_id(user_id: int, item_id: int, interaction_type: str, moment: datetime | None) -> str:
    """The deterministic id that makes a re-import of the same row a no-op."""
    return f"import:{user_id}:{item_id}:{interaction_type}:{unix_seconds_text(moment)}"


def interaction_row(user_id: int, item_id: int, interaction_type: str, value: float, moment: datetime | None):
    """A row of the interaction staging table (see ``staging.INTERACTION_COLUMNS``)."""
    return (user_id, item_id, interaction_type, value, moment, event_id(user_id, item_id, interaction_type, moment))


def rating_interaction_type(rating: float) -> str:
    return RATING_LIKE_TYPE if rating >= RATING_LIKE_THRESHOLD else RATING_VIEW_TYPE


def rating_types_check() -> None:
    """The rating mapping needs its two types configured; say so up front, not per row."""
    missing = [t for t in (RATING_VIEW_TYPE, RATING_LIKE_TYPE) if t not in settings.INTERACTION_WEIGHTS]
    if missing:
        raise ImportFileError(
            f"MovieLens ratings map to the interaction types {RATING_VIEW_TYPE!r} and {RATING_LIKE_TYPE!r}, "
            f"but {', '.join(map(repr, missing))} is not in settings.INTERACTION_WEIGHTS"
        )
