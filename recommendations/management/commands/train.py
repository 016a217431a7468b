"""``manage.py train [--algorithm NAME] [--params JSON] [--activate]``."""
from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommendations.lifecycle.algorithms import ALGORITHMS
from recommendations.lifecycle.training import model_train
from recommendations.management.params import params_from_json
from recommendations.models import ModelVersion


class Command(BaseCommand):
    help = """Train a model on every interaction in the database, write its artifact and record a
ModelVersion. --algorithm defaults to DEFAULT_ALGORITHM; --params is a JSON object overriding the
algorithm's defaults (e.g. '{"lambda_": 200}' for ease); --activate serves it at once.
A failed training leaves a version marked 'failed' (the error in its notes), no artifact, and the
active version as it was."""

    def add_arguments(self, parser):
        parser.add_argument("--algorithm", default=None, help=f"one of {', '.join(ALGORITHMS)}")
        parser.add_argument("--params", default=None, help="JSON object of algorithm parameters")
        parser.add_argument("--activate", action="store_true", help="make the new version the active one")

    def handle(self, *args, algorithm, params, activate, **options):
        params = params_from_json(params)
        newest_before = ModelVersion.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        try:
            version = model_train(algorithm=algorithm, params=params, activate=activate)
        except Exception as exc:  # the message is the report; --traceback shows the rest
            raise CommandError(_failure(exc, algorithm, newest_before)) from exc
        self.stdout.write(_summary(version))


def _failure(exc: Exception, algorithm: str | None, newest_before: int) -> str:
    """The error, naming the version model_train marked failed (none if it failed before creating one)."""
    name = algorithm or settings.DEFAULT_ALGORITHM
    failed = (
        ModelVersion.objects.filter(pk__gt=newest_before, status=ModelVersion.Status.FAILED).order_by("-pk").first()
    )
    where = f" (model version {failed.pk} marked failed)" if failed else ""
    # ValueError messages are written for people (unknown algorithm, bad parameters, no data).
    detail = str(exc) if type(exc) is ValueError else f"{type(exc).__name__}: {exc}"
    return f"Training {name} failed{where}: {detail}"


def _summary(version: ModelVersion) -> str:
    return "\n".join([
        f"Trained model version {version.pk} ({version.algorithm})",
        f"  params:           {json.dumps(version.params, sort_keys=True)}",
        f"  users:            {version.n_users}",
        f"  items:            {version.n_items}",
        f"  interactions:     {version.n_interactions}",
        f"  training seconds: {version.training_seconds:.3f}",
        f"  artifact:         {version.artifact_path}",
        f"  active:           {'yes' if version.is_active else 'no'}",
    ])
