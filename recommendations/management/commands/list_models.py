"""``manage.py list_models [--limit N]``: the trained model versions, newest first."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from recommendations.models import ModelVersion

NOTES_WIDTH = 60


class Command(BaseCommand):
    help = """List the model versions, newest first: id, algorithm, status, whether it is active (*),
when it was trained, nDCG@10 on the retrain guard's holdout, whether its artifact file is still
there (only versions with one can be activated: activate_model VERSION_ID) and the start of its notes."""

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=20, help="how many versions (default 20)")

    def handle(self, *args, limit: int, **options):
        if limit < 1:
            raise CommandError(f"--limit must be at least 1, not {limit}.")
        versions = list(ModelVersion.objects.order_by("-pk")[:limit])
        if not versions:
            self.stdout.write("No model versions yet: train one with `manage.py train --activate`.")
            return
        self.stdout.write(f"{'id':>5}  {'algorithm':<12} {'status':<9} {'active':<6} {'trained (UTC)':<16}  "
                          f"{'nDCG@10':>7}  {'artifact':<8}  notes")
        for version in versions:
            ndcg = version.ndcg
            notes = " ".join(version.notes.split())
            if len(notes) > NOTES_WIDTH:
                notes = notes[: NOTES_WIDTH - 1] + "…"
            self.stdout.write(
                f"{version.pk:>5}  {version.algorithm:<12} {version.status:<9} {'*' if version.is_active else '':<6} "
                f"{version.created_at:%Y-%m-%d %H:%M}  {'-' if ndcg is None else f'{ndcg:.4f}':>7}  "
                f"{'yes' if version.artifact_path else 'deleted':<8}  {notes}"
            )
