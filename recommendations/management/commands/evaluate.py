"""``manage.py evaluate``: compare algorithms offline on the database's interactions or on a file."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from recommendations.engine.evaluation import format_table
from recommendations.lifecycle.algorithms import ALGORITHMS
from recommendations.lifecycle.offline_evaluation import (
    FORMATS,
    PROTOCOLS,
    WEIGHT_TRANSFORMS,
    WEIGHTS,
    EvaluationError,
    algorithms_evaluate,
    evaluation_data_load,
    evaluation_options_check,
    served_weight_transform,
)

MAX_BAD_ROWS_PRINTED = 20


class Command(BaseCommand):
    help = """Compare algorithms offline: split the interactions, fit each algorithm on the training
part, rank every item the training part knows for each test user and report Precision@k, Recall@k,
nDCG@k, MAP@k, HitRate@k, catalog coverage and fit seconds (docs/evaluation.md).

Data: the database's interactions (default), or --input with a CSV file (user_id,item_id,
interaction_type[,interaction_value][,timestamp]) or, with --format movielens, a MovieLens folder
(ratings.csv + movies.csv, or ml-100k u.data). --split stratified is the reference 75/25 per-user
protocol; --weights binary (default) makes every row one positive, as the reference figures assume.
--weights value trains on interaction_value passed through the served weight transform
(TRAINING_WEIGHT_TRANSFORM, e.g. sqrt of the value normalised to mean 1), so the figure is the served
pipeline's; --weight-transform none|binary|sqrt|log1p evaluates another transform. Relevance stays
binary either way (every held-out row is one positive). --tune picks hyper-parameters on a validation slice of the training part, never the test part."""

    def add_arguments(self, parser):
        parser.add_argument(
            "--input", dest="input_path", default=None, help="a CSV file or MovieLens folder (default: the database)"
        )
        parser.add_argument("--format", dest="fmt", default="csv", help=f"file format: {' | '.join(FORMATS)}")
        parser.add_argument("--split", default="stratified", help=f"split protocol: {' | '.join(PROTOCOLS)}")
        parser.add_argument("--k", type=int, default=10, help="list length scored (default 10)")
        parser.add_argument("--algorithms", default=None, help="comma-separated names (default: all)")
        parser.add_argument("--weights", default="binary", help=f"training weights: {' | '.join(WEIGHTS)}")
        parser.add_argument(
            "--weight-transform", default=None,
            help=f"with --weights value: {' | '.join(WEIGHT_TRANSFORMS)} (default: TRAINING_WEIGHT_TRANSFORM)",
        )
        parser.add_argument("--half-life-days", type=float, default=None, help="time decay of training weights")
        parser.add_argument("--tune", action="store_true", help="tune hyper-parameters on a validation slice")
        parser.add_argument("--json", dest="as_json", action="store_true", help="print the result rows as JSON")

    def handle(self, *args, input_path, fmt, split, k, algorithms, weights, weight_transform, half_life_days, tune,
               as_json, **options):
        names = _names(algorithms) if algorithms is not None else list(ALGORITHMS)
        progress = None if as_json else self.stderr.write
        try:
            evaluation_options_check(protocol=split, k=k, algorithms=names, weights=weights, fmt=fmt,
                                     weight_transform=weight_transform)
            data = evaluation_data_load(source=input_path, fmt=fmt, weights=weights, weight_transform=weight_transform)
            self._report_bad_rows(data.bad_rows)
            rows = algorithms_evaluate(data=data, protocol=split, k=k, algorithms=names, tune=tune,
                                       half_life_days=half_life_days, progress=progress)
        except EvaluationError as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(_dumps(rows))
            return
        if weights != "binary":
            weights = f"{weights} ({weight_transform or served_weight_transform()})"
        self.stdout.write(_summary(data, rows, weights, tune))

        self.stdout.write(format_table(rows, k))

    def _report_bad_rows(self, bad_rows) -> None:
        for bad in bad_rows[:MAX_BAD_ROWS_PRINTED]:
            self.stderr.write(f"skipped bad row: {bad}")
        if len(bad_rows) > MAX_BAD_ROWS_PRINTED:
            self.stderr.write(f"... and {len(bad_rows) - MAX_BAD_ROWS_PRINTED} more bad rows")


def _names(text: str) -> list[str]:
    return list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))


def _summary(data, rows: list[dict], weights: str, tune: bool) -> str:
    data_part = data.interactions
    first = rows[0]
    return (
        f"{data.source}: {len(data_part):,} interactions, {len(set(data_part.users.tolist())):,} users, "
        f"{len(set(data_part.items.tolist())):,} items; {first['protocol']} split: {first['n_train']:,} train / "
        f"{first['n_test']:,} test rows, {first['n_users']:,} test users; weights {weights}"
        f"{'; tuned on a validation slice of the training part' if tune else ''}\n"
    )


def _dumps(rows: list[dict]) -> str:
    def plain(value):
        if hasattr(value, "item"):  # numpy scalars
            return value.item()
        if hasattr(value, "tolist"):
            return value.tolist()
        raise TypeError(f"not JSON serializable: {type(value).__name__}")

    return json.dumps(rows, indent=2, default=plain)
