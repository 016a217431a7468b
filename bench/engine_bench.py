"""Engine benchmark on synthetic data: training time, peak memory and per-request latency.

Generates 100,000 users x 20,000 items x 5,000,000 interactions in numpy (power-law item
popularity, 50 latent taste clusters, log-normal user activity), then runs every algorithm in its
own subprocess so that each peak RSS (resource.getrusage maxrss) belongs to one model only.
Latency is ``model.recommend(history, weights, k=10)`` for ~1,000 random users, scored from the
history vector exactly as on a web request, with BLAS limited to one thread (fitting uses all cores).

    .venv/bin/python bench/engine_bench.py [--users 100000 --items 20000 --interactions 5000000]
        [--models popularity,itemknn,rp3beta,als64,als,content,ease,hybrid] [--ease-max-items 20000]

Models are built with the served defaults (recommendations/lifecycle/algorithms.py); ``als64`` is ALS with
64 factors and 15 iterations, the reference setting quoted in the issue.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ALL_MODELS = "popularity,itemknn,rp3beta,als64,als,content,ease,hybrid"


def synthetic(n_users: int, n_items: int, n_inter: int, n_clusters: int = 50, seed: int = 0):
    """(users, items, weights, timestamps, item_cluster) with realistic skew, fully vectorised."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / (rng.permutation(n_items) + 10.0) ** 0.9  # Zipf-like, random item order
    cluster = rng.integers(0, n_clusters, n_items)
    activity = rng.lognormal(0.0, 1.0, n_users)
    users = rng.choice(n_users, n_inter, p=activity / activity.sum())
    user_cluster = rng.integers(0, n_clusters, n_users)
    order = np.argsort(cluster, kind="stable")  # items grouped by cluster, cumulative popularity
    cum = np.cumsum(popularity[order])
    bounds = np.searchsorted(cluster[order], np.arange(n_clusters + 1))
    lo = np.r_[0.0, cum][bounds[:-1]]
    hi = cum[bounds[1:] - 1]
    in_cluster = rng.random(n_inter) < 0.7  # 70 % of picks follow the user's taste cluster
    c = user_cluster[users]
    target = np.where(in_cluster, lo[c] + rng.random(n_inter) * (hi[c] - lo[c]), rng.random(n_inter) * cum[-1])
    items = order[np.minimum(np.searchsorted(cum, target), n_items - 1)]
    weights = rng.choice(np.array([1.0, 2.0, 3.0, 5.0], np.float32), n_inter, p=[0.7, 0.15, 0.1, 0.05])
    timestamps = 1_700_000_000 + rng.integers(0, 90 * 86_400, n_inter)
    return users, items, weights, timestamps, cluster


def make_model(name: str, ease_max_items: int):
    """The served models: ``recommendations.lifecycle.algorithms`` defaults, the ones ``manage.py train`` fits.

    ``als64`` is the reference setting the issue quotes (64 factors, 15 iterations), for comparison.
    """
    from recommendations.engine.content import ContentTFIDF
    from recommendations.lifecycle.algorithms import build_model

    if name == "content":
        return ContentTFIDF(top_k=50)
    if name == "als64":
        return build_model("als", {"factors": 64, "iterations": 15})
    if name == "ease":
        return build_model("ease", {"max_items": ease_max_items})
    if name == "hybrid":
        return build_model("hybrid", {"components": {"ease": {"max_items": ease_max_items}, "als": {}, "itemknn": {}}})
    return build_model(name)


def worker(name: str, data_path: str, n_requests: int, ease_max_items: int) -> dict:
    """Runs in a fresh process: load data, fit one model, time requests; returns a result row."""
    from threadpoolctl import threadpool_limits

    from recommendations.engine.data import build_csr

    d = np.load(data_path)
    X = build_csr(d["users"], d["items"], d["weights"], n_users=int(d["n_users"]), n_items=int(d["n_items"]))
    cluster = d["cluster"]
    context = {"names": [f"item {i} style{c % 7}" for i, c in enumerate(cluster)],
               "categories": cluster, "tags": [[f"c{c}", f"g{c % 5}"] for c in cluster]}
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    model = make_model(name, ease_max_items)
    start = time.perf_counter()
    model.fit(X, **context)
    fit_seconds = time.perf_counter() - start
    rng = np.random.default_rng(1)
    active = np.flatnonzero(np.diff(X.indptr) > 0)
    latencies = []
    # Fitting may use every core; a request runs on one (as in a web or precompute worker).
    with threadpool_limits(1):
        for u in rng.choice(active, n_requests, replace=False):
            row = X[u]
            t = time.perf_counter()
            model.recommend(row.indices, row.data, k=10)
            latencies.append((time.perf_counter() - t) * 1000)
    lat = np.array(latencies)
    return {"model": name, "fit_seconds": fit_seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "data_rss_mb": base_rss / 1024, "p50_ms": float(np.percentile(lat, 50)),
            "p95_ms": float(np.percentile(lat, 95)), "mean_history": float(np.diff(X.indptr)[active].mean())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--interactions", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--models", default=ALL_MODELS)
    parser.add_argument("--ease-max-items", type=int, default=20_000)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.data_file, args.requests, args.ease_max_items)))
        return 0

    start = time.perf_counter()
    users, items, weights, timestamps, cluster = synthetic(args.users, args.items, args.interactions)
    print(f"generated {len(users):,} interactions in {time.perf_counter() - start:.1f}s; "
          f"{len(np.unique(items)):,} distinct items", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "synthetic.npz")
        np.savez(path, users=users, items=items, weights=weights, timestamps=timestamps, cluster=cluster,
                 n_users=args.users, n_items=args.items)
        rows = []
        for name in args.models.split(","):
            cmd = [sys.executable, __file__, "--worker", name, "--data-file", path,
                   "--requests", str(args.requests), "--ease-max-items", str(args.ease_max_items)]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode:
                print(f"{name} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
                continue
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print("| model | fit s | peak RSS MB (data alone) | recommend p50 ms | p95 ms |\n| --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['model']} | {r['fit_seconds']:.1f} | {r['peak_rss_mb']:.0f} ({r['data_rss_mb']:.0f}) | "
              f"{r['p50_ms']:.2f} | {r['p95_ms']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
