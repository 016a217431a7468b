"""Item-item collaborative filtering with cosine similarity.

Two items are similar when the same users interacted with both. The similarity is shrunk towards
zero for items with little support (``shrink``), and only the ``top_k`` neighbours of each item are
kept, so W is sparse (n_items x top_k entries) and a request touches a few rows of it.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

from .base import ItemSimilarityModel
from .data import binarize
from .topk import assemble, dense_block_top_k, product_row_blocks


class ItemKNN(ItemSimilarityModel):
    """sim(i, j) = <x_i, x_j> / (|x_i|^(2a) |x_j|^(2(1-a)) + shrink); a=0.5 is plain cosine.

    ``binary=True`` computes similarity on who-interacted only (weights still count at scoring).
    ``idf=True`` down-weights very active users (an IDF over users), who say little about any pair.
    """

    name = "itemknn"

    def __init__(self, top_k: int = 100, shrink: float = 0.0, asymmetric_alpha: float = 0.5,
                 binary: bool = False, idf: bool = False):
        super().__init__(top_k=top_k, shrink=shrink, asymmetric_alpha=asymmetric_alpha, binary=binary, idf=idf)

    def fit(self, X: sparse.csr_matrix, **context) -> "ItemKNN":
        p = self.params
        self.n_items = X.shape[1]
        Xs = binarize(X) if p["binary"] else sparse.csr_matrix(X, dtype=np.float32)
        if p["idf"]:
            activity = np.diff(Xs.indptr).astype(np.float32)
            idf = np.log1p(Xs.shape[0] / np.maximum(activity, 1.0)).astype(np.float32)
            Xs = sparse.diags(idf) @ Xs
        XT = Xs.T.tocsr()
        norms = np.sqrt(np.asarray(XT.multiply(XT).sum(axis=1)).ravel()).astype(np.float32)
        a = p["asymmetric_alpha"]
        left, right = norms ** (2 * a), norms ** (2 * (1 - a))
        parts = []
        for start, G in product_row_blocks(XT, Xs):
            rows = np.arange(start, start + G.shape[0])
            G /= left[rows, None] * right[None, :] + p["shrink"] + 1e-9
            G[np.arange(G.shape[0]), rows] = 0.0
            parts.append(dense_block_top_k(G, p["top_k"], row_offset=start))
        # parts row j = the neighbours of j; scoring needs W[i, j] = sim(i -> j) for j's neighbours i.
        self.neighbours = assemble(parts, (self.n_items, self.n_items))
        self.W = self.neighbours.T.tocsr()
        return self
