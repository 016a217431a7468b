import numpy as np

from recommendations.engine.data import Interactions
from recommendations.engine.ease import EASE
from recommendations.engine.evaluation import (
    evaluate_models,
    format_table,
    is_not_worse,
)
from recommendations.engine.hybrid import Hybrid
from recommendations.engine.itemknn import ItemKNN
from recommendations.engine.popularity import Popularity
from recommendations.engine.tuning import tune, tune_blend, validation_split

from .conftest import CLUSTER_A, CLUSTER_B


def _data(copies=3):
    users, items = [], []
    for u, h in enumerate((CLUSTER_A + CLUSTER_B) * copies):
        users += [u] * 3
        items += h
    return Interactions.from_arrays(users, items, n_items=9)


def test_evaluate_models_gives_one_row_per_model_and_cf_beats_popularity():
    data = _data()
    # hold out item 3 / item 7 of the users who have it
    test_mask = np.isin(data.items, [3, 7]) & (np.arange(len(data)) % 2 == 0)
    train, test = data.subset(~test_mask), data.subset(test_mask)
    rows = evaluate_models({"pop": Popularity(), "knn": ItemKNN(top_k=5)}, train, test, k=2)
    assert [r["model"] for r in rows] == ["pop", "knn"]
    assert rows[1]["hit_rate"] == 1.0 and rows[1]["ndcg"] > rows[0]["ndcg"]
    assert "| knn |" in format_table(rows, k=2)
    assert is_not_worse(rows[1], rows[0]) and not is_not_worse(rows[0], rows[1])


def test_tune_picks_params_on_the_validation_slice_only():
    train = _data(copies=4)
    best, rows = tune(EASE, {"lambda_": [1.0, 10.0]}, train, k=2)
    assert best in ({"lambda_": 1.0}, {"lambda_": 10.0}) and len(rows) == 2


def test_tune_blend_returns_weights_from_the_grid():
    fit_part, val_part = validation_split(_data(copies=4), ratio=0.7)
    X = fit_part.to_csr()
    components = {"ease": EASE(lambda_=1.0).fit(X), "knn": ItemKNN(top_k=5).fit(X)}
    best, rows = tune_blend(components, fit_part, val_part, {"ease": [1.0], "knn": [0.0, 0.5]}, k=2)
    assert best["weights"]["ease"] == 1.0 and best["normalize"] in ("max", "zscore")
    hybrid = Hybrid(components, prefitted=True, **best).fit(X)
    assert len(hybrid.recommend([0, 1], k=2)[0]) == 2
