"""The per-process item table of recommendations/serving/item_rows.py, against the real database."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Item
from recommendations.serving.item_rows import item_rows

pytestmark = pytest.mark.django_db


def queries_for(call) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, len(captured)


def test_it_reads_each_item_once_then_answers_from_memory(item_factory):
    a, b = item_factory(item_code="a", name="A"), item_factory(item_code="b", name="B", is_active=False)

    rows, n = queries_for(lambda: item_rows([a.pk, b.pk, 999_999]))
    assert n == 1 and set(rows) == {a.pk, b.pk}  # inactive items too; unknown ids are left out
    assert (rows[a.pk]["item_code"], rows[b.pk]["is_active"]) == ("a", False)

    again, n = queries_for(lambda: item_rows([a.pk, b.pk, 999_999]))
    assert n == 0 and again == rows  # the unknown id is remembered as unknown too


def test_a_save_in_this_process_is_seen_at_once(item_factory):
    item = item_factory(name="Old")
    item_rows([item.pk])

    item.name = "New"
    item.save()

    assert item_rows([item.pk])[item.pk]["name"] == "New"


def test_a_change_elsewhere_is_seen_when_the_epoch_moves_or_the_table_is_old(item_factory, settings):
    item = item_factory(name="Old")
    item_rows([item.pk], epoch=3)
    Item.objects.filter(pk=item.pk).update(name="Renamed")  # no signal: as another process would

    assert item_rows([item.pk], epoch=3)[item.pk]["name"] == "Old"
    assert item_rows([item.pk], epoch=4)[item.pk]["name"] == "Renamed"  # an item was deactivated somewhere

    Item.objects.filter(pk=item.pk).update(name="Again")
    settings.ITEM_ROWS_CACHE_SECONDS = 0
    assert item_rows([item.pk], epoch=4)[item.pk]["name"] == "Again"


def test_it_starts_over_beyond_its_size_limit(item_factory, settings):
    settings.ITEM_ROWS_CACHE_MAX = 2
    items = [item_factory() for _ in range(4)]
    item_rows([i.pk for i in items])

    Item.objects.filter(pk=items[0].pk).update(name="Fresh")

    assert item_rows([items[0].pk])[items[0].pk]["name"] == "Fresh"


def test_a_deactivated_item_leaves_the_next_list_at_once(api, clusters, train, django_capture_on_commit_callbacks):
    train("itemknn")
    reader = clusters.readers[0].pk
    first = api.get(f"/recommendations/{reader}", {"limit": 3}).json()["recommendations"][0]["item_id"]

    item = Item.objects.get(pk=first)
    item.is_active = False
    with django_capture_on_commit_callbacks(execute=True):  # the catalog epoch moves on commit
        item.save()

    ids = [r["item_id"] for r in api.get(f"/recommendations/{reader}", {"limit": 3}).json()["recommendations"]]
    assert first not in ids
