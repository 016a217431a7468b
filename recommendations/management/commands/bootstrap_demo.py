"""First-run set-up for `make run`: demo data, a staff user, an API token, and the URLs to open."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from accounts.models import User
from catalog.models import Item
from recommendations.lifecycle.training import model_train
from recommendations.models import Interaction, ModelVersion

DEMO_STAFF_USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Load demo data if the catalog is empty, make sure a staff user 'admin' and its API token "
        "exist, and print them with the URLs. Safe to run on every start."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--skip-data", action="store_true", help="do not load demo data")

    def handle(self, *args, base_url: str, skip_data: bool, **options):
        if not skip_data and not Item.objects.exists():
            self.stdout.write("Empty catalog: loading demo data (first run only)...")
            call_command("generate_demo_data", stdout=self.stdout, stderr=self.stderr)
            call_command("update_popularity", stdout=self.stdout)
        if not skip_data:
            self._ensure_model()
        password = self._ensure_staff()
        token, _ = Token.objects.get_or_create(user=User.objects.get(username=DEMO_STAFF_USERNAME))
        self._print_summary(base_url, password, token.key)

    def _ensure_model(self) -> None:
        """Train and activate the default model once, so the demo serves personalized lists."""
        if ModelVersion.objects.active().exists() or not Interaction.objects.exists():
            return
        self.stdout.write(f"No active model: training {settings.DEFAULT_ALGORITHM} (first run only)...")
        version = model_train(activate=True)
        self.stdout.write(f"Model v{version.pk} ({version.algorithm}) trained in {version.training_seconds:.1f}s.")

    def _ensure_staff(self) -> str:
        """Create the demo staff user once; its password is kept in var/ so every start can show it."""
        password_file = settings.VAR_DIR / "demo-admin-password"
        if not password_file.exists():
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            password_file.write_text(secrets.token_urlsafe(12))
            password_file.chmod(0o600)
        password = password_file.read_text().strip()
        user, created = User.objects.get_or_create(
            username=DEMO_STAFF_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.is_staff = user.is_superuser = True
            user.save()
        return password

    def _print_summary(self, base_url: str, password: str, token: str) -> None:
        example_user = User.objects.filter(interactions__isnull=False).values_list("id", flat=True).first() or 1
        self.stdout.write(
            self.style.SUCCESS("\nrecengine is starting.\n")
            + f"  API docs (Swagger UI): {base_url}/docs\n"
            f"  API docs (ReDoc):      {base_url}/redoc\n"
            f"  Admin:                 {base_url}/admin/   user: {DEMO_STAFF_USERNAME}  password: {password}\n"
            f"  Storefront:            {base_url}/storefront/\n"
            f"  API token:             {token}\n"
            f"  Try:\n"
            f"    export TOKEN={token}\n"
            f"    curl -H \"Authorization: Token $TOKEN\" '{base_url}/recommendations/{example_user}?limit=5'\n"
        )
