"""Wall time of the precompute fan-out on real Celery workers, for several worker process counts.

    DATABASE_URL=... REDIS_URL=... DJANGO_DEBUG=true \\
        .venv/bin/python bench/precompute_workers.py --concurrency 1 2 --days 7 --chunk-size 1000

For each concurrency: drop the cached lists (user_rec:*), start ``celery worker --concurrency=N``,
queue ``precompute_recently_active`` (the nightly fan-out) and time until every chunk task has
stored its result. The time includes each pool process loading the active model on its first
chunk, as it does in production after a deploy or a new version. Needs an active model version.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recengine.settings")


def main() -> None:
    import django

    django.setup()
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--chunk-size", type=int, default=1000)
    args = parser.parse_args()
    for concurrency in args.concurrency:
        seconds, users, chunks = run_once(concurrency, args.days, args.chunk_size)
        print(f"concurrency={concurrency}: {users} users in {chunks} chunks, {seconds:.1f} s "
              f"({users / seconds:.0f} users/s)", flush=True)


def run_once(concurrency: int, days: int, chunk_size: int) -> tuple[float, int, int]:
    from django.utils import timezone
    from django_celery_results.models import TaskResult
    from django_redis import get_redis_connection

    from recommendations.lifecycle.jobs import precompute_recently_active

    redis = get_redis_connection("default")
    for keys in _batched(redis.scan_iter("user_rec:*", count=10_000), 10_000):
        redis.delete(*keys)
    log = open(f"/tmp/precompute-worker-{concurrency}.log", "wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "recengine", "worker", f"--concurrency={concurrency}",
         "--pool=prefork", "--queues=celery", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
         f"--hostname=bench-{concurrency}@localhost"],
        cwd=ROOT, env={**os.environ, "DB_POOL_ENABLED": "false"}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_ready(f"bench-{concurrency}@localhost")
        since = timezone.now()
        started = time.perf_counter()
        outcome = precompute_recently_active(days=days, chunk_size=chunk_size)
        done = TaskResult.objects.filter(task_name="recommendations.precompute", date_done__gte=since,
                                         status__in=["SUCCESS", "FAILURE"])
        while done.count() < outcome.chunks:
            time.sleep(0.5)
        seconds = time.perf_counter() - started
        failed = done.filter(status="FAILURE").count()
        if failed:
            print(f"  {failed} chunk(s) failed; see /tmp/precompute-worker-{concurrency}.log")
        return seconds, outcome.users, outcome.chunks
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def _wait_ready(name: str) -> None:
    from recengine.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(destination=[name], timeout=0.5):
            return
    raise RuntimeError("worker did not start")


def _batched(iterable, size):
    batch = []
    for value in iterable:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


if __name__ == "__main__":
    main()
