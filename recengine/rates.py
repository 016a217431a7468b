"""Rate strings of API_RATE_LIMIT / API_ANON_RATE_LIMIT (only Django's exceptions imported: the settings check them)."""
from __future__ import annotations

import functools

from django.core.exceptions import ImproperlyConfigured

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
           "d": 86400, "day": 86400}


@functools.lru_cache(maxsize=32)  # read on every counted request
def parse_rate(rate: str) -> tuple[int, int] | None:
    """"100/min" -> (100, 60); empty -> None (no limit). ImproperlyConfigured for anything else."""
    rate = (rate or "").strip()
    if not rate:
        return None
    number, _, period = rate.partition("/")
    try:
        count, seconds = int(number), PERIODS[period.strip().lower()]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(
            f"rate limit {rate!r}: write it as <requests>/<s|min|hour|day>, e.g. 1000/s or 50000/min"
        ) from None
    if count < 1:
        raise ImproperlyConfigured(f"rate limit {rate!r}: the number of requests must be at least 1")
    return count, seconds
