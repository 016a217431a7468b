"""Management commands as the command tests run them."""
from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django_redis import get_redis_connection


def run_command(name: str, *args: str) -> str:
    """``manage.py name args...`` in this process; what it wrote to stdout."""
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def cached_user_ids() -> set[int]:
    """The users with a recommendation list in Redis (``user_rec:<id>`` keys)."""
    return {int(key.split(b":")[1]) for key in get_redis_connection("default").keys("user_rec:*")}
