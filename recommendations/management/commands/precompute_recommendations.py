"""``manage.py precompute_recommendations``: fill the recommendation cache, here or on the workers."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommendations.lifecycle import jobs
from recommendations.tasks import precompute


class Command(BaseCommand):
    help = """Compute and cache (user_rec:{id}) the recommendation lists of the users with an
interaction in the last --days days, or of --user-ids. Runs here, chunk after chunk, unless
--queue sends the chunks to the Celery workers (the nightly task does that)."""

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.PRECOMPUTE_DAYS,
                            help=f"users active in this many days (default {settings.PRECOMPUTE_DAYS})")
        parser.add_argument("--user-ids", type=int, nargs="+", default=None, help="just these users")
        parser.add_argument("--chunk-size", type=int, default=settings.PRECOMPUTE_CHUNK_SIZE,
                            help=f"users per chunk (default {settings.PRECOMPUTE_CHUNK_SIZE})")
        parser.add_argument("--queue", action="store_true", help="fan the chunks out to the Celery workers")

    def handle(self, *args, days, user_ids, chunk_size, queue, **options):
        if days < 1 or chunk_size < 1:
            raise CommandError("--days and --chunk-size must be at least 1")
        if user_ids:
            self._user_ids(user_ids, chunk_size, queue)
            return
        outcome = jobs.precompute_recently_active(days=days, chunk_size=chunk_size, inline=not queue)
        if outcome.status == "skipped":
            self.stdout.write(f"skipped: {outcome.reason}")
        elif queue:
            self.stdout.write(f"Queued {outcome.chunks} chunks for {outcome.users} users active in {days} days.")
        else:
            self.stdout.write(f"Cached the lists of {outcome.computed} users active in {days} days.")

    def _user_ids(self, user_ids: list[int], chunk_size: int, queue: bool) -> None:
        chunks = [user_ids[i:i + chunk_size] for i in range(0, len(user_ids), chunk_size)]
        if queue:
            for chunk in chunks:
                precompute.delay(user_ids=chunk)
            self.stdout.write(f"Queued {len(chunks)} chunks for {len(user_ids)} users.")
            return
        computed = sum(jobs.recommendations_precompute(user_ids=chunk) for chunk in chunks)
        self.stdout.write(f"Cached the lists of {computed} users.")
