import numpy as np
import pytest

from recommendations.engine.data import (
    WEIGHT_TRANSFORMS,
    transform_weights,
    weight_transform_scale,
)


def test_none_leaves_the_values_alone():
    np.testing.assert_allclose(transform_weights([0.5, 4.0, 5.0], "none"), [0.5, 4.0, 5.0])


def test_binary_is_all_ones():
    np.testing.assert_allclose(transform_weights([0.5, 4.0, 5.0], "binary"), [1.0, 1.0, 1.0])


def test_sqrt_is_normalised_to_mean_one_by_hand():
    # sqrt(1, 4, 16) = 1, 2, 4; mean 7/3 -> 3/7, 6/7, 12/7
    out = transform_weights([1.0, 4.0, 16.0], "sqrt")
    np.testing.assert_allclose(out, [3 / 7, 6 / 7, 12 / 7], rtol=1e-6)
    assert out.dtype == np.float32 and out.mean() == pytest.approx(1.0)


def test_log1p_is_normalised_to_mean_one_by_hand():
    # log1p(e - 1) = 1, log1p(e^3 - 1) = 3; mean 2 -> 0.5, 1.5
    out = transform_weights([np.e - 1, np.e ** 3 - 1], "log1p")
    np.testing.assert_allclose(out, [0.5, 1.5], rtol=1e-6)


def test_a_given_scale_replaces_the_mean():
    # serving: one history weighted with the scale found on the training rows
    assert weight_transform_scale([1.0, 4.0, 16.0], "sqrt") == pytest.approx(7 / 3)
    np.testing.assert_allclose(transform_weights([9.0], "sqrt", scale=7 / 3), [9 / 7], rtol=1e-6)
    assert weight_transform_scale([1.0, 4.0], "none") == 1.0


def test_negative_values_are_clipped_and_unknown_methods_refused():
    np.testing.assert_allclose(transform_weights([-4.0, 4.0], "sqrt"), [0.0, 2.0])
    with pytest.raises(ValueError, match="unknown weight transform"):
        transform_weights([1.0], "square")
    assert set(WEIGHT_TRANSFORMS) >= {"none", "binary", "sqrt", "log1p"}


def test_interactions_transform_keeps_the_scale_for_request_time_histories():
    from recommendations.engine.artifacts import Artifact
    from recommendations.engine.data import Interactions, interactions_transform
    from recommendations.engine.itemknn import ItemKNN

    data = Interactions.from_arrays([0, 0, 1], [0, 1, 1], weights=[1.0, 4.0, 16.0])
    weighted, spec = interactions_transform(data, "sqrt")
    np.testing.assert_allclose(weighted.weights, [3 / 7, 6 / 7, 12 / 7], rtol=1e-6)
    assert spec == {"method": "sqrt", "scale": pytest.approx(7 / 3)}
    assert weighted.users.tolist() == [0, 0, 1] and weighted.n_items == 2

    artifact = Artifact(model=ItemKNN())
    np.testing.assert_allclose(artifact.history_weights([4.0]), [4.0])  # no transform recorded: as given
    artifact = Artifact(model=ItemKNN(), weight_transform=spec)
    np.testing.assert_allclose(artifact.history_weights([4.0, 16.0]), [6 / 7, 12 / 7], rtol=1e-6)
