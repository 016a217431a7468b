"""Engine tests are pure numpy: no database, no Redis, no Django settings needed."""
import numpy as np
import pytest

from recommendations.engine.data import build_csr


@pytest.fixture(autouse=True)
def _empty_redis():
    """Overrides the project-wide autouse fixture: the engine never touches the cache."""
    yield


# Two disjoint clusters: items 0-3 (A) and 4-7 (B); item 8 has no interactions (cold).
# Every user holds 3 of the 4 items of one cluster, each combination twice.
CLUSTER_A = [[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]]
CLUSTER_B = [[4, 5, 6], [4, 5, 7], [4, 6, 7], [5, 6, 7]]
N_ITEMS = 9


@pytest.fixture
def clusters():
    histories = (CLUSTER_A + CLUSTER_B) * 2
    users = np.repeat(np.arange(len(histories)), 3)
    items = np.concatenate(histories)
    return build_csr(users, items, n_users=len(histories), n_items=N_ITEMS)


@pytest.fixture
def item_text():
    names = ["red apple", "green apple", "apple pie", "apple juice",
             "blue car", "fast car", "car wheel", "car engine", "apple cider"]
    categories = ["fruit"] * 4 + ["vehicle"] * 4 + ["fruit"]
    return {"names": names, "categories": categories}
