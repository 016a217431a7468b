"""GET /metrics in this process: what the counters, the latency histogram and the model gauge say
after real requests (PostgreSQL, Redis, a trained model), and who may read them."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from recommendations.models import Interaction
from recommendations.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

HITS = ("recengine_recommendation_cache_hits_total", ())
MISSES = ("recengine_recommendation_cache_misses_total", ())


def scrape(**headers) -> dict[tuple[str, tuple], float]:
    """Every sample of GET /metrics: {(sample name, sorted label pairs): value}."""
    response = Client().get("/metrics", **headers)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


FALLBACKS = "recengine_recommendation_fallbacks_total"


def fallback(reason: str) -> tuple[str, tuple]:
    return FALLBACKS, (("reason", reason),)


def moved(before: dict, after: dict) -> dict:
    """The samples whose value changed, and by how much."""
    return {key: after[key] - before.get(key, 0.0) for key in after if after[key] != before.get(key, 0.0)}


def requests_of(samples: dict, endpoint: str, status: str = "200", method: str = "GET") -> float:
    key = ("recengine_http_request_duration_seconds_count",
           (("endpoint", endpoint), ("method", method), ("status", status)))
    return samples.get(key, 0.0)


def test_cache_misses_hits_and_fallbacks_move_by_exactly_what_was_served(api, clusters, train):
    train("itemknn")
    reader = clusters.readers[0]
    newcomer = UserFactory()  # no interactions
    dabbler = UserFactory()  # fewer than MIN_INTERACTIONS_FOR_PERSONALIZED
    Interaction.objects.create(user=dabbler, item=clusters.items["a1"], interaction_type="view")
    before = scrape()

    first = api.get(f"/recommendations/{reader.pk}", {"limit": 3})  # DRF (token not yet remembered): a miss
    second = api.get(f"/recommendations/{reader.pk}", {"limit": 3})  # the fast path: a hit
    filtered = api.get(f"/recommendations/{reader.pk}", {"limit": 2, "category": "books"})  # DRF, from the entry
    cold = api.get(f"/recommendations/{newcomer.pk}")  # fast path: a miss, popularity
    warmish = api.get(f"/recommendations/{dabbler.pk}")  # a miss, popularity
    cold_again = api.get(f"/recommendations/{newcomer.pk}")  # a hit, still popularity

    assert [first.json()["cached"], second.json()["cached"], filtered.json()["cached"]] == [False, True, True]
    assert [cold.json()["cached"], warmish.json()["cached"], cold_again.json()["cached"]] == [False, False, True]
    changes = moved(before, scrape())
    assert changes[HITS] == 3
    assert changes[MISSES] == 3
    assert changes[fallback("no_history")] == 2  # served twice: computed, then from the cache
    assert changes[fallback("cold_user")] == 1
    assert {key for key in changes if key[0] == FALLBACKS} == {fallback("no_history"), fallback("cold_user")}


def test_without_an_active_model_every_list_is_a_fallback_for_that_reason(api, clusters):
    before = scrape()

    api.get(f"/recommendations/{clusters.readers[0].pk}")

    changes = moved(before, scrape())
    assert changes[fallback("no_active_model")] == 1 and changes[MISSES] == 1


def test_a_model_that_fails_to_load_is_a_fallback_and_a_load_failure(api, clusters, train):
    version = train("itemknn")
    Path(version.artifact_path).write_bytes(b"not a model")
    before = scrape()

    listed = api.get(f"/recommendations/{clusters.readers[0].pk}")

    after = scrape()
    changes = moved(before, after)
    assert listed.status_code == 200 and listed.json()["model_version"] is None
    assert changes[fallback("model_unavailable")] == 1
    assert changes[("recengine_model_load_failures_total", ())] == 1
    assert after[("recengine_model_active_version", ())] == 0


def test_request_latency_is_labelled_by_route_never_by_raw_path(api, clusters, train, client):
    train("itemknn")
    reader = clusters.readers[0].pk
    item = clusters.items["a1"].pk
    before = scrape()

    api.get(f"/recommendations/{reader}")
    api.get(f"/recommendations/{reader}")
    api.get(f"/items/{item}")
    api.get("/items/999999999")  # 404 from the view: still its route
    client.get(f"/no/such/{reader}")  # no route at all

    after = scrape()
    assert requests_of(after, "/recommendations/<user_id>") - requests_of(before, "/recommendations/<user_id>") == 2
    assert requests_of(after, "/items/<item_id>") - requests_of(before, "/items/<item_id>") == 1
    assert requests_of(after, "/items/<item_id>", "404") - requests_of(before, "/items/<item_id>", "404") == 1
    assert requests_of(after, "unmatched", "404") - requests_of(before, "unmatched", "404") == 1
    endpoints = {dict(labels)["endpoint"] for name, labels in after
                 if name.startswith("recengine_http_request_duration_seconds")}
    assert all(endpoint == "unmatched" or endpoint.startswith("/") for endpoint in endpoints)
    assert not [endpoint for endpoint in endpoints if str(reader) in endpoint or str(item) in endpoint]
    # The buckets are cumulative and end with +Inf = count.
    labels = (("endpoint", "/recommendations/<user_id>"), ("method", "GET"), ("status", "200"))
    inf = after[("recengine_http_request_duration_seconds_bucket", (*labels[:1], ("le", "+Inf"), *labels[1:]))]
    assert inf == requests_of(after, "/recommendations/<user_id>")


def test_the_active_model_gauge_follows_the_served_version(api, clusters, train, settings):
    settings.MODEL_CHECK_INTERVAL = 0  # look for a new version on every request
    assert scrape()[("recengine_model_active_version", ())] == 0

    first = train("itemknn")
    api.get(f"/recommendations/{clusters.readers[0].pk}")
    samples = scrape()
    assert samples[("recengine_model_active_version", ())] == first.pk
    assert samples[("recengine_model_info", (("algorithm", "itemknn"), ("version", str(first.pk))))] == 1

    second = train("ease")
    api.get(f"/recommendations/{clusters.readers[0].pk}")
    samples = scrape()
    assert samples[("recengine_model_active_version", ())] == second.pk
    assert samples[("recengine_model_info", (("algorithm", "ease"), ("version", str(second.pk))))] == 1
    assert samples[("recengine_model_info", (("algorithm", "itemknn"), ("version", str(first.pk))))] == 0


def test_metrics_token_is_required_when_set(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-1"

    missing = client.get("/metrics")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-2")
    other_scheme = client.get("/metrics", HTTP_AUTHORIZATION="Token scrape-secret-1")
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-1")

    assert (missing.status_code, wrong.status_code, other_scheme.status_code) == (401, 403, 401)
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert b"scrape-secret" not in missing.content + wrong.content
    assert right.status_code == 200 and b"recengine_http_request_duration_seconds" in right.content


def test_metrics_is_open_without_a_token_and_read_only(client):
    assert client.get("/metrics").status_code == 200
    assert client.head("/metrics").status_code == 200
    assert client.post("/metrics").status_code == 405


def test_metrics_speaks_openmetrics_when_asked(client):
    response = client.get("/metrics", HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")

    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.rstrip().endswith(b"# EOF")


def test_metrics_is_not_in_the_openapi_schema(staff_api):
    schema = staff_api.get("/api/schema/", {"format": "json"}).json()

    assert "/metrics" not in schema["paths"] and "/recommendations/{user_id}" in schema["paths"]


def test_an_odd_method_is_counted_as_other(client):
    before = scrape()

    client.generic("BREW", "/healthz")

    assert requests_of(scrape(), "/healthz", "200", "other") - requests_of(before, "/healthz", "200", "other") == 1
