"""Staff see model versions, queue a retrain or a popularity run, and roll back from the admin."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_redis import get_redis_connection

from recommendations.admin import compact_number, duration
from recommendations.lifecycle.training import model_train
from recommendations.models import ModelVersion

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:recommendations_modelversion_changelist")


def queued(queue: str) -> int:
    """Messages waiting in a real Redis broker queue."""
    return get_redis_connection("default").llen(queue)


def test_the_list_shows_versions_with_their_guard_figures(admin_client, clusters):
    from recommendations.lifecycle.jobs import model_retrain

    version = ModelVersion.objects.get(pk=model_retrain(algorithm="itemknn").version_id)

    page = admin_client.get(CHANGELIST).content.decode()

    assert "Queue a retrain" in page and "Queue a popularity recompute" in page
    assert f"{version.metrics['ndcg@10']:.4f}" in page and "Retrain guard passed" in page
    assert admin_client.get(reverse("admin:recommendations_modelversion_change", args=[version.pk])).status_code == 200


def test_queue_a_retrain_puts_a_message_on_the_training_queue(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as sent:
        response = admin_client.post(reverse("admin:recommendations_modelversion_queue_retrain"), follow=True)

    assert response.redirect_chain[-1][0] == CHANGELIST
    assert "A retrain is queued" in response.content.decode()
    assert len(sent) == 1  # queued once the request's transaction commits
    assert queued("training") == 1 and queued("celery") == 0


def test_queue_a_popularity_recompute_puts_a_message_on_the_default_queue(admin_client,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:recommendations_modelversion_queue_popularity"))

    assert queued("celery") == 1


def test_queueing_needs_a_post_and_the_change_permission(client, admin_client, django_user_model):
    url = reverse("admin:recommendations_modelversion_queue_retrain")
    assert admin_client.get(url).status_code == 405
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_modelversion"))
    client.force_login(viewer)

    assert client.post(url).status_code == 403
    assert queued("training") == 0


def test_activate_rolls_back_to_the_selected_version(admin_client, clusters):
    older = model_train(algorithm="popularity", activate=True)
    model_train(algorithm="itemknn", activate=True)

    response = admin_client.post(
        CHANGELIST, {"action": "activate_version", "_selected_action": [older.pk]}, follow=True
    )

    assert f"Model version {older.pk} (popularity) is now active." in response.content.decode()
    assert list(ModelVersion.objects.active()) == [older]


def test_activate_refuses_a_version_without_artifact(admin_client, clusters):
    version = model_train(algorithm="popularity")
    ModelVersion.objects.filter(pk=version.pk).update(artifact_path="")

    response = admin_client.post(
        CHANGELIST, {"action": "activate_version", "_selected_action": [version.pk]}, follow=True
    )

    assert "has no artifact file and cannot be activated" in response.content.decode()
    assert not ModelVersion.objects.active().exists()


def test_task_results_are_listed_for_staff(admin_client):
    assert admin_client.get(reverse("admin:django_celery_results_taskresult_changelist")).status_code == 200


@pytest.mark.parametrize(("n", "shown"), [(0, "0"), (950, "950"), (48_210, "48.2k"), (2_000, "2k"),
                                          (1_204_331, "1.2M"), (93_877_120, "93.9M"), (3_000_000_000, "3G")])
def test_counts_are_compact_in_the_list(n, shown):
    assert compact_number(n) == shown


@pytest.mark.parametrize(("seconds", "shown"), [(None, "-"), (0.04, "0.0 s"), (42, "42.0 s"), (852, "14.2 min"),
                                                (5321.4, "1.5 h")])
def test_training_times_are_in_the_unit_a_person_reads(seconds, shown):
    assert duration(seconds) == shown
