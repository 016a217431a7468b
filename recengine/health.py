"""Probes for load balancers: /healthz (process alive) and /readyz (database and Redis reachable)."""
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
    ready = all(checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
