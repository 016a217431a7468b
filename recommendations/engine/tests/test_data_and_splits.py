import numpy as np

from recommendations.engine.data import Interactions, build_csr, decay_weights
from recommendations.engine.splits import split, stratified_train_mask


def test_build_csr_sums_repeated_pairs_and_keeps_the_index_space():
    X = build_csr([0, 0, 1], [2, 2, 0], [1.0, 3.0, 5.0], n_users=3, n_items=4)
    assert X.shape == (3, 4)
    assert X[0, 2] == 4.0 and X[1, 0] == 5.0 and X.nnz == 2


def test_decay_halves_the_weight_after_one_half_life():
    day = 86_400
    w = decay_weights([1.0, 1.0, 1.0], [10 * day, 8 * day, 6 * day], half_life_days=2)
    np.testing.assert_allclose(w, [1.0, 0.5, 0.25])


def test_stratified_split_matches_the_reference_protocol_by_hand():
    # np.random.seed(42); rand(13) = .375 .951 .732 .599 .15602 .15599 .058 .866 .601 .708 .021 .970 .832
    # user 0 rows 0-3 by random: 0,3,2,1 -> ranks .25 .5 .75 1.0 -> row 1 is test
    # user 1 rows 4-7 by random: 6,5,4,7 -> row 7 is test
    # user 2 rows 8-12 by random: 10,8,9,12,11 -> ranks .2 .4 .6 .8 1.0 -> rows 12 and 11 are test
    users = np.array([0] * 4 + [1] * 4 + [2] * 5)
    train = stratified_train_mask(users, ratio=0.75, seed=42)
    assert sorted(np.flatnonzero(~train)) == [1, 7, 11, 12]


def test_split_by_name_keeps_every_row_exactly_once():
    data = Interactions.from_arrays([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], timestamps=[1, 3, 2, 5, 4, 6])
    for protocol in ("stratified", "random", "leave_last"):
        train, test = split(data, protocol)
        assert len(train) + len(test) == len(data)
        assert train.n_items == test.n_items == 3


def test_leave_last_holds_out_each_users_latest_interaction():
    data = Interactions.from_arrays([0, 0, 0, 1, 1, 2], [0, 1, 2, 0, 1, 2], timestamps=[1, 3, 2, 5, 4, 9])
    train, test = split(data, "leave_last")
    assert sorted(zip(test.users, test.items)) == [(0, 1), (1, 0)]  # user 2 has one row: kept for training
