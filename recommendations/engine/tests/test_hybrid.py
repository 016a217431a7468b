import numpy as np

from recommendations.engine.ease import EASE
from recommendations.engine.hybrid import Hybrid, normalize_rows
from recommendations.engine.itemknn import ItemKNN
from recommendations.engine.rp3beta import RP3beta


def test_hybrid_backfills_with_popularity_when_components_run_short(clusters):
    hybrid = Hybrid({"knn": ItemKNN(top_k=5)}).fit(clusters)
    items, scores = hybrid.recommend([0, 1], k=5)
    assert len(items) == 5 and len(set(items)) == 5
    assert set(items[:2]) == {2, 3}  # what the component knows comes first
    assert set(items[2:]) <= {4, 5, 6, 7}  # popularity fills the rest, never the history
    assert np.all(np.diff(scores) <= 0) and scores[2] < scores[1]  # backfill ranks below the blend


def test_hybrid_serves_an_empty_history_from_popularity(clusters):
    hybrid = Hybrid({"knn": ItemKNN(top_k=5)}).fit(clusters)
    items, _ = hybrid.recommend([], k=3)
    assert len(items) == 3


def test_hybrid_blend_keeps_cluster_and_respects_filters(clusters):
    hybrid = Hybrid({"ease": EASE(lambda_=1.0), "knn": ItemKNN(top_k=5), "rp3": RP3beta(top_k=5)},
                    weights={"ease": 1.0, "knn": 0.3, "rp3": 0.0}, normalize="zscore").fit(clusters)
    assert set(hybrid.recommend([0, 1], k=2)[0]) == {2, 3}
    allowed = np.ones(9, dtype=bool)
    allowed[2] = False
    items, _ = hybrid.recommend([0, 1], k=4, allowed_mask=allowed, exclude=[3])
    assert not {0, 1, 2, 3} & set(items) and len(items) == 4
    assert hybrid.components["rp3"].W is None  # weight 0: never fitted, never scored


def test_normalisation_ignores_masked_entries_and_minus_infinity():
    S = np.array([[10.0, 2.0, 1.0, -np.inf]], dtype=np.float32)
    seen = np.array([[True, False, False, False]])
    np.testing.assert_allclose(normalize_rows(S, "max", seen), [[5.0, 1.0, 0.5, 0.0]])
    np.testing.assert_allclose(normalize_rows(S, "minmax", seen)[0, 1:], [1.0, 0.0, 0.0])
