"""gunicorn as production runs it (docker/gunicorn.conf.py), started by a test against a database and
Redis the test picks, a plain HTTP client for it, and the process's cache pointed at another Redis."""
from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from recengine.embedded import free_port

__all__ = ["cache_at", "call", "free_port", "gunicorn_server", "production_env"]

START_TIMEOUT_S = 60


@contextmanager
def cache_at(settings, port: int) -> Iterator[None]:
    """Every Redis client of this process points at 127.0.0.1:<port> until the block ends (with
    pytest-django's ``settings`` fixture, which puts CACHES back afterwards)."""
    from django.core.cache import caches

    caches_setting = copy.deepcopy(settings.CACHES)
    caches_setting["default"]["LOCATION"] = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = caches_setting  # Django drops its cache connections when CACHES changes
    try:
        yield
    finally:
        for alias in list(caches):
            try:
                caches[alias].close()
            except Exception:  # noqa: BLE001
                pass


def production_env(database_url: str, **overrides: str) -> dict[str, str]:
    """This process's environment as a production process would see it: no test switches, DEBUG off,
    ``database_url``, the suite's Redis, a throwaway secret, no .env file; then ``overrides``."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"RECENGINE_TESTING", "DATABASE_URL", "RECENGINE_DB_NAME"} and not key.startswith("PYTEST_")}
    env.update({"DATABASE_URL": database_url, "REDIS_URL": settings.REDIS_URL, "DJANGO_DEBUG": "false",
                "DJANGO_SECRET_KEY": "s" * 50, "RECENGINE_READ_DOTENV": "false"})
    env.update(overrides)
    return env


def call(port: int, method: str, path: str, body: bytes | None = None, **headers) -> tuple[int, dict, str]:
    """(status, headers, body text) of one request to 127.0.0.1:``port``; HTTP errors are answers too."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@contextmanager
def gunicorn_server(env: dict[str, str], *, log_path: Path,
                    ready: Callable[[subprocess.Popen], bool] = lambda process: True) -> Iterator[subprocess.Popen]:
    """gunicorn bound to ``env["GUNICORN_BIND"]``, its output in ``log_path``; yields the master process
    once /healthz answers and ``ready(process)`` holds; always stopped (TERM, then KILL) at the end."""
    port = int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    with open(log_path, "wb") as log:
        process = subprocess.Popen([gunicorn, "recengine.wsgi:application", "--config", "docker/gunicorn.conf.py"],
                                   cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if call(port, "GET", "/healthz")[0] == 200 and ready(process):
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
