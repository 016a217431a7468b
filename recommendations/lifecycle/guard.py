"""The retrain guard: is a newly trained configuration at least as good as the active one?

Protocol (docs/background-jobs.md): hold out each user's most recent interaction (leave-last-out by
time; a seeded sample of at most RETRAIN_GUARD_MAX_USERS users when there are more), fit the
candidate's algorithm and parameters on everything else, fit the active version's algorithm and
parameters on the same training part, and compare nDCG@10 on the held-out interactions. The
figures come from the engine's evaluation code, the same code behind ``manage.py evaluate``.

Both sides are refitted on the same part because the active artifact was trained on data that
includes much of today's holdout: scoring it as it is would reward it for remembering the test.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from recommendations.engine.evaluation import evaluate_models, is_not_worse
from recommendations.engine.splits import leave_last_train_mask
from recommendations.lifecycle.algorithms import build_model
from recommendations.lifecycle.offline_evaluation import evaluation_data_from_training
from recommendations.models import ModelVersion

K = 10
METRIC = "ndcg"
PROTOCOL = "leave_last"
SAMPLE_SEED = 0
REPORTED = ("ndcg", "precision", "recall", "map", "hit_rate", "coverage", "fit_seconds")


@dataclass(frozen=True)
class GuardReport:
    """What the guard measured; ``candidate`` is None when nobody had an interaction to hold out."""

    candidate: dict | None
    baseline: dict | None
    baseline_version: ModelVersion | None
    tolerance: float
    n_test_users: int = 0
    n_train: int = 0
    remark: str = ""

    @property
    def passed(self) -> bool:
        if self.candidate is None:
            return True
        return is_not_worse(self.candidate, self.baseline, metric=METRIC, tolerance=self.tolerance)

    def summary(self) -> str:
        """One sentence for ModelVersion.notes and the task result."""
        if self.candidate is None:
            return "Retrain guard: no user has two interactions, so nothing could be held out; activated unchecked."
        score = f"nDCG@{K} {self.candidate[METRIC]:.4f}"
        holdout = f"holdout: latest interaction of {self.n_test_users} users"
        if self.baseline is None:
            why = self.remark or "no active version to compare with"
            return f"Retrain guard passed ({why}): {score} ({holdout})."
        active = self.baseline_version
        other = f"{self.baseline[METRIC]:.4f} of active v{active.pk} ({active.algorithm})"
        if self.passed:
            return f"Retrain guard passed: {score} vs {other}, tolerance {self.tolerance} ({holdout})."
        return (f"Retrain guard rejected: {score} is below {other} by more than the tolerance "
                f"{self.tolerance} ({holdout}).")

    def as_metrics(self) -> dict:
        """ModelVersion.metrics: the candidate's nDCG@10 at the top, the whole comparison under "guard"."""
        guard = {
            "protocol": PROTOCOL, "k": K, "metric": METRIC, "tolerance": self.tolerance,
            "n_test_users": self.n_test_users, "n_train": self.n_train, "passed": self.passed,
            "candidate": _rounded(self.candidate),
            "baseline": None if self.baseline is None else {
                **_rounded(self.baseline), "version": self.baseline_version.pk,
                "algorithm": self.baseline_version.algorithm,
            },
        }
        if self.remark:
            guard["remark"] = self.remark
        top = {} if self.candidate is None else {f"{METRIC}@{K}": round(self.candidate[METRIC], 6)}
        return {**top, "guard": guard}


def _rounded(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {key: round(float(row[key]), 6) for key in REPORTED if key in row}


def holdout_split(interactions, *, max_users: int, seed: int = SAMPLE_SEED):
    """(train, test): the latest interaction of up to ``max_users`` users with two or more is test."""
    train_mask = leave_last_train_mask(interactions.users, interactions.timestamps)
    test_rows = np.flatnonzero(~train_mask)
    if len(test_rows) > max_users:
        # One test row per user, so sampling rows samples users; the rest go back to training.
        keep = np.random.default_rng(seed).choice(test_rows, size=max_users, replace=False)
        train_mask[:] = True
        train_mask[keep] = False
    return interactions.subset(train_mask), interactions.subset(~train_mask)


def guard_evaluate(*, candidate: ModelVersion, active: ModelVersion | None, data) -> GuardReport:
    """Compare the candidate's configuration with the active version's on one holdout of ``data``."""
    tolerance = settings.RETRAIN_GUARD_TOLERANCE
    # weights="value": the interaction values, which is what model_train fits on.
    evaluation = evaluation_data_from_training(data, weights="value")
    train, test = holdout_split(evaluation.interactions, max_users=settings.RETRAIN_GUARD_MAX_USERS)
    if len(test) == 0:
        return GuardReport(None, None, None, tolerance)
    models = {"candidate": build_model(candidate.algorithm, candidate.params)}
    remark = ""
    if active is not None and _same_configuration(candidate, active):
        remark = "same algorithm and parameters as the active version"
    elif active is not None:
        try:
            models["active"] = build_model(active.algorithm, active.params)
        except ValueError as exc:
            remark, active = f"the active version's configuration cannot be rebuilt: {exc}", None
    context = {} if evaluation.categories is None else {"categories": evaluation.categories}
    rows = evaluate_models(models, train, test, K, context=context,
                           half_life_days=settings.RECENCY_HALF_LIFE_DAYS)
    scores = {row["model"]: row for row in rows}
    # The same configuration on the same split scores the same: the candidate is its own baseline.
    baseline = scores.get("active", scores["candidate"] if active is not None else None)
    return GuardReport(scores["candidate"], baseline, active, tolerance, len(test), len(train), remark)


def _same_configuration(a: ModelVersion, b: ModelVersion) -> bool:
    return a.algorithm == b.algorithm and json.dumps(a.params, sort_keys=True) == json.dumps(b.params, sort_keys=True)
