"""RP3beta (Paudel et al., 2017): a 3-step random walk user -> item -> user -> item.

The walk probability from item i to item j is divided by popularity(j)^beta, which pushes the
walk away from blockbusters; ``alpha`` sharpens or flattens the transition probabilities. Like
item-kNN it yields a sparse item-item W (top-k per row) and costs the same at request time.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

from .base import ItemSimilarityModel
from .topk import assemble, dense_block_top_k, product_row_blocks


def _row_normalize(M: sparse.csr_matrix) -> sparse.csr_matrix:
    sums = np.asarray(M.sum(axis=1)).ravel()
    inv = np.divide(1.0, sums, out=np.zeros_like(sums, dtype=np.float64), where=sums > 0)
    return sparse.csr_matrix(sparse.diags(inv.astype(np.float32)) @ M)


class RP3beta(ItemSimilarityModel):
    """W[i, j] = sum_u P(u | i)^alpha P(j | u)^alpha / pop(j)^beta, top_k entries kept per row i."""

    name = "rp3beta"

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, top_k: int = 100, normalize_rows: bool = False):
        super().__init__(alpha=alpha, beta=beta, top_k=top_k, normalize_rows=normalize_rows)

    def fit(self, X: sparse.csr_matrix, **context) -> "RP3beta":
        p = self.params
        self.n_items = X.shape[1]
        X = sparse.csr_matrix(X, dtype=np.float32)
        P_ui = _row_normalize(X).power(p["alpha"])
        P_iu = _row_normalize(X.T.tocsr()).power(p["alpha"])
        popularity = np.diff(X.tocsc().indptr).astype(np.float32)
        penalty = np.divide(1.0, popularity ** p["beta"], out=np.zeros_like(popularity), where=popularity > 0)
        parts = []
        for start, block in product_row_blocks(P_iu, P_ui):
            block *= penalty[None, :]
            block[np.arange(block.shape[0]), np.arange(start, start + block.shape[0])] = 0.0
            parts.append(dense_block_top_k(block, p["top_k"], row_offset=start))
        W = assemble(parts, (self.n_items, self.n_items))
        if p["normalize_rows"]:
            W = _row_normalize(W)
        self.W = W
        self.neighbours = W
        return self
