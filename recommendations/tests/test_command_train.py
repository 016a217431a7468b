"""``manage.py train``: thin over training.model_train, on tiny two-cluster data (see conftest.py)."""
from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recommendations.models import ModelVersion

pytestmark = pytest.mark.django_db


def train(*args: str) -> str:
    out = StringIO()
    call_command("train", *args, stdout=out)
    return out.getvalue()


def test_it_creates_a_ready_version_with_an_artifact_file(clusters, model_dir):
    output = train("--algorithm", "itemknn")

    version = ModelVersion.objects.get()
    assert version.status == ModelVersion.Status.READY and not version.is_active
    assert Path(version.artifact_path).is_file() and Path(version.artifact_path).parent == model_dir
    assert (version.n_users, version.n_items, version.n_interactions) == (8, 10, 32)
    assert f"Trained model version {version.pk} (itemknn)" in output
    assert version.artifact_path in output
    assert "active:           no" in output


def test_it_activates_the_new_version_and_deactivates_the_previous_one(clusters, model_dir):
    train("--algorithm", "popularity", "--activate")
    first = ModelVersion.objects.get()
    assert first.is_active

    output = train("--algorithm", "itemknn", "--activate")

    first.refresh_from_db()
    second = ModelVersion.objects.exclude(pk=first.pk).get()
    assert second.is_active and not first.is_active
    assert list(ModelVersion.objects.active()) == [second]
    assert "active:           yes" in output


def test_it_passes_params_to_the_algorithm(clusters, model_dir):
    train("--algorithm", "ease", "--params", '{"lambda_": 5}')

    assert ModelVersion.objects.get().params["lambda_"] == 5


def test_it_refuses_an_unknown_algorithm_and_writes_nothing(clusters, model_dir):
    with pytest.raises(CommandError, match="Unknown algorithm 'nope'; choose one of popularity, itemknn"):
        train("--algorithm", "nope")

    assert not ModelVersion.objects.exists()
    assert not model_dir.exists() or not any(model_dir.iterdir())


@pytest.mark.parametrize(
    "params, message",
    [("{lambda_: 5}", "--params is not valid JSON"), ("[1, 2]", "--params must be a JSON object")],
)
def test_it_refuses_params_that_are_not_a_json_object(clusters, model_dir, params, message):
    with pytest.raises(CommandError, match=message):
        train("--algorithm", "ease", "--params", params)

    assert not ModelVersion.objects.exists()


def test_it_refuses_parameters_the_algorithm_does_not_take(clusters, model_dir):
    with pytest.raises(CommandError, match="Bad parameters for itemknn"):
        train("--algorithm", "itemknn", "--params", '{"lambda_": 5}')

    assert not ModelVersion.objects.exists()


def test_it_says_there_is_nothing_to_train_on(model_dir):
    with pytest.raises(CommandError, match="There are no interactions to train on"):
        train("--algorithm", "popularity")

    assert not ModelVersion.objects.exists()


def test_a_failed_training_is_recorded_and_leaves_the_active_version_alone(clusters, model_dir):
    train("--algorithm", "popularity", "--activate")
    active = ModelVersion.objects.get()

    # A hugely negative L2 weight makes EASE's Gram matrix indefinite: the Cholesky step fails.
    with pytest.raises(CommandError, match=r"Training ease failed \(model version \d+ marked failed\)"):
        train("--algorithm", "ease", "--params", '{"lambda_": -1000000}', "--activate")

    failed = ModelVersion.objects.exclude(pk=active.pk).get()
    assert failed.status == ModelVersion.Status.FAILED and not failed.is_active
    assert "LinAlgError" in failed.notes and failed.artifact_path == ""
    assert list(ModelVersion.objects.active()) == [active]
    assert sorted(p.name for p in model_dir.iterdir()) == [Path(active.artifact_path).name]


def test_it_fits_on_the_transformed_values_and_keeps_the_transform(clusters, model_dir, settings):
    from recommendations.engine.artifacts import load_artifact

    settings.TRAINING_WEIGHT_TRANSFORM = "sqrt"
    train("--algorithm", "itemknn")

    version = ModelVersion.objects.get()
    artifact = load_artifact(Path(version.artifact_path), key=settings.MODEL_SIGNING_KEY.encode())
    # every clusters() interaction has the value 3: sqrt(3) is the mean, so each weight becomes 1
    assert artifact.weight_transform == {"method": "sqrt", "scale": pytest.approx(3 ** 0.5)}
    assert artifact.history_weights([3.0, 12.0]).tolist() == pytest.approx([1.0, 2.0])
    assert artifact.algorithm == "itemknn" and artifact.content_index is not None
    assert "weight_transform" not in vars(artifact.model)  # nothing attached to the model object


def test_a_poisoned_value_in_the_database_neither_fails_training_nor_weighs_more_than_the_maximum(
        clusters, model_dir, caplog, settings):
    """A value beyond float32 (stored before the API bounded it, or by SQL) became inf, and every fit
    then failed with NaN in the factors; a huge finite value dominated the user's row."""
    from recommendations.models import Interaction

    reader, listener = clusters.readers[0], clusters.listeners[0]
    Interaction.objects.create(user=reader, item=clusters.items["b1"], interaction_type="view",
                               interaction_value=1e39)
    Interaction.objects.create(user=listener, item=clusters.items["a1"], interaction_type="view",
                               interaction_value=5e7)

    with caplog.at_level("WARNING", logger="recommendations.lifecycle.training"):
        train("--algorithm", "hybrid")

    version = ModelVersion.objects.get()
    assert version.status == ModelVersion.Status.READY and version.n_interactions == 33  # the inf row left out
    assert "leaves out 1 interaction(s)" in caplog.text and f"({reader.pk}, {clusters.items['b1'].pk})" in caplog.text
    assert f"clips 1 interaction value(s) to INTERACTION_VALUE_MAX ({settings.INTERACTION_VALUE_MAX:g})" in caplog.text
