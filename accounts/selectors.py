"""Reads about end users."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, QuerySet

from accounts.models import User
from recommendations.models import Interaction


def end_users() -> QuerySet[User]:
    """Users the API may list and change: not staff, not superusers, not API clients (token holders).

    A shop's backend manages its end users; it must not be able to rename or delete the staff
    accounts or another client's account.
    """
    return User.objects.filter(is_staff=False, is_superuser=False, auth_token__isnull=True)


def user_interaction_summary(*, user_id: int) -> dict[str, Any]:
    """Counts per interaction type, the total and the last interaction time, in one query.

    Every configured type is listed, with 0 when the user has none of it.
    """
    rows = (
        Interaction.objects.filter(user_id=user_id)
        .order_by()
        .values("interaction_type")
        .annotate(count=Count("id"), last=Max("timestamp"))
    )
    by_type = dict.fromkeys(settings.INTERACTION_WEIGHTS, 0)
    last: datetime | None = None
    for row in rows:
        by_type[row["interaction_type"]] = row["count"]
        last = row["last"] if last is None else max(last, row["last"])
    return {"total": sum(by_type.values()), "by_type": by_type, "last_interaction_at": last}
