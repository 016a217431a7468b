"""/metrics under gunicorn as in production: several worker processes, one multiprocess folder, one
total. Also gunicorn's and Django's log lines as JSON (LOG_FORMAT=json), tied by the request id."""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from recengine.testing.servers import call, free_port, gunicorn_server, production_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

WORKERS = 3
TOKEN = "gunicorn-scrape-token"


def workers_of(master: int) -> set[int]:
    """The master's child processes (its workers), from /proc."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def get(port: int, path: str, **headers) -> tuple[int, dict, str]:
    return call(port, "GET", path, **headers)


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with docker/gunicorn.conf.py, WORKERS sync workers, its metrics folder in tmp_path,
    JSON logs to a file; yields (port, master pid, metrics folder, log file)."""
    port, metrics_dir, log_path = free_port(), tmp_path / "prometheus", tmp_path / "gunicorn.log"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"left over from an earlier run")  # wiped at start
    db = connection.settings_dict
    env = production_env(
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        WEB_CONCURRENCY=str(WORKERS), GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_ACCESS_LOG="-",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), LOG_FORMAT="json", METRICS_TOKEN=TOKEN,
    )
    with gunicorn_server(env, log_path=log_path, ready=lambda master: len(workers_of(master.pid)) == WORKERS) as master:
        yield port, master.pid, metrics_dir, log_path


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    status, _, text = get(port, "/metrics", Authorization=f"Bearer {TOKEN}")
    assert status == 200, text[:300]
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def healthz_count(samples) -> float:
    return samples.get(("recengine_http_request_duration_seconds_count",
                        (("endpoint", "/healthz"), ("method", "GET"), ("status", "200"))), 0.0)


def json_lines(log_path: Path) -> list[dict]:
    return [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]


def served_by(log_path: Path, path: str, at_least: int = 0) -> list[int]:
    """The worker pid of each access line for ``path`` (the JSON access log's "process"), once there are
    ``at_least`` (an access line is written just after its response)."""
    deadline = time.monotonic() + 20
    while True:
        pids = [line["process"] for line in json_lines(log_path)
                if line["logger"] == "gunicorn.access" and line.get("path") == path]
        if len(pids) >= at_least or time.monotonic() > deadline:
            return pids
        time.sleep(0.05)


def test_the_request_count_adds_up_every_worker_even_one_that_died(gunicorn):
    port, master, metrics_dir, log_path = gunicorn
    assert not (metrics_dir / "counter_999999.db").exists()  # the folder was emptied at start
    assert get(port, "/metrics")[0] == 401  # METRICS_TOKEN is set
    start = healthz_count(scrape(port))  # the fixture's readiness checks
    served_before = len(served_by(log_path, "/healthz", at_least=int(start)))

    for _ in range(20):
        assert get(port, "/healthz")[0] == 200
    # A worker that answered some of them is killed outright (its counts stay in its file) and
    # gunicorn starts another: the next 20 are all answered by other processes.
    victim = served_by(log_path, "/healthz", at_least=served_before + 20)[-1]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while len(workers_of(master) - {victim}) < WORKERS or not all(
            (metrics_dir / f"gauge_liveall_{pid}.db").exists() for pid in workers_of(master)):
        assert time.monotonic() < deadline, "gunicorn did not replace the killed worker"
        time.sleep(0.1)
    for _ in range(20):
        assert get(port, "/healthz")[0] == 200

    samples = scrape(port)
    pids = served_by(log_path, "/healthz", at_least=served_before + 40)[served_before:]
    assert len(pids) == 40 and victim in pids and len(set(pids)) >= 2
    assert healthz_count(samples) - start == 40
    # Live gauges: one series per live worker; the dead one's left with it (child_exit).
    gauge_pids = {int(dict(labels)["pid"]) for name, labels in samples if name == "recengine_model_active_version"}
    assert gauge_pids == workers_of(master) and victim not in gauge_pids


def test_gunicorn_and_django_log_json_lines_tied_by_the_request_id(gunicorn):
    port, _, _, log_path = gunicorn

    status, headers, _ = get(port, "/no/such/page", **{"X-Request-ID": "probe-7f3a"})
    served_by(log_path, "/no/such/page", at_least=1)

    assert status == 404 and headers["X-Request-ID"] == "probe-7f3a"
    lines = json_lines(log_path)
    mine = [line for line in lines if line.get("request_id") == "probe-7f3a"]
    access = [line for line in mine if line["logger"] == "gunicorn.access"]
    app = [line for line in mine if line["logger"] == "django.request"]
    assert access and access[0]["status"] == "404" and access[0]["path"] == "/no/such/page"
    assert access[0]["method"] == "GET" and access[0]["duration_ms"] >= 0
    assert app and app[0]["level"] == "WARNING" and "Not Found" in app[0]["message"]
    # gunicorn's own start-up lines are JSON too.
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    assert "Authorization" not in log_path.read_text() and TOKEN not in log_path.read_text()
