"""Token authentication that remembers good tokens for a few seconds in each process.

A key is sent as ``Authorization: Bearer <key>`` (what most HTTP clients and generated clients send)
or ``Authorization: Token <key>`` (DRF's word); both are the same key. A 401 names both in its
WWW-Authenticate header, and the OpenAPI schema documents both (``bearerAuth``, ``tokenAuth``).

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
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.authtoken.models import Token

# Beyond this many remembered tokens the table is emptied (cheaper than an LRU, and rare).
MAX_ENTRIES = 10_000

_lock = threading.Lock()
_entries: dict[str, tuple[float, object, Token]] = {}


# The words accepted before the key in ``Authorization``, compared without case as DRF does.
KEYWORDS = (b"bearer", b"token")
WWW_AUTHENTICATE = 'Bearer realm="api", Token realm="api"'


class CachedTokenAuthentication(TokenAuthentication):
    """``Authorization: Bearer <key>`` or ``Token <key>``, with good keys remembered per process (see module)."""

    def authenticate(self, request):
        """DRF's parsing of the header, with its messages, for either keyword. Another scheme (e.g.
        Basic) is not ours: None lets the next authenticator try."""
        words = get_authorization_header(request).split()
        if not words or words[0].lower() not in KEYWORDS:
            return None
        if len(words) == 1:
            raise exceptions.AuthenticationFailed("Invalid token header. No credentials provided.")
        if len(words) > 2:
            raise exceptions.AuthenticationFailed("Invalid token header. Token string should not contain spaces.")
        try:
            key = words[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                "Invalid token header. Token string should not contain invalid characters.") from None
        return self.authenticate_credentials(key)

    def authenticate_header(self, request) -> str:
        return WWW_AUTHENTICATE

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
    """The header parsed as above (Bearer or Token), answered only from the tokens this process remembers.

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


class TokenSchemes(OpenApiAuthenticationExtension):
    """The OpenAPI security schemes of CachedTokenAuthentication: either header form, the same key."""

    target_class = CachedTokenAuthentication
    match_subclasses = True
    name = ("bearerAuth", "tokenAuth")

    def get_security_requirement(self, auto_schema):
        return [{name: []} for name in self.name]  # either one (OR), not both

    def get_security_definition(self, auto_schema):
        return [
            {**build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer"),
             "description": "`Authorization: Bearer <key>`: the API token (`drf_create_token`, "
                            "`create_api_client`)."},
            {**build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token"),
             "description": "`Authorization: Token <key>`: the same key, with DRF's word for it."},
        ]
