"""The recommendation cache, against the real Redis test database."""
from __future__ import annotations

import socket

import orjson
import pytest
import redis
from django_redis import get_redis_connection
from redis.backoff import NoBackoff
from redis.retry import Retry

from recommendations.serving import cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def raw():
    return get_redis_connection("default")


@pytest.fixture
def shop(user_factory, item_factory):
    items = [item_factory(popularity_score=score) for score in (0.9, 0.5, 0.1)]
    return user_factory(), items


def get(client, user_id, **params):
    response = client.get(f"/recommendations/{user_id}", params)
    assert response.status_code == 200, response.json()
    return response.json()


def item_ids(body) -> list[int]:
    return [row["item_id"] for row in body["recommendations"]]


def test_it_misses_then_hits(api, shop):
    user, _ = shop

    assert get(api, user.pk)["cached"] is False
    assert get(api, user.pk)["cached"] is True


def test_it_stores_the_list_under_the_plain_key_with_the_ttl(api, shop, raw, settings):
    user, items = shop

    get(api, user.pk)

    key = f"{settings.CACHE_KEY_PREFIX}:{user.pk}"
    assert key == f"user_rec:{user.pk}"
    assert 0 < raw.ttl(key) <= settings.REDIS_TTL
    entry = orjson.loads(raw.get(key))
    assert [row["item_id"] for row in entry["recommendations"]] == [item.pk for item in items]


def test_an_id_no_user_has_gets_the_popular_list_and_no_entry_of_its_own(api, shop, raw, settings):
    user, items = shop
    unknown = [user.pk + offset for offset in range(1, 51)]

    answers = [get(api, user_id) for user_id in unknown]

    assert all(item_ids(body) == [item.pk for item in items] and body["cached"] is False for body in answers)
    assert raw.keys(f"{settings.CACHE_KEY_PREFIX}:*") == []
    get(api, user.pk)  # a user without history still has a list of their own
    assert raw.exists(f"{settings.CACHE_KEY_PREFIX}:{user.pk}")


def test_a_stored_value_is_plain_json_whose_rows_read_in_part(shop):
    rows = [{"item_id": n, "item_code": f"c{n}", "name": 'a "quoted", {braced} name', "category": "x", "score": 1.0 / n,
             "reason": "popular"} for n in range(1, 13)]
    raw_value = cache.encode({"model_version": 4, "source": "hybrid", "limit": 100, "recomm_id": "r1",
                              "recommendations": rows}, epoch=7)

    assert orjson.loads(raw_value)["recommendations"] == rows  # other tools can read it whole
    entry = cache.decode(raw_value, epoch=7)
    assert (entry.model_version, entry.source, entry.limit, entry.recomm_id, entry.size) == (4, "hybrid", 100, "r1", 12)
    assert entry.rows(3) == rows[:3] and entry.rows(50) == rows and entry.rows() == rows and entry.rows(0) == []
    assert cache.decode(raw_value, epoch=8) is None  # an item left the catalog since
    assert cache.decode(raw_value[:-5] + b"]}", epoch=7) is None  # cut short
    assert cache.decode(b'{"format":2,"recommendations":[]}', epoch=7) is None
    empty = cache.encode({"model_version": None, "source": "popularity", "limit": 10, "recomm_id": "r2",
                          "recommendations": []}, epoch=0)
    assert cache.decode(empty, epoch=0).rows(10) == []


def test_a_damaged_value_is_a_miss_not_an_error(api, shop, raw):
    user, items = shop
    get(api, user.pk)
    value = raw.get(cache.user_key(user.pk))
    raw.set(cache.user_key(user.pk), value.replace(b'"ends":[', b'"ends":[3,'))  # row 1 "ends" mid-row

    body = get(api, user.pk, limit=1)
    assert body["cached"] is False and item_ids(body) == [items[0].pk]


def test_it_answers_other_limits_correctly_from_one_cached_list(api, shop):
    user, items = shop

    assert item_ids(get(api, user.pk, limit=1)) == [items[0].pk]
    two = get(api, user.pk, limit=2)
    everything = get(api, user.pk, limit=100)

    assert (two["cached"], item_ids(two)) == (True, [items[0].pk, items[1].pk])
    assert (everything["cached"], item_ids(everything)) == (True, [item.pk for item in items])


def test_it_recomputes_when_the_cached_list_was_computed_for_fewer(api, shop, raw, settings):
    user, items = shop
    get(api, user.pk, limit=1)
    stored = orjson.loads(raw.get(cache.user_key(user.pk)))
    short = {key: stored[key] for key in ("model_version", "source", "recomm_id")}
    cache.recommendations_set(user_id=user.pk, entry={**short, "limit": 1, "recommendations": stored["recommendations"][:1]})
    assert cache.recommendations_get(user_id=user.pk).limit == 1

    body = get(api, user.pk, limit=3)

    assert (body["cached"], item_ids(body)) == (False, [item.pk for item in items])


def test_it_drops_the_list_after_an_interaction_commits(api, shop, raw, django_capture_on_commit_callbacks):
    user, items = shop
    get(api, user.pk)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        payload = {"user_id": user.pk, "item_id": items[0].pk, "interaction_type": "purchase"}
        assert api.post("/interactions", payload, format="json").status_code == 201
        assert raw.exists(cache.user_key(user.pk)), "dropped before commit"
    assert len(callbacks) == 1

    after = get(api, user.pk)
    assert (after["cached"], item_ids(after)) == (False, [items[1].pk, items[2].pk])
    again = get(api, user.pk)
    assert (again["cached"], item_ids(again)) == (True, [items[1].pk, items[2].pk])
    assert 0 < raw.ttl(cache.user_key(user.pk)) <= 600


def test_it_keeps_the_list_when_a_retried_event_stores_nothing(api, shop, raw, django_capture_on_commit_callbacks):
    user, items = shop
    payload = {"user_id": user.pk, "item_id": items[0].pk, "interaction_type": "view", "event_id": "once"}
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/interactions", payload, format="json")
    get(api, user.pk)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert api.post("/interactions", payload, format="json").status_code == 200

    assert callbacks == [] and raw.exists(cache.user_key(user.pk))


def test_a_batch_drops_every_affected_users_list_in_one_call(
    api, user_factory, item_factory, raw, django_capture_on_commit_callbacks, monkeypatch
):
    ann, bob, cid = user_factory.create_batch(3)
    item = item_factory()
    for user in (ann, bob, cid):
        get(api, user.pk)
    deletes = []
    real_connection = cache._redis

    def counting_connection():
        client = real_connection()
        monkeypatch.setattr(client, "delete", lambda *keys: deletes.append(keys) or redis.Redis.delete(client, *keys))
        return client

    monkeypatch.setattr(cache, "_redis", counting_connection)
    events = [{"user_id": user.pk, "item_id": item.pk, "interaction_type": "view"} for user in (ann, bob, ann)]
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/interactions/batch", events, format="json").status_code == 201

    assert [sorted(keys) for keys in deletes] == [sorted([cache.user_key(ann.pk), cache.user_key(bob.pk)])]
    assert not raw.exists(cache.user_key(ann.pk)) and not raw.exists(cache.user_key(bob.pk))
    assert raw.exists(cache.user_key(cid.pk))


def test_deleting_a_user_drops_their_list(api, shop, raw, django_capture_on_commit_callbacks):
    user, _ = shop
    get(api, user.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/users/{user.pk}").status_code == 204

    assert not raw.exists(cache.user_key(user.pk))


def test_it_ignores_an_unreadable_or_outdated_entry(api, shop, raw):
    user, _ = shop
    for junk in (b"not json", orjson.dumps({"format": -1, "limit": 100, "recommendations": []})):
        raw.set(cache.user_key(user.pk), junk)

        assert get(api, user.pk)["cached"] is False


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_serves_recommendations_when_redis_is_down(api, shop, monkeypatch, caplog):
    """A real client pointed at a port nothing listens on: every call fails as in an outage.

    No retries, like the django-redis pool's connections (redis-py's own default backs off for seconds).
    """
    user, items = shop
    dead = redis.Redis(host="127.0.0.1", port=_closed_port(), socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    monkeypatch.setattr(cache, "_redis", lambda: dead)

    first, second = get(api, user.pk), get(api, user.pk)
    cache.recommendations_drop(user_ids=[user.pk])

    assert (first["cached"], second["cached"]) == (False, False)
    assert item_ids(second) == [item.pk for item in items]
    assert "recommendation cache read failed" in caplog.text
    assert "recommendation cache invalidation failed" in caplog.text
