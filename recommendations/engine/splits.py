"""Train/test split protocols, by name (``split(interactions, "stratified")``).

``stratified`` is the reference protocol of docs/evaluation.md and must stay bit-for-bit as
specified there, so that our figures can be set beside the reference ones.
"""
from __future__ import annotations

import numpy as np

from .data import Interactions


def _rank_within_user(users: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """(position + 1) / count of each row within its user, rows ordered by (user, key)."""
    order = np.lexsort((keys, users))
    sorted_users = users[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_users)) + 1]
    counts = np.diff(np.r_[starts, len(users)])
    position = np.arange(len(users)) - np.repeat(starts, counts)
    rank = np.empty(len(users), dtype=np.float64)
    rank[order] = (position + 1) / np.repeat(counts, counts)
    return rank


def stratified_train_mask(users, ratio: float = 0.75, seed: int = 42) -> np.ndarray:
    """The reference per-user split: True = training row.

    np.random.seed(seed); one np.random.rand per row in row order; sort by (user, random);
    rank = (pos + 1) / count; rank <= ratio is training (so each user's last row is always test).
    The legacy global RNG is used on purpose: that is what the reference protocol specifies.
    """
    users = np.asarray(users)
    np.random.seed(seed)
    random = np.random.rand(len(users))
    return _rank_within_user(users, random) <= ratio


def random_train_mask(users, test_fraction: float = 0.2, seed: int = 0) -> np.ndarray:
    """Per-user random holdout with a private generator; users with one row stay in training."""
    users = np.asarray(users)
    keys = np.random.default_rng(seed).random(len(users))
    rank = _rank_within_user(users, keys)
    counts = np.bincount(users)[users]
    return (rank <= 1.0 - test_fraction) | (counts < 2) | (rank * counts <= 1)


def leave_last_train_mask(users, timestamps) -> np.ndarray:
    """Each user's latest interaction (ties: the later row) is test; single-row users stay in training."""
    users = np.asarray(users)
    order = np.lexsort((np.arange(len(users)), np.asarray(timestamps), users))
    sorted_users = users[order]
    is_last = np.r_[sorted_users[1:] != sorted_users[:-1], True]
    last = np.zeros(len(users), dtype=bool)
    last[order[is_last]] = True
    counts = np.bincount(users)[users]
    return ~last | (counts < 2)


def split(data: Interactions, protocol: str = "stratified", **options):
    """(train, test) Interactions for a protocol name: stratified | random | leave_last."""
    if protocol == "stratified":
        mask = stratified_train_mask(data.users, options.get("ratio", 0.75), options.get("seed", 42))
    elif protocol == "random":
        mask = random_train_mask(data.users, options.get("test_fraction", 0.2), options.get("seed", 0))
    elif protocol == "leave_last":
        mask = leave_last_train_mask(data.users, data.timestamps)
    else:
        raise ValueError(f"unknown split protocol {protocol!r}: use stratified, random or leave_last")
    return data.subset(mask), data.subset(~mask)
