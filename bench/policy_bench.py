"""In-process time of one recommendation list through the Django serving path (no HTTP).

Runs against the configured database and the active model version: for a seeded random sample of
users it times

- ``policy.recommendations_compute`` (uncached: history query, model scoring, item query, new
  items, popularity backfill): what a cache miss of GET /recommendations/{id} costs besides HTTP;
- the same lists computed 200 at a time (``recommendations_compute_many``, used by precompute and
  export), per user;
- ``serving.service.recommend`` on a warm cache (the hit path, Redis GET + decode).

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/policy_bench.py [--users 1000] [--limit 10]

Set OPENBLAS_NUM_THREADS=1 to measure one request per core, as a web worker runs it.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recengine.settings")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count

    from recommendations.models import Interaction
    from recommendations.serving import cache
    from recommendations.serving.model import serving_model
    from recommendations.serving.policy import (
        recommendations_compute,
        recommendations_compute_many,
    )
    from recommendations.serving.query import Query
    from recommendations.serving.service import recommend

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    model = serving_model()
    if model is None:
        raise SystemExit("no active model version: run manage.py train --activate first")
    eligible = np.array(
        Interaction.objects.values("user_id").annotate(n=Count("id"))
        .filter(n__gte=settings.MIN_INTERACTIONS_FOR_PERSONALIZED).values_list("user_id", flat=True)
    )
    users = np.random.default_rng(args.seed).choice(eligible, min(args.users, len(eligible)), replace=False).tolist()
    print(f"model v{model.version_id} ({model.algorithm}, {model.n_items:,} items); "
          f"{len(users)} of {len(eligible):,} users with >= {settings.MIN_INTERACTIONS_FOR_PERSONALIZED} "
          f"interactions; limit {args.limit}", flush=True)

    for user_id in users[:20]:  # warm-up: model pages, new-item snapshot, connection
        recommendations_compute(Query(user_id, args.limit))
    single = []
    for user_id in users:
        started = time.perf_counter()
        recommendations_compute(Query(user_id, args.limit))
        single.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    for start in range(0, len(users), 200):
        recommendations_compute_many([Query(u, args.limit) for u in users[start:start + 200]])
    batch_ms = (time.perf_counter() - started) * 1000 / len(users)

    cache.recommendations_drop(user_ids=users)
    for user_id in users:
        recommend(Query(user_id, args.limit))  # fills the cache
    hits = []
    for user_id in users:
        started = time.perf_counter()
        result = recommend(Query(user_id, args.limit))
        hits.append((time.perf_counter() - started) * 1000)
        assert result.cached
    cache.recommendations_drop(user_ids=users)

    print("| path | p50 ms | p95 ms | mean ms |\n| --- | --- | --- | --- |")
    for name, values in (("uncached list, one user (recommendations_compute)", single),
                         ("cache hit (recommend)", hits)):
        a = np.array(values)
        print(f"| {name} | {np.percentile(a, 50):.2f} | {np.percentile(a, 95):.2f} | {a.mean():.2f} |")
    print(f"| uncached, 200 users at a time (recommendations_compute_many), per user | | | {batch_ms:.2f} |")


if __name__ == "__main__":
    main()
