"""Container health checks, standard library only (no curl in the image). Exit 0: healthy, 1: not.

    python docker/healthcheck.py web          GET /healthz on the port gunicorn binds (GUNICORN_BIND)
    python docker/healthcheck.py worker       the Celery worker on this host answers a ping
    python docker/healthcheck.py worker NAME  ... the worker named NAME (default celery@<hostname>)
    python docker/healthcheck.py              the check for what the container runs (its process 1,
                                              which the entrypoint exec'd): web, worker, or none for
                                              beat and one-shot commands (healthy while running)

The image's HEALTHCHECK runs it without arguments, so one image is judged right in every role.

The web check sends a Host header that ALLOWED_HOSTS accepts (Django answers 400 to any other), so
it keeps working when ALLOWED_HOSTS names only the public host.
"""
from __future__ import annotations

import os
import re
import socket
import sys
import urllib.request
from pathlib import Path

TIMEOUT_S = 4.0


def web_port() -> str:
    bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
    return bind.split(",")[0].rsplit(":", 1)[-1]


def host_header() -> str:
    hosts = [host.strip() for host in os.environ.get("ALLOWED_HOSTS", "").split(",") if host.strip()]
    if not hosts or "*" in hosts:  # unset: the settings' default list, which has localhost
        return "localhost"
    for local in ("localhost", "127.0.0.1"):
        if local in hosts:
            return local
    return hosts[0].lstrip(".") or "localhost"  # ".example.com" allows example.com itself


def check_web() -> bool:
    request = urllib.request.Request(f"http://127.0.0.1:{web_port()}/healthz", headers={"Host": host_header()})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status == 200
    except OSError as exc:
        print(f"web: /healthz failed: {exc}", file=sys.stderr)
        return False


def check_worker(name: str | None) -> bool:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recengine.settings")
    from recengine.celery import app

    name = name or f"celery@{socket.gethostname()}"
    if app.control.ping(destination=[name], timeout=TIMEOUT_S):
        return True
    print(f"worker: {name} did not answer a ping within {TIMEOUT_S:.0f}s", file=sys.stderr)
    return False


def role_of(cmdline: list[str]) -> str:
    """web, worker or other, from a command line such as /proc/1/cmdline's (also as gunicorn and
    Celery retitle it when setproctitle is installed: "gunicorn: master [...]", "[celeryd: ...]")."""
    line = " ".join(cmdline)
    if "gunicorn" in line:
        return "web"
    if "celeryd:" in line or re.search(r"\bcelery\b.*\sworker(\s|$)", line):
        return "worker"
    return "other"


def container_role() -> str:
    try:
        cmdline = Path("/proc/1/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "web"
    return role_of(cmdline)


def main(argv: list[str]) -> int:
    role = argv[1] if len(argv) > 1 else container_role()
    if role == "other":
        return 0
    if role == "web":
        return 0 if check_web() else 1
    if role == "worker":
        return 0 if check_worker(argv[2] if len(argv) > 2 else None) else 1
    print(f"usage: {argv[0]} [web | worker [NAME] | other]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
