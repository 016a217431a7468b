"""The staff dashboard, and the admin pages for interactions, model versions and periodic tasks."""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recommendations.admin import EstimatedCountPaginator
from recommendations.models import Interaction, ModelVersion
from recommendations.serving.stats import cache_stats_days, cache_stats_record
from recommendations.staff import dashboard

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("admin:dashboard")
INTERACTIONS = reverse("admin:recommendations_interaction_changelist")
VERSIONS = reverse("admin:recommendations_modelversion_changelist")
PERIODIC_TASKS = reverse("admin:django_celery_beat_periodictask_changelist")


def at(days_ago: int, hour: int = 12):
    day = timezone.now().astimezone(UTC).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour), tzinfo=UTC)


@pytest.fixture
def events(user_factory, item_factory):
    """Known interactions: today 2 views and 1 purchase, 3 days ago 1 like, 40 days ago 5 views (too old)."""
    user, item, other = user_factory(), item_factory(item_code="HOT"), item_factory(item_code="COLD")
    rows = [("view", 0, item), ("view", 0, item), ("purchase", 0, other), ("like", 3, item)]
    rows += [("view", 40, other)] * 5
    Interaction.objects.bulk_create(
        Interaction(user=user, item=target, interaction_type=kind, interaction_value=1.0, timestamp=at(days_ago))
        for kind, days_ago, target in rows
    )
    return user, item, other


def login_refused(client, url) -> bool:
    return client.get(url)["Location"].startswith(reverse("admin:login"))


def non_staff(django_user_model):
    return django_user_model.objects.create_user("shopper", email="shopper@example.com", password="x")


# -- the dashboard --------------------------------------------------------------------------------
def test_the_dashboard_loads_for_staff_and_is_linked_from_the_admin_index(admin_client, events):
    response = admin_client.get(DASHBOARD)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg role=\"img\"") == 2  # interactions and cache; no model metrics yet
    assert "No version has retrain-guard figures yet" in page
    assert f'href="{DASHBOARD}"' in admin_client.get(reverse("admin:index")).content.decode()


def test_the_dashboard_is_refused_to_anonymous_non_staff_and_staff_without_permission(client, django_user_model):
    assert login_refused(client, DASHBOARD)
    client.force_login(non_staff(django_user_model))
    assert login_refused(client, DASHBOARD)
    clerk = django_user_model.objects.create_user("clerk", email="clerk@example.com", password="x", is_staff=True)
    client.force_login(clerk)
    assert client.get(DASHBOARD).status_code == 403


def test_interactions_per_day_by_type_match_the_data(events):
    days = dashboard.last_days()

    counts = dashboard.interactions_per_day(days)

    assert list(counts) == days and len(days) == 30
    assert counts[days[-1]] == {"view": 2, "purchase": 1}
    assert counts[days[-4]] == {"like": 1}
    assert sum(sum(day.values()) for day in counts.values()) == 4  # the 40-day-old views are left out


def test_the_interactions_per_day_are_one_query(events, django_assert_num_queries):
    with django_assert_num_queries(1):
        dashboard.interactions_per_day(dashboard.last_days())


def test_the_dashboard_shows_the_figures_and_the_top_items(admin_client, events):
    page = admin_client.get(DASHBOARD).content.decode()

    today = timezone.now().astimezone(UTC).date()
    row = re.search(rf'<tr data-day="{today:%Y-%m-%d}">(.*?)</tr>', page, flags=re.S).group(1)
    assert '<td data-type="view">2</td>' in row and '<td data-type="purchase">1</td>' in row
    assert '<td data-type="like">0</td>' in row and '<td data-type="total">3</td>' in row
    assert "4 interactions in 30 days" in page
    assert f"{today:%m-%d} view: 2" in page  # the bar's tooltip
    top = re.findall(r'<tr class="top-item">.*?>(\w+)</a>.*?<td class="interactions">(\d+)</td>', page, flags=re.S)
    assert top == [("HOT", "3"), ("COLD", "1")]


def test_the_cache_hit_rate_counts_api_requests(admin_client, api, user_factory, item_factory):
    item_factory()
    users = [user_factory() for _ in range(2)]
    for user in users:
        assert api.get(f"/recommendations/{user.pk}").json()["cached"] is False
    for _ in range(3):
        assert api.get(f"/recommendations/{users[0].pk}").json()["cached"] is True

    today = cache_stats_days(1)[0]
    assert (today.hits, today.misses) == (3, 2)
    page = admin_client.get(DASHBOARD).content.decode()
    assert '<strong id="hit-rate">60.0%</strong>' in page
    assert '<strong id="hit-rate-today">60.0%</strong>' in page


def test_precompute_and_export_are_not_counted_as_traffic(user_factory, item_factory, tmp_path):
    from recommendations.lifecycle.exporting import recommendations_export
    from recommendations.lifecycle.jobs import recommendations_precompute

    item = item_factory()
    user = user_factory()
    Interaction.objects.create(user=user, item=item, interaction_type="view", interaction_value=1.0)

    recommendations_precompute(user_ids=[user.pk])
    recommendations_export(output=tmp_path / "out.csv", limit=5)

    assert cache_stats_days(1)[0].requests == 0


def test_the_cache_counters_keep_days_apart_and_expire():
    from django_redis import get_redis_connection

    from recommendations.serving.stats import KEEP_SECONDS, day_key

    cache_stats_record(hits=4, misses=1)
    cache_stats_record(hits=0, misses=3)

    days = cache_stats_days(3)
    assert [(d.hits, d.misses) for d in days] == [(0, 0), (0, 0), (4, 4)]
    assert days[-1].hit_rate == 0.5 and days[0].hit_rate is None
    assert 0 < get_redis_connection("default").ttl(day_key(days[-1].day)) <= KEEP_SECONDS


def test_model_metrics_are_charted_on_the_dashboard_and_the_versions_list(admin_client, clusters):
    from recommendations.lifecycle.jobs import model_retrain

    first = ModelVersion.objects.get(pk=model_retrain(algorithm="itemknn").version_id)
    second = ModelVersion.objects.get(pk=model_retrain(algorithm="popularity", force=True).version_id)

    rows = dashboard.model_metrics()
    assert [row["id"] for row in rows] == [first.pk, second.pk]
    assert rows[0]["ndcg"] == first.metrics["ndcg@10"]
    assert rows[0]["coverage"] == first.metrics["guard"]["candidate"]["coverage"]
    page = admin_client.get(DASHBOARD).content.decode()
    assert page.count("<svg role=\"img\"") == 3
    assert f"v{first.pk} nDCG@10: {first.metrics['ndcg@10']:.4f}" in page
    versions_page = admin_client.get(VERSIONS).content.decode()
    assert 'id="metrics-chart"' in versions_page and f"v{second.pk} coverage:" in versions_page


def test_the_chart_scale_is_a_round_number():
    assert [dashboard.nice_ceiling(v) for v in (0, 0.07, 0.3, 1, 3, 7, 1234)] == pytest.approx(
        [1, 0.1, 0.5, 1, 5, 10, 2000])


# -- interactions admin ---------------------------------------------------------------------------
def test_the_interactions_list_and_page_load_for_staff_with_filters_and_search(admin_client, events):
    user, item, _ = events

    def listed(**query):
        response = admin_client.get(INTERACTIONS, query)
        assert response.status_code == 200
        return response.context["cl"].result_list

    assert len(listed()) == 9
    assert len(listed(interaction_type="view")) == 7
    assert len(listed(since="today")) == 3
    assert len(listed(since="7d")) == 4
    assert len(listed(since="30d", interaction_type="like")) == 1
    for number in (item.pk, user.pk):  # a number finds the interactions of that user or that item
        expected = Interaction.objects.filter(Q(user_id=number) | Q(item_id=number)).count()
        assert expected >= 3 and len(listed(q=str(number))) == expected
    change = reverse("admin:recommendations_interaction_change", args=[Interaction.objects.first().pk])
    assert admin_client.get(change).status_code == 200


def test_the_interactions_list_never_counts_the_whole_table(admin_client, events):
    for query in ({}, {"interaction_type": "view"}, {"since": "7d"}, {"q": "1"}):
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(INTERACTIONS, query).status_code == 200
        for sql in (q["sql"].upper() for q in captured.captured_queries if "COUNT(" in q["sql"].upper()):
            assert "LIMIT" in sql, sql  # a bounded count, never COUNT(*) over the table
        assert not any("DISTINCT" in q["sql"].upper() for q in captured.captured_queries)


def test_a_big_table_shows_an_estimated_count(admin_client, events, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "exact_up_to", 5)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Interaction._meta.db_table}")  # pg_class.reltuples: 9

    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(INTERACTIONS)

    page = response.content.decode()
    assert "about 9 interactions" in page and "about 9 results" in page
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
    filtered = admin_client.get(INTERACTIONS, {"interaction_type": "view"})
    assert filtered.context["cl"].paginator.estimated and filtered.context["cl"].result_count >= 6
    # An estimated list links the pages around the current one only, never the (far, maybe empty) last.
    paginator = EstimatedCountPaginator(Interaction.objects.all(), 1)
    assert paginator.count == 9 and paginator.estimated
    assert list(paginator.get_elided_page_range(1, on_each_side=2)) == [1, 2, 3, paginator.ELLIPSIS]
    assert list(paginator.get_elided_page_range(6, on_each_side=2)) == [1, paginator.ELLIPSIS, 4, 5, 6, 7, 8,
                                                                        paginator.ELLIPSIS]


def test_the_interaction_pages_are_refused_to_anonymous_and_non_staff_users(client, django_user_model, events):
    change = reverse("admin:recommendations_interaction_change", args=[Interaction.objects.first().pk])
    assert login_refused(client, INTERACTIONS) and login_refused(client, change)
    client.force_login(non_staff(django_user_model))
    assert login_refused(client, INTERACTIONS) and login_refused(client, change)


# -- model versions and periodic tasks -------------------------------------------------------------
def test_the_model_version_pages_load_for_staff_only(admin_client, client, django_user_model, clusters):
    from recommendations.lifecycle.training import model_train

    version = model_train(algorithm="popularity")
    change = reverse("admin:recommendations_modelversion_change", args=[version.pk])

    assert admin_client.get(VERSIONS).status_code == 200
    assert admin_client.get(change).status_code == 200
    assert login_refused(client, VERSIONS) and login_refused(client, change)
    client.force_login(non_staff(django_user_model))
    assert login_refused(client, VERSIONS) and login_refused(client, change)


def test_the_periodic_tasks_are_listed_with_where_they_come_from(admin_client, client, django_user_model):
    from django_celery_beat.models import PeriodicTask

    from recommendations.schedules import periodic_tasks_setup

    periodic_tasks_setup()
    task = PeriodicTask.objects.get(name="retrain-nightly")
    change = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])

    page = admin_client.get(PERIODIC_TASKS).content.decode()
    assert "retrain-nightly" in page and "setup_periodic_tasks</code> is the source of truth" in page
    assert admin_client.get(change).status_code == 200
    assert login_refused(client, PERIODIC_TASKS) and login_refused(client, change)
    client.force_login(non_staff(django_user_model))
    assert login_refused(client, PERIODIC_TASKS) and login_refused(client, change)


def test_staff_with_view_permission_on_interactions_see_the_dashboard(client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", email="clerk@example.com", password="x", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_interaction"))
    client.force_login(clerk)

    assert client.get(DASHBOARD).status_code == 200


def test_the_cache_counters_never_break_a_request_when_redis_is_down(monkeypatch, caplog):
    import socket

    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    from recommendations.serving import stats

    with socket.socket() as sock:  # a port nothing listens on: every call fails as in an outage
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    monkeypatch.setattr(stats, "get_redis_connection", lambda alias: dead)

    cache_stats_record(hits=1, misses=1)

    assert [day.requests for day in cache_stats_days(2)] == [0, 0]
    assert "could not count" in caplog.text and "could not read the cache counters" in caplog.text


def test_cache_counters_are_added_up_in_the_process_and_written_on_flush(settings):
    from recommendations.serving.stats import (
        cache_stats_days,
        cache_stats_flush,
        cache_stats_record,
    )

    settings.CACHE_STATS_FLUSH_SECONDS = 3600
    cache_stats_flush()  # start from nothing pending
    cache_stats_record(2, 1)
    cache_stats_record(1, 0)
    assert cache_stats_days(1)[0].requests == 0  # not written yet: no Redis call per request

    cache_stats_flush()

    today = cache_stats_days(1)[0]
    assert (today.hits, today.misses) == (3, 1)
