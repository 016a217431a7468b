"""``manage.py activate_model VERSION_ID``: serve another trained model version (a rollback)."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommendations.lifecycle.registry import model_version_activate
from recommendations.models import ModelVersion


class Command(BaseCommand):
    help = """Make model version VERSION_ID the active one, as the admin action "Activate this version
(rollback)" does. The version must be 'ready' (not rejected, failed or still training) and still have
its artifact file (cleanup_models deletes the files of all but the newest ARTIFACTS_KEEP versions).
Web processes switch within MODEL_CHECK_INTERVAL seconds; lists cached for the version served
before stop answering, so refill the cache afterwards (precompute_recommendations --queue).
list_models shows the versions."""

    def add_arguments(self, parser):
        parser.add_argument("version_id", help="the model version's id (list_models shows them)")

    def handle(self, *args, version_id: str, **options):
        try:
            pk = int(str(version_id).strip())
        except ValueError:
            raise CommandError(f"VERSION_ID must be a model version's id (an integer), not {version_id!r}.") from None
        version = ModelVersion.objects.filter(pk=pk).first()
        if version is None:
            raise CommandError(f"There is no model version {pk}; list_models shows the versions.")
        previous = ModelVersion.objects.active().first()
        if previous is not None and previous.pk == pk:
            self.stdout.write(f"Model version {pk} ({version.algorithm}) is already the active one.")
            return
        try:
            model_version_activate(version_id=pk)
        except ValueError as exc:  # not ready, or its artifact is gone
            raise CommandError(str(exc)) from exc
        was = f"v{previous.pk} ({previous.algorithm})" if previous is not None else "none (popularity)"
        self.stdout.write(
            f"Model version {pk} ({version.algorithm}) is now active; before: {was}.\n"
            f"Web processes switch to it within {settings.MODEL_CHECK_INTERVAL:g} s. Lists cached for the "
            f"previous version are recomputed on their next request; to refill them now: "
            f"manage.py precompute_recommendations --queue"
        )
