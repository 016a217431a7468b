"""The algorithms `manage.py train --algorithm NAME` knows, with the defaults tuned offline.

Defaults come from tuning on a validation slice of the ml-latest-small training part
(docs/evaluation.md); pass ``params`` to override any of them.
"""
from __future__ import annotations

from typing import Callable


def _popularity(**params):
    from recommendations.engine.popularity import Popularity

    return Popularity(**params)


def _itemknn(**params):
    from recommendations.engine.itemknn import ItemKNN

    return ItemKNN(**{"top_k": 100, **params})


def _rp3beta(**params):
    from recommendations.engine.rp3beta import RP3beta

    return RP3beta(**{"alpha": 0.5, "beta": 0.5, "top_k": 100, **params})


def _ease(**params):
    from recommendations.engine.ease import EASE

    return EASE(**{"lambda_": 100.0, **params})


def _als(**params):
    from recommendations.engine.als import ALS

    return ALS(**{"factors": 64, "regularization": 0.1, "alpha": 5.0, "iterations": 15, **params})


def _hybrid(weights: dict | None = None, normalize: str = "max", components: dict | None = None):
    from recommendations.engine.hybrid import Hybrid

    components = components or {"ease": {}, "itemknn": {}, "rp3beta": {}}
    weights = weights or {"ease": 1.0, "itemknn": 0.3, "rp3beta": 0.3}
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
