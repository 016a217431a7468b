"""``manage.py setup_periodic_tasks`` writes the schedules declared in recommendations/schedules.py."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django_celery_beat.models import (
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    PeriodicTasks,
)

from recommendations.schedules import crontab_parse, shortest_interval

pytestmark = pytest.mark.django_db

DECLARED = {"popularity-hourly", "retrain-nightly", "precompute-nightly", "artifacts-cleanup-daily"}


def setup() -> str:
    out = StringIO()
    call_command("setup_periodic_tasks", stdout=out)
    return out.getvalue()


def snapshot() -> list[dict]:
    return [model_to_dict(task) for task in PeriodicTask.objects.order_by("name")]


def test_it_creates_the_declared_entries():
    output = setup()

    tasks = {task.name: task for task in PeriodicTask.objects.select_related("crontab")}
    assert set(tasks) == DECLARED
    popularity, retrain = tasks["popularity-hourly"], tasks["retrain-nightly"]
    assert popularity.task == "catalog.update_popularity" and popularity.enabled
    assert (popularity.crontab.minute, popularity.crontab.hour) == ("0", "*")
    assert popularity.expire_seconds == 54 * 60  # expires before the next hourly run
    assert retrain.task == "recommendations.retrain"
    assert (retrain.crontab.minute, retrain.crontab.hour, retrain.crontab.day_of_week) == ("0", "3", "*")
    assert retrain.expire_seconds == 24 * 60 * 60 - 600
    assert (tasks["precompute-nightly"].crontab.minute, tasks["precompute-nightly"].crontab.hour) == ("30", "3")
    assert tasks["artifacts-cleanup-daily"].kwargs == '{"keep": 5}'
    assert tasks["precompute-nightly"].kwargs == '{"chunk_size": 1000, "days": 7}'
    assert output.count("created") == 4


def test_running_it_twice_changes_nothing():
    setup()
    before, crontabs = snapshot(), CrontabSchedule.objects.count()
    beat_reload_mark = PeriodicTasks.last_change()

    output = setup()

    assert snapshot() == before and CrontabSchedule.objects.count() == crontabs
    assert PeriodicTasks.last_change() == beat_reload_mark  # beat has nothing to reload
    assert output.count("unchanged") == 4


def test_the_environment_moves_an_entry(settings):
    setup()
    settings.RETRAIN_CRON = "15 2 * * 1"

    output = setup()

    retrain = PeriodicTask.objects.select_related("crontab").get(name="retrain-nightly")
    assert (retrain.crontab.minute, retrain.crontab.hour, retrain.crontab.day_of_week) == ("15", "2", "1")
    assert retrain.expire_seconds == 7 * 24 * 60 * 60 - 600
    assert "updated    retrain-nightly" in output


def test_entries_no_longer_in_code_are_disabled_but_beats_own_are_left_alone():
    every_hour = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.create(name="update-popularity-hourly", task="catalog.update_popularity", interval=every_hour)
    PeriodicTask.objects.create(name="celery.backend_cleanup", task="celery.backend_cleanup", interval=every_hour)

    output = setup()

    assert not PeriodicTask.objects.get(name="update-popularity-hourly").enabled
    assert PeriodicTask.objects.get(name="celery.backend_cleanup").enabled
    assert "disabled   update-popularity-hourly" in output


def test_a_bad_cron_line_writes_nothing(settings):
    settings.CLEANUP_CRON = "0 4 * *"

    with pytest.raises(CommandError, match="not a cron line of five fields"):
        setup()

    assert not PeriodicTask.objects.exists()


@pytest.mark.parametrize(("line", "minutes"), [
    ("*/15 * * * *", 15),
    ("0 * * * *", 60),
    ("0 9,17 * * *", 8 * 60),
    ("30 3 * * *", 24 * 60),
    ("0 3 * * 1", 7 * 24 * 60),
    ("0 3 1 * *", 28 * 24 * 60),
])
def test_the_shortest_interval_of_a_cron_line(line, minutes):
    assert shortest_interval(crontab_parse(line)).total_seconds() == minutes * 60
