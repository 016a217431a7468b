"""Folders of prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR).

Several processes serve one set of metrics (gunicorn's workers, a Celery worker's prefork pool):
each writes its values to memory-mapped files in one folder, and whoever answers the scrape adds
them up (prometheus_client.multiprocess.MultiProcessCollector). prometheus_client decides on the
mode when it is first imported, from the environment, so the variable is set before anything
imports it: by docker/gunicorn.conf.py for the web workers, by ``worker_dir_prepare`` (called
from recengine/celery.py) for a Celery worker with CELERY_METRICS_PORT. Neither imports Django.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
BASE_DIR = Path(__file__).resolve().parent.parent.parent


def var_dir() -> Path:
    """VAR_DIR as recengine/settings.py computes it (RECENGINE_VAR_DIR, else var/ in the project)."""
    return Path(os.environ.get("RECENGINE_VAR_DIR") or BASE_DIR / "var")


def default_dir(role: str) -> Path:
    """``VAR_DIR/prometheus/<role>``, the role made safe for a folder name (e.g. ``web-127.0.0.1-8000``)."""
    return var_dir() / "prometheus" / re.sub(r"[^A-Za-z0-9.\-]+", "-", role).strip("-")


def wipe(path: str | os.PathLike) -> Path:
    """Create the folder, or empty it of the metric files of an earlier run (sub-folders are left)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
    return path


def is_celery_worker(argv: list[str] | None = None) -> bool:
    """This process is ``celery ... worker ...`` (or ``python -m celery ... worker``)."""
    argv = sys.argv if argv is None else argv
    if not argv:
        return False
    program = os.path.basename(argv[0])
    is_celery = program.startswith("celery") or argv[0].endswith(os.path.join("celery", "__main__.py"))
    return is_celery and "worker" in argv[1:]


def worker_dir_prepare() -> str | None:
    """For a Celery worker with CELERY_METRICS_PORT: settle and empty its multiprocess folder.

    Runs when recengine/celery.py is imported, before Django or prometheus_client are: the folder is
    PROMETHEUS_MULTIPROC_DIR when set, else ``VAR_DIR/prometheus/celery-<port>``; the pool's
    children inherit the variable. Returns the folder, or None when this is not such a worker.
    """
    if not is_celery_worker():
        return None
    read_dotenv()
    port = os.environ.get("CELERY_METRICS_PORT", "").strip()
    if not port or port == "0":
        return None
    folder = os.environ.get(ENV) or str(default_dir(f"celery-{port}"))
    os.environ[ENV] = str(wipe(folder))
    return os.environ[ENV]


def read_dotenv() -> None:
    """The .env file's variables, as settings.py reads them (never overriding the environment)."""
    if os.environ.get("RECENGINE_READ_DOTENV", "true").lower() in {"0", "false", "no", "off"}:
        return
    dotenv = BASE_DIR / ".env"
    if dotenv.is_file():
        import environ

        environ.Env.read_env(dotenv, overwrite=False)
