"""Offline evaluation from Django: interactions from the database or a file -> engine evaluation.

``manage.py evaluate`` and the retrain guard call these functions, so their figures agree. The
numbers themselves come from the engine (``engine.splits`` for the split protocols,
``engine.evaluation`` for fitting and scoring); this module only loads and indexes the data,
checks the options and, with ``tune=True``, picks hyper-parameters on a validation slice of the
training part (never the test part).

With ``weights="binary"`` (the default) every row is one positive of weight 1, the protocol of
docs/evaluation.md, so figures can be set beside the reference ones; ``weights="value"`` trains on
``interaction_value`` passed through the served weight transform (``TRAINING_WEIGHT_TRANSFORM``,
``engine.data.transform_weights``), exactly what ``model_train`` fits on, unless ``weight_transform``
names another one. Relevance stays binary either way: every held-out row is one positive.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommendations.engine.data import (
    WEIGHT_TRANSFORMS,
    Interactions,
    decay_weights,
    interactions_transform,
)
from recommendations.engine.evaluation import evaluate_models
from recommendations.engine.splits import split
from recommendations.engine.tuning import param_grid, tune, tune_blend
from recommendations.events.importing.errors import ImportFileError
from recommendations.events.importing.readers import source_open
from recommendations.events.importing.rows import BadRow
from recommendations.lifecycle.algorithms import ALGORITHMS, build_model
from recommendations.lifecycle.training import training_data_load

log = logging.getLogger(__name__)

PROTOCOLS = ("stratified", "random", "leave_last")
FORMATS = ("csv", "movielens")
WEIGHTS = ("binary", "value")
# The validation slice carved out of the training part when tuning (docs/evaluation.md: 90/10 per user).
VALIDATION_SPLIT = {"stratified": {"ratio": 0.9}, "random": {"test_fraction": 0.1}, "leave_last": {}}
TUNING_METRIC = "ndcg"
# Candidate parameters per algorithm (engine.tuning.param_grid form); others keep their defaults.
TUNING_GRIDS: dict[str, dict[str, list]] = {
    "ease": {"lambda_": [10.0, 50.0, 100.0, 200.0, 500.0, 1000.0]},
    "itemknn": {"top_k": [50, 100, 200], "shrink": [0.0, 10.0]},
    "rp3beta": {"alpha": [0.5, 0.8, 1.0], "beta": [0.2, 0.35, 0.5]},
    "als": {"factors": [128, 256], "regularization": [10.0, 30.0]},
}
# Blend weight candidates for each hybrid component (the first component is fixed at 1.0).
BLEND_WEIGHTS = (0.0, 0.1, 0.3, 0.5, 1.0)

Progress = Callable[[str], None]


class EvaluationError(ValueError):
    """Bad options or data (unknown algorithm, missing file, empty split, ...); the message says which."""


@dataclass(frozen=True)
class EvaluationData:
    """An interaction log as engine arrays, in a fixed row order (the stratified split depends on it)."""

    interactions: "object"  # engine.data.Interactions
    source: str
    categories: np.ndarray | None = None  # category index per item index, -1 for none
    bad_rows: tuple[str, ...] = ()


def evaluation_options_check(*, protocol: str, k: int, algorithms: Sequence[str], weights: str = "binary",
                             fmt: str = "csv", weight_transform: str | None = None) -> None:
    """Raise EvaluationError for options that cannot work, before any data is read."""
    if protocol not in PROTOCOLS:
        raise EvaluationError(f"Unknown split {protocol!r}; choose one of {', '.join(PROTOCOLS)}.")
    if k < 1:
        raise EvaluationError(f"k must be at least 1, not {k}.")
    if weights not in WEIGHTS:
        raise EvaluationError(f"Unknown weights {weights!r}; choose one of {', '.join(WEIGHTS)}.")
    if fmt not in FORMATS:
        raise EvaluationError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if weight_transform is not None and weight_transform not in WEIGHT_TRANSFORMS:
        raise EvaluationError(
            f"Unknown weight transform {weight_transform!r}; choose one of {', '.join(WEIGHT_TRANSFORMS)}."
        )
    if not algorithms:
        raise EvaluationError("Name at least one algorithm.")
    unknown = [name for name in algorithms if name not in ALGORITHMS]
    if unknown:
        raise EvaluationError(
            f"Unknown algorithm {', '.join(map(repr, unknown))}; choose from {', '.join(ALGORITHMS)}."
        )


# --- Loading -------------------------------------------------------------------------------------

def evaluation_data_load(*, source: str | Path | None = None, fmt: str = "csv", weights: str = "binary",
                         weight_transform: str | None = None) -> EvaluationData:
    """The database's interactions (``source=None``) or a CSV file / MovieLens folder's.

    ``weight_transform`` applies with ``weights="value"`` only; None means the served one.
    """
    if source is None:
        return evaluation_data_from_training(training_data_load(), weights=weights,
                                             weight_transform=weight_transform)
    return _file_data_load(Path(source), fmt, weights, weight_transform)


def served_weight_transform() -> str:
    """The transform ``model_train`` applies (settings.TRAINING_WEIGHT_TRANSFORM)."""
    from django.conf import settings

    return getattr(settings, "TRAINING_WEIGHT_TRANSFORM", "none")


def _valued(interactions, weight_transform: str | None):
    """Interaction values -> training weights, as model_train does (scale over all rows loaded)."""
    return interactions_transform(interactions, weight_transform or served_weight_transform())[0]


def evaluation_data_from_training(data, *, weights: str = "binary",
                                  weight_transform: str | None = None) -> EvaluationData:
    """A ``training.TrainingData`` as evaluation data (the retrain guard passes the one it trained on).

    COPY returns rows in no guaranteed order, so rows are put in a canonical order (time, user,
    item): the same data then always splits the same way.
    """
    rows = data.interactions
    order = np.lexsort((rows.items, rows.users, rows.timestamps))
    interactions = rows.subset(order)
    interactions = _binary(interactions) if weights == "binary" else _valued(interactions, weight_transform)
    return EvaluationData(interactions, "database", np.asarray(data.item_categories))


def _binary(interactions):
    return Interactions(
        interactions.users, interactions.items, np.ones(len(interactions), np.float32),
        interactions.timestamps, interactions.n_users, interactions.n_items,
    )


def _file_data_load(path: Path, fmt: str, weights: str, weight_transform: str | None = None) -> EvaluationData:
    """Read with the importer's readers (same formats, same bad-row rules), keeping the file's row order."""
    try:
        source = source_open(path, fmt)
    except ImportFileError as exc:
        raise EvaluationError(str(exc)) from exc
    users, items, values, stamps, bad = [], [], [], [], []
    for row in source.interactions():
        if isinstance(row, BadRow):
            bad.append(str(row))
            continue
        user_id, item_id, _type, value, moment = row[:5]
        users.append(user_id)
        items.append(item_id)
        values.append(value)
        stamps.append(int(moment.timestamp()) if moment is not None else 0)
    if not users:
        raise EvaluationError(f"{path}: no usable interaction rows.")
    user_ids, user_index = np.unique(np.asarray(users, np.int64), return_inverse=True)
    item_ids, item_index = np.unique(np.asarray(items, np.int64), return_inverse=True)
    weight = np.ones(len(users), np.float32) if weights == "binary" else np.asarray(values, np.float32)
    interactions = Interactions.from_arrays(
        user_index, item_index, weight, np.asarray(stamps, np.int64), n_users=len(user_ids), n_items=len(item_ids),
    )
    if weights != "binary":
        interactions = _valued(interactions, weight_transform)
    return EvaluationData(interactions, str(path), _file_categories(source, item_ids), tuple(bad))


def _file_categories(source, item_ids: np.ndarray) -> np.ndarray | None:
    """Category index per item from a MovieLens item file (first genre), or None without one."""
    if source.items is None:
        return None
    category_of = {row[0]: row[3] for row in source.items() if isinstance(row, tuple) and row[3]}
    names = sorted(set(category_of.values()))
    position = {name: i for i, name in enumerate(names)}
    return np.fromiter((position.get(category_of.get(int(i)), -1) for i in item_ids), np.int64, len(item_ids))


# --- Evaluating ----------------------------------------------------------------------------------

def evaluation_run(*, source: str | Path | None = None, fmt: str = "csv", protocol: str = "stratified",
                   k: int = 10, algorithms: Sequence[str] | None = None, weights: str = "binary",
                   weight_transform: str | None = None, tune: bool = False,
                   half_life_days: float | None = None, progress: Progress | None = None) -> list[dict]:
    """Load the data (database when ``source`` is None) and compare algorithms; one row per algorithm."""
    algorithms = list(algorithms or ALGORITHMS)
    evaluation_options_check(protocol=protocol, k=k, algorithms=algorithms, weights=weights, fmt=fmt,
                             weight_transform=weight_transform)
    data = evaluation_data_load(source=source, fmt=fmt, weights=weights, weight_transform=weight_transform)
    return algorithms_evaluate(data=data, protocol=protocol, k=k, algorithms=algorithms, tune=tune,
                               half_life_days=half_life_days, progress=progress)


def algorithms_evaluate(*, data: EvaluationData, protocol: str = "stratified", k: int = 10,
                        algorithms: Sequence[str], params: dict[str, dict] | None = None, tune: bool = False,
                        half_life_days: float | None = None, progress: Progress | None = None) -> list[dict]:
    """Split once, then fit and score each algorithm on the same split.

    Row keys: those of ``engine.evaluation.evaluate_models`` (model, params, ndcg, precision,
    recall, map, hit_rate, coverage, fit_seconds, eval_seconds, n_users, k) plus protocol,
    n_train, n_test and, when tuned, validation_ndcg.
    """
    evaluation_options_check(protocol=protocol, k=k, algorithms=algorithms)
    if len(data.interactions) == 0:
        raise EvaluationError("There are no interactions to evaluate on.")
    train, test = split(data.interactions, protocol)
    if len(train) == 0 or len(test) == 0:
        raise EvaluationError(
            f"The {protocol} split left {len(train)} training and {len(test)} test rows; "
            "it needs users with at least two interactions."
        )
    context = _context(data)
    chosen, validation = dict(params or {}), {}
    if tune:
        chosen, validation = parameters_tune(
            train=train, protocol=protocol, k=k, algorithms=algorithms, context=context,
            half_life_days=half_life_days, progress=progress,
        )
    rows = []
    for name in algorithms:
        _say(progress, f"evaluating {name} ...")
        row = _evaluate_one(name, chosen.get(name), train, test, k, context, half_life_days)
        row.update(protocol=protocol, n_train=len(train), n_test=len(test))
        if name in validation:
            row["validation_ndcg"] = validation[name]
        rows.append(row)
    return rows


def _evaluate_one(name, params, train, test, k, context, half_life_days) -> dict:
    try:
        model = build_model(name, params)
    except ValueError as exc:
        raise EvaluationError(str(exc)) from exc
    return evaluate_models({name: model}, train, test, k, context=context, half_life_days=half_life_days)[0]


def _context(data: EvaluationData) -> dict:
    return {} if data.categories is None else {"categories": data.categories}


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)
    else:
        log.info(message)


# --- Tuning on a validation slice of the training part (engine.tuning) -----------------------

def parameters_tune(*, train, protocol: str, k: int, algorithms: Sequence[str], context: dict | None = None,
                    half_life_days: float | None = None,
                    progress: Progress | None = None) -> tuple[dict[str, dict], dict[str, float]]:
    """({algorithm: best params}, {algorithm: validation nDCG}) chosen on a slice of ``train`` only.

    The slice is cut from the training part with the same protocol as the test split (90/10 per
    user for stratified). Each algorithm with a grid in TUNING_GRIDS tries every candidate
    (``engine.tuning.tune``); the hybrid takes its components' tuned parameters, fits them once
    and searches blend weights and normalisation (``engine.tuning.tune_blend``).
    """
    fit_part, validation = split(train, protocol, **VALIDATION_SPLIT[protocol])
    if len(fit_part) == 0 or len(validation) == 0:
        raise EvaluationError("The training part is too small to carve a validation slice out of it.")
    fit_part = _decayed(fit_part, half_life_days)
    wanted = list(algorithms)
    components = build_model("hybrid").get_params()["components"] if "hybrid" in wanted else {}
    chosen, scores = {}, {}
    for name in dict.fromkeys([*wanted, *components]):
        if name in TUNING_GRIDS:
            _say(progress, f"tuning {name} on the validation slice ({len(param_grid(TUNING_GRIDS[name]))} "
                           "candidates) ...")
            chosen[name], rows = tune(ALGORITHMS[name], TUNING_GRIDS[name], fit_part, k, TUNING_METRIC,
                                      context=context, validation=(fit_part, validation))
            scores[name] = max(row[TUNING_METRIC] for row in rows)
    if "hybrid" in wanted:
        _say(progress, "tuning the hybrid blend weights on the validation slice ...")
        component_params = {name: chosen.get(name, {}) for name in components}
        chosen["hybrid"], scores["hybrid"] = _blend_tune(component_params, fit_part, validation, k, context)
    return ({name: chosen[name] for name in wanted if name in chosen},
            {name: scores[name] for name in wanted if name in scores})


def _blend_tune(component_params: dict[str, dict], fit_part, validation, k, context) -> tuple[dict, float]:
    X = fit_part.to_csr()
    fitted = {name: build_model(name, params).fit(X, **(context or {})) for name, params in component_params.items()}
    first, *others = fitted
    grid = {first: [1.0], **{name: list(BLEND_WEIGHTS) for name in others}}
    best, rows = tune_blend(fitted, fit_part, validation, grid, k=k, metric=TUNING_METRIC)
    return {**best, "components": component_params}, max(row[TUNING_METRIC] for row in rows)


def _decayed(part, half_life_days: float | None):
    """The part with time-decayed weights baked in (the engine's tuning fits on undecayed weights)."""
    if not half_life_days:
        return part

    weights = decay_weights(part.weights, part.timestamps, half_life_days)
    return Interactions(part.users, part.items, weights, part.timestamps, part.n_users, part.n_items)
