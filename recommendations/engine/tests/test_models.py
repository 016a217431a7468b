"""Each algorithm on two disjoint item clusters: a user inside cluster A must get cluster-A items."""
import numpy as np
import pytest

from recommendations.engine.als import ALS
from recommendations.engine.content import ContentTFIDF
from recommendations.engine.ease import EASE, CatalogTooLarge
from recommendations.engine.itemknn import ItemKNN
from recommendations.engine.popularity import Popularity
from recommendations.engine.rp3beta import RP3beta

from .conftest import N_ITEMS

MODELS = {
    "itemknn": lambda: ItemKNN(top_k=5),
    "itemknn_shrunk_idf": lambda: ItemKNN(top_k=5, shrink=2.0, idf=True),
    "rp3beta": lambda: RP3beta(alpha=1.0, beta=0.5, top_k=5),
    "ease": lambda: EASE(lambda_=1.0),
    "als": lambda: ALS(factors=2, regularization=0.1, alpha=10.0, iterations=30, random_state=0),
}


@pytest.mark.parametrize("name", MODELS)
def test_a_cluster_a_user_gets_the_rest_of_cluster_a(name, clusters):
    model = MODELS[name]().fit(clusters)
    items, scores = model.recommend([0, 1], k=2)
    assert set(items) == {2, 3}
    assert np.all(np.diff(scores) <= 0)  # best first


@pytest.mark.parametrize("name", MODELS)
def test_batch_scores_equal_single_request_scores(name, clusters):
    model = MODELS[name]().fit(clusters)
    np.testing.assert_allclose(model.score_users(clusters[:3]), np.vstack(
        [model.score(clusters[u].indices, clusters[u].data) for u in range(3)]), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_a_new_interaction_changes_the_next_list_without_retraining(name, clusters):
    model = MODELS[name]().fit(clusters)
    before, _ = model.recommend([0], k=3)
    after, _ = model.recommend([0, 4, 5], k=3)
    assert set(before) <= {1, 2, 3}
    assert set(after) & {6, 7}


@pytest.mark.parametrize("name", MODELS)
def test_exclude_and_allowed_mask_filter_the_list(name, clusters):
    model = MODELS[name]().fit(clusters)
    items, _ = model.recommend([0, 1], k=4, exclude=np.array([2]))
    assert 2 not in items and 0 not in items and 1 not in items
    allowed = np.zeros(N_ITEMS, dtype=bool)
    allowed[[3, 5]] = True
    items, _ = model.recommend([0, 1], k=4, allowed_mask=allowed)
    assert set(items) <= {3, 5} and 3 in items


def test_neighbourhood_models_return_fewer_items_rather_than_unrelated_ones(clusters):
    items, _ = ItemKNN(top_k=5).fit(clusters).recommend([0, 1], k=5)
    assert set(items) == {2, 3}


@pytest.mark.parametrize("name", ["itemknn", "rp3beta", "ease", "als"])
def test_similar_items_stay_in_the_cluster(name, clusters):
    items, _ = MODELS[name]().fit(clusters).similar_items(4, k=3)
    assert set(items) == {5, 6, 7}


def test_popularity_counts_weights_decay_and_categories(clusters):
    X = clusters.copy()
    X = X.tolil(); X[0, 0] = 10.0; X = X.tocsr()  # one heavy interaction (e.g. a purchase weight) on item 0
    categories = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])
    model = Popularity().fit(X, categories=categories)
    assert model.recommend([], k=1)[0][0] == 0
    assert Popularity(count=True).fit(X).scores_[0] == 6
    top_b, _ = model.top_items(k=2, category=1)
    assert set(top_b) <= {4, 5, 6, 7}
    assert set(model.top_items_per_category(k=1)) == {0, 1}


def test_popularity_half_life_prefers_recent_items():
    day = 86_400
    items = np.array([0, 0, 0, 1, 1])
    timestamps = np.array([0, 0, 0, 100 * day, 100 * day])
    X = np.zeros((1, 2))
    from scipy import sparse
    model = Popularity(half_life_days=7).fit(sparse.csr_matrix(X), items=items, timestamps=timestamps)
    assert model.recommend([], k=2)[0][0] == 1
    assert Popularity().fit(sparse.csr_matrix(np.array([[3.0, 2.0]]))).recommend([], k=1)[0][0] == 0


def test_ease_restricts_a_large_catalog_to_the_most_popular_items(clusters):
    X = clusters.copy()
    X = X.tolil(); X[0, 4] = 1.0; X = X.tocsr()  # item 4 is now the most popular in cluster B
    model = EASE(lambda_=1.0, max_items=6).fit(X)
    assert len(model.kept) == 6
    assert np.isneginf(model.score([0, 1])).sum() == N_ITEMS - 6
    with pytest.raises(CatalogTooLarge):
        EASE(max_items=6, on_too_many="raise").fit(X)


def test_ease_with_an_unknown_history_recommends_nothing(clusters):
    assert len(EASE(lambda_=1.0).fit(clusters).recommend([8], k=3)[0]) == 0


def test_content_similarity_serves_items_nobody_interacted_with(clusters, item_text):
    model = ContentTFIDF(top_k=4).fit(clusters, **item_text)
    similar, _ = model.similar_items(8, k=3)  # "apple cider": no interactions at all
    assert set(similar) <= {0, 1, 2, 3}
    items, _ = model.recommend([4], k=3)
    assert set(items) <= {5, 6, 7}


def test_content_needs_some_text(clusters):
    with pytest.raises(ValueError):
        ContentTFIDF().fit(clusters)


def test_an_empty_history_gets_no_personalised_list(clusters):
    assert len(ALS(factors=2, iterations=2).fit(clusters).recommend([], k=3)[0]) == 0
    assert len(ItemKNN().fit(clusters).recommend([], k=3)[0]) == 0


def test_scoring_code_imports_no_training_libraries():
    """Web processes import the engine to score; scikit-learn and implicit must stay unloaded."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import recommendations.engine.hybrid, recommendations.engine.ease, recommendations.engine.als\n"
        "import recommendations.engine.content, recommendations.engine.artifacts\n"
        "import recommendations.engine.evaluation, recommendations.engine.tuning\n"
        "print(sorted(m for m in ('sklearn', 'implicit', 'pandas', 'django') if m in sys.modules))"
    )
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"


# -- content index: vectorising new texts without scikit-learn ------------------------------------
CONTENT_TEXT = {
    "names": ["Red apple", "Green APPLE apple", "apple pie", "Crème brûlée", "blue car", "fast car",
              "car wheel", "car engine", "apple cider"],
    "categories": ["fruit", "fruit", "bakery", "bakery", "vehicle", "vehicle", "parts", "parts", "fruit"],
    "tags": [["sweet", "red"], [], None, ["french dessert"], ["fast"], [], ["round"], ["metal", "Metal"],
             ["drink"]],
}


def _fitted_vectorizer(text):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from recommendations.engine.content import TOKEN_PATTERN, item_documents

    vectorizer = TfidfVectorizer(lowercase=True, token_pattern=TOKEN_PATTERN, sublinear_tf=True, smooth_idf=True,
                                 norm="l2", dtype=np.float32)
    return vectorizer.fit(item_documents(len(text["names"]), **text))


def test_content_transform_equals_sklearn_including_unknown_words():
    from recommendations.engine.content import item_documents

    model = ContentTFIDF(top_k=0).fit(n_items=9, **CONTENT_TEXT)
    vectorizer = _fitted_vectorizer(CONTENT_TEXT)
    new = {
        "names": ["apple apple APPLE banana", "zzz unheard-of words", "", "CRÈME car car", "Red"],
        "categories": ["fruit", "nowhere", "vehicle", None, "fruit"],
        "tags": [["sweet", "sweet"], ["zz"], [], ["French dessert"], None],
    }

    ours = model.transform(**new)
    expected = vectorizer.transform(item_documents(5, **new))

    assert ours.shape == expected.shape and ours.dtype == np.float32
    np.testing.assert_allclose(ours.toarray(), expected.toarray(), rtol=1e-6, atol=1e-7)
    assert ours[1].nnz == 0  # nothing known: an empty row, not NaN
    np.testing.assert_allclose(model.T.toarray(), vectorizer.transform(item_documents(9, **CONTENT_TEXT)).toarray(),
                               rtol=1e-6, atol=1e-7)
    assert model.vocabulary == {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
    assert not any("sklearn" in type(value).__module__ for value in vars(model).values())


def test_content_profile_scores_and_nearest_items():
    from scipy import sparse

    model = ContentTFIDF(top_k=0).fit(n_items=9, **CONTENT_TEXT)
    candidates = sparse.vstack([model.transform(["apple tart"], ["bakery"], [["sweet"]]),
                                model.transform(["rusty bolt"], ["garden"], [[]])]).tocsr()

    profile = model.profile([0, 1], [2.0, 1.0])
    scores = model.score_vectors(candidates, profile)

    assert np.isclose(np.linalg.norm(profile), 1.0)
    assert scores[0] > 0 and scores[1] == 0  # shares "apple" and "sweet"; shares nothing
    assert model.profile([], []) is None
    items, sims = model.nearest(model.transform(["red apple"], ["fruit"], [["sweet", "red"]]), k=3, exclude=[1])
    assert items[0] == 0 and 1 not in items and np.isclose(sims[0], 1.0)
    assert np.all(np.diff(sims) <= 0) and np.all(sims > 0)
    # Without neighbour matrices (top_k=0) the model still recommends and finds similar items, through T.
    similar, _ = model.similar_items(4, k=5)  # "blue car", vehicle, tag fast
    assert similar[0] == 5 and set(similar) == {5, 6, 7}  # "fast car" shares most; no fruit or bakery
    assert set(model.recommend([6], k=3)[0]) == {4, 5, 7}  # the other car items


def test_a_pickled_content_index_vectorises_without_loading_sklearn(tmp_path):
    import pickle
    import subprocess
    import sys
    from pathlib import Path

    model = ContentTFIDF(top_k=0).fit(n_items=9, **CONTENT_TEXT)
    (tmp_path / "content.pkl").write_bytes(pickle.dumps(model))
    expected = model.transform(["apple cider"], ["fruit"], [["drink"]]).toarray()
    code = (
        "import pickle, sys\n"
        f"model = pickle.loads(open({str(tmp_path / 'content.pkl')!r}, 'rb').read())\n"
        "row = model.transform(['apple cider'], ['fruit'], [['drink']]).toarray()\n"
        "print(repr(row.tolist()), 'sklearn' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    row, loaded = out.stdout.strip().rsplit(" ", 1)
    assert loaded == "False"
    np.testing.assert_allclose(np.array(eval(row)), expected)
