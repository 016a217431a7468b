"""Probes for load balancers: /healthz (process alive) and /readyz (can it serve).

/readyz: 200 "ready" with PostgreSQL and Redis; 200 "degraded" with PostgreSQL but not Redis (lists
are computed from the model on every request and writes are stored; only the cache, rate limits and
the dashboard's counters are missing); 503 "unavailable" without PostgreSQL.
"""
from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django_redis import get_redis_connection


def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any failure means "not ready"; the reason is not the caller's business
        return False


def _redis_ok() -> bool:
    try:
        return bool(get_redis_connection("default").ping())
    except Exception:
        return False


def readyz(request):
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    if not checks["database"]:
        return JsonResponse({"status": "unavailable", "checks": checks}, status=503)
    return JsonResponse({"status": "ready" if checks["redis"] else "degraded", "checks": checks})
