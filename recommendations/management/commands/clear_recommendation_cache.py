"""``manage.py clear_recommendation_cache [--user-ids ID ...] [--delete-keys]``."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from redis.exceptions import RedisError

from recommendations.serving import cache

DELETE_BATCH = 1000


class Command(BaseCommand):
    help = f"""Make cached recommendation lists miss, so they are computed again.

Without --user-ids: every list at once, by moving the catalog epoch on (recommendations/serving/cache.py):
entries of an older epoch never answer, and every web process also re-reads its item table and
new-item candidates at its next miss. The old entries stay in Redis until their TTL (REDIS_TTL)
unless --delete-keys also deletes every {settings.CACHE_KEY_PREFIX}:* key now (SCAN + UNLINK, {DELETE_BATCH:,}
keys a call), which frees their memory at once.
With --user-ids: drop just these users' lists ({settings.CACHE_KEY_PREFIX}:<id>).
Lists are computed again on their next request, or all at once by precompute_recommendations."""

    def add_arguments(self, parser):
        parser.add_argument("--user-ids", type=int, nargs="+", default=None, help="just these users' lists")
        parser.add_argument("--delete-keys", action="store_true",
                            help=f"also delete every {settings.CACHE_KEY_PREFIX}:* key now (frees the memory)")

    def handle(self, *args, user_ids: list[int] | None, delete_keys: bool, **options):
        from django_redis import get_redis_connection

        if user_ids and delete_keys:
            raise CommandError("--delete-keys deletes every list; give it without --user-ids.")
        try:
            redis = get_redis_connection("default")
            redis.ping()
        except RedisError as exc:
            raise CommandError(f"Redis ({settings.REDIS_URL}) cannot be reached: {exc}") from exc
        if user_ids:
            cache.recommendations_drop(user_ids=user_ids)
            self.stdout.write(f"Dropped the cached lists of {len(set(user_ids))} user(s).")
            return
        cache.catalog_epoch_bump()
        epoch = int(redis.get(cache.CATALOG_EPOCH_KEY) or 0)
        self.stdout.write(f"Every cached list is stale now (catalog epoch {epoch}).")
        if delete_keys:
            deleted = self._delete_all(redis)
            self.stdout.write(f"Deleted {deleted:,} {settings.CACHE_KEY_PREFIX}:* keys.")

    def _delete_all(self, redis) -> int:
        deleted, batch = 0, []
        try:
            for key in redis.scan_iter(match=f"{settings.CACHE_KEY_PREFIX}:*", count=DELETE_BATCH):
                batch.append(key)
                if len(batch) >= DELETE_BATCH:
                    deleted += redis.unlink(*batch)
                    batch = []
            if batch:
                deleted += redis.unlink(*batch)
        except RedisError as exc:
            raise CommandError(f"Deleting the keys stopped after {deleted:,}: {exc}") from exc
        return deleted
