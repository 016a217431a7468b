"""``manage.py create_api_client USERNAME [--staff]``: a user for a backend that calls the API, and its token."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import User


class Command(BaseCommand):
    help = """Create a user for a system that calls the API (a shop's backend, say) and print its API
token. The user cannot log in to the admin (no usable password). --staff lets it also list
interactions (GET /interactions) and see the API docs when API_DOCS_PUBLIC=false; leave it off
otherwise. To rotate a client's token without downtime: create a second client, move the backend
to the new token, then revoke the old one (revoke_token OLD_USERNAME). drf_create_token --reset
USERNAME replaces a token in place (the old key stops working at once, the backend with it)."""

    def add_arguments(self, parser):
        parser.add_argument("username", help="a new user name, e.g. shop-backend-2")
        parser.add_argument("--staff", action="store_true", help="a staff client (interaction listing, docs)")

    def handle(self, *args, username: str, staff: bool, **options):
        username = username.strip()
        if not username:
            raise CommandError("USERNAME must not be empty.")
        with transaction.atomic():
            if User.objects.filter(username=username).exists():
                raise CommandError(
                    f"A user {username!r} exists already; give another name, or for that user's token: "
                    f"drf_create_token {username}"
                )
            user = User(username=username, email=None, is_staff=staff)
            user.set_unusable_password()
            try:
                user.full_clean(exclude=["password", "email"])
            except ValidationError as exc:
                raise CommandError(f"USERNAME {username!r}: {' '.join(exc.messages)}") from exc
            user.email = None  # AbstractUser.clean() made it "": no email is NULL here (unique column)
            user.save()
            token = Token.objects.create(user=user)
        self.stdout.write(f"Created API client {username} (user id {user.pk}{', staff' if staff else ''}).")
        self.stdout.write(f"Token: {token.key}")
        self.stdout.write(f"Use it as the header  Authorization: Token {token.key}")
        if settings.API_RATE_LIMIT:
            self.stdout.write(f"Its requests count against API_RATE_LIMIT ({settings.API_RATE_LIMIT}) on their own.")
