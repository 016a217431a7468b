"""``manage.py recommend USER_ID``: the list GET /recommendations/{id} returns, printed."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def recommend(*args: str) -> tuple[list[str], str]:
    out, err = StringIO(), StringIO()
    call_command("recommend", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


def api_rows(api, user_id, limit) -> list[dict]:
    response = api.get(f"/recommendations/{user_id}", {"limit": limit})
    assert response.status_code == 200
    return response.json()["recommendations"]


def assert_lines_match(lines: list[str], rows: list[dict]) -> None:
    assert len(lines) == len(rows)
    for rank, (line, row) in enumerate(zip(lines, rows), start=1):
        fields = line.split()
        assert fields[:3] == [str(rank), str(row["item_id"]), row["item_code"]]
        assert fields[-2:] == [f"{row['score']:.4f}", row["reason"]]
        assert row["name"] in line


def test_it_prints_the_list_the_api_serves(api, clusters):
    reader = clusters.readers[0]

    lines, _ = recommend(str(reader.pk), "--limit", "3")

    assert lines[0] == f"Recommendations for user {reader.pk}: 3 items, popularity, computed now"
    assert lines[1].split() == ["rank", "item_id", "code", "name", "score", "reason"]
    assert_lines_match(lines[2:], api_rows(api, reader.pk, 3))


def test_it_prints_a_trained_models_list_with_its_reasons(api, clusters, train):
    version = train("itemknn")
    reader = clusters.readers[0]  # bought a2..a5

    lines, _ = recommend(str(reader.pk), "--limit", "5")

    assert lines[0] == f"Recommendations for user {reader.pk}: 5 items, model version {version.pk}, computed now"
    assert lines[2].split()[2] == "a1"  # the one book the reader lacks comes first
    assert_lines_match(lines[2:], api_rows(api, reader.pk, 5))


def test_it_defaults_to_top_n(clusters, settings):
    settings.TOP_N_RECOMMENDATIONS = 4

    lines, _ = recommend(str(clusters.readers[0].pk))

    assert len(lines) == 2 + 4


def test_it_answers_an_unknown_user_with_popular_items_and_says_so(clusters):
    lines, err = recommend("987654321", "--limit", "2")

    assert "there is no user 987654321" in err
    assert [line.split()[2] for line in lines[2:]] == ["b1", "b2"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["abc"], "USER_ID must be an integer from 1 to 9223372036854775807, not 'abc'"),
        (["0"], "USER_ID must be an integer from 1 to 9223372036854775807, not 0"),
        (["9223372036854775808"], "USER_ID must be an integer"),
        (["1", "--limit", "0"], "--limit must be an integer from 1 to 100, not 0"),
        (["1", "--limit", "101"], "--limit must be an integer from 1 to 100, not 101"),
        (["1", "--limit", "many"], "--limit must be an integer from 1 to 100, not 'many'"),
    ],
)
def test_it_refuses_a_bad_user_id_or_limit(db, args, message):
    with pytest.raises(CommandError, match=message):
        recommend(*args)
