"""The request id (X-Request-ID) and the log lines that carry it, plain and JSON (LOG_FORMAT)."""
from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import connection

from recengine.observability.context import request_id_var, sane_request_id, task_var
from recengine.observability.logs import (
    JsonFormatter,
    PlainFormatter,
    RequestContextFilter,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """What the root logger writes through the JSON formatter and the request-context filter, as configured
    for LOG_FORMAT=json, while the test runs: a function returning the parsed lines so far."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_each_response_carries_a_new_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")

    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize("given", ["abc-123", "4bf92f3577b34da6a3ce929d0e0e4736", "req_7.trace:01", "A" * 128])
def test_a_sane_request_id_from_the_caller_is_kept(client, given):
    assert client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


@pytest.mark.parametrize("given", ["", "A" * 129, "two words", "line\nbreak", "ünï", "-leading-dash", "a;b", "<x>"])
def test_an_odd_request_id_is_replaced(client, given):
    returned = client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"]

    assert returned != given and re.fullmatch(r"[0-9a-f]{32}", returned)
    assert sane_request_id(given) is None


def test_json_lines_carry_the_request_id_level_logger_and_message(client, log_lines):
    logging.getLogger("recengine.test").info("before any request")
    response = client.get("/no/such/page", HTTP_X_REQUEST_ID="trace-42")  # django.request logs the 404
    logging.getLogger("recengine.test").info("after the request")

    lines = log_lines()
    assert lines and all({"time", "level", "logger", "message", "request_id", "process"} <= line.keys()
                         for line in lines)
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert response.status_code == 404 and response["X-Request-ID"] == "trace-42"
    assert not_found and not_found[0]["request_id"] == "trace-42" and not_found[0]["level"] == "WARNING"
    assert "Not Found" in not_found[0]["message"] and not_found[0]["status_code"] == 404
    assert "request" not in not_found[0]  # the HttpRequest object is left out
    by_message = {line["message"]: line for line in lines}
    assert by_message["before any request"]["request_id"] is None
    assert by_message["after the request"]["request_id"] is None  # cleared once the response was closed
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", lines[0]["time"])


def test_json_lines_in_a_task_carry_its_id_and_name_and_exceptions_their_trace(log_lines):
    request_token = request_id_var.set("from-a-request")
    task_token = task_var.set(("3f1c-task-id", "recommendations.precompute"))
    try:
        logging.getLogger("recommendations.lifecycle.jobs").warning("chunk %d done", 3)
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("recommendations.lifecycle.jobs").exception("chunk failed")
    finally:
        task_var.reset(task_token)
        request_id_var.reset(request_token)

    done, failed = log_lines()
    assert done == {**done, "message": "chunk 3 done", "level": "WARNING", "logger": "recommendations.lifecycle.jobs",
                    "request_id": "from-a-request", "task_id": "3f1c-task-id",
                    "task_name": "recommendations.precompute"}
    assert failed["level"] == "ERROR" and "ValueError: boom" in failed["exc_info"]


def test_plain_lines_end_with_the_request_id_inside_a_request():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    RequestContextFilter().filter(record)
    outside = PlainFormatter().format(record)
    token = request_id_var.set("rid-9")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
        RequestContextFilter().filter(record)
        inside = PlainFormatter().format(record)
    finally:
        request_id_var.reset(token)

    assert outside.endswith("INFO x hello") and inside.endswith("INFO x hello request_id=rid-9")


def _settings_env(**extra) -> dict[str, str]:
    db = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "recengine.settings", "RECENGINE_TESTING": "true", "RECENGINE_READ_DOTENV": "false",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": django_settings.REDIS_URL, **extra,
    })
    return env


def test_log_format_json_makes_every_django_log_line_json():
    code = ("import django, logging; django.setup(); "
            "logging.getLogger('recengine.check').warning('configured %s', 'json')")
    done = subprocess.run([sys.executable, "-c", code], cwd=django_settings.BASE_DIR, capture_output=True,
                          text=True, timeout=60, env=_settings_env(LOG_FORMAT="json"))

    assert done.returncode == 0, done.stderr
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert {key: line[key] for key in ("level", "logger", "message", "request_id")} == {
        "level": "WARNING", "logger": "recengine.check", "message": "configured json", "request_id": None}


def test_an_unknown_log_format_stops_the_start():
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=django_settings.BASE_DIR,
                          capture_output=True, text=True, timeout=60, env=_settings_env(LOG_FORMAT="xml"))

    assert done.returncode != 0 and "LOG_FORMAT must be plain or json" in done.stderr


def test_the_schema_documents_the_header_on_every_response(anon):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    assert schema["components"]["headers"]["RequestId"]["schema"] == {"type": "string", "maxLength": 128}
    responses = [response for methods in schema["paths"].values() for operation in methods.values()
                 if isinstance(operation, dict) for response in operation.get("responses", {}).values()]
    assert responses and all(
        response["headers"]["X-Request-ID"] == {"$ref": "#/components/headers/RequestId"} for response in responses)
