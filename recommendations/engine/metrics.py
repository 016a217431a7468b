"""Ranking metrics, exactly as docs/evaluation.md defines them.

Inputs are a (n_users, k) array of recommended item indexes, padded with -1 where a list is
shorter than k, and a CSR matrix of relevant (test) items per user, same row order. Every function
returns one value per user, so averages (and "a user with no list counts as zero") are explicit.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse


def hit_matrix(recs: np.ndarray, relevant: sparse.csr_matrix) -> np.ndarray:
    """(n_users, k) bool: is the item at each position relevant? Padding (-1) is never a hit."""
    recs = np.asarray(recs)
    valid = recs >= 0
    rows = np.repeat(np.arange(recs.shape[0]), recs.shape[1]).reshape(recs.shape)
    # CSR lookup of (row, item) pairs; relevant has sorted, unique indices per row
    found = np.asarray(relevant[rows[valid], recs[valid]]).ravel() > 0
    hits = np.zeros(recs.shape, dtype=bool)
    hits[valid] = found
    return hits


def n_relevant(relevant: sparse.csr_matrix) -> np.ndarray:
    return np.diff(relevant.indptr)


def precision_at_k(hits: np.ndarray, k: int) -> np.ndarray:
    """hits / k (not / list length: a short list is penalised)."""
    return hits[:, :k].sum(axis=1) / k


def recall_at_k(hits: np.ndarray, n_rel: np.ndarray, k: int) -> np.ndarray:
    """hits / |relevant| (all test items of the user, even those the model could not know)."""
    return hits[:, :k].sum(axis=1) / np.maximum(n_rel, 1)


def ndcg_at_k(hits: np.ndarray, n_rel: np.ndarray, k: int) -> np.ndarray:
    """Binary-gain DCG / IDCG, IDCG over min(|relevant|, k) positions; rank r counts 1/log2(r+1)."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits[:, :k] * discounts).sum(axis=1)
    idcg = np.cumsum(discounts)[np.clip(np.minimum(n_rel, k), 1, k) - 1]
    return np.where(n_rel > 0, dcg / idcg, 0.0)


def map_at_k(hits: np.ndarray, n_rel: np.ndarray, k: int) -> np.ndarray:
    """(sum of precision@rank at each hit rank) / min(|relevant|, k)."""
    h = hits[:, :k]
    precision_at_rank = np.cumsum(h, axis=1) / np.arange(1, k + 1)
    return (precision_at_rank * h).sum(axis=1) / np.maximum(np.minimum(n_rel, k), 1)


def hit_rate_at_k(hits: np.ndarray, k: int) -> np.ndarray:
    return hits[:, :k].any(axis=1).astype(np.float64)


def catalog_coverage(recs: np.ndarray, n_train_items: int) -> float:
    """Distinct recommended items / items in training."""
    recs = np.asarray(recs)
    return len(np.unique(recs[recs >= 0])) / max(1, n_train_items)


def ranking_metrics(recs: np.ndarray, relevant: sparse.csr_matrix, k: int) -> dict[str, np.ndarray]:
    """All per-user metrics at k in one dict (keys: ndcg, precision, recall, map, hit_rate)."""
    recs = _pad(np.asarray(recs), k)
    hits = hit_matrix(recs, relevant)
    n_rel = n_relevant(relevant)
    return {
        "ndcg": ndcg_at_k(hits, n_rel, k),
        "precision": precision_at_k(hits, k),
        "recall": recall_at_k(hits, n_rel, k),
        "map": map_at_k(hits, n_rel, k),
        "hit_rate": hit_rate_at_k(hits, k),
    }


def _pad(recs: np.ndarray, k: int) -> np.ndarray:
    if recs.ndim != 2:
        raise ValueError("recs must be (n_users, k)")
    if recs.shape[1] >= k:
        return recs[:, :k]
    pad = np.full((recs.shape[0], k - recs.shape[1]), -1, dtype=recs.dtype)
    return np.hstack([recs, pad])
