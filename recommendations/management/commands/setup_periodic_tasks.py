"""``manage.py setup_periodic_tasks``: write the periodic tasks declared in recommendations/schedules.py."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from recommendations.schedules import (
    crontab_parse,
    entries,
    expire_seconds_for,
    periodic_tasks_setup,
)


class Command(BaseCommand):
    help = """Create or update the django-celery-beat rows (CrontabSchedule + PeriodicTask) for the
schedules declared in code, in one transaction: popularity (POPULARITY_CRON), retrain
(RETRAIN_CRON), precompute (PRECOMPUTE_CRON) and artifact cleanup (CLEANUP_CRON). Each message
expires shortly before the entry's next run. Rows no longer declared are disabled. Running it
again changes nothing."""

    def handle(self, *args, **options):
        try:
            result = periodic_tasks_setup()
        except ValueError as exc:
            raise CommandError(f"Bad schedule: {exc}") from exc
        status = {name: kind for kind in ("created", "updated", "unchanged") for name in getattr(result, kind)}
        for entry in entries():
            expires = expire_seconds_for(crontab_parse(entry.cron))
            self.stdout.write(
                f"{status[entry.name]:<9}  {entry.name:<24} {entry.cron:<14} {entry.task:<44} expires {expires}s"
            )
        for name in result.disabled:
            self.stdout.write(f"disabled   {name} (no longer declared in code)")
