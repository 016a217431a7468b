"""The algorithms `manage.py train --algorithm NAME` knows, with the defaults tuned offline.

Defaults come from tuning on validation slices of the ml-latest-small training part, with the
ratings as interaction values passed through the served weight transform (TRAINING_WEIGHT_TRANSFORM,
log1p normalised to mean 1); ``bench/served_hybrid_movielens.py`` reproduces the choice and
docs/evaluation.md has the figures. Pass ``params`` to override any of them.
"""
from __future__ import annotations

from typing import Callable

from recommendations.engine.als import ALS
from recommendations.engine.ease import EASE
from recommendations.engine.hybrid import Hybrid
from recommendations.engine.itemknn import ItemKNN
from recommendations.engine.popularity import Popularity
from recommendations.engine.rp3beta import RP3beta


def _popularity(**params):
    return Popularity(**params)


def _itemknn(**params):
    return ItemKNN(**{"top_k": 50, **params})


def _rp3beta(**params):
    return RP3beta(**{"alpha": 0.5, "beta": 0.5, "top_k": 200, **params})


def _ease(**params):
    return EASE(**{"lambda_": 200.0, **params})


def _als(**params):
    return ALS(**{"factors": 256, "regularization": 30.0, "alpha": 3.0, "iterations": 15, **params})


# The served blend (chosen on validation, docs/evaluation.md): per-user z-scored component scores.
HYBRID_WEIGHTS = {"ease": 1.0, "als": 0.3, "itemknn": 0.3}
HYBRID_NORMALIZE = "zscore"


def _hybrid(weights: dict | None = None, normalize: str = HYBRID_NORMALIZE, components: dict | None = None):
    if weights is None:
        weights = {name: HYBRID_WEIGHTS.get(name, 1.0) for name in components} if components else HYBRID_WEIGHTS
    # Components default to the ones weighted, each with its own defaults above.
    components = components or {name: {} for name in weights}
    weights = dict(weights)
    built = {name: ALGORITHMS[name](**(cparams or {})) for name, cparams in components.items()}
    return Hybrid(built, weights=weights, normalize=normalize)


ALGORITHMS: dict[str, Callable] = {
    "popularity": _popularity,
    "itemknn": _itemknn,
    "rp3beta": _rp3beta,
    "ease": _ease,
    "als": _als,
    "hybrid": _hybrid,
}


def build_model(name: str, params: dict | None = None):
    """A fresh, unfitted model; ValueError names the problem for an unknown algorithm or parameter."""
    if name not in ALGORITHMS:
        raise ValueError(f"Unknown algorithm {name!r}; choose one of {', '.join(ALGORITHMS)}.")
    try:
        return ALGORITHMS[name](**(params or {}))
    except TypeError as exc:
        raise ValueError(f"Bad parameters for {name}: {exc}") from exc
