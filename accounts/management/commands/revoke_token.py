"""``manage.py revoke_token USERNAME``: delete a user's API token."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from accounts.models import User


class Command(BaseCommand):
    help = """Delete USERNAME's API token, so requests with it get 401. Web processes that used the
token lately remember it for up to AUTH_TOKEN_CACHE_SECONDS (default 30) and accept it that long;
reload the web tier (gunicorn: kill -HUP <master pid>) to cut it off at once. Give the user a new
token with drf_create_token USERNAME, or a new client with create_api_client."""

    def add_arguments(self, parser):
        parser.add_argument("username", help="whose token to delete")

    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        deleted, _ = Token.objects.filter(user=user).delete()
        if not deleted:
            raise CommandError(f"User {username!r} has no API token; nothing to revoke.")
        window = settings.AUTH_TOKEN_CACHE_SECONDS
        self.stdout.write(
            f"Revoked the API token of {username}."
            + (f" Web processes that used it may accept it for up to {window} s more "
               f"(AUTH_TOKEN_CACHE_SECONDS); reload the web tier to cut that short." if window > 0 else "")
        )
