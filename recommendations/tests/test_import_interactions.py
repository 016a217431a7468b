"""import_interactions: the command and the service behind it, on small fixtures and a real database."""
from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.models import User
from catalog.models import Item
from recommendations.events.importing import (
    ImportAborted,
    ImportFileError,
    interactions_import,
)
from recommendations.models import Interaction
from recommendations.serving.cache import recommendations_get, recommendations_set
from recommendations.testing.factories import ItemFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_CSV = FIXTURES / "interactions_small.csv"
BAD_CSV = FIXTURES / "interactions_bad.csv"

pytestmark = pytest.mark.django_db


def movielens_copy(name: str):
    """A MovieLens-layout folder built from our invented fixture files.

    The files are tracked as ``*.fixture`` so that no file in the repository carries a MovieLens
    file name (the real datasets stay outside the repository, licence).
    """
    import shutil
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="movielens-")) / name
    folder.mkdir()
    for source in (FIXTURES / name).glob("*.fixture"):
        shutil.copy(source, folder / source.name.removesuffix(".fixture"))
    return folder


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_interactions", *map(str, args), "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "interactions.csv"
    path.write_text(text)
    return path


# --- CSV -----------------------------------------------------------------------------------------

def test_it_imports_a_csv_keeping_the_files_ids():
    out, _ = run(SMALL_CSV)

    assert sorted(User.objects.values_list("id", flat=True)) == [22, 186, 196]
    assert sorted(Item.objects.values_list("id", "item_code", "name")) == [
        (242, "242", "Item 242"), (302, "302", "Item 302"), (377, "377", "Item 377"),
    ]
    assert Interaction.objects.count() == 6
    assert "rows read:             6" in out
    assert "interactions created:  6" in out
    assert "users created:         3" in out
    assert "items created:         3" in out


def test_created_users_are_named_after_their_id_and_cannot_log_in():
    run(SMALL_CSV)

    user = User.objects.get(id=196)
    assert user.username == "user196"
    assert user.email is None
    assert not user.has_usable_password()
    assert not user.is_staff


def test_it_reads_values_and_timestamps_in_every_accepted_form():
    before = timezone.now()
    run(SMALL_CSV)

    rows = {(i.user_id, i.item_id): i for i in Interaction.objects.all()}
    assert rows[196, 242].interaction_value == 1.0  # empty: the configured weight of "view"
    assert rows[196, 242].timestamp == datetime.fromtimestamp(881250949, tz=UTC)
    assert rows[186, 302].timestamp == datetime(2024, 1, 5, 10, 0, tzinfo=UTC)
    assert rows[186, 242].timestamp == datetime(2024, 1, 5, 9, 0, 0, 250000, tzinfo=UTC)
    assert rows[186, 242].interaction_value == 1.5
    assert rows[22, 242].timestamp == datetime(2024, 2, 1, 8, 30, tzinfo=UTC)  # naive means UTC
    assert rows[22, 377].timestamp >= before  # no timestamp: the time of the import
    assert rows[196, 242].event_id == "import:196:242:view:881250949"
    assert rows[186, 242].event_id == "import:186:242:like:1704445200.250000"
    assert rows[22, 377].event_id == "import:22:377:view:-"


def test_it_moves_the_id_sequences_past_the_imported_ids():
    run(SMALL_CSV)

    assert User.objects.create_user(username="after-import").id > 196
    assert ItemFactory().id > 377


def test_it_never_moves_a_sequence_back():
    with connection.cursor() as cursor:  # as if users up to 1,000,000 had been created and deleted
        cursor.execute("SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), 1000000)")

    run(SMALL_CSV)

    assert User.objects.create_user(username="after-import").id > 1_000_000


def test_a_second_run_adds_nothing():
    run(SMALL_CSV)
    before = Interaction.objects.count(), User.objects.count(), Item.objects.count()

    out, _ = run(SMALL_CSV)

    assert (Interaction.objects.count(), User.objects.count(), Item.objects.count()) == before
    assert "interactions created:  0" in out
    assert "already present:       6" in out


def test_a_row_repeated_in_the_file_is_stored_once(tmp_path):
    path = write_csv(tmp_path, "user_id,item_id,interaction_type,timestamp\n1,2,view,1700000000\n1,2,view,1700000000\n")

    result = interactions_import(path=path)

    assert result.interactions_created == 1
    assert result.rows_already_present == 1


def test_columns_may_come_in_any_order_and_the_optional_ones_may_be_left_out(tmp_path):
    path = write_csv(tmp_path, "item_id,user_id,interaction_type\n9,8,purchase\n")

    interactions_import(path=path)

    interaction = Interaction.objects.get()
    assert (interaction.user_id, interaction.item_id, interaction.interaction_value) == (8, 9, 3.0)


def test_existing_users_and_items_are_used_as_they_are():
    user = UserFactory(id=196, username="alice")
    item = ItemFactory(id=242, item_code="SKU-242", name="Teapot")

    result = interactions_import(path=SMALL_CSV)

    assert result.users_created == 2 and result.items_created == 2
    user.refresh_from_db()
    item.refresh_from_db()
    assert (user.username, item.item_code, item.name) == ("alice", "SKU-242", "Teapot")
    assert user.interactions.count() == 2 and item.interactions.count() == 3


def test_it_reports_an_id_whose_username_is_taken_and_skips_its_rows():
    squatter = UserFactory(username="user196")

    out, err = run(SMALL_CSV)

    assert f"user 196: username 'user196' is already used by user id {squatter.id}" in err
    assert not User.objects.filter(id=196).exists()
    assert Interaction.objects.count() == 4
    assert "skipped (id conflict): 2" in out


def test_it_reports_an_id_whose_item_code_is_taken():
    squatter = ItemFactory(item_code="242")

    result = interactions_import(path=SMALL_CSV)

    assert [str(c) for c in result.conflicts] == [f"item 242: item_code '242' is already used by item id {squatter.id}"]
    assert result.rows_skipped == 3
    assert not Item.objects.filter(id=242).exists()


def test_strict_mode_aborts_on_an_id_that_cannot_be_created():
    UserFactory(username="user196")

    with pytest.raises(ImportAborted):
        interactions_import(path=SMALL_CSV, strict=True)

    assert not Interaction.objects.exists()


def test_it_warns_when_a_file_user_is_a_staff_account():
    UserFactory(id=22, username="admin", is_staff=True)

    result = interactions_import(path=SMALL_CSV)

    assert any("22" in warning and "staff" in warning for warning in result.warnings)


def test_it_drops_the_cached_recommendations_of_the_imported_users(django_capture_on_commit_callbacks):
    entry = {"model_version": None, "source": "popularity", "limit": 10, "recomm_id": "r",
             "recommendations": [{"item_id": 4}]}
    recommendations_set(user_id=196, entry=entry)
    recommendations_set(user_id=5, entry=entry)

    with django_capture_on_commit_callbacks(execute=True):
        interactions_import(path=SMALL_CSV)

    assert recommendations_get(user_id=196) is None
    assert recommendations_get(user_id=5) is not None


# --- Bad rows, strict mode and bad input -----------------------------------------------------------

def test_it_skips_bad_rows_and_reports_line_numbers():
    out, err = run(BAD_CSV)

    assert Interaction.objects.count() == 2
    for line, words in [
        (3, "user_id 'x7' is not a positive integer"),
        (4, "unknown interaction_type 'teleport'"),
        (5, "interaction_value '-2'"),
        (6, "timestamp 'yesterday'"),
        (7, "expected 5 columns, got 3"),
        (8, "item_id 'abc'"),
    ]:
        assert f"interactions_bad.csv line {line}: {words}" in err
    assert "bad rows (skipped):    6" in out


def test_a_value_above_the_maximum_or_beyond_any_float_is_a_bad_row(tmp_path, settings):
    path = write_csv(tmp_path, "user_id,item_id,interaction_type,interaction_value\n"
                               "1,1,view,1e39\n1,2,view,1000001\n1,3,view,1000000\n")

    result = interactions_import(path=path)

    assert [str(bad).split(": ", 1)[1] for bad in result.bad_rows] == [
        f"interaction_value '1e39' must be a number from 0 to {settings.INTERACTION_VALUE_MAX:g}",
        f"interaction_value '1000001' must be a number from 0 to {settings.INTERACTION_VALUE_MAX:g}",
    ]
    assert list(Interaction.objects.values_list("interaction_value", flat=True)) == [1_000_000.0]


def test_the_service_returns_the_bad_rows_with_their_line_numbers():
    result = interactions_import(path=BAD_CSV)

    assert [bad.line for bad in result.bad_rows] == [3, 4, 5, 6, 7, 8]
    assert (result.rows_read, result.bad_row_count, result.interactions_created) == (8, 6, 2)


def test_strict_mode_writes_nothing_when_one_row_is_bad(tmp_path):
    lines = "".join(f"{n},{n},view,,170000000{n}\n" for n in range(1, 8))
    header = "user_id,item_id,interaction_type,interaction_value,timestamp\n"
    path = write_csv(tmp_path, header + lines + "8,8,view,,soon\n")

    with pytest.raises(CommandError, match="--strict"):
        run(path, "--strict")

    assert not Interaction.objects.exists()
    assert not User.objects.exists()
    assert not Item.objects.exists()


def test_strict_mode_lists_every_bad_row_before_aborting():
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_interactions", str(BAD_CSV), "--strict", "--no-progress", stdout=StringIO(), stderr=err)

    assert err.getvalue().count("bad row:") == 6


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.csv")


def test_a_missing_movielens_folder_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such folder"):
        run(tmp_path / "ml-nothing", "--format", "movielens")


def test_a_folder_without_movielens_files_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="u.data .* or ratings.csv"):
        run(tmp_path, "--format", "movielens")


def test_ids_must_be_plain_positive_integers(tmp_path):
    path = write_csv(tmp_path, "user_id,item_id,interaction_type\n0,1,view\n+2,1,view\n\u00b2,1,view\n3,1.0,view\n")

    result = interactions_import(path=path)

    assert result.bad_row_count == 4
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    "text",
    ["196,242,view,,881250949\n", "user,item,type\n1,2,view\n", "", "user_id,item_id,interaction_type,colour\n"],
    ids=["no-header", "wrong-names", "empty-file", "unknown-column"],
)
def test_a_csv_without_the_expected_header_is_a_command_error(tmp_path, text):
    with pytest.raises(CommandError, match="expected a header line"):
        run(write_csv(tmp_path, text))


def test_a_movielens_ratings_file_with_another_header_is_an_error(tmp_path):
    (tmp_path / "ratings.csv").write_text("user,movie,stars,when\n1,2,3,4\n")

    with pytest.raises(ImportFileError, match="expected the header 'userId,movieId,rating,timestamp'"):
        interactions_import(path=tmp_path, fmt="movielens")


# --- MovieLens -------------------------------------------------------------------------------------

def test_it_imports_the_ml_100k_layout():
    out, _ = run(movielens_copy("ml-100k-tiny"), "--format", "movielens")

    robot = Item.objects.get(id=10)
    assert (robot.item_code, robot.name, robot.category) == ("ml-10", "Robot Garden (1995)", "adventure")
    assert robot.tags == ["adventure", "animation", "children's"]
    assert robot.metadata == {"source": "movielens", "year": 1995}
    harbour = Item.objects.get(id=20)
    assert (harbour.category, harbour.tags, harbour.metadata["year"]) == ("drama", ["drama", "romance"], 1997)
    unknown = Item.objects.get(id=30)
    assert (unknown.category, unknown.tags, unknown.metadata) == ("", [], {"source": "movielens"})
    assert sorted(User.objects.values_list("id", flat=True)) == [1, 2, 3]
    assert "(ml-100k)" in out


def test_ratings_of_four_stars_or_more_are_likes_and_the_rest_views():
    interactions_import(path=movielens_copy("ml-100k-tiny"), fmt="movielens")

    assert sorted(Interaction.objects.values_list("user_id", "item_id", "interaction_type", "interaction_value")) == [
        (1, 10, "like", 5.0), (1, 20, "view", 3.5), (2, 10, "like", 4.0), (2, 30, "view", 2.0), (3, 20, "view", 1.0),
    ]


def test_it_imports_the_ml_latest_layout():
    result = interactions_import(path=movielens_copy("ml-latest-tiny"), fmt="movielens")

    assert (result.kind, result.rows_read, result.item_rows_read) == ("ml-latest", 5, 3)
    assert (result.users_created, result.items_created, result.interactions_created) == (2, 4, 5)
    train = Item.objects.get(id=2)
    assert (train.name, train.category, train.tags) == ("Last Train, First Light (1988)", "drama", ["drama", "romance"])
    untitled = Item.objects.get(id=3)
    assert (untitled.category, untitled.tags, untitled.metadata) == ("", [], {"source": "movielens"})
    # Rated but missing from movies.csv: a placeholder in the same code scheme.
    assert Item.objects.filter(id=99, item_code="ml-99", name="Item 99").exists()
    assert Interaction.objects.get(user_id=5, item_id=99).interaction_type == "view"


def test_a_second_movielens_run_adds_nothing():
    interactions_import(path=movielens_copy("ml-latest-tiny"), fmt="movielens")

    again = interactions_import(path=movielens_copy("ml-latest-tiny"), fmt="movielens")

    assert (again.interactions_created, again.users_created, again.items_created) == (0, 0, 0)
    assert Interaction.objects.count() == 5


def test_bad_movielens_rows_are_reported_with_the_file_name(tmp_path):
    (tmp_path / "u.data").write_text("1\t10\t5\t881250949\n1\t20\tfive\t881250950\n2\t10\t4\n")

    result = interactions_import(path=tmp_path, fmt="movielens")

    assert [str(bad) for bad in result.bad_rows] == [
        "u.data line 2: rating 'five' is not a number",
        "u.data line 3: expected 4 fields (user, movie, rating, timestamp), got 3",
    ]
    assert Interaction.objects.count() == 1


def test_the_progress_bar_goes_to_stderr(capsys):
    interactions_import(path=SMALL_CSV, progress=True)

    captured = capsys.readouterr()
    assert "interactions (interactions_small.csv)" in captured.err
    assert captured.out == ""
