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
