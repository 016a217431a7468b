"""Top-k selection helpers: argpartition for lists, per-row pruning for similarity matrices."""
from __future__ import annotations

import numpy as np
from scipy import sparse


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k largest scores, best first. O(n) argpartition, then sort only the k."""
    n = scores.shape[0]
    if k <= 0 or n == 0:
        return np.empty(0, dtype=np.int64)
    if k < n:
        part = np.argpartition(-scores, k - 1)[:k]
    else:
        part = np.arange(n)
    return part[np.argsort(-scores[part], kind="stable")]


def top_k_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Row-wise :func:`top_k` for a 2-D array: (n_rows, k) column indexes, best first."""
    n_cols = scores.shape[1]
    k = min(k, n_cols)
    if k < n_cols:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(n_cols), scores.shape).copy()
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def dense_block_top_k(block: np.ndarray, k: int, row_offset: int = 0) -> tuple:
    """Keep the k largest positive entries of each row of a dense block, as (rows, cols, vals).

    Similarity matrices are built block by block so a 20,000-item catalog never needs a dense
    20,000 x 20,000 matrix in memory; only the kept neighbours survive.
    """
    n_rows, n_cols = block.shape
    k = min(k, n_cols)
    cols = top_k_rows(block, k)
    vals = np.take_along_axis(block, cols, axis=1)
    rows = np.repeat(np.arange(n_rows) + row_offset, k)
    keep = vals.ravel() > 0
    return rows[keep], cols.ravel()[keep], vals.ravel()[keep]


def assemble(parts, shape) -> sparse.csr_matrix:
    """Concatenate (rows, cols, vals) triplets from :func:`dense_block_top_k` into float32 CSR."""
    if parts:
        rows = np.concatenate([p[0] for p in parts])
        cols = np.concatenate([p[1] for p in parts])
        vals = np.concatenate([p[2] for p in parts]).astype(np.float32)
    else:
        rows = cols = np.empty(0, np.int64)
        vals = np.empty(0, np.float32)
    M = sparse.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float32)
    M.sort_indices()
    return M


def block_rows_for(n_cols: int, budget_bytes: int = 256 * 2**20) -> int:
    """How many dense float32 rows of width n_cols fit the memory budget (at least 1)."""
    return max(1, min(4096, budget_bytes // max(1, 4 * n_cols * 3)))


def product_row_blocks(A: sparse.csr_matrix, B: sparse.csr_matrix, block_rows: int | None = None):
    """Yield (start, dense float32 block of A[start:end] @ B) over row blocks of A.

    The full product of an item-item computation can be dense (20,000^2 floats = 1.6 GB); working in
    row blocks and pruning each block to its top-k keeps the peak at a few hundred MB.
    """
    A = sparse.csr_matrix(A)
    block_rows = block_rows or block_rows_for(B.shape[1])
    for start in range(0, A.shape[0], block_rows):
        block = A[start:start + block_rows] @ B
        yield start, np.asarray(block.todense(), dtype=np.float32)
