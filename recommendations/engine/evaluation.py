"""Offline evaluation: fit models on a train part, rank for every test user, score the lists.

This is the one implementation behind ``manage.py evaluate``, the retrain guard and the benchmark
scripts, so figures from all three agree. Users are scored in batches with matrix products rather
than one request at a time: ml-latest-small evaluates in seconds.
"""
from __future__ import annotations

import time

import numpy as np
from scipy import sparse

from .data import Interactions, binarize
from .metrics import catalog_coverage, ranking_metrics
from .topk import top_k_rows

METRIC_KEYS = ("ndcg", "precision", "recall", "map", "hit_rate")


def recommend_batch(model, X: sparse.csr_matrix, users: np.ndarray, k: int, allowed_mask=None,
                    batch_size: int = 1024) -> np.ndarray:
    """(len(users), k) recommended items per user (training items removed), -1 padded."""
    out = np.full((len(users), k), -1, dtype=np.int64)
    for start in range(0, len(users), batch_size):
        H = X[users[start:start + batch_size]]
        S = np.array(model.score_users(H), dtype=np.float32, copy=True)
        if allowed_mask is not None:
            S[:, ~allowed_mask] = -np.inf
        rows, cols = H.nonzero()
        S[rows, cols] = -np.inf
        idx = top_k_rows(S, k)
        vals = np.take_along_axis(S, idx, axis=1)
        valid = vals > 0 if getattr(model, "positive_only", False) else np.isfinite(vals)
        out[start:start + len(idx), : idx.shape[1]] = np.where(valid, idx, -1)
    return out


def evaluate_recs(recs: np.ndarray, relevant: sparse.csr_matrix, k: int, n_train_items: int) -> dict:
    """Mean metrics over users (a user with an empty list scores zero) plus catalog coverage."""
    per_user = ranking_metrics(recs, relevant, k)
    row = {key: float(per_user[key].mean()) if len(recs) else 0.0 for key in METRIC_KEYS}
    row["coverage"] = catalog_coverage(recs, n_train_items)
    return row


def prepare(train: Interactions, test: Interactions, half_life_days: float | None = None):
    """Everything evaluation needs from a split: X, test users, their relevant items, candidates."""
    X = train.to_csr(half_life_days=half_life_days)
    users = np.unique(test.users)
    relevant = binarize(test.to_csr())[users]
    allowed = np.diff(X.tocsc().indptr) > 0  # "rank every item the training part knows"
    return X, users, relevant, allowed


def evaluate_models(models: dict, train: Interactions, test: Interactions, k: int = 10, *,
                    fit: bool = True, context: dict | None = None, half_life_days: float | None = None,
                    batch_size: int = 1024) -> list[dict]:
    """Fit (unless ``fit=False``) and evaluate each model; one result row (a dict) per model.

    Row keys: model, params, ndcg, precision, recall, map, hit_rate, coverage, fit_seconds,
    eval_seconds, n_users, k. ``context`` is passed to every ``fit`` (side data such as categories).
    """
    X, users, relevant, allowed = prepare(train, test, half_life_days)
    rows = []
    for name, model in models.items():
        start = time.perf_counter()
        if fit:
            model.fit(X, **(context or {}))
        fitted = time.perf_counter()
        recs = recommend_batch(model, X, users, k, allowed, batch_size)
        row = {"model": name, "params": model.get_params()}
        row.update(evaluate_recs(recs, relevant, k, int(allowed.sum())))
        row.update(fit_seconds=fitted - start if fit else 0.0, eval_seconds=time.perf_counter() - fitted,
                   n_users=len(users), k=k)
        rows.append(row)
    return rows


def is_not_worse(candidate: dict, baseline: dict | None, metric: str = "ndcg", tolerance: float = 0.0) -> bool:
    """Retrain guard: activate a candidate unless it loses more than ``tolerance`` on ``metric``."""
    return baseline is None or candidate[metric] >= baseline[metric] - tolerance


def format_table(rows: list[dict], k: int = 10) -> str:
    """Markdown table of result rows (model, params, metrics, coverage, fit seconds)."""
    head = (f"| model | params | nDCG@{k} | P@{k} | R@{k} | MAP@{k} | HitRate@{k} | coverage | fit s |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    lines = [head]
    for r in rows:
        params = ", ".join(f"{key}={_short(v)}" for key, v in r["params"].items() if key != "components")
        lines.append(
            f"| {r['model']} | {params} | {r['ndcg']:.4f} | {r['precision']:.4f} | {r['recall']:.4f} | "
            f"{r['map']:.4f} | {r['hit_rate']:.4f} | {r['coverage']:.4f} | {r['fit_seconds']:.1f} |"
        )
    return "\n".join(lines)


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
