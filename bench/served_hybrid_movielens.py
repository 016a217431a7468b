"""The served hybrid on MovieLens ml-latest-small, chosen from scratch on validation (no Django).

Reproduces the configuration that ``recommendations/lifecycle/algorithms.py`` serves by default and its test
figures (docs/evaluation.md, "Weight transforms and the served hybrid"):

1. ratings.csv is read in file order; the rating is the interaction VALUE. Relevance stays binary:
   the reference stratified 75/25 per-user split (seed 42) makes every held-out rating a positive.
2. Training weights = ``engine.data.transform_weights(rating, method)`` (normalised to mean 1), the
   same call ``model_train`` makes with ``TRAINING_WEIGHT_TRANSFORM``.
3. Everything is chosen on validation slices of the TRAINING part only (90/10 per user,
   ``tuning.validation_split``), the validation nDCG@10 averaged over ``--seeds`` slices to reduce
   noise: the transform together with EASE's lambda, then ALS / item-kNN / RP3beta grids on that
   transform, then the blend weights and normalisation (``tuning.tune_blend`` on cached scores).
4. Each component and the hybrid are refitted on the whole training part and scored once on the test
   part; the table is printed with the served default (``algorithms.build_model("hybrid")``) beside it.

    .venv/bin/python bench/served_hybrid_movielens.py [--data ../shared/datasets/ml-latest-small]
        [--seeds 42,7,123] [--quick] [--json out.json]

About 15 minutes on the shared 2-core machine (mostly EASE fits: transforms x lambdas x seeds).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommendations.engine.als import ALS  # noqa: E402
from recommendations.engine.data import Interactions, interactions_transform  # noqa: E402
from recommendations.engine.ease import EASE  # noqa: E402
from recommendations.engine.evaluation import evaluate_models, format_table  # noqa: E402
from recommendations.engine.hybrid import Hybrid  # noqa: E402
from recommendations.engine.itemknn import ItemKNN  # noqa: E402
from recommendations.engine.popularity import Popularity  # noqa: E402
from recommendations.engine.rp3beta import RP3beta  # noqa: E402
from recommendations.engine.splits import split  # noqa: E402
from recommendations.engine.tuning import param_grid, tune_blend, validation_split  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "ml-latest-small"

TRANSFORMS = ("binary", "sqrt", "log1p")
EASE_LAMBDAS = (100.0, 200.0, 400.0)
GRIDS = {
    "als": (ALS, {"factors": [128, 256], "regularization": [10.0, 30.0], "alpha": [3.0]}),
    "itemknn": (ItemKNN, {"top_k": [50, 100, 200], "shrink": [0.0, 20.0]}),
    "rp3beta": (RP3beta, {"alpha": [0.5, 1.0], "beta": [0.3, 0.5], "top_k": [100, 200]}),
}
BLEND_GRID = {"ease": [1.0], "als": [0.0, 0.1, 0.2, 0.3, 0.5], "rp3beta": [0.0, 0.1],
              "itemknn": [0.0, 0.1, 0.2, 0.3, 0.5]}
QUICK = {
    "transforms": ("binary", "sqrt"), "lambdas": (200.0,),
    "grids": {"als": (ALS, {"factors": [128], "regularization": [30.0], "alpha": [3.0]}),
              "itemknn": (ItemKNN, {"top_k": [50]}),
              "rp3beta": (RP3beta, {"alpha": [0.5], "beta": [0.5], "top_k": [200]})},
    "blend": {"ease": [1.0], "als": [0.0, 0.3], "rp3beta": [0.0, 0.1], "itemknn": [0.0, 0.1]},
}
FACTORIES = {"ease": EASE, **{name: factory for name, (factory, _) in GRIDS.items()}}


def load(data_dir: Path) -> Interactions:
    """ratings.csv in file order (the split depends on it), the rating kept as the weight."""
    ratings = pd.read_csv(data_dir / "ratings.csv")
    user_ids, users = np.unique(ratings["userId"].to_numpy(), return_inverse=True)
    item_ids, items = np.unique(ratings["movieId"].to_numpy(), return_inverse=True)
    return Interactions.from_arrays(users, items, ratings["rating"].to_numpy(np.float32),
                                    ratings["timestamp"].to_numpy(), len(user_ids), len(item_ids))


def transformed(data: Interactions, method: str) -> Interactions:
    """What ``manage.py evaluate --weights value`` and ``model_train`` do: one scale over all loaded rows."""
    return interactions_transform(data, method)[0]


def mean_validation(factory, params: dict, slices: list) -> float:
    """Validation nDCG@10 of one candidate, averaged over the validation slices."""
    return float(np.mean([evaluate_models({"m": factory(**params)}, fit, val)[0]["ndcg"] for fit, val in slices]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", default="42,7,123", help="validation slice seeds (the metric is averaged)")
    parser.add_argument("--quick", action="store_true", help="tiny grids (smoke run)")
    parser.add_argument("--json", type=Path, help="also write the result rows here")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    transforms = QUICK["transforms"] if args.quick else TRANSFORMS
    lambdas = QUICK["lambdas"] if args.quick else EASE_LAMBDAS
    grids = QUICK["grids"] if args.quick else GRIDS
    blend_grid = QUICK["blend"] if args.quick else BLEND_GRID

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    started = time.perf_counter()
    raw = load(args.data)
    log(f"{len(raw)} ratings, {raw.n_users} users, {raw.n_items} items; seeds {seeds}")

    # 1. transform and EASE lambda together (EASE is the strongest single model)
    scores = {}
    for method in transforms:
        train = split(transformed(raw, method), "stratified")[0]
        slices = [validation_split(train, 0.9, seed) for seed in seeds]
        for lam in lambdas:
            scores[(method, lam)] = mean_validation(EASE, {"lambda_": lam}, slices)
            log(f"  EASE {method:6s} lambda={lam:g}: validation nDCG@10 {scores[(method, lam)]:.4f}")
    method, lam = max(scores, key=scores.get)
    log(f"chosen: weight transform {method!r}, EASE lambda {lam:g}")
    chosen = {"ease": {"lambda_": lam}}

    data = transformed(raw, method)
    train, test = split(data, "stratified")
    slices = [validation_split(train, 0.9, seed) for seed in seeds]

    # 2. the other components on that transform
    for name, (factory, grid) in grids.items():
        candidates = {json.dumps(p): mean_validation(factory, p, slices) for p in param_grid(grid)}
        best = max(candidates, key=candidates.get)
        chosen[name] = json.loads(best)
        log(f"  {name:8s} best {best} validation nDCG@10 {candidates[best]:.4f} ({len(candidates)} candidates)")

    # 3. blend weights and normalisation, averaged over the slices
    totals: dict[tuple, list[float]] = {}
    for fit, val in slices:
        X = fit.to_csr()
        fitted = {name: FACTORIES[name](**chosen[name]).fit(X) for name in blend_grid}
        _, rows = tune_blend(fitted, fit, val, blend_grid, normalizers=("zscore", "max"))
        for row in rows:
            totals.setdefault((row["normalize"], json.dumps(row["weights"])), []).append(row["ndcg"])
    (normalize, weights_json), values = max(totals.items(), key=lambda kv: np.mean(kv[1]))
    blend_weights = {name: w for name, w in json.loads(weights_json).items() if w}
    log(f"  blend    {normalize} {blend_weights} validation nDCG@10 {np.mean(values):.4f}")

    # 4. refit on the whole training part, score once on the test part
    models = {"popularity": Popularity(count=True)}
    models.update({name: FACTORIES[name](**chosen[name]) for name in ("itemknn", "rp3beta", "als", "ease")})
    components = {name: FACTORIES[name](**chosen[name]) for name in blend_weights}
    models["hybrid (tuned here)"] = Hybrid(components, weights=blend_weights, normalize=normalize)
    try:
        from recommendations.lifecycle.algorithms import build_model

        models["hybrid (served default)"] = build_model("hybrid")
    except Exception as exc:  # noqa: BLE001 - the table is still useful without it
        log(f"served default not built: {exc}")
    rows = evaluate_models(models, train, test, k=10)
    print(f"weight transform: {method} (normalised to mean 1); validation seeds {seeds}")
    print(f"chosen on validation: {json.dumps({**chosen, 'hybrid': {'weights': blend_weights, 'normalize': normalize}})}")
    print(format_table(rows))
    log(f"total {time.perf_counter() - started:.0f}s")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
