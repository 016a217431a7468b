"""The read-replica router (recengine/dbrouters.py), against the real PostgreSQL and Redis.

In the suite the ``replica`` alias is a test mirror of ``default``: the same test database through a
second connection. That connection cannot see what a test writes inside its transaction, so the
end-to-end tests here are transactional (as Django's documentation asks of mirror tests) and turn
replica reads on with ``settings.DATABASE_REPLICA_READS``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import Item
from recengine.dbrouters import (
    REPLICA,
    ReplicaRouter,
    primary,
    read_alias,
    replica_configured,
    replica_reads,
    replica_rest_reset,
)
from recengine.testing.servers import free_port
from recommendations.models import Interaction, ModelVersion
from recommendations.serving import cache
from recommendations.testing.clusters import clusters_create
from recommendations.testing.factories import UserFactory

router = ReplicaRouter()
HISTORY_SQL = "CROSS JOIN LATERAL"  # the history query of a list computation (serving/history.py HISTORIES_SQL)


@pytest.fixture
def replica_on(settings):
    settings.DATABASE_REPLICA_READS = True
    return settings


# -- settings --------------------------------------------------------------------------------------
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'aliases': sorted(s.DATABASES), 'reads': s.DATABASE_REPLICA_READS, "
    "'replica': s.DATABASES.get('replica'), 'default': s.DATABASES['default'], "
    "'routers': s.DATABASE_ROUTERS}, default=str))"
)


def _settings_in_a_fresh_process(extra_env: dict) -> dict:
    unset = {"DATABASE_REPLICA_URL", "DJANGO_SECRET_KEY", "RECENGINE_DB_NAME", "DB_POOL_ENABLED", "DB_POOL_CHECK"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update({"DJANGO_SETTINGS_MODULE": "recengine.settings", "RECENGINE_TESTING": "false",
                "RECENGINE_READ_DOTENV": "false", "DJANGO_DEBUG": "true",
                "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/primary_db", **extra_env})
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=django_settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_database_replica_url_there_is_no_replica_and_no_replica_reads():
    found = _settings_in_a_fresh_process({})

    assert found["aliases"] == ["default"]
    assert found["reads"] is False
    assert found["routers"] == ["recengine.dbrouters.ReplicaRouter"]  # installed, and inactive (below)


def test_database_replica_url_adds_the_replica_alias_with_the_primarys_pool_and_options():
    found = _settings_in_a_fresh_process(
        {"DATABASE_REPLICA_URL": "postgres://reader:secret@10.0.0.9:5433/primary_db?sslmode=require"}
    )

    assert found["aliases"] == ["default", "replica"]
    assert found["reads"] is True
    replica, default = found["replica"], found["default"]
    assert (replica["HOST"], replica["PORT"], replica["USER"], replica["NAME"]) == ("10.0.0.9", 5433, "reader",
                                                                                    "primary_db")
    assert replica["OPTIONS"] == {**default["OPTIONS"], "sslmode": "require"}
    assert replica["OPTIONS"]["pool"] == default["OPTIONS"]["pool"]  # DB_POOL_MIN_SIZE / MAX_SIZE / timeout
    assert replica["OPTIONS"]["options"] == "-c jit=off"
    assert replica["CONN_HEALTH_CHECKS"] == default["CONN_HEALTH_CHECKS"]
    assert replica["TEST"]["MIRROR"] == "default"


def test_the_suite_has_a_mirror_alias_with_replica_reads_off_by_default():
    assert django_settings.DATABASES["replica"]["TEST"]["MIRROR"] == "default"
    assert django_settings.DATABASE_REPLICA_READS is False  # even with DATABASE_REPLICA_URL set
    assert not replica_configured()


# -- the rule --------------------------------------------------------------------------------------
def test_the_router_is_inactive_without_replica_reads(settings):
    settings.DATABASE_REPLICA_READS = False

    with replica_reads():
        assert router.db_for_read(Item) is None
        assert router.db_for_read(Interaction) is None
        assert read_alias(Interaction) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Item) is None


def test_reads_go_to_the_primary_unless_the_code_opens_replica_reads(replica_on):
    for model in (Item, Interaction, User, ModelVersion, Token):
        assert router.db_for_read(model) == DEFAULT_DB_ALIAS


def test_inside_replica_reads_items_interactions_and_users_go_to_the_replica(replica_on):
    with replica_reads():
        assert router.db_for_read(Item) == REPLICA
        assert router.db_for_read(Interaction) == REPLICA
        assert router.db_for_read(User) == REPLICA
        assert read_alias(Interaction) == REPLICA


@pytest.mark.parametrize("model", [ModelVersion, Token, Session, PeriodicTask, TaskResult, ContentType, Permission])
def test_tokens_sessions_beat_results_and_model_versions_stay_on_the_primary(replica_on, model):
    with replica_reads():
        assert router.db_for_read(model) == DEFAULT_DB_ALIAS


def test_primary_wins_over_replica_reads_either_way_round(replica_on):
    with replica_reads(), primary():
        assert router.db_for_read(Item) == DEFAULT_DB_ALIAS
    with primary(), replica_reads():
        assert router.db_for_read(Item) == DEFAULT_DB_ALIAS
    with replica_reads():
        assert router.db_for_read(Item) == REPLICA  # the blocks closed: back to the rule


def test_a_write_inside_replica_reads_sends_the_rest_of_the_block_to_the_primary(replica_on):
    with replica_reads():
        assert router.db_for_read(Item) == REPLICA
        assert router.db_for_write(Item) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Item) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Interaction) == DEFAULT_DB_ALIAS
        with replica_reads():  # a nested block keeps the outer one's state
            assert router.db_for_read(Item) == DEFAULT_DB_ALIAS
    with replica_reads():
        assert router.db_for_read(Item) == REPLICA


def test_writes_always_go_to_the_primary(replica_on):
    for model in (Item, Interaction, User, ModelVersion):
        assert router.db_for_write(model) == DEFAULT_DB_ALIAS
        with replica_reads():
            assert router.db_for_write(model) == DEFAULT_DB_ALIAS


def test_migrations_run_on_the_primary_only(replica_on):
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "catalog", model_name="item") is True
    assert router.allow_migrate(REPLICA, "catalog", model_name="item") is False
    assert router.allow_migrate(REPLICA, "django_celery_beat") is False


def test_relations_between_primary_and_replica_objects_are_allowed(replica_on):
    on_primary, on_replica, elsewhere = Item(), Item(), Item()
    on_primary._state.db, on_replica._state.db, elsewhere._state.db = DEFAULT_DB_ALIAS, REPLICA, "other"

    assert router.allow_relation(on_primary, on_replica) is True
    assert router.allow_relation(on_replica, on_replica) is True
    assert router.allow_relation(on_primary, elsewhere) is None


def test_no_app_may_migrate_on_the_replica(replica_on):
    from django.db.migrations.loader import MigrationLoader

    labels = {app_label for app_label, _ in MigrationLoader(None, ignore_no_migrations=True).graph.nodes}
    assert labels >= {"catalog", "recommendations", "accounts", "authtoken", "django_celery_beat", "sessions"}
    assert all(router.allow_migrate(DEFAULT_DB_ALIAS, label) for label in labels)
    assert not any(router.allow_migrate(REPLICA, label) for label in labels)


# -- the read-from-primary markers (recommendations/serving/cache.py) ----------------------------------------
def _markers() -> list[bytes]:
    from django_redis import get_redis_connection

    return sorted(get_redis_connection("default").keys("recengine:primary_reads:*"))


def test_without_a_replica_a_write_leaves_no_marker(settings):
    settings.DATABASE_REPLICA_READS = False

    cache.recommendations_drop(user_ids=[5, 6])
    cache.catalog_epoch_bump()

    assert _markers() == []
    assert cache.primary_reads_needed(user_ids=[5]) is False


def test_with_a_replica_a_write_leaves_a_marker_that_lives_the_lag_window(replica_on):
    from django_redis import get_redis_connection

    replica_on.DATABASE_REPLICA_LAG_SECONDS = 2.5
    cache.recommendations_drop(user_ids=[5, 6])

    assert _markers() == [b"recengine:primary_reads:5", b"recengine:primary_reads:6"]
    assert get_redis_connection("default").ttl("recengine:primary_reads:5") == 3  # rounded up
    assert cache.primary_reads_needed(user_ids=[7, 5]) is True
    assert cache.primary_reads_needed(user_ids=[7]) is False
    cache.catalog_epoch_bump()
    assert cache.primary_reads_needed(user_ids=[7]) is True  # a catalog change: every list


def test_when_redis_cannot_say_lists_are_computed_from_the_primary(replica_on):
    from recengine.testing.servers import cache_at

    with cache_at(replica_on, free_port()):
        assert cache.primary_reads_needed(user_ids=[1]) is True


# -- inside transactions and end to end (transactional: the mirror sees committed rows) -------------
e2e = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


@e2e
def test_reads_inside_a_transaction_go_to_the_primary(replica_on):
    with replica_reads():
        with transaction.atomic():
            assert router.db_for_read(Item) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Item) == REPLICA


@e2e
def test_an_orm_read_inside_replica_reads_runs_on_the_replica_connection(replica_on):
    Item.objects.create(item_code="R-1", name="Replica kettle", category="kitchen")

    with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
        with replica_reads():
            names = list(Item.objects.values_list("name", flat=True))
        version = ModelVersion.objects.first()  # outside the block: the primary

    assert names == ["Replica kettle"]
    assert version is None
    assert len(on_replica) == 1 and "catalog_item" in on_replica[0]["sql"]
    assert len(on_primary) == 1 and "recommendations_modelversion" in on_primary[0]["sql"]


def _client() -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=UserFactory(username="shop-backend"))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _captured(queries) -> str:
    return "\n".join(query["sql"] for query in queries)


@e2e
def test_a_recommendation_miss_reads_the_history_from_the_replica_and_a_write_sends_the_next_to_the_primary(
        replica_on):
    from recommendations.lifecycle.training import model_train

    data = clusters_create()
    model_train(algorithm="itemknn", activate=True)
    reader = data.readers[0]
    client = _client()

    # 1. A cache miss: the history (and the item fields) come from the replica; the token, the
    #    active model version and nothing of the interactions from the primary.
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
        first = client.get(f"/recommendations/{reader.pk}?limit=3")
    assert first.status_code == 200, first.content
    assert first.json()["cached"] is False and first.json()["model_version"] is not None
    assert HISTORY_SQL in _captured(on_replica)
    assert "catalog_item" in _captured(on_replica)
    assert HISTORY_SQL not in _captured(on_primary)
    assert "authtoken_token" in _captured(on_primary)
    assert "authtoken_token" not in _captured(on_replica)

    # 2. A POST stores a purchase on the primary and leaves the read-from-primary marker: the next
    #    list is computed from the primary and leaves the bought item out at once.
    bought = first.json()["recommendations"][0]["item_id"]
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        posted = client.post("/interactions", {"user_id": reader.pk, "item_id": bought,
                                               "interaction_type": "purchase"}, format="json")
    assert posted.status_code == 201, posted.content
    assert len(on_replica) == 0
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
        second = client.get(f"/recommendations/{reader.pk}?limit=3")
    assert second.json()["cached"] is False
    assert bought not in [row["item_id"] for row in second.json()["recommendations"]]
    assert HISTORY_SQL in _captured(on_primary)
    assert len(on_replica) == 0

    # 3. Another user's miss meanwhile still reads the replica: the marker is per user.
    other = data.listeners[0]
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get(f"/recommendations/{other.pk}?limit=3").status_code == 200
    assert HISTORY_SQL in _captured(on_replica)

    # 4. Once DATABASE_REPLICA_LAG_SECONDS have passed, the user's lists come from the replica again.
    replica_on.DATABASE_REPLICA_LAG_SECONDS = 1
    client.post("/interactions", {"user_id": reader.pk, "item_id": data.items["a5"].pk,
                                  "interaction_type": "view"}, format="json")
    assert cache.primary_reads_needed(user_ids=[reader.pk])
    time.sleep(1.2)
    assert not cache.primary_reads_needed(user_ids=[reader.pk])
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        third = client.get(f"/recommendations/{reader.pk}?limit=3")
    assert third.json()["cached"] is False  # dropped by the view above
    assert HISTORY_SQL in _captured(on_replica)


@e2e
def test_a_catalog_change_sends_every_list_computation_to_the_primary_for_the_lag_window(replica_on):
    data = clusters_create()
    client = _client()
    listener = data.listeners[0]
    item = data.items["b1"]
    item.is_active = False
    item.save()  # catalog/signals.py: the catalog epoch moves on commit, with the catalog marker

    assert cache.primary_reads_needed(user_ids=[listener.pk])
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
        answer = client.get(f"/recommendations/{listener.pk}?limit=5")
    assert answer.status_code == 200
    assert item.pk not in [row["item_id"] for row in answer.json()["recommendations"]]
    assert HISTORY_SQL in _captured(on_primary)
    assert len(on_replica) == 0


@e2e
def test_api_views_read_the_primary_so_a_client_reads_its_own_writes(replica_on):
    client = _client()
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        created = client.put("/items/by-code/KETTLE-1", {"name": "Blue kettle", "category": "kitchen", "tags": ["steel"],
                                                          "price": "24.90"},
                             format="json")
        read = client.get(f"/items/{created.json()['id']}")
        listed = client.get("/items?category=kitchen")
    assert created.status_code in (200, 201), created.content
    assert read.status_code == 200 and read.json()["name"] == "Blue kettle"
    assert listed.json()["count"] == 1
    assert len(on_replica) == 0


@e2e
def test_the_same_lists_from_the_replica_as_from_the_primary(replica_on):
    from recommendations.lifecycle.training import model_train
    from recommendations.serving.policy import recommendations_compute
    from recommendations.serving.query import Query

    data = clusters_create()
    model_train(algorithm="itemknn", activate=True)
    users = [*data.readers, *data.listeners]

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        from_replica = [recommendations_compute(Query(user.pk, 5)).recommendations for user in users]
    replica_on.DATABASE_REPLICA_READS = False
    from_primary = [recommendations_compute(Query(user.pk, 5)).recommendations for user in users]

    assert HISTORY_SQL in _captured(on_replica)
    assert from_replica == from_primary


@e2e
def test_the_precompute_and_export_scans_read_the_replica(replica_on):
    from datetime import timedelta

    from django.utils import timezone

    from recommendations.lifecycle.exporting import user_id_chunks
    from recommendations.lifecycle.jobs import recently_active_user_ids

    data = clusters_create()
    expected = sorted(user.pk for user in [*data.readers, *data.listeners])

    with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
        active = [pk for chunk in recently_active_user_ids(since=timezone.now() - timedelta(days=7),
                                                           chunk_size=3) for pk in chunk]
        exported = [pk for chunk in user_id_chunks(chunk_size=3) for pk in chunk]

    assert active == expected and exported == expected
    assert "recommendations_interaction" in _captured(on_replica)
    assert "recommendations_interaction" not in _captured(on_primary)


@e2e
def test_a_replica_that_cannot_be_reached_costs_nothing_but_time_lists_come_from_the_primary(replica_on, caplog):
    from recengine import dbrouters
    from recommendations.serving.policy import recommendations_compute
    from recommendations.serving.query import Query

    data = clusters_create()
    user = data.readers[0]
    expected = recommendations_compute(Query(user.pk, 5)).recommendations  # replica up
    replica = connections[REPLICA]
    dead_port = free_port()
    saved_port = replica.settings_dict["PORT"]
    replica.close()
    replica.settings_dict["PORT"] = dead_port
    try:
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
            answer = recommendations_compute(Query(user.pk, 5)).recommendations
        assert answer == expected
        assert HISTORY_SQL in _captured(on_primary)
        assert "read replica failed" in caplog.text
        # For REPLICA_RETRY_SECONDS this process does not try the replica again.
        assert dbrouters._Resting.until > time.monotonic() + dbrouters.REPLICA_RETRY_SECONDS - 5
        caplog.clear()
        assert recommendations_compute(Query(user.pk, 5)).recommendations == expected
        assert "read replica failed" not in caplog.text
    finally:
        replica.close()
        replica.settings_dict["PORT"] = saved_port
        replica_rest_reset()
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        recommendations_compute(Query(user.pk, 5))
    assert HISTORY_SQL in _captured(on_replica)  # back on the replica
