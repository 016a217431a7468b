"""A real Celery worker (prefork, two children) with JSON logs and its own metrics port: a task queued
with a request id logs that id, task durations and failures reach the worker's /metrics."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from celery.exceptions import CeleryError
from prometheus_client.parser import text_string_to_metric_families

from recengine.celery import app
from recengine.observability.context import request_id_var
from recengine.observability.dirs import default_dir, is_celery_worker
from recengine.testing.servers import free_port
from recengine.testing.worker import celery_worker, log_tail
from recommendations.tasks import artifacts_cleanup, update_popularity
from recommendations.testing.clusters import clusters_create

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TASK_TIMEOUT_S = 120
TOKEN = "worker-scrape-token"


@pytest.fixture
def worker(transactional_db, tmp_path):
    port, log_path = free_port(), tmp_path / "worker.log"
    env = {"LOG_FORMAT": "json", "CELERY_METRICS_PORT": str(port), "METRICS_TOKEN": TOKEN,
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus")}
    with celery_worker(log_path=log_path, env=env) as process:
        yield port, log_path, process
    print(f"--- worker log ---\n{log_tail(log_path)}")  # shown when the test failed


def scrape(port: int, token: str | None = TOKEN) -> dict[tuple[str, tuple], float]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def json_lines(log_path) -> list[dict]:
    return [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]


def test_a_task_queued_with_a_request_id_logs_it_and_its_duration_and_failure_are_counted(worker):
    port, log_path, _ = worker
    clusters_create()

    token = request_id_var.set("rid-from-request-1")  # as RequestIdMiddleware sets it for a request
    try:
        sent = update_popularity.delay()
    finally:
        request_id_var.reset(token)
    assert sent.get(timeout=TASK_TIMEOUT_S)["status"] == "done"
    # Sent by name (apply_async would check the arguments here): a TypeError in the worker.
    failing = app.send_task(artifacts_cleanup.name, kwargs={"no_such_argument": 1})
    with pytest.raises((TypeError, CeleryError)):
        failing.get(timeout=TASK_TIMEOUT_S, propagate=True)
    time.sleep(0.5)  # the worker writes its last lines after the result

    lines = json_lines(log_path)
    assert lines and all({"time", "level", "logger", "message", "request_id"} <= line.keys() for line in lines)
    in_task = [line for line in lines if line.get("task_id") == sent.id]
    assert in_task, log_tail(log_path)
    assert all(line["request_id"] == "rid-from-request-1" and line["task_name"] == "catalog.update_popularity"
               for line in in_task)
    assert any("succeeded" in line["message"] for line in in_task)
    failed = [line for line in lines if line.get("task_id") == failing.id and line["level"] == "ERROR"]
    assert failed and "TypeError" in failed[0].get("exc_info", "") + failed[0]["message"]
    assert failed[0]["request_id"] is None  # queued outside any request

    samples = scrape(port)
    duration = "recengine_celery_task_duration_seconds_count"
    assert samples[(duration, (("state", "SUCCESS"), ("task", "catalog.update_popularity")))] == 1
    assert samples[(duration, (("state", "FAILURE"), ("task", "recommendations.artifacts_cleanup")))] == 1
    failures = "recengine_celery_task_failures_total"
    assert samples[(failures, (("task", "recommendations.artifacts_cleanup"),))] == 1
    assert samples[(failures, (("task", "catalog.update_popularity"),))] == 0  # known from the start
    assert samples[(failures, (("task", "recommendations.retrain"),))] == 0


def test_the_worker_metrics_port_wants_the_token(worker):
    port, _, _ = worker

    with pytest.raises(urllib.error.HTTPError) as missing:
        scrape(port, token=None)
    with pytest.raises(urllib.error.HTTPError) as wrong:
        scrape(port, token="not-it")

    assert (missing.value.code, wrong.value.code) == (401, 403)
    assert ("recengine_celery_task_failures_total", (("task", "recommendations.precompute"),)) in scrape(port)


def test_only_a_celery_worker_command_gets_a_metrics_folder_of_its_own(tmp_path):
    assert is_celery_worker(["/venv/bin/celery", "-A", "recengine", "worker", "--loglevel=INFO"])
    assert is_celery_worker(["/venv/lib/python3.11/site-packages/celery/__main__.py", "-A", "recengine", "worker"])
    assert not is_celery_worker(["/venv/bin/celery", "-A", "recengine", "beat"])
    assert not is_celery_worker(["/venv/bin/gunicorn", "recengine.wsgi:application"])
    assert not is_celery_worker(["manage.py", "worker"])
    assert default_dir("celery-9808").parts[-2:] == ("prometheus", "celery-9808")
    assert default_dir("web-127.0.0.1:8000").name == "web-127.0.0.1-8000"
