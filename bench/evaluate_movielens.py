"""Offline evaluation of every engine model on MovieLens ml-latest-small (no Django).

Protocol (docs/evaluation.md): every rating is a positive interaction with weight 1; the reference
stratified 75/25 per-user split (seed 42); hyper-parameters and blend weights are chosen on a 90/10
per-user slice of the TRAINING part only; each tuned model is then refitted on the whole training
part and scored once on the test part (k=10, items seen in training removed).

    .venv/bin/python bench/evaluate_movielens.py [--data ../shared/datasets/ml-latest-small] [--quick]
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
from recommendations.engine.content import ContentTFIDF  # noqa: E402
from recommendations.engine.data import Interactions  # noqa: E402
from recommendations.engine.ease import EASE  # noqa: E402
from recommendations.engine.evaluation import evaluate_models, format_table  # noqa: E402
from recommendations.engine.hybrid import Hybrid  # noqa: E402
from recommendations.engine.itemknn import ItemKNN  # noqa: E402
from recommendations.engine.popularity import Popularity  # noqa: E402
from recommendations.engine.rp3beta import RP3beta  # noqa: E402
from recommendations.engine.splits import split  # noqa: E402
from recommendations.engine.tuning import tune, tune_blend, validation_split  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "ml-latest-small"

GRIDS = {
    "itemknn": (ItemKNN, {"top_k": [50, 100, 200], "shrink": [0.0, 10.0, 50.0]}),
    "rp3beta": (RP3beta, {"alpha": [0.5, 1.0], "beta": [0.3, 0.5], "top_k": [100, 200]}),
    "ease": (EASE, {"lambda_": [50.0, 100.0, 200.0, 400.0, 800.0]}),
    "als": (ALS, {"factors": [32, 64, 128], "regularization": [0.1, 1.0, 10.0], "alpha": [1.0, 5.0]}),
}
QUICK_GRIDS = {
    "itemknn": (ItemKNN, {"top_k": [100]}),
    "rp3beta": (RP3beta, {"alpha": [0.5], "beta": [0.5]}),
    "ease": (EASE, {"lambda_": [100.0, 200.0]}),
    "als": (ALS, {"factors": [32], "regularization": [0.1], "alpha": [5.0]}),
}
BLEND_GRID = {"ease": [1.0], "als": [0.0, 0.1, 0.2, 0.3, 0.5], "rp3beta": [0.0, 0.1, 0.2],
              "itemknn": [0.0, 0.1, 0.2]}


def load(data_dir: Path):
    """Ratings -> Interactions (weight 1) plus per-item content fields, ids mapped to indexes."""
    ratings = pd.read_csv(data_dir / "ratings.csv")
    user_ids, users = np.unique(ratings["userId"].to_numpy(), return_inverse=True)
    item_ids, items = np.unique(ratings["movieId"].to_numpy(), return_inverse=True)
    data = Interactions.from_arrays(users, items, None, ratings["timestamp"].to_numpy(),
                                    len(user_ids), len(item_ids))
    # Genres are multi-valued here, so they go in as tags (``categories`` is one int per item, the
    # shape Popularity's per-category lists need); user-supplied tags from tags.csv join them.
    movies = pd.read_csv(data_dir / "movies.csv").set_index("movieId").reindex(item_ids)
    genres = [g.split("|") if isinstance(g, str) else [] for g in movies["genres"]]
    tags_path = data_dir / "tags.csv"
    user_tags = (pd.read_csv(tags_path).groupby("movieId")["tag"].apply(lambda t: [str(x) for x in t])
                 if tags_path.exists() else pd.Series(dtype=object))
    content = {
        "names": movies["title"].fillna("").tolist(),
        "tags": [genres[n] + user_tags.get(i, []) for n, i in enumerate(item_ids)],
    }
    return data, content


def tune_all(train: Interactions, grids: dict, log) -> dict:
    """Best params per model on the validation slice, and the tuned blend."""
    validation = validation_split(train, ratio=0.9, seed=42)
    best = {}
    for name, (factory, grid) in grids.items():
        start = time.perf_counter()
        params, rows = tune(factory, grid, train, validation=validation)
        score = max(r["ndcg"] for r in rows)
        log(f"  {name:8s} best {params} val nDCG@10 {score:.4f} ({len(rows)} candidates, "
            f"{time.perf_counter() - start:.0f}s)")
        best[name] = params
    fit_part, val_part = validation
    X = fit_part.to_csr()
    components = {name: GRIDS[name][0](**best[name]).fit(X) for name in BLEND_GRID}
    blend, rows = tune_blend(components, fit_part, val_part, BLEND_GRID)
    log(f"  blend    best {blend} val nDCG@10 {max(r['ndcg'] for r in rows):.4f} ({len(rows)} candidates)")
    best["hybrid"] = blend
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--quick", action="store_true", help="tiny grids (smoke run)")
    parser.add_argument("--json", type=Path, help="also write the result rows here")
    args = parser.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    data, content = load(args.data)
    train, test = split(data, "stratified")
    log(f"{len(data)} interactions, {data.n_users} users, {data.n_items} items; "
        f"train {len(train)}, test {len(test)}")
    log("tuning on the validation slice of the training part:")
    best = tune_all(train, QUICK_GRIDS if args.quick else GRIDS, log)

    models = {
        "popularity": Popularity(count=True),
        "content-tfidf": ContentTFIDF(top_k=100),
        **{name: GRIDS[name][0](**best[name]) for name in ("itemknn", "rp3beta", "als", "ease")},
    }
    components = {name: GRIDS[name][0](**best[name]) for name in BLEND_GRID}
    models["hybrid"] = Hybrid(components, **best["hybrid"], backfill=Popularity(count=True))
    rows = evaluate_models(models, train, test, k=10, context=content)
    print(format_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
