"""A real Celery worker process for integration tests, pointed at the suite's database and Redis.

The worker is a separate ``celery -A recengine worker`` process (prefork pool) started with an
environment that names the test database (``RECENGINE_DB_NAME``, pytest-django's ``test_<name>``),
the test Redis database, and this test's model folder and signing key. Tests using it need
committed data (``transactional_db``). The worker is always stopped, warm then cold, on exit.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

READY_TIMEOUT_S = 60
STOP_TIMEOUT_S = 20


def worker_environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "recengine.settings",
        "RECENGINE_TESTING": "true",  # no connection pool, throwaway secret allowed, Redis test database
        "RECENGINE_DB_NAME": connection.settings_dict["NAME"],
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "MODEL_SIGNING_KEY": settings.MODEL_SIGNING_KEY,
        "MODEL_PATH": str(settings.MODEL_PATH),
        "RETRAIN_GUARD_TOLERANCE": str(settings.RETRAIN_GUARD_TOLERANCE),
    })
    return env


@contextmanager
def celery_worker(*, log_path: Path, queues: str = f"celery,{settings.CELERY_TRAINING_QUEUE}",
                  concurrency: int = 2, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """Start a worker, wait until it answers a ping, yield its process; stop it however the block ends.

    ``env``: more environment variables for the worker (e.g. LOG_FORMAT, CELERY_METRICS_PORT)."""
    from recengine.celery import app

    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    command = [
        sys.executable, "-m", "celery", "-A", "recengine", "worker", "--pool=prefork",
        f"--concurrency={concurrency}", f"--queues={queues}", f"--hostname={name}", "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]
    with open(log_path, "wb") as log:
        # Its own session: stopping the group reaches the pool's children too.
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env={**worker_environment(), **(env or {})},
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_ready(app, process, name, log_path)
        yield process
    finally:
        worker_stop(process)


def _wait_ready(app, process: subprocess.Popen, name: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with {process.returncode}:\n{log_tail(log_path)}")
        if app.control.ping(destination=[name], timeout=0.5):
            return
    raise RuntimeError(f"the Celery worker did not answer within {READY_TIMEOUT_S}s:\n{log_tail(log_path)}")


def worker_stop(process: subprocess.Popen, *, kill: bool = False) -> None:
    """Warm shutdown (SIGTERM to the main process), or SIGKILL of the whole group with ``kill`` or when
    it hangs. Any pool child left behind is killed with the group (its id is the worker's pid)."""
    try:
        if process.poll() is None:
            if kill:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=STOP_TIMEOUT_S)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
