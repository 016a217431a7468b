"""Hyper-parameter tuning on a validation slice of the TRAINING part (never on the test part).

The training part is split again per user (stratified, 90/10 by default); each candidate is
fitted on the 90 % and scored on the 10 %. The winner is then refitted on the whole training part
by the caller.
"""
from __future__ import annotations

import itertools

import numpy as np

from .data import Interactions
from .evaluation import evaluate_models, evaluate_recs, prepare
from .hybrid import normalize_rows
from .splits import split
from .topk import top_k_rows


def validation_split(train: Interactions, ratio: float = 0.9, seed: int = 42):
    """(fit part, validation part) of the training interactions, per-user stratified."""
    return split(train, "stratified", ratio=ratio, seed=seed)


def param_grid(grid: dict) -> list[dict]:
    """{'a': [1, 2], 'b': [3]} -> [{'a': 1, 'b': 3}, {'a': 2, 'b': 3}]"""
    keys = list(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*(grid[key] for key in keys))]


def tune(factory, grid: dict, train: Interactions, k: int = 10, metric: str = "ndcg", *,
         ratio: float = 0.9, seed: int = 42, context: dict | None = None, validation=None):
    """Best params of ``factory(**params)`` over a small grid, judged on the validation slice.

    Returns (best_params, rows) where rows hold every candidate's validation metrics. Pass
    ``validation=(fit_part, val_part)`` to reuse one split across several models.
    """
    fit_part, val_part = validation or validation_split(train, ratio, seed)
    rows = []
    for params in param_grid(grid):
        row = evaluate_models({factory.__name__: factory(**params)}, fit_part, val_part, k, context=context)[0]
        row["params"] = params
        rows.append(row)
    best = max(rows, key=lambda r: r[metric])
    return best["params"], rows


def tune_blend(components: dict, fit_part: Interactions, val_part: Interactions, weight_grid: dict,
               normalizers=("max", "zscore"), k: int = 10, metric: str = "ndcg"):
    """Blend weights (and normalisation) for a Hybrid, from components ALREADY fitted on ``fit_part``.

    Each component scores the validation users once; every weight combination is then only a
    weighted sum of cached matrices and a top-k, so a grid of hundreds of combinations takes seconds.
    Returns ({"weights": {...}, "normalize": str}, rows).
    """
    X, users, relevant, allowed = prepare(fit_part, val_part)
    H = X[users]
    seen = np.zeros(H.shape, dtype=bool)
    seen[H.nonzero()] = True
    raw = {name: model.score_users(H) for name, model in components.items()}
    rows = []
    for method in normalizers:
        cached = {name: normalize_rows(S, method, seen) for name, S in raw.items()}
        for weights in param_grid(weight_grid):
            if not any(weights.values()):
                continue
            total = sum(w * cached[name] for name, w in weights.items() if w)
            total[:, ~allowed] = -np.inf
            total[seen] = -np.inf
            row = evaluate_recs(top_k_rows(total, k), relevant, k, int(allowed.sum()))
            row.update(weights=weights, normalize=method)
            rows.append(row)
    best = max(rows, key=lambda r: r[metric])
    return {"weights": best["weights"], "normalize": best["normalize"]}, rows
