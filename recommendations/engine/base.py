"""The interface every model shares, and the ranking code they all use.

Scoring works from a *history vector* (item indexes + weights), never from a stored user row: a new
interaction changes the very next list without retraining, and users unknown at training time are
served the same way as known ones.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

from .artifacts import load_artifact, save_artifact
from .data import history_row
from .topk import top_k


class Recommender:
    """Base class. Subclasses implement ``fit`` and ``score_users`` (and usually a faster ``score``).

    ``positive_only`` marks models whose score 0 means "no evidence" (neighbourhood models): such
    items are not returned, so a list can be shorter than ``k`` and a hybrid can backfill it.
    """

    name = "base"
    positive_only = False

    def __init__(self, **params):
        self.params = dict(params)
        self.n_items = 0

    # -- to implement -------------------------------------------------------------------------
    def fit(self, X: sparse.csr_matrix, **context) -> "Recommender":
        """Learn from the weighted user-item matrix. ``context`` carries optional side data."""
        raise NotImplementedError

    def score_users(self, H: sparse.csr_matrix) -> np.ndarray:
        """Scores (n_rows x n_items, float32) for a batch of history rows; used by evaluation."""
        raise NotImplementedError

    # -- shared behaviour -----------------------------------------------------------------------
    def score(self, history_items, history_weights=None) -> np.ndarray:
        """Scores over all items for one history. Subclasses override with a faster path."""
        return self.score_users(history_row(history_items, history_weights, self.n_items))[0]

    def recommend(self, history_items, history_weights=None, k: int = 10, exclude=None,
                  allowed_mask=None, exclude_seen: bool = True):
        """Top-k (item_indexes, scores) for one history, best first.

        Items in the history are left out unless ``exclude_seen=False``; ``exclude`` removes more
        items and ``allowed_mask`` (bool per item) restricts to a subset (e.g. in-stock items).
        """
        history_items = np.asarray(history_items, dtype=np.int64)
        scores = self.score(history_items, history_weights)
        return rank_scores(
            scores, k, seen=history_items if exclude_seen else None, exclude=exclude,
            allowed_mask=allowed_mask, positive_only=self.positive_only,
        )

    def similar_items(self, item_index: int, k: int = 10):
        """Items most similar to one item, best first, the item itself excluded."""
        raise NotImplementedError(f"{self.name} does not define item similarity")

    def weighted_components(self) -> list[tuple[str, "Recommender", float]]:
        """(name, model, weight) of each model a blend is made of, weight non-zero; [] for a single model."""
        return []

    def item_similarity_matrix(self) -> sparse.csr_matrix | None:
        """``W[i, j]``: how much item i in a history supports item j, for models scored that way (the
        item that explains a recommendation); None for the others."""
        return None

    def get_params(self) -> dict:
        return dict(self.params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"

    def save(self, path, *, key, item_ids=None, metrics=None) -> None:
        """Write this model alone as an HMAC-signed artifact, atomically; see :mod:`artifacts` (training
        writes an :class:`artifacts.Artifact` with its weight transform and content index)."""
        save_artifact(path, self, key=key, item_ids=item_ids, params=self.get_params(), metrics=metrics)

    @staticmethod
    def load(path, *, key):
        """The :class:`artifacts.Artifact` at ``path``, or None (logged) if unusable."""
        return load_artifact(path, key=key)


def rank_scores(scores: np.ndarray, k: int, *, seen=None, exclude=None, allowed_mask=None,
                positive_only: bool = False):
    """Mask unwanted items with -inf, take the top k, drop masked (and, optionally, non-positive) ones."""
    scores = np.array(scores, dtype=np.float32, copy=True)
    if seen is not None and len(seen):
        scores[seen] = -np.inf
    if exclude is not None and len(exclude):
        scores[np.asarray(exclude, dtype=np.int64)] = -np.inf
    if allowed_mask is not None:
        scores[~np.asarray(allowed_mask, dtype=bool)] = -np.inf
    idx = top_k(scores, k)
    vals = scores[idx]
    keep = vals > 0 if positive_only else np.isfinite(vals)
    return idx[keep], vals[keep]


class ItemSimilarityModel(Recommender):
    """Models whose score is ``history @ W`` for a sparse item-item matrix W (kNN, RP3beta, content).

    ``W[i, j]`` is how much having item i supports recommending item j; ``neighbours`` row i holds
    the items most similar to i (for "similar items" and cold start).
    """

    positive_only = True

    def __init__(self, **params):
        super().__init__(**params)
        self.W: sparse.csr_matrix | None = None
        self.neighbours: sparse.csr_matrix | None = None

    def score_users(self, H: sparse.csr_matrix) -> np.ndarray:
        return np.asarray((H @ self.W).todense(), dtype=np.float32)

    def score(self, history_items, history_weights=None) -> np.ndarray:
        """Weighted sum of the history items' rows of W: a handful of sparse rows, so it is fast."""
        items = np.asarray(history_items, dtype=np.int64)
        weights = np.ones(len(items), np.float32) if history_weights is None else np.asarray(history_weights, np.float32)
        if len(items) == 0:
            return np.zeros(self.n_items, dtype=np.float32)
        rows = self.W[items]
        row_of_entry = np.repeat(weights, np.diff(rows.indptr))
        out = np.bincount(rows.indices, weights=rows.data * row_of_entry, minlength=self.n_items)
        return out.astype(np.float32)

    def item_similarity_matrix(self) -> sparse.csr_matrix | None:
        return self.W

    def similar_items(self, item_index: int, k: int = 10):
        row = self.neighbours[int(item_index)]
        order = np.argsort(-row.data, kind="stable")
        idx, vals = row.indices[order], row.data[order]
        keep = idx != int(item_index)
        return idx[keep][:k].astype(np.int64), vals[keep][:k]
