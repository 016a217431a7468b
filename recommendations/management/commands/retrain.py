"""``manage.py retrain [--force] [--algorithm NAME] [--params JSON]``: the nightly retrain, run here."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from recommendations.lifecycle.algorithms import ALGORITHMS
from recommendations.lifecycle.jobs import model_retrain
from recommendations.management.params import params_from_json


class Command(BaseCommand):
    help = """Retrain the way the nightly task does (recommendations.lifecycle.jobs.model_retrain): skipped when
another retrain is running or, without --force, when no interaction arrived since the newest
trained version; otherwise train, evaluate against the active version on a holdout of each
user's latest interaction (the retrain guard) and activate the new version only if it is not
worse by more than RETRAIN_GUARD_TOLERANCE nDCG@10. A rejected version keeps the reason in its notes."""

    def add_arguments(self, parser):
        parser.add_argument("--algorithm", default=None,
                            help=f"one of {', '.join(ALGORITHMS)} (default: DEFAULT_ALGORITHM)")
        parser.add_argument("--params", default=None, help="JSON object of algorithm parameters")
        parser.add_argument("--force", action="store_true", help="retrain even if the data is unchanged")

    def handle(self, *args, algorithm, params, force, **options):
        try:
            outcome = model_retrain(algorithm=algorithm, params=params_from_json(params), force=force)
        except Exception as exc:  # model_train has marked the version failed; the active one is untouched
            detail = str(exc) if type(exc) is ValueError else f"{type(exc).__name__}: {exc}"
            raise CommandError(f"Retrain failed: {detail}") from exc
        self.stdout.write(str(outcome))
        if outcome.version_id is not None and outcome.status != "skipped":
            self.stdout.write(f"model version: {outcome.version_id}")
