"""Interaction arrays and the sparse user-item matrix every model is fitted on.

Django code maps user and item ids to contiguous indexes; from here on everything is arrays.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Interactions:
    """Parallel arrays of one interaction log, plus the index space sizes.

    ``n_users`` / ``n_items`` are kept explicitly so that a split (train or test part) keeps the
    full index space: an item only seen in the test part still has a column.
    """

    users: np.ndarray
    items: np.ndarray
    weights: np.ndarray
    timestamps: np.ndarray
    n_users: int
    n_items: int

    @classmethod
    def from_arrays(cls, users, items, weights=None, timestamps=None, n_users=None, n_items=None):
        """Build from any array-likes; weights default to 1 and timestamps to 0."""
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        n = len(users)
        weights = np.ones(n, np.float32) if weights is None else np.asarray(weights, np.float32)
        timestamps = np.zeros(n, np.int64) if timestamps is None else np.asarray(timestamps, np.int64)
        n_users = int(users.max()) + 1 if n_users is None else int(n_users)
        n_items = int(items.max()) + 1 if n_items is None else int(n_items)
        return cls(users, items, weights, timestamps, n_users, n_items)

    def __len__(self) -> int:
        return len(self.users)

    def subset(self, mask: np.ndarray) -> "Interactions":
        """Rows selected by a boolean mask (or index array), same index space."""
        return Interactions(
            self.users[mask], self.items[mask], self.weights[mask], self.timestamps[mask],
            self.n_users, self.n_items,
        )

    def with_weights(self, weights) -> "Interactions":
        """The same rows with other weights (e.g. :func:`transform_weights` of these)."""
        return Interactions(self.users, self.items, np.asarray(weights, np.float32), self.timestamps,
                            self.n_users, self.n_items)

    def to_csr(self, half_life_days: float | None = None, now: float | None = None) -> sparse.csr_matrix:
        """The weighted user-item matrix; see :func:`build_csr`."""
        return build_csr(
            self.users, self.items, self.weights, self.timestamps,
            n_users=self.n_users, n_items=self.n_items, half_life_days=half_life_days, now=now,
        )


def decay_weights(weights, timestamps, half_life_days: float | None, now: float | None = None) -> np.ndarray:
    """Exponential time decay: an interaction ``half_life_days`` old counts half.

    ``now`` defaults to the newest timestamp so results do not depend on the wall clock (which keeps
    offline evaluation reproducible). Future timestamps are clipped to age 0.
    """
    weights = np.asarray(weights, dtype=np.float32)
    if not half_life_days:
        return weights
    timestamps = np.asarray(timestamps, dtype=np.float64)
    now = float(timestamps.max()) if now is None and len(timestamps) else (now or 0.0)
    age_days = np.maximum(now - timestamps, 0.0) / SECONDS_PER_DAY
    return (weights * np.exp2(-age_days / half_life_days)).astype(np.float32)


def build_csr(users, items, weights=None, timestamps=None, *, n_users=None, n_items=None,
              half_life_days: float | None = None, now: float | None = None) -> sparse.csr_matrix:
    """Arrays -> float32 CSR (users x items). Repeated (user, item) pairs are summed.

    Summing duplicates is what the caller wants: two purchases are more evidence than one; the
    interaction-type weights are applied by the caller before this call.
    """
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    if weights is None:
        weights = np.ones(len(users), np.float32)
    if timestamps is not None and half_life_days:
        weights = decay_weights(weights, timestamps, half_life_days, now)
    n_users = int(users.max()) + 1 if n_users is None else int(n_users)
    n_items = int(items.max()) + 1 if n_items is None else int(n_items)
    X = sparse.csr_matrix(
        (np.asarray(weights, np.float32), (users, items)), shape=(n_users, n_items), dtype=np.float32
    )
    X.sum_duplicates()
    X.sort_indices()
    return X


def history_row(history_items, history_weights, n_items: int) -> sparse.csr_matrix:
    """One user's history as a 1 x n_items CSR row (duplicates summed)."""
    items = np.asarray(history_items, dtype=np.int64)
    weights = np.ones(len(items), np.float32) if history_weights is None else np.asarray(history_weights, np.float32)
    return build_csr(np.zeros(len(items), np.int64), items, weights, n_users=1, n_items=n_items)


def binarize(X: sparse.spmatrix) -> sparse.csr_matrix:
    """Same pattern, all values 1 (used where only 'who interacted' matters)."""
    B = sparse.csr_matrix(X, dtype=np.float32, copy=True)
    B.data[:] = 1.0
    return B


# --- Weight transforms ---------------------------------------------------------------------------
# Interaction values (e.g. a MovieLens rating 0.5-5, or view=1 / purchase=5) can be turned into
# training weights in more than one way. Relevance in evaluation stays binary either way; only the
# model's INPUT changes. After the element-wise function the weights are divided by their mean, so
# they average 1 like binary weights do: the L2 penalty of EASE and ALS (and ALS's alpha) keep the
# scale they were tuned for, and one lambda suits every transform.
WEIGHT_TRANSFORMS = ("none", "binary", "sqrt", "log1p")


def _transform_elementwise(weights: np.ndarray, method: str) -> np.ndarray:
    if method == "binary":
        return np.ones_like(weights)
    if method == "sqrt":
        return np.sqrt(weights)
    if method == "log1p":
        return np.log1p(weights)
    raise ValueError(f"unknown weight transform {method!r}; use one of {', '.join(WEIGHT_TRANSFORMS)}")


def weight_transform_scale(weights, method: str) -> float:
    """The divisor :func:`transform_weights` uses: the mean transformed weight (1.0 for "none" or no data)."""
    w = np.clip(np.asarray(weights, dtype=np.float64), 0.0, None)
    if method == "none" or not len(w):
        if method not in WEIGHT_TRANSFORMS:
            raise ValueError(f"unknown weight transform {method!r}; use one of {', '.join(WEIGHT_TRANSFORMS)}")
        return 1.0
    mean = float(_transform_elementwise(w, method).mean())
    return mean if mean > 0 else 1.0


def transform_weights(weights, method: str = "none", scale: float | None = None) -> np.ndarray:
    """Interaction values -> training weights (float32), normalised to mean 1.

    ``none``: unchanged (no normalisation); ``binary``: all 1; ``sqrt`` / ``log1p``: the function of
    the value, divided by ``scale``, which defaults to the mean over ``weights`` (so the result
    averages 1). Serving passes the ``scale`` found at training time so that one request's history
    is weighted exactly as the training rows were. Negative values are clipped to 0.
    """
    w = np.asarray(weights, dtype=np.float64)
    if method == "none":
        return w.astype(np.float32)
    w = np.clip(w, 0.0, None)
    scale = weight_transform_scale(w, method) if scale is None else float(scale)
    return (_transform_elementwise(w, method) / (scale if scale > 0 else 1.0)).astype(np.float32)


def interactions_transform(data: Interactions, method: str) -> tuple[Interactions, dict]:
    """(data with transformed weights, {"method", "scale"}): what training fits on, and what a
    fitted model keeps (``Recommender.weight_transform``) to weight request-time histories alike."""
    scale = weight_transform_scale(data.weights, method)
    return data.with_weights(transform_weights(data.weights, method, scale)), {"method": method, "scale": scale}
