"""The periodic tasks, declared in code and written to django-celery-beat by ``setup_periodic_tasks``.

Each entry's crontab line comes from settings (POPULARITY_CRON, RETRAIN_CRON, PRECOMPUTE_CRON,
CLEANUP_CRON). Each message expires a little before the entry's next run (``expire_seconds``),
so a backlog behind a stopped worker is dropped instead of piling up retrains. Rows that are no
longer declared here are disabled (beat's own ``celery.*`` entries are left alone).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from django.conf import settings
from django.db import transaction

# How much earlier than the next run a message expires: a tenth of the interval, at most ten minutes.
MAX_EXPIRY_MARGIN_S = 10 * 60


@dataclass(frozen=True)
class Entry:
    name: str
    task: str
    cron: str  # "minute hour day-of-month month day-of-week"
    kwargs: dict
    description: str


def entries() -> list[Entry]:
    """What beat should run, from the current settings."""
    return [
        Entry("popularity-hourly", "catalog.update_popularity", settings.POPULARITY_CRON, {},
              "Recompute items.popularity_score (POPULARITY_CRON)."),
        Entry("retrain-nightly", "recommendations.retrain", settings.RETRAIN_CRON, {},
              "Retrain the default algorithm if interactions arrived; the retrain guard decides on "
              "activation (RETRAIN_CRON)."),
        Entry("precompute-nightly", "recommendations.precompute_recently_active", settings.PRECOMPUTE_CRON,
              {"days": settings.PRECOMPUTE_DAYS, "chunk_size": settings.PRECOMPUTE_CHUNK_SIZE},
              "Cache the lists of recently active users, in chunks across the workers (PRECOMPUTE_CRON)."),
        Entry("artifacts-cleanup-daily", "recommendations.artifacts_cleanup", settings.CLEANUP_CRON,
              {"keep": settings.ARTIFACTS_KEEP},
              "Delete the artifacts of old inactive model versions (CLEANUP_CRON)."),
    ]


def crontab_parse(line: str):
    """A celery crontab from a five-field cron line; ValueError names a bad line."""
    from celery.schedules import crontab

    fields = line.split()
    if len(fields) != 5:
        raise ValueError(f"{line!r} is not a cron line of five fields (minute hour day-of-month month day-of-week)")
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    try:
        return crontab(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
                       day_of_week=day_of_week)
    except ValueError as exc:
        raise ValueError(f"{line!r} is not a valid cron line: {exc}") from exc


def shortest_interval(schedule) -> timedelta:
    """The shortest time between two consecutive runs of a crontab, over two years of calendar."""
    times = sorted(hour * 60 + minute for hour in schedule.hour for minute in schedule.minute)
    start = date(2024, 1, 1)  # two years from here include a 29 February
    days = [
        day for day in (start + timedelta(days=n) for n in range(731))
        if day.month in schedule.month_of_year and day.day in schedule.day_of_month
        and day.isoweekday() % 7 in schedule.day_of_week  # cron: Sunday is 0
    ]
    if not times or not days:
        raise ValueError("the cron line never fires")
    gaps = [b - a for a, b in pairwise(times)]
    gaps += [(d2 - d1).days * 24 * 60 + times[0] - times[-1] for d1, d2 in pairwise(days)]
    return timedelta(minutes=min(gaps) if gaps else 365 * 24 * 60)


def expire_seconds_for(schedule) -> int:
    """Slightly less than the shortest interval between runs."""
    interval = int(shortest_interval(schedule).total_seconds())
    return interval - min(MAX_EXPIRY_MARGIN_S, interval // 10)


@dataclass(frozen=True)
class SetupResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    disabled: list[str]


def periodic_tasks_setup() -> SetupResult:
    """Create or update the declared PeriodicTask rows and disable undeclared ones, in one transaction.

    A row is saved only when something differs, so a second run changes nothing (and does not make
    beat reload its schedule).
    """
    from django_celery_beat.models import PeriodicTask

    declared = entries()
    parsed = {entry.name: crontab_parse(entry.cron) for entry in declared}  # all valid before any write
    result = SetupResult([], [], [], [])
    with transaction.atomic():
        for entry in declared:
            outcome = _entry_write(entry, parsed[entry.name])
            getattr(result, outcome).append(entry.name)
        names = [entry.name for entry in declared]
        undeclared = PeriodicTask.objects.exclude(name__in=names).exclude(name__startswith="celery.")
        for task in undeclared.filter(enabled=True).select_for_update():
            task.enabled = False
            task.save()
            result.disabled.append(task.name)
    return result


def _crontab_row(entry: Entry):
    from django_celery_beat.models import CrontabSchedule

    minute, hour, day_of_month, month_of_year, day_of_week = entry.cron.split()
    fields = dict(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
                  day_of_week=day_of_week, timezone=settings.CELERY_TIMEZONE)
    row = CrontabSchedule.objects.filter(**fields).order_by("pk").first()
    return row or CrontabSchedule.objects.create(**fields)


def _entry_write(entry: Entry, schedule) -> str:
    """Make the row match the entry: "created", "updated" or "unchanged"."""
    from django_celery_beat.models import PeriodicTask

    wanted = {
        "task": entry.task, "crontab": _crontab_row(entry), "interval": None, "solar": None, "clocked": None,
        "args": "[]", "kwargs": json.dumps(entry.kwargs, sort_keys=True), "queue": None, "one_off": False,
        "expires": None, "expire_seconds": expire_seconds_for(schedule), "enabled": True,
        "description": entry.description,
    }
    task = PeriodicTask.objects.select_for_update().filter(name=entry.name).first()
    if task is None:
        PeriodicTask.objects.create(name=entry.name, **wanted)
        return "created"
    changed = [name for name, value in wanted.items() if getattr(task, name) != value]
    if not changed:
        return "unchanged"
    for name in changed:
        setattr(task, name, wanted[name])
    task.save()
    return "updated"
