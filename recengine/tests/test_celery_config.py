"""The Celery app is configured from settings: JSON only, results in the database, safe redelivery."""
from django.conf import settings

from recengine.celery import app


def test_messages_and_results_are_json_only():
    assert app.conf.task_serializer == app.conf.result_serializer == "json"
    assert app.conf.accept_content == ["json"]


def test_outcomes_are_stored_in_the_database_for_staff():
    assert app.conf.result_backend == "django-db" and app.conf.result_extended
    assert "django_celery_results" in settings.INSTALLED_APPS


def test_a_redelivered_message_never_overtakes_a_running_task():
    assert app.conf.task_acks_late and app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


def test_retrains_go_to_the_training_queue_and_beat_reads_the_database():
    assert app.amqp.router.route({}, "recommendations.retrain")["queue"].name == "training"
    assert app.amqp.router.route({}, "catalog.update_popularity")["queue"].name == "celery"
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert not app.conf.beat_schedule  # schedules come from manage.py setup_periodic_tasks


def test_the_tasks_are_registered():
    app.loader.import_default_modules()
    assert {"catalog.update_popularity", "recommendations.retrain", "recommendations.precompute",
            "recommendations.precompute_recently_active", "recommendations.artifacts_cleanup"} <= set(app.tasks)
