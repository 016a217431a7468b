"""``manage.py evaluate`` on tiny files and on the database (recommendations/lifecycle/offline_evaluation.py)."""
from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from recommendations.lifecycle.offline_evaluation import (
    TUNING_GRIDS,
    evaluation_data_load,
)

pytestmark = pytest.mark.django_db

CSV_HEADER = "user_id,item_id,interaction_type,interaction_value,timestamp\n"


def clustered_rows() -> list[tuple[int, int]]:
    """Two taste groups of six users; each user has five of their group's six items.

    Items 106 and 206 are the most popular overall (everyone in the group has them), so a list
    that finds the user's missing group item beats popularity only through co-occurrence.
    """
    rows = []
    for group, (first_user, first_item) in enumerate([(1, 101), (11, 201)]):
        for u in range(6):
            items = [first_item + i for i in range(6) if i != u % 5]
            rows += [(first_user + u, item) for item in items]
    return rows


@pytest.fixture
def csv_file(tmp_path) -> Path:
    path = tmp_path / "interactions.csv"
    lines = [f"{user},{item},view,,{1_700_000_000 + n}\n" for n, (user, item) in enumerate(clustered_rows())]
    path.write_text(CSV_HEADER + "".join(lines))
    return path


@pytest.fixture
def movielens_folder(tmp_path) -> Path:
    folder = tmp_path / "ml-latest-tiny"
    folder.mkdir()
    ratings = [f"{user},{item},4.0,{964_982_703 + n}\n" for n, (user, item) in enumerate(clustered_rows())]
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n" + "".join(ratings))
    movies = [f"{item},Movie {item} (1999),{'Drama' if item < 200 else 'Comedy|Drama'}\n"
              for item in sorted({item for _, item in clustered_rows()})]
    (folder / "movies.csv").write_text("movieId,title,genres\n" + "".join(movies))
    return folder


def evaluate(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("evaluate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def evaluate_json(*args: str) -> list[dict]:
    return json.loads(evaluate(*args, "--json")[0])


def test_it_prints_a_table_with_every_requested_algorithm(csv_file):
    out, _ = evaluate("--input", str(csv_file), "--algorithms", "popularity,itemknn,ease,hybrid", "--k", "3")

    lines = out.splitlines()
    assert lines[0].startswith(f"{csv_file}: 60 interactions, 12 users, 12 items; stratified split:")
    assert "| model | params | nDCG@3 | P@3 | R@3 | MAP@3 | HitRate@3 | coverage | fit s |" in lines
    table_models = [line.split("|")[1].strip() for line in lines if line.startswith("| ") and "---" not in line]
    assert table_models == ["model", "popularity", "itemknn", "ease", "hybrid"]


def test_it_prints_parseable_json_rows(csv_file):
    rows = evaluate_json("--input", str(csv_file), "--algorithms", "popularity,itemknn", "--k", "3")

    assert [row["model"] for row in rows] == ["popularity", "itemknn"]
    for row in rows:
        assert {"ndcg", "precision", "recall", "map", "hit_rate", "coverage", "fit_seconds", "params"} <= set(row)
        assert row["k"] == 3 and row["protocol"] == "stratified"
        assert row["n_train"] + row["n_test"] == 60 and row["n_users"] == 12
    popularity, itemknn = rows
    # Co-occurrence finds each user's missing group item; popularity cannot tell the groups apart.
    assert itemknn["hit_rate"] > popularity["hit_rate"]


def test_it_compares_every_algorithm_by_default(csv_file):
    from recommendations.lifecycle.algorithms import ALGORITHMS

    rows = evaluate_json("--input", str(csv_file))

    assert [row["model"] for row in rows] == list(ALGORITHMS)


def test_the_stratified_split_keeps_each_users_last_row_for_the_test_part(csv_file):
    rows = evaluate_json("--input", str(csv_file), "--algorithms", "popularity")

    # 5 rows per user: ranks .2 .4 .6 (train) and .8 1.0 (test), docs/evaluation.md.
    assert (rows[0]["n_train"], rows[0]["n_test"]) == (36, 24)


@pytest.mark.parametrize("protocol, n_test", [("random", 12), ("leave_last", 12)])
def test_it_offers_the_other_split_protocols(csv_file, protocol, n_test):
    rows = evaluate_json("--input", str(csv_file), "--algorithms", "popularity", "--split", protocol)

    assert rows[0]["protocol"] == protocol and rows[0]["n_test"] == n_test


def test_it_reads_a_movielens_folder(movielens_folder):
    rows = evaluate_json("--input", str(movielens_folder), "--format", "movielens", "--algorithms", "itemknn")

    assert rows[0]["n_train"] + rows[0]["n_test"] == 60


def test_it_reports_and_skips_bad_rows(csv_file):
    with csv_file.open("a") as f:
        f.write("1,101,teleport,,1700000000\n")

    out, err = evaluate("--input", str(csv_file), "--algorithms", "popularity")

    assert "skipped bad row: interactions.csv line 62: unknown interaction_type 'teleport'" in err
    assert ": 60 interactions" in out


def test_it_evaluates_the_databases_interactions(clusters):
    rows = evaluate_json("--algorithms", "popularity,itemknn", "--k", "2")

    assert [row["model"] for row in rows] == ["popularity", "itemknn"]
    assert rows[0]["n_train"] + rows[0]["n_test"] == 32 and rows[0]["n_users"] == 8


def test_it_can_weigh_rows_by_their_value(clusters):
    binary = evaluation_data_load(weights="binary")
    raw = evaluation_data_load(weights="value", weight_transform="none")

    assert set(binary.interactions.weights.tolist()) == {1.0}
    assert set(raw.interactions.weights.tolist()) == {3.0}
    assert evaluate_json("--algorithms", "itemknn", "--weights", "value")[0]["n_users"] == 8


def test_value_weights_go_through_the_served_transform_by_default(clusters, settings):
    from recommendations.models import Interaction

    Interaction.objects.filter(pk=Interaction.objects.order_by("pk").first().pk).update(interaction_value=12.0)
    settings.TRAINING_WEIGHT_TRANSFORM = "sqrt"
    weights = evaluation_data_load(weights="value").interactions.weights
    # 31 rows of 3 and one of 12: sqrt -> 31 x 1.732 + 3.464, mean 1.786 -> 0.9697 and 1.9394
    assert sorted(set(np.round(weights.astype(float), 4).tolist())) == [0.9697, 1.9394]
    assert weights.mean() == pytest.approx(1.0)
    settings.TRAINING_WEIGHT_TRANSFORM = "log1p"
    assert evaluation_data_load(weights="value").interactions.weights.mean() == pytest.approx(1.0)
    out, _ = evaluate("--algorithms", "itemknn", "--weights", "value", "--weight-transform", "sqrt")
    assert "weights value (sqrt)" in out


def test_the_database_rows_split_the_same_way_every_time(clusters):
    first = evaluation_data_load()
    second = evaluation_data_load()

    assert first.interactions.users.tolist() == second.interactions.users.tolist()
    assert first.interactions.items.tolist() == second.interactions.items.tolist()


def test_it_tunes_on_a_validation_slice_of_the_training_part(csv_file):
    out, err = evaluate("--input", str(csv_file), "--algorithms", "ease,hybrid", "--k", "3", "--tune")

    assert "tuning ease on the validation slice" in err and "tuning the hybrid blend weights" in err
    rows = evaluate_json("--input", str(csv_file), "--algorithms", "ease,hybrid", "--k", "3", "--tune")
    ease, hybrid = rows
    assert ease["params"]["lambda_"] in TUNING_GRIDS["ease"]["lambda_"]
    assert 0.0 <= ease["validation_ndcg"] <= 1.0
    assert set(hybrid["params"]["weights"]) == {"ease", "als", "itemknn"}
    assert hybrid["params"]["components"]["ease"]["lambda_"] == ease["params"]["lambda_"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--input", "/no/such/file.csv"], "no such file"),
        (["--input", "/no/such/folder", "--format", "movielens"], "no such folder"),
        (["--algorithms", "popularity,nope"], "Unknown algorithm 'nope'; choose from popularity"),
        (["--algorithms", ","], "Name at least one algorithm"),
        (["--split", "sideways"], "Unknown split 'sideways'; choose one of stratified, random, leave_last"),
        (["--k", "0"], "k must be at least 1, not 0"),
        (["--format", "parquet"], "Unknown format 'parquet'"),
        (["--weights", "stars"], "Unknown weights 'stars'"),
        (["--weights", "value", "--weight-transform", "cube"], "Unknown weight transform 'cube'"),
    ],
)
def test_it_refuses_bad_input(csv_file, args, message):
    if "--input" not in args:
        args = ["--input", str(csv_file), *args]

    with pytest.raises(CommandError, match=message):
        evaluate(*args)


def test_it_says_when_the_database_has_nothing_to_evaluate(db):
    with pytest.raises(CommandError, match="There are no interactions to evaluate on"):
        evaluate("--algorithms", "popularity")
