"""Hybrid: a weighted blend of per-user normalised component scores, backfilled with popularity.

Components score on different scales (EASE weights, kNN similarity sums, ALS dot products), so
each component's scores are normalised per user before blending. Weights are tuned on a
validation slice (:func:`tuning.tune_blend`). When the blend yields fewer than k usable items
(e.g. a brand-new user, or every component pruned an item away), popularity fills the list.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

from .base import Recommender, rank_scores
from .popularity import Popularity

NORMALIZERS = ("max", "zscore", "minmax", "none")


def normalize_rows(S: np.ndarray, method: str = "max", mask: np.ndarray | None = None) -> np.ndarray:
    """Per-row rescaling so components are comparable; ``mask`` marks entries to leave out of the stats.

    -inf (an item a component cannot score) becomes 0 after normalisation: it then neither helps
    nor blocks the item, and another component can still rank it.
    """
    S = np.array(S, dtype=np.float32, copy=True)
    finite = np.isfinite(S)
    S[~finite] = 0.0
    stats = finite if mask is None else finite & ~mask
    if method == "none":
        return S
    if method == "max":
        top = np.max(np.where(stats, np.abs(S), 0.0), axis=1, keepdims=True)
        return S / np.where(top > 0, top, 1.0)
    count = np.maximum(stats.sum(axis=1, keepdims=True), 1)
    if method == "zscore":
        mean = np.where(stats, S, 0.0).sum(axis=1, keepdims=True) / count
        var = np.where(stats, (S - mean) ** 2, 0.0).sum(axis=1, keepdims=True) / count
        std = np.sqrt(var)
        return np.where(finite, (S - mean) / np.where(std > 0, std, 1.0), 0.0).astype(np.float32)
    if method == "minmax":
        lo = np.min(np.where(stats, S, np.inf), axis=1, keepdims=True)
        hi = np.max(np.where(stats, S, -np.inf), axis=1, keepdims=True)
        span = np.where(hi > lo, hi - lo, 1.0)
        return np.where(finite, (S - lo) / span, 0.0).astype(np.float32)
    raise ValueError(f"unknown normalisation {method!r}; use one of {NORMALIZERS}")


class Hybrid(Recommender):
    """score(u) = sum_c weight_c * normalise(score_c(u)); components with weight 0 are skipped.

    ``components`` maps a name to a Recommender (fitted here unless ``prefitted=True``).
    """

    name = "hybrid"

    def __init__(self, components: dict, weights: dict | None = None, normalize: str = "max",
                 backfill: Recommender | None = None, prefitted: bool = False):
        weights = weights or {name: 1.0 for name in components}
        super().__init__(
            weights=dict(weights), normalize=normalize,
            components={name: model.get_params() for name, model in components.items()},
        )
        self.components = dict(components)
        self.weights = dict(weights)
        self.normalize = normalize
        self.backfill = backfill if backfill is not None else Popularity()
        self.prefitted = prefitted

    def weighted_components(self) -> list[tuple[str, Recommender, float]]:
        return [(name, self.components[name], w) for name, w in self.weights.items() if w]

    def item_similarity_matrix(self) -> sparse.csr_matrix | None:
        """The matrix of the first weighted component that has one (e.g. ItemKNN in the served blend)."""
        for _, component, _ in self.weighted_components():
            matrix = component.item_similarity_matrix()
            if matrix is not None:
                return matrix
        return None

    def fit(self, X: sparse.csr_matrix, **context) -> "Hybrid":
        self.n_items = X.shape[1]
        if not self.prefitted:
            for _, model, _ in self.weighted_components():
                model.fit(X, **context)
        self.backfill.fit(X, **context)
        return self

    def score_users(self, H: sparse.csr_matrix) -> np.ndarray:
        seen = _seen_mask(H)
        total = np.zeros((H.shape[0], self.n_items), dtype=np.float32)
        for _, model, weight in self.weighted_components():
            total += weight * normalize_rows(model.score_users(H), self.normalize, seen)
        return total

    def score(self, history_items, history_weights=None) -> np.ndarray:
        return self._blend_one(np.asarray(history_items, dtype=np.int64), history_weights)[0]

    def _blend_one(self, items: np.ndarray, weights):
        """(blended scores, support) for one history; support = items some component can rank."""
        seen = np.zeros((1, self.n_items), dtype=bool)
        seen[0, items] = True
        total = np.zeros(self.n_items, dtype=np.float32)
        support = np.zeros(self.n_items, dtype=bool)
        if len(items) == 0:
            return total, support
        for _, model, weight in self.weighted_components():
            s = model.score(items, weights)
            support |= s > 0 if model.positive_only else np.isfinite(s)
            total += weight * normalize_rows(s[None, :], self.normalize, seen)[0]
        return total, support

    def recommend(self, history_items, history_weights=None, k: int = 10, exclude=None,
                  allowed_mask=None, exclude_seen: bool = True):
        """Blend, then fill any remaining places with the most popular items not already chosen."""
        items = np.asarray(history_items, dtype=np.int64)
        seen = items if exclude_seen else None
        scores, support = self._blend_one(items, history_weights)
        scores[~support] = -np.inf  # no component has evidence for these: leave them to the backfill
        idx, vals = rank_scores(scores, k, seen=seen, exclude=exclude, allowed_mask=allowed_mask)
        if len(idx) >= k:
            return idx, vals
        more = np.r_[np.asarray(exclude if exclude is not None else [], np.int64), idx]
        fill, _ = self.backfill.recommend(items, None, k - len(idx), exclude=more,
                                          allowed_mask=allowed_mask, exclude_seen=exclude_seen)
        floor = (vals.min() if len(vals) else 0.0) - 1.0
        fill_scores = floor - np.arange(len(fill), dtype=np.float32)  # below every blended item
        return np.r_[idx, fill].astype(np.int64), np.r_[vals, fill_scores].astype(np.float32)


def _seen_mask(H: sparse.csr_matrix) -> np.ndarray:
    mask = np.zeros(H.shape, dtype=bool)
    rows, cols = H.nonzero()
    mask[rows, cols] = True
    return mask
