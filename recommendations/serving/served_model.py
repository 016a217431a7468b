"""``ServingModel``: an artifact as a web process serves it, with the id <-> index mapping.

serving/model.py holds the active one per process; the policy, similar items and the content index
(serving/content.py) read it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recommendations.engine.artifacts import Artifact


@dataclass
class ServingModel:
    """The active version's artifact (engine/artifacts.py ``Artifact``) as this process serves it."""

    version_id: int
    algorithm: str
    artifact: Artifact = field(repr=False)
    item_ids: np.ndarray = field(init=False, repr=False)  # sorted ascending: index -> item id
    # The per-process snapshot of new-item candidates (serving/content.py): it lives and dies with
    # this loaded model.
    new_items: object = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        self.item_ids = np.asarray(self.artifact.item_ids, np.int64)

    @property
    def model(self):
        """The fitted engine model."""
        return self.artifact.model

    @property
    def content_index(self):
        """The TF-IDF content index (engine.content.ContentTFIDF), None when training built none."""
        return self.artifact.content_index

    def history_weights(self, values) -> np.ndarray:
        """A request's raw interaction values -> the weights the model was trained with."""
        return self.artifact.history_weights(values)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def indexes_of(self, item_ids) -> np.ndarray:
        """Indexes of the given item ids that the model knows (unknown ids are dropped)."""
        ids = np.asarray(item_ids, dtype=np.int64)
        if not len(ids) or not self.n_items:
            return np.empty(0, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.item_ids, ids), self.n_items - 1)
        return pos[self.item_ids[pos] == ids]

    def index_weights(self, item_ids, weights) -> tuple[np.ndarray, np.ndarray]:
        """(indexes, weights) of a history, dropping items the model has never seen."""
        ids = np.asarray(item_ids, dtype=np.int64)
        w = np.asarray(weights, dtype=np.float32)
        if not len(ids) or not self.n_items:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        pos = np.minimum(np.searchsorted(self.item_ids, ids), self.n_items - 1)
        known = self.item_ids[pos] == ids
        return pos[known], w[known]
