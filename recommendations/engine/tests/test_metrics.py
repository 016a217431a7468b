import numpy as np
import pytest

from recommendations.engine.data import build_csr
from recommendations.engine.metrics import catalog_coverage, ranking_metrics


@pytest.fixture
def case():
    # user 0: list [5, 1, 9], relevant {1, 4, 7, 9}; user 1: list [2] (short), relevant {2};
    # user 2: no list at all, relevant {3}
    recs = np.array([[5, 1, 9], [2, -1, -1], [-1, -1, -1]])
    relevant = build_csr([0, 0, 0, 0, 1, 2], [1, 4, 7, 9, 2, 3], n_users=3, n_items=10)
    return recs, relevant


def test_metrics_match_hand_computed_values(case):
    m = ranking_metrics(*case, k=3)
    # user 0: hits at ranks 2 and 3
    #   P = 2/3, R = 2/4, DCG = 1/log2(3) + 1/log2(4) = 0.63093 + 0.5 = 1.13093,
    #   IDCG over min(4, 3) = 3 positions = 1 + 0.63093 + 0.5 = 2.13093 -> nDCG 0.53072,
    #   MAP = (1/2 + 2/3) / min(4, 3) = 0.38889
    # user 1: hit at rank 1 of a 1-item list: P = 1/3 (divided by k), R = 1, nDCG = 1, MAP = 1
    # user 2: nothing recommended -> all zero
    np.testing.assert_allclose(m["precision"], [2 / 3, 1 / 3, 0.0])
    np.testing.assert_allclose(m["recall"], [0.5, 1.0, 0.0])
    np.testing.assert_allclose(m["ndcg"], [0.530721, 1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(m["map"], [0.388889, 1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(m["hit_rate"], [1.0, 1.0, 0.0])


def test_coverage_counts_distinct_recommended_items_over_training_items(case):
    recs, _ = case
    assert catalog_coverage(recs, n_train_items=10) == pytest.approx(0.4)  # {5, 1, 9, 2}
