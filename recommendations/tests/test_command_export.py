"""``manage.py export_recommendations``: every user's list, exactly as the API serves it."""
from __future__ import annotations

import csv
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.lifecycle import exporting
from recommendations.lifecycle.exporting import user_id_chunks

pytestmark = pytest.mark.django_db


def export(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("export_recommendations", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def exported(path) -> dict[int, list[tuple]]:
    """{user_id: [(rank, item_id, score, reason), ...]} from the CSV."""
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["user_id", "rank", "item_id", "score", "reason"]
        lists = defaultdict(list)
        for row in reader:
            lists[int(row["user_id"])].append(
                (int(row["rank"]), int(row["item_id"]), float(row["score"]), row["reason"])
            )
    return dict(lists)


def served(api, user_id: int, limit: int) -> list[tuple]:
    response = api.get(f"/recommendations/{user_id}", {"limit": limit})
    assert response.status_code == 200
    return [
        (rank, row["item_id"], row["score"], row["reason"])
        for rank, row in enumerate(response.json()["recommendations"], start=1)
    ]


@pytest.mark.parametrize("algorithm", [None, "itemknn", "ease"])
def test_the_exported_rows_equal_what_the_api_returns(api, clusters, train, tmp_path, algorithm):
    if algorithm:
        train(algorithm)
    output = tmp_path / "recommendations.csv"

    out, _ = export("--output", str(output), "--limit", "3", "--chunk-size", "3", "--no-progress")

    lists = exported(output)
    users = [user.pk for user in clusters.readers + clusters.listeners]
    assert sorted(lists) == sorted(users)  # everyone with interactions, and only them (not api-client)
    for user_id in users:
        assert lists[user_id] == served(api, user_id, 3)
    assert f"Exported {len(users) * 3} recommendations for {len(users)} users" in out


def test_it_shows_a_progress_bar_on_stderr(clusters, tmp_path):
    _, err = export("--output", str(tmp_path / "out.csv"), "--chunk-size", "5")

    assert "8/8" in err


def test_it_reads_users_in_keyset_chunks_without_offset(clusters):
    with CaptureQueriesContext(connection) as queries:
        chunks = list(user_id_chunks(chunk_size=3))

    users = sorted(user.pk for user in clusters.readers + clusters.listeners)
    assert chunks == [users[0:3], users[3:6], users[6:8]]
    assert len(queries) == 4  # three chunks and the empty read that ends the loop
    assert not any("OFFSET" in query["sql"].upper() for query in queries)


def test_a_crash_leaves_no_file_behind_and_keeps_the_old_one(clusters, tmp_path, monkeypatch):
    output = tmp_path / "recommendations.csv"
    output.write_text("the previous export\n")
    real = exporting.recommend_many
    calls = []

    def failing_after_two_chunks(queries, **kwargs):
        calls.append([query.user_id for query in queries])
        if len(calls) > 2:
            raise RuntimeError("worker died")
        return real(queries, **kwargs)

    monkeypatch.setattr(exporting, "recommend_many", failing_after_two_chunks)

    with pytest.raises(RuntimeError, match="worker died"):
        export("--output", str(output), "--chunk-size", "2", "--no-progress")

    assert output.read_text() == "the previous export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["recommendations.csv"]


def test_with_no_interactions_it_writes_just_the_header(db, tmp_path):
    output = tmp_path / "empty.csv"

    export("--output", str(output), "--no-progress")

    assert output.read_text() == "user_id,rank,item_id,score,reason\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--limit", "0"], "--limit must be from 1 to 100, not 0"),
        (["--limit", "101"], "--limit must be from 1 to 100, not 101"),
        (["--chunk-size", "0"], "--chunk-size must be at least 1, not 0"),
    ],
)
def test_it_refuses_a_bad_limit_or_chunk_size(db, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        export("--output", str(tmp_path / "out.csv"), *args)

    assert not (tmp_path / "out.csv").exists()


def test_it_refuses_an_output_in_a_missing_folder(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        export("--output", str(tmp_path / "no" / "out.csv"))
