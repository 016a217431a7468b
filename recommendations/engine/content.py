"""Content similarity: TF-IDF over each item's name, category and tags.

It needs no interactions, so it serves items nobody has touched yet (cold start) and the
"similar items" box. Scoring a history works like item-kNN: sum the similarity rows of the
history items.

scikit-learn fits the vocabulary and idf weights; the fitted model keeps only plain arrays (the
vocabulary, the idf vector and the L2-normalised item matrix ``T``), and :meth:`ContentTFIDF.transform`
vectorises new texts with numpy and ``re`` alone, exactly as the fitted TfidfVectorizer would. Web
processes can therefore vectorise items added after training without importing scikit-learn.
"""
from __future__ import annotations

import re

import numpy as np
from scipy import sparse

from .base import ItemSimilarityModel, rank_scores
from .topk import assemble, dense_block_top_k, product_row_blocks

# The TfidfVectorizer settings transform() reproduces: lowercase, this token pattern, sublinear tf,
# smooth idf, l2 norm. Change one here and transform() must change with it (a test compares them).
TOKEN_PATTERN = r"(?u)\b\w+\b"
_TOKEN_RE = re.compile(TOKEN_PATTERN)


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


def _l2_normalise_rows(X: sparse.csr_matrix) -> sparse.csr_matrix:
    """Scale each row to unit length in place (empty rows stay empty), like sklearn's normalize."""
    lengths = np.diff(X.indptr)
    row_of_entry = np.repeat(np.arange(X.shape[0]), lengths)
    norms = np.sqrt(np.bincount(row_of_entry, weights=np.square(X.data, dtype=np.float64), minlength=X.shape[0]))
    norms[norms == 0] = 1.0
    X.data = (X.data / norms[row_of_entry]).astype(np.float32)
    return X


class ContentTFIDF(ItemSimilarityModel):
    """Cosine similarity of TF-IDF item vectors, ``top_k`` neighbours per item.

    fit(X, names=..., categories=..., tags=...) — each a sequence indexed by item index. X only
    fixes the number of items: content similarity ignores interactions by design.

    After fit: ``vocabulary`` (token -> column), ``idf`` (float32 per column) and ``T`` (items x
    vocabulary, CSR float32, rows L2-normalised so a dot product is a cosine). ``top_k=0`` skips the
    item-item neighbour matrices (``W``, ``neighbours``): scoring and similar items then work on ``T``
    directly, which is what serving uses (an index, no 20,000 x 50 neighbour lists to store).

    ``cold_items`` (given to fit, e.g. by training) holds the indexes of the items that had no
    interactions when the index was built; None when unknown.
    """

    name = "content"
    cold_items: np.ndarray | None = None  # also for indexes pickled before fit set it

    def __init__(self, top_k: int = 50, min_df: int = 1, max_features: int | None = 100_000):
        super().__init__(top_k=top_k, min_df=min_df, max_features=max_features)
        self.vocabulary: dict[str, int] = {}
        self.idf: np.ndarray = np.empty(0, np.float32)
        self.T: sparse.csr_matrix | None = None
        self.cold_items: np.ndarray | None = None

    @property
    def n_terms(self) -> int:
        return len(self.idf)

    def fit(self, X: sparse.csr_matrix | None = None, *, names=None, categories=None, tags=None,
            n_items: int | None = None, cold_items=None, **context) -> "ContentTFIDF":
        """Learn vocabulary and idf; ValueError without any text (or when no document has a token)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.n_items = int(n_items if n_items is not None else X.shape[1])
        self.cold_items = None if cold_items is None else np.asarray(cold_items, np.int64)
        if names is None and categories is None and tags is None:
            raise ValueError("ContentTFIDF needs names, categories or tags")
        docs = item_documents(self.n_items, names, categories, tags)
        vectorizer = TfidfVectorizer(min_df=self.params["min_df"], max_features=self.params["max_features"],
                                     lowercase=True, token_pattern=TOKEN_PATTERN, sublinear_tf=True,
                                     smooth_idf=True, norm="l2", dtype=np.float32)
        T = sparse.csr_matrix(vectorizer.fit_transform(docs), dtype=np.float32)  # rows L2-normalised
        T.sort_indices()
        # Keep plain arrays only: the vectorizer (and its stop_words_ set) is not stored.
        self.vocabulary = {str(term): int(column) for term, column in vectorizer.vocabulary_.items()}
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float32)
        self.T = T
        del vectorizer
        if self.params["top_k"] > 0:
            parts = []
            for start, block in product_row_blocks(T, T.T.tocsr()):
                block[np.arange(block.shape[0]), np.arange(start, start + block.shape[0])] = 0.0
                parts.append(dense_block_top_k(block, self.params["top_k"], row_offset=start))
            self.neighbours = assemble(parts, (self.n_items, self.n_items))
            self.W = self.neighbours.T.tocsr()
        else:
            self.neighbours = self.W = None
        return self

    # -- vectorising new texts (no scikit-learn) --------------------------------------------------
    def transform(self, names=None, categories=None, tags=None) -> sparse.csr_matrix:
        """TF-IDF rows (CSR float32, L2-normalised) for new items; tokens the index never saw are ignored.

        Equal to the fitted TfidfVectorizer's ``transform`` on the same texts.
        """
        given = [values for values in (names, categories, tags) if values is not None]
        return self.transform_documents(item_documents(len(given[0]) if given else 0, names, categories, tags))

    def transform_documents(self, docs) -> sparse.csr_matrix:
        """The :func:`item_documents` texts -> TF-IDF rows, as TfidfVectorizer.transform does it."""
        vocabulary = self.vocabulary
        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        for doc in docs:
            found: dict[int, int] = {}
            for token in _TOKEN_RE.findall(doc.lower()):
                column = vocabulary.get(token)
                if column is not None:
                    found[column] = found.get(column, 0) + 1
            for column in sorted(found):
                indices.append(column)
                counts.append(found[column])
            indptr.append(len(indices))
        data = np.asarray(counts, dtype=np.float32)
        columns = np.asarray(indices, dtype=np.int32)
        data = (np.log(data) + np.float32(1.0)) * self.idf[columns]  # sublinear tf, then idf
        X = sparse.csr_matrix((data.astype(np.float32), columns, np.asarray(indptr, dtype=np.int32)),
                              shape=(len(indptr) - 1, self.n_terms), dtype=np.float32)
        return _l2_normalise_rows(X)

    # -- scoring against vectors ----------------------------------------------------------------
    def profile(self, indexes, weights=None, extra_rows: sparse.csr_matrix | None = None,
                extra_weights=None) -> np.ndarray | None:
        """A history's unit-length taste vector: weighted sum of its items' rows of ``T``.

        ``extra_rows`` (with ``extra_weights``) adds vectors of items ``T`` does not hold, e.g. items
        added after training. None when the history carries no known term at all.
        """
        indexes = np.asarray(indexes, dtype=np.int64)
        weights = np.ones(len(indexes), np.float32) if weights is None else np.asarray(weights, np.float32)
        profile = np.zeros(self.n_terms, dtype=np.float64)
        if len(indexes):
            profile += self.T[indexes].T @ weights.astype(np.float64)
        if extra_rows is not None and extra_rows.shape[0]:
            w = np.ones(extra_rows.shape[0]) if extra_weights is None else np.asarray(extra_weights, np.float64)
            profile += extra_rows.T @ w
        norm = float(np.linalg.norm(profile))
        if not np.isfinite(norm) or norm <= 0:
            return None
        return (profile / norm).astype(np.float32)

    @staticmethod
    def score_vectors(C: sparse.csr_matrix, profile: np.ndarray) -> np.ndarray:
        """Cosine of each row of ``C`` (unit TF-IDF rows) with a unit profile vector."""
        if C.shape[0] == 0:
            return np.empty(0, dtype=np.float32)
        return np.asarray(C @ profile, dtype=np.float32).ravel()

    def nearest(self, vector, k: int = 10, exclude=None):
        """The known items closest to a vector (dense or a 1-row sparse matrix): (indexes, cosines).

        Best first, positive similarity only, ``exclude`` (indexes) left out.
        """
        if sparse.issparse(vector):
            vector = np.asarray(vector.todense(), dtype=np.float32).ravel()
        scores = np.asarray(self.T @ np.asarray(vector, np.float32), dtype=np.float32).ravel()
        return rank_scores(scores, k, exclude=exclude, positive_only=True)

    # -- Recommender interface without neighbour matrices ------------------------------------------
    def score(self, history_items, history_weights=None) -> np.ndarray:
        if self.W is not None:
            return super().score(history_items, history_weights)
        profile = self.profile(history_items, history_weights)
        if profile is None:
            return np.zeros(self.n_items, dtype=np.float32)
        return self.score_vectors(self.T, profile)

    def score_users(self, H: sparse.csr_matrix) -> np.ndarray:
        if self.W is not None:
            return super().score_users(H)
        H = sparse.csr_matrix(H)
        return np.vstack([self.score(H[u].indices, H[u].data) for u in range(H.shape[0])]) \
            if H.shape[0] else np.zeros((0, self.n_items), np.float32)

    def similar_items(self, item_index: int, k: int = 10):
        if self.neighbours is not None:
            return super().similar_items(item_index, k)
        return self.nearest(self.T[int(item_index)], k, exclude=[int(item_index)])
