import pytest
from django.db import connection
from django_redis import get_redis_connection


def test_it_talks_to_real_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


def test_it_talks_to_real_redis():
    redis = get_redis_connection("default")
    redis.set("smoke", "1")
    assert redis.get("smoke") == b"1"


@pytest.mark.django_db
def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "redis": True}


def test_an_unknown_api_path_is_a_json_404_and_an_admin_one_a_page(client, settings):
    settings.DEBUG = False
    for path in ("/no-such-thing", "/users/%C2%84", "/items/abc"):
        response = client.get(path)
        assert response.status_code == 404 and response["Content-Type"] == "application/json", path
        assert response.json()["detail"] == "Not found."
    page = client.get("/admin/no-such-page/")
    assert page.status_code in (302, 404) and "application/json" not in page.get("Content-Type", "")
