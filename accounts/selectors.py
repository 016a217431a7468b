"""Reads about end users."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import User
from accounts.signals import interaction_summary_requested


def end_users() -> QuerySet[User]:
    """Users the API may list and change: not staff, not superusers, not API clients (token holders).

    A shop's backend manages its end users; it must not be able to rename or delete the staff
    accounts or another client's account.
    """
    return User.objects.filter(is_staff=False, is_superuser=False, auth_token__isnull=True)


def user_interaction_summary(*, user_id: int) -> dict[str, Any]:
    """Counts per interaction type, the total and the last interaction time of a user.

    Asked of the app that stores interactions (accounts/signals.py); with none installed, every
    configured type counts 0.
    """
    for _, summary in interaction_summary_requested.send(sender=User, user_id=user_id):
        if summary is not None:
            return summary
    return {"total": 0, "by_type": dict.fromkeys(settings.INTERACTION_WEIGHTS, 0), "last_interaction_at": None}
