"""Content similarity: TF-IDF over each item's name, category and tags.

It needs no interactions, so it serves items nobody has touched yet (cold start) and the
"similar items" box. Scoring a history works like item-kNN: sum the similarity rows of the
history items.
"""
from __future__ import annotations

import re

import numpy as np
from scipy import sparse

from .base import ItemSimilarityModel
from .topk import assemble, dense_block_top_k, product_row_blocks


def _tokens(value) -> list[str]:
    """A tag list, a 'A|B' string or a scalar -> clean tokens (tags keep their spaces as '_')."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"[|,;]", value)
    elif np.ndim(value) == 0:
        parts = [str(value)]
    else:
        parts = [str(v) for v in value]
    return [re.sub(r"\W+", "_", p.strip().lower()).strip("_") for p in parts if str(p).strip()]


def item_documents(n_items: int, names=None, categories=None, tags=None) -> list[str]:
    """One text per item: name words, plus 'cat_x' and 'tag_x' tokens that cannot collide with words."""
    docs = []
    for i in range(n_items):
        words = [str(names[i]).lower()] if names is not None and names[i] is not None else []
        words += [f"cat_{t}" for t in _tokens(categories[i] if categories is not None else None)]
        words += [f"tag_{t}" for t in _tokens(tags[i] if tags is not None else None)]
        docs.append(" ".join(words))
    return docs


class ContentTFIDF(ItemSimilarityModel):
    """Cosine similarity of TF-IDF item vectors, ``top_k`` neighbours per item.

    fit(X, names=..., categories=..., tags=...) — each a sequence indexed by item index. X only
    fixes the number of items: content similarity ignores interactions by design.
    """

    name = "content"

    def __init__(self, top_k: int = 50, min_df: int = 1, max_features: int | None = 100_000):
        super().__init__(top_k=top_k, min_df=min_df, max_features=max_features)

    def fit(self, X: sparse.csr_matrix | None = None, *, names=None, categories=None, tags=None,
            n_items: int | None = None, **context) -> "ContentTFIDF":
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.n_items = int(n_items if n_items is not None else X.shape[1])
        if names is None and categories is None and tags is None:
            raise ValueError("ContentTFIDF needs names, categories or tags")
        docs = item_documents(self.n_items, names, categories, tags)
        vectorizer = TfidfVectorizer(min_df=self.params["min_df"], max_features=self.params["max_features"],
                                     sublinear_tf=True, token_pattern=r"(?u)\b\w+\b", dtype=np.float32)
        T = vectorizer.fit_transform(docs).tocsr()  # rows are L2-normalised: dot product = cosine
        parts = []
        for start, block in product_row_blocks(T, T.T.tocsr()):
            block[np.arange(block.shape[0]), np.arange(start, start + block.shape[0])] = 0.0
            parts.append(dense_block_top_k(block, self.params["top_k"], row_offset=start))
        self.neighbours = assemble(parts, (self.n_items, self.n_items))
        self.W = self.neighbours.T.tocsr()
        return self
