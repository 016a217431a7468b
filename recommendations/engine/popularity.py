"""Popularity: the fallback for everyone and the baseline every other model must beat.

Interaction-type weights are applied by the caller (they arrive as the matrix values); time decay
is applied here when a half-life is given, so "popular" can mean "popular lately".
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

from .base import Recommender, rank_scores
from .data import decay_weights


class Popularity(Recommender):
    """Item score = sum of (decayed) interaction weights; optionally the same per category.

    ``count=True`` counts interactions instead of summing weights (the reference row in
    docs/evaluation.md is an interaction count).
    """

    name = "popularity"

    def __init__(self, count: bool = False, half_life_days: float | None = None):
        super().__init__(count=count, half_life_days=half_life_days)
        self.scores_: np.ndarray | None = None
        self.categories: np.ndarray | None = None

    def fit(self, X: sparse.csr_matrix, *, categories=None, timestamps=None, users=None, items=None,
            weights=None, now=None, **context) -> "Popularity":
        """Sum the matrix columns, or, with ``half_life_days`` and raw arrays, decayed weights.

        The decay needs per-interaction timestamps, which a summed CSR no longer has, so the caller
        passes ``items``/``weights``/``timestamps`` arrays when it wants decay.
        """
        self.n_items = X.shape[1]
        half_life = self.params["half_life_days"]
        if half_life and timestamps is not None and items is not None:
            w = np.ones(len(items), np.float32) if weights is None or self.params["count"] else weights
            w = decay_weights(w, timestamps, half_life, now)
            scores = np.bincount(np.asarray(items), weights=w, minlength=self.n_items)
        elif self.params["count"]:
            scores = np.diff(X.tocsc().indptr)
        else:
            scores = np.asarray(X.sum(axis=0)).ravel()
        self.scores_ = scores.astype(np.float32)
        self.categories = None if categories is None else np.asarray(categories, dtype=np.int64)
        return self

    def score(self, history_items=None, history_weights=None) -> np.ndarray:
        return self.scores_.copy()

    def score_users(self, H: sparse.csr_matrix) -> np.ndarray:
        return np.broadcast_to(self.scores_, (H.shape[0], self.n_items)).copy()

    def top_items(self, k: int = 10, category: int | None = None, exclude=None):
        """Most popular items overall, or within one category (categories given at fit time)."""
        allowed = None
        if category is not None:
            if self.categories is None:
                raise ValueError("fit() was given no categories")
            allowed = self.categories == int(category)
        return rank_scores(self.scores_, k, exclude=exclude, allowed_mask=allowed, positive_only=True)

    def top_items_per_category(self, k: int = 10) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """{category: (items, scores)} for every category seen at fit time."""
        if self.categories is None:
            raise ValueError("fit() was given no categories")
        return {int(c): self.top_items(k, category=int(c)) for c in np.unique(self.categories) if c >= 0}
