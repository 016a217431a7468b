"""EASE (Steck, 2019): a closed-form linear item-item model, the strongest simple baseline.

B = I - P / diag(P) with P = (X^T X + lambda I)^-1, diagonal forced to zero. B is dense
(n_items^2 float32: 1.6 GB at 20,000 items) and the inverse is O(n^3), so the catalog size is capped:
beyond ``max_items`` the model either keeps only the most popular items or refuses.
"""
from __future__ import annotations

import logging

import numpy as np
from scipy import sparse

from .base import Recommender
from .topk import top_k

log = logging.getLogger(__name__)


class CatalogTooLarge(ValueError):
    """EASE was asked to fit more items than ``max_items`` with ``on_too_many='raise'``."""


class EASE(Recommender):
    """Embarrassingly Shallow Autoencoder. ``lambda_`` is the L2 weight (tune it: 50-1000 typical).

    Items outside the kept set (when the catalog was restricted) score -inf: they are never
    recommended by EASE itself, and a hybrid backfills them.
    """

    name = "ease"

    def __init__(self, lambda_: float = 100.0, max_items: int = 20_000, on_too_many: str = "restrict",
                 dtype: str = "float64"):
        if on_too_many not in ("restrict", "raise"):
            raise ValueError("on_too_many must be 'restrict' or 'raise'")
        super().__init__(lambda_=lambda_, max_items=max_items, on_too_many=on_too_many, dtype=dtype)
        self.B: np.ndarray | None = None
        self.kept: np.ndarray | None = None      # item indexes that have a row/column in B
        self.position: np.ndarray | None = None  # item index -> row of B, or -1

    def fit(self, X: sparse.csr_matrix, **context) -> "EASE":
        self.n_items = X.shape[1]
        self.kept = self._choose_items(X)
        Xk = X[:, self.kept] if len(self.kept) < self.n_items else X
        self.B = self._solve(Xk)
        self.position = np.full(self.n_items, -1, dtype=np.int64)
        self.position[self.kept] = np.arange(len(self.kept))
        return self

    def _choose_items(self, X: sparse.csr_matrix) -> np.ndarray:
        max_items = self.params["max_items"]
        if self.n_items <= max_items:
            return np.arange(self.n_items)
        if self.params["on_too_many"] == "raise":
            raise CatalogTooLarge(
                f"EASE needs a dense {self.n_items}x{self.n_items} matrix; max_items={max_items}. "
                "Raise max_items (memory ~ 8*n^2 bytes while fitting) or use on_too_many='restrict'."
            )
        counts = np.diff(X.tocsc().indptr)
        kept = np.sort(top_k(counts.astype(np.float64), max_items))
        log.warning("EASE: catalog of %d items restricted to the %d most popular", self.n_items, max_items)
        return kept

    def _solve(self, X: sparse.csr_matrix) -> np.ndarray:
        """P = (G + lambda I)^-1 via Cholesky (G is symmetric positive definite), B = -P / diag(P)."""
        from scipy.linalg import lapack

        dtype = np.dtype(self.params["dtype"])
        G = np.asarray((X.T @ X).todense(), dtype=dtype)
        G[np.diag_indices_from(G)] += self.params["lambda_"]
        potrf, potri = (lapack.spotrf, lapack.spotri) if dtype == np.float32 else (lapack.dpotrf, lapack.dpotri)
        # G is symmetric, so G.T is the same matrix in Fortran order: LAPACK then works in place.
        c, info = potrf(G.T, lower=False, overwrite_a=True, clean=False)
        if info != 0:
            raise np.linalg.LinAlgError(f"Cholesky failed (info={info}); increase lambda_")
        P, info = potri(c, lower=False, overwrite_c=True)
        if info != 0:
            raise np.linalg.LinAlgError(f"inverse failed (info={info})")
        del G, c
        _symmetrize_from_upper(P)
        diag = P.diagonal().copy()
        P /= -diag[None, :]
        P[np.diag_indices_from(P)] = 0.0
        return P.astype(np.float32, copy=False)

    def score_users(self, H: sparse.csr_matrix) -> np.ndarray:
        Hk = H[:, self.kept] if len(self.kept) < self.n_items else H
        out = np.asarray(Hk.astype(np.float32) @ self.B, dtype=np.float32)
        return self._expand(out)

    def score(self, history_items, history_weights=None) -> np.ndarray:
        """w @ B[history rows]: a few dense float32 rows, summed."""
        items = np.asarray(history_items, dtype=np.int64)
        weights = np.ones(len(items), np.float32) if history_weights is None else np.asarray(history_weights, np.float32)
        pos = self.position[items]
        known = pos >= 0
        out = weights[known] @ self.B[pos[known]] if known.any() else np.zeros(len(self.kept), np.float32)
        return self._expand(np.asarray(out, dtype=np.float32)[None, :])[0]

    def _expand(self, scores_kept: np.ndarray) -> np.ndarray:
        if len(self.kept) == self.n_items:
            return scores_kept
        out = np.full((scores_kept.shape[0], self.n_items), -np.inf, dtype=np.float32)
        out[:, self.kept] = scores_kept
        return out

    def similar_items(self, item_index: int, k: int = 10):
        """Items that item_index predicts most strongly (row of B)."""
        pos = self.position[int(item_index)]
        if pos < 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        row = self.B[pos]
        idx = top_k(row, k + 1)
        idx = idx[idx != pos][:k]
        return self.kept[idx], row[idx]


def _symmetrize_from_upper(P: np.ndarray, block: int = 2048) -> None:
    """Copy the upper triangle onto the lower one, in place and block by block (no n^2 temporaries)."""
    n = P.shape[0]
    for s in range(0, n, block):
        e = min(n, s + block)
        P[s:e, :s] = P[:s, s:e].T
        diag_block = P[s:e, s:e]
        P[s:e, s:e] = np.triu(diag_block) + np.triu(diag_block, 1).T
