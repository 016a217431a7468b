"""Token authentication that remembers good tokens for a few seconds in each process.

DRF's TokenAuthentication reads the token and its user from the database on every request; on the
cached recommendation path that query is most of the work. ``CachedTokenAuthentication`` keeps each
valid token's (user, token) pair in a small per-process table for ``AUTH_TOKEN_CACHE_SECONDS``
(default 30; 0 turns it off). Only successes are remembered: an unknown key is looked up every
time, so a token created now works at once.

The cost of the speed: a token deleted, or a user deactivated, in the database stays usable for at
most ``AUTH_TOKEN_CACHE_SECONDS`` in processes that used it recently. Within the process that makes
the change, the table entry is dropped at once (signals below). Set the setting to 0 where that
window is not acceptable.
"""
from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

# Beyond this many remembered tokens the table is emptied (cheaper than an LRU, and rare).
MAX_ENTRIES = 10_000

_lock = threading.Lock()
_entries: dict[str, tuple[float, object, Token]] = {}


class CachedTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, with good keys remembered per process (see module)."""

    def authenticate_credentials(self, key):
        ttl = settings.AUTH_TOKEN_CACHE_SECONDS
        if ttl <= 0:
            return super().authenticate_credentials(key)
        known = remembered(key)
        if known is not None:
            return known
        now = time.monotonic()
        user, token = super().authenticate_credentials(key)  # raises for unknown keys, inactive users
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[key] = (now + ttl, user, token)
        return user, token


class RememberedTokenAuthentication(CachedTokenAuthentication):
    """DRF's ``Authorization: Token <key>`` parsing, answered only from the tokens this process remembers.

    The recommendations fast path (recommendations/api/fastpath.py) authenticates with it, so it
    reads the header exactly as DRF does and never queries the database: a key it does not remember
    (new, deleted, or AUTH_TOKEN_CACHE_SECONDS=0) raises, and the request goes to DRF, which looks the
    key up and remembers a good one.
    """

    def authenticate_credentials(self, key):
        known = remembered(key)
        if known is None:
            raise exceptions.AuthenticationFailed("Token not remembered by this process.")
        return known


def remembered(key: str):
    """(user, token) of a key remembered and not yet expired in this process, else None.

    ``RememberedTokenAuthentication`` answers from here; anything it cannot goes through
    ``CachedTokenAuthentication``.
    """
    entry = _entries.get(key)
    if entry is None or entry[0] <= time.monotonic() or settings.AUTH_TOKEN_CACHE_SECONDS <= 0:
        return None
    return entry[1], entry[2]


def forget_tokens(*, keys=None, user_id=None) -> None:
    """Drop remembered tokens: these keys, this user's, or (no arguments) all."""
    with _lock:
        if keys is None and user_id is None:
            _entries.clear()
            return
        for key in list(keys or ()):
            _entries.pop(key, None)
        if user_id is not None:
            for key, (_, user, _) in list(_entries.items()):
                if user.pk == user_id:
                    _entries.pop(key, None)


@receiver(post_delete, sender=Token, dispatch_uid="recengine.auth.token_deleted")
def _token_deleted(sender, instance, **kwargs):
    forget_tokens(keys=[instance.key])


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="recengine.auth.user_saved")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="recengine.auth.user_deleted")
def _user_changed(sender, instance, **kwargs):
    forget_tokens(user_id=instance.pk)
