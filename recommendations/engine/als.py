"""Implicit-feedback matrix factorisation (Hu, Koren & Volinsky 2008) via the ``implicit`` library.

Training uses implicit's ALS. At request time the user factor is *solved from the history*
(x_u = (Y^T C_u Y + reg I)^-1 Y^T C_u p_u), the same least-squares step ALS itself uses, so a new
interaction changes the next list without retraining and unknown users work too.
"""
from __future__ import annotations

import os

import numpy as np
from scipy import sparse
from scipy.linalg import cho_factor, cho_solve

from .base import Recommender
from .topk import top_k


def default_threads() -> int:
    """implicit's own thread pool; BLAS is pinned to 1 thread during fit (implicit's advice)."""
    return max(1, min(4, os.cpu_count() or 1))


class ALS(Recommender):
    """Confidence c_ui = alpha * w_ui (implicit 0.7's convention), preference p_ui = 1 if w_ui > 0."""

    name = "als"

    def __init__(self, factors: int = 64, regularization: float = 0.1, alpha: float = 5.0,
                 iterations: int = 15, random_state: int = 42, num_threads: int | None = None):
        super().__init__(factors=factors, regularization=regularization, alpha=alpha,
                         iterations=iterations, random_state=random_state, num_threads=num_threads)
        self.item_factors: np.ndarray | None = None
        self._gram: np.ndarray | None = None  # Y^T Y + reg I, shared by every request

    def fit(self, X: sparse.csr_matrix, **context) -> "ALS":
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        p = self.params
        self.n_items = X.shape[1]
        with threadpool_limits(limits=1, user_api="blas"):
            model = AlternatingLeastSquares(
                factors=p["factors"], regularization=p["regularization"], alpha=p["alpha"],
                iterations=p["iterations"], random_state=p["random_state"],
                num_threads=p["num_threads"] or default_threads(),
            )
            model.fit(sparse.csr_matrix(X, dtype=np.float32), show_progress=False)
        self.item_factors = np.ascontiguousarray(model.item_factors, dtype=np.float32)
        Y = self.item_factors.astype(np.float64)
        self._gram = Y.T @ Y + p["regularization"] * np.eye(Y.shape[1])
        return self

    def user_factors(self, H: sparse.csr_matrix) -> np.ndarray:
        """Solve each row's factor from its history, then all (f x f) systems in one batched call.

        A_u = Y^T Y + reg I + Y_u^T diag(c_u - 1) Y_u and b_u = Y_u^T c_u, with c = alpha * w.
        """
        H = sparse.csr_matrix(H, dtype=np.float64)
        Y = self.item_factors.astype(np.float64)
        f = Y.shape[1]
        A = np.empty((H.shape[0], f, f))
        b = np.zeros((H.shape[0], f))
        for row in range(H.shape[0]):
            lo, hi = H.indptr[row], H.indptr[row + 1]
            Yu = Y[H.indices[lo:hi]]
            conf = self.params["alpha"] * H.data[lo:hi]
            A[row] = self._gram + (Yu.T * (conf - 1.0)) @ Yu
            b[row] = Yu.T @ conf
        return np.linalg.solve(A, b[:, :, None])[:, :, 0].astype(np.float32)

    def score_users(self, H: sparse.csr_matrix) -> np.ndarray:
        out = np.zeros((H.shape[0], self.n_items), dtype=np.float32)
        for start in range(0, H.shape[0], 256):  # bounds the (batch, f, f) temporaries
            out[start:start + 256] = self.user_factors(H[start:start + 256]) @ self.item_factors.T
        return out

    def score(self, history_items, history_weights=None) -> np.ndarray:
        """One user: an f x f solve plus one (n_items x f) matrix-vector product."""
        items = np.asarray(history_items, dtype=np.int64)
        if len(items) == 0:  # no history, no evidence: let the caller's fallback decide
            return np.full(self.n_items, -np.inf, dtype=np.float32)
        weights = np.ones(len(items)) if history_weights is None else np.asarray(history_weights, np.float64)
        Y = self.item_factors[items].astype(np.float64)
        conf = self.params["alpha"] * weights
        A = self._gram + (Y.T * (conf - 1.0)) @ Y
        # A is symmetric positive definite (Gram + regularisation): Cholesky is about twice as fast as LU.
        x = cho_solve(cho_factor(A, check_finite=False), Y.T @ conf, check_finite=False)
        return self.item_factors @ x.astype(np.float32)

    def similar_items(self, item_index: int, k: int = 10):
        """Cosine between item factors."""
        Y = self.item_factors
        norms = np.linalg.norm(Y, axis=1) + 1e-9
        sims = (Y @ Y[int(item_index)]) / (norms * norms[int(item_index)])
        sims[int(item_index)] = -np.inf
        idx = top_k(sims, k)
        return idx, sims[idx]

