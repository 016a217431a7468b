"""``manage.py cleanup_models --keep N``: delete the artifacts of old inactive model versions."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommendations.lifecycle.jobs import artifacts_cleanup


class Command(BaseCommand):
    help = """Delete the artifact files of all model versions but the newest --keep that have one and
the active one. Their rows stay (metrics, notes) with the artifact path cleared and a note; such a
version can no longer be activated. Also removes temporary files of artifact saves that were killed."""

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep", type=int, default=settings.ARTIFACTS_KEEP,
            help=f"newest versions whose artifacts stay (default ARTIFACTS_KEEP={settings.ARTIFACTS_KEEP})",
        )

    def handle(self, *args, keep, **options):
        if keep < 0:
            raise CommandError("--keep must be 0 or more")
        outcome = artifacts_cleanup(keep=keep)
        if outcome.status == "skipped":
            self.stdout.write(f"skipped: {outcome.reason}")
            return
        removed = ", ".join(f"v{pk}" for pk in outcome.removed) or "none"
        kept = ", ".join(f"v{pk}" for pk in outcome.kept) or "none"
        self.stdout.write(f"Deleted the artifacts of: {removed}\nKept: {kept}")
        if outcome.temp_files:
            self.stdout.write(f"Removed {outcome.temp_files} temporary file(s) of interrupted saves.")
