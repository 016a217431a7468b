"""Request rate limits per caller, counted in Redis: 429 with Retry-After beyond them.

``API_RATE_LIMIT`` ("1000/s", "50000/min", "1000000/hour"; empty: no limit, the default) applies to
each authenticated caller (a token's user, or a staff session's user); ``API_ANON_RATE_LIMIT``
(default 60/min) to each client address without credentials, which only matters with
API_PUBLIC_READS. Counting is a fixed window per caller: one pipelined INCR + EXPIRE, the key
``recengine:rate:<caller>:<window>``; a caller can reach twice the rate across a window boundary.
Keys name user ids or client addresses, never tokens. When Redis cannot count, requests are
allowed (and a warning logged): the limit protects the service, it must not take it down.
"""
from __future__ import annotations

import logging
import math
import time

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

from recengine.rates import parse_rate

logger = logging.getLogger(__name__)

# Where a Django request keeps the result of its count: the recommendations fast path counts a
# request before DRF sees it, and DRF's throttle then reuses that count instead of counting again.
_COUNTED = "_recengine_rate_wait"


def rate_wait(caller: str, rate: str) -> float | None:
    """Count one request of ``caller`` against ``rate``: None when allowed, else seconds to wait."""
    limit = parse_rate(rate)
    if limit is None:
        return None
    count, seconds = limit
    now = time.time()
    window = int(now // seconds)
    key = f"recengine:rate:{caller}:{window}"
    try:
        pipe = get_redis_connection("default").pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, seconds + 1)
        used = pipe.execute()[0]
    except RedisError as exc:
        logger.warning("rate limit not counted (Redis: %s); request allowed", exc.__class__.__name__)
        return None
    if used <= count:
        return None
    return (window + 1) * seconds - now


class CallerRateThrottle(BaseThrottle):
    """REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]: API_RATE_LIMIT per user, API_ANON_RATE_LIMIT per address."""

    def allow_request(self, request, view) -> bool:
        self._wait = self.count(request, getattr(request, "user", None))
        return self._wait is None

    def count(self, request, user) -> float | None:
        """Count ``request`` (DRF's or Django's) once against its caller's limit: None when allowed, else
        seconds to wait. A request counted already (by the fast path) gets the same answer again."""
        django_request = getattr(request, "_request", request)
        if _COUNTED in django_request.__dict__:
            return django_request.__dict__[_COUNTED]
        if user is not None and user.is_authenticated:
            wait = rate_wait(f"user:{user.pk}", settings.API_RATE_LIMIT)
        else:
            wait = rate_wait(f"addr:{self.get_ident(request)}", settings.API_ANON_RATE_LIMIT)
        django_request.__dict__[_COUNTED] = wait
        return wait

    def wait(self) -> float | None:
        return None if self._wait is None else math.ceil(self._wait)
