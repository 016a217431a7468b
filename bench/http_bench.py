"""HTTP benchmark of the API as production serves it: gunicorn + wrk on 127.0.0.1 (`make bench`).

    .venv/bin/python bench/http_bench.py [--small] [--duration 20] [--workers 5] [--threads 1]
        [--fresh] [--reuse-model] [--scenarios floor,hit,...] [--write-docs]

What it does, in order:

1. A separate database and Redis database, so the developer's data is never touched: database
   ``recengine_bench`` (``--db-name``) on whatever PostgreSQL the settings resolve (the embedded one
   when DATABASE_URL is unset; created when missing, then ``migrate``), Redis db 5 (``--redis-db``)
   of the configured or embedded Redis server (flushed at the start), MODEL_PATH under
   ``var/bench-models/``, DJANGO_DEBUG=false and, when none is set, a generated DJANGO_SECRET_KEY
   kept in ``var/bench/secret-key`` (artifacts are signed with it, so a reused model still loads).
   Every child process (manage.py commands, gunicorn) gets exactly this environment.
2. Data set: ``generate_demo_data`` (default 100,000 users, 20,000 items, 5,000,000 interactions;
   ``--small``: 10,000 / 2,000 / 200,000). The bench database is reused when it already holds that
   data set (``var/bench/<db>.json`` records it; the row counts are checked); ``--fresh`` regenerates
   (``generate_demo_data --clear``). Rows a run adds (import, POST scenarios) are deleted at its end,
   and any left by an interrupted run at the start of the next one, so every run sees the same data.
3. Import throughput: a CSV of ``--import-rows`` interactions of existing users and items, timed
   through ``manage.py import_interactions``; the rows are deleted again right after.
4. Training: ``update_popularity`` and ``train --algorithm A --activate`` wall times (A: ``--algorithm``,
   default DEFAULT_ALGORITHM; with ``--reuse-model`` an existing version of A is activated instead).
5. Cold users without interactions (``--cold-users``), a staff user ``bench-staff`` and its token.
6. gunicorn exactly as in production (``gunicorn recengine.wsgi:application --config
   docker/gunicorn.conf.py``, WEB_CONCURRENCY=--workers, GUNICORN_THREADS=--threads, access log off)
   on a free port of 127.0.0.1; stopped at the end, on errors and on Ctrl-C.
7. wrk (bench/wrk/*.lua), each scenario ``--connections`` connections (32), ``--wrk-threads`` threads
   (2), ``--duration`` seconds (20), ``--timeout 10s``:
   floor (GET /healthz), hit (cached lists of a warmed set of users), miss (users with history,
   cache emptied first, each user once), cold (users without history, cache emptied, each once),
   similar (GET /items/{id}/similar), post (POST /interactions), batch (POST /interactions/batch,
   1,000 events each) and stress (the cached endpoint with 1,000 connections for 30 s).

Prints a table; with ``--write-docs`` writes docs/benchmarks.md (+ docs/benchmarks.svg) and appends a
line to its History section.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import csv
import datetime as dt
import http.client
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WRK_DIR = ROOT / "bench" / "wrk"
DEFAULT_DOCS = ROOT / "docs" / "benchmarks.md"
STAFF_USERNAME = "bench-staff"
COLD_PREFIX = "benchcold"
HISTORY_MARKER = "<!-- history: one line per `--write-docs` run, oldest first; the script appends here -->"

DEFAULT_SIZE = (100_000, 20_000, 5_000_000)
SMALL_SIZE = (10_000, 2_000, 200_000)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class BenchError(Exception):
    """A failure with a message for people; main() prints it and exits 1."""


# --- Scenarios -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    script: str
    target: str = ""  # human-readable target, empty: none


SCENARIOS = [
    Scenario("floor", "floor: GET /healthz (plain Django JsonResponse)", "healthz.lua"),
    Scenario("hit", "GET /recommendations: cache hit", "recommendations.lua", ">= 0.6x floor req/s, p99 < 15 ms"),
    Scenario("miss", "GET /recommendations: miss, personalized", "recommendations.lua",
             ">= 0.2x floor req/s, p99 < 50 ms"),
    Scenario("cold", "GET /recommendations: cold user (miss)", "recommendations.lua"),
    Scenario("similar", "GET /items/{id}/similar", "similar.lua"),
    Scenario("post", "POST /interactions (one event)", "interactions.lua", ">= 1,000 req/s"),
    Scenario("batch", "POST /interactions/batch (1,000 events)", "interactions_batch.lua",
             ">= 50,000 interactions/s"),
    Scenario("stress", "stress: cache hit", "recommendations.lua", "0 errors, none over the timeout"),
]
SCENARIO_KEYS = [s.key for s in SCENARIOS]
# Run order: stress right after hit, on the lists hit warmed (the POST scenarios drop many of them).
RUN_ORDER = ["floor", "hit", "stress", "miss", "cold", "similar", "post", "batch"]


@dataclass
class Result:
    scenario: Scenario
    connections: int
    requests: int
    duration_s: float
    latency_ms: dict
    errors: dict
    repeats: int = 0
    events_per_request: int = 1
    met: bool | None = None
    check: str = ""
    floor: Result | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.scenario.key == "stress":
            return f"{self.scenario.title}, {self.connections:,} connections"
        return self.scenario.title

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def rps_ratio(self) -> float | None:
        return self.rps / self.floor.rps if self.floor and self.floor.rps else None

    @property
    def p50_ratio(self) -> float | None:
        """This scenario's p50 divided by the floor's p50 (2.0: the median request takes twice as long)."""
        floor_p50 = self.floor.latency_ms["p50"] if self.floor else 0
        return self.latency_ms["p50"] / floor_p50 if floor_p50 else None

    def evaluate(self) -> None:
        key, p99, ratio = self.scenario.key, self.latency_ms["p99"], self.rps_ratio
        if self.requests == 0:
            self.met = False if self.scenario.target else None
            self.check = "no request completed"
            return
        if key == "hit" and ratio is not None:
            self.met = ratio >= 0.6 and p99 < 15 and self.error_count == 0
        elif key == "miss" and ratio is not None:
            self.met = ratio >= 0.2 and p99 < 50 and self.error_count == 0
        elif key == "post":
            self.met = self.rps >= 1000 and self.error_count == 0
        elif key == "batch":
            self.met = self.rps * self.events_per_request >= 50_000 and self.error_count == 0
            self.check = f"{self.rps * self.events_per_request:,.0f} interactions/s"
        elif key == "stress":
            self.met = self.error_count == 0
            self.check = ", ".join(f"{n} {k}" for k, n in self.errors.items() if n) or "no errors"

    @property
    def target_rps(self) -> float | None:
        """The req/s this scenario's target asks for (drawn as a tick on the chart), if it has one."""
        floor_rps = self.floor.rps if self.floor else None
        return {
            "hit": 0.6 * floor_rps if floor_rps else None,
            "miss": 0.2 * floor_rps if floor_rps else None,
            "post": 1000.0,
            "batch": 50_000 / self.events_per_request,
        }.get(self.scenario.key)

    def as_json(self) -> dict:
        return {
            "scenario": self.scenario.key, "connections": self.connections, "requests": self.requests,
            "duration_s": round(self.duration_s, 3), "rps": round(self.rps, 1), "latency_ms": self.latency_ms,
            "errors": self.errors, "repeats": self.repeats, "events_per_request": self.events_per_request,
            "rps_ratio": self.rps_ratio, "p50_ratio": self.p50_ratio, "met": self.met,
        }


# --- Environment -------------------------------------------------------------------------------

def _with_db(url: str, db: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


def _redis_db_of(url: str) -> int:
    path = urlsplit(url).path.strip("/")
    return int(path) if path.isdigit() else 0


def bench_environment(args) -> tuple[dict, dict]:
    """(environment of every child process, facts for the report)."""
    import environ

    if os.environ.get("RECENGINE_READ_DOTENV", "true").lower() not in ("0", "false", "no", "off"):
        environ.Env.read_env(ROOT / ".env", overwrite=False)  # what the settings do, so we see the same URLs
    var_dir = Path(os.environ.get("RECENGINE_VAR_DIR", ROOT / "var"))
    bench_dir = var_dir / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)

    secret = os.environ.get("DJANGO_SECRET_KEY", "")
    if not secret:
        key_file = bench_dir / "secret-key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        secret = key_file.read_text().strip()

    if os.environ.get("REDIS_URL"):
        base_redis, redis_kind = os.environ["REDIS_URL"], "REDIS_URL"
    else:
        from recengine.embedded import redis_url

        base_redis, redis_kind = redis_url(var_dir), "embedded"
    if _redis_db_of(base_redis) == args.redis_db:
        raise BenchError(f"the configured Redis ({base_redis}) already uses database {args.redis_db}: "
                         f"pick another with --redis-db")
    bench_redis = _with_db(base_redis, args.redis_db)

    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "recengine.settings",
        "RECENGINE_VAR_DIR": str(var_dir),
        "RECENGINE_DB_NAME": args.db_name,
        "REDIS_URL": bench_redis,
        "CELERY_BROKER_URL": bench_redis,
        "MODEL_PATH": str(var_dir / "bench-models" / "recommender.joblib"),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secret,
        "GUNICORN_ACCESS_LOG": "",
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("RECENGINE_TESTING", None)
    facts = {
        "var_dir": var_dir, "bench_dir": bench_dir, "redis_url": bench_redis, "redis_kind": redis_kind,
        "postgres_kind": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
    }
    return env, facts


def _server_params(env: dict, var_dir: Path) -> dict:
    if env.get("DATABASE_URL"):
        import environ

        cfg = environ.Env.db_url_config(env["DATABASE_URL"])
    else:
        from recengine.embedded import postgres_settings

        cfg = postgres_settings(var_dir)
    return {"host": cfg.get("HOST") or None, "port": cfg.get("PORT") or None, "user": cfg.get("USER") or None,
            "password": cfg.get("PASSWORD") or None, "dbname": cfg.get("NAME") or "postgres"}


def database_ensure(env: dict, var_dir: Path, name: str) -> bool:
    """Create the bench database when missing; True when it was created."""
    import psycopg
    from psycopg import sql

    params = _server_params(env, var_dir)
    candidates = list(dict.fromkeys(["postgres", params["dbname"], "template1"]))
    last_error = None
    for maintenance in candidates:
        if maintenance == name:
            continue
        try:
            conn = psycopg.connect(**{**params, "dbname": maintenance}, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            last_error = exc
            continue
        with conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists:
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    raise BenchError(f"cannot connect to PostgreSQL to create database {name!r}: {last_error}")


def manage(env: dict, *arguments: str, timeout: float | None = None) -> tuple[float, str]:
    """Run ``manage.py`` with the bench environment; (wall seconds, stdout). Fails loudly."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(ROOT / "manage.py"), *arguments], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise BenchError(f"manage.py {' '.join(arguments)} failed ({proc.returncode}):\n"
                         f"{proc.stdout[-2000:]}{proc.stderr[-4000:]}")
    return seconds, proc.stdout


def django_setup(env: dict) -> None:
    """Django in this process (queries, ids, token) on the bench database, without the pool."""
    os.environ.update(env)
    os.environ["DB_POOL_ENABLED"] = "false"
    import django

    django.setup()


# --- State of the bench database -------------------------------------------------------------------

class State:
    """``var/bench/<db>.json``: the data set in the bench database, its highest interaction id, timings."""

    def __init__(self, path: Path):
        self.path = path
        self.data = json.loads(path.read_text()) if path.exists() else {}

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=2, default=str))
        tmp.replace(self.path)


def _sql(query: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return cursor.fetchall() if cursor.description else []


def _tables() -> dict[str, str]:
    from accounts.models import User
    from catalog.models import Item
    from recommendations.models import Interaction

    return {"user": User._meta.db_table, "item": Item._meta.db_table, "interaction": Interaction._meta.db_table}


def interactions_trim(state: State) -> int:
    """Delete interactions added after the data set was generated (a run's import and POSTs)."""
    max_id = state.data.get("dataset", {}).get("max_interaction_id")
    if max_id is None:
        return 0
    t = _tables()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {t['interaction']} WHERE id > %s", [max_id])
        return cursor.rowcount


def dataset_counts() -> dict:
    t = _tables()
    (users,), = _sql(f"SELECT count(*) FROM {t['user']} WHERE username ~ '^demo[0-9]+$'")
    (items,), = _sql(f"SELECT count(*) FROM {t['item']} WHERE item_code ~ '^DEMO-[0-9]+$'")
    (interactions, max_id), = _sql(f"SELECT count(*), coalesce(max(id), 0) FROM {t['interaction']}")
    return {"users": users, "items": items, "interactions_total": interactions, "max_interaction_id": max_id}


def dataset_prepare(args, env: dict, state: State) -> dict:
    """Reuse or (re)generate the data set; returns the report's figures."""
    wanted = {"users": args.users, "items": args.items, "interactions": args.interactions, "seed": args.seed}
    trimmed = interactions_trim(state)
    if trimmed:
        log(f"deleted {trimmed:,} interactions left by an earlier run")
    recorded = state.data.get("dataset", {})
    counts = dataset_counts()
    reusable = (
        not args.fresh
        and all(recorded.get(k) == v for k, v in wanted.items())
        and counts["users"] == args.users and counts["items"] == args.items
        and counts["interactions_total"] == recorded.get("interactions_total")
    )
    if reusable:
        log(f"reusing the data set in {args.db_name}: {counts['users']:,} users, {counts['items']:,} items, "
            f"{counts['interactions_total']:,} interactions (generated {recorded.get('generated_at', '?')})")
        return {**recorded, "reused": True}
    clear = args.fresh or counts["users"] or counts["items"]
    log(f"generating the data set: {args.users:,} users, {args.items:,} items, {args.interactions:,} "
        f"interactions{' (clearing the old one first)' if clear else ''}; this takes a while at full size")
    state.data.pop("dataset", None)
    state.data.pop("training", None)  # models of other data are no use
    state.data.pop("trainings", None)
    state.save()
    arguments = ["generate_demo_data", "--users", str(args.users), "--items", str(args.items),
                 "--interactions", str(args.interactions), "--seed", str(args.seed)]
    if clear:
        # The clear is timed apart, so the generation figure is generation alone.
        seconds_clear, _ = manage(env, "shell", "-c",
                                  "from recommendations.demo.data import demo_data_delete; demo_data_delete()")
        log(f"cleared the old demo data in {seconds_clear:.1f} s")
    seconds, out = manage(env, *arguments)
    match = re.search(r"(\d+) interactions created \(generated in ([\d.]+) s, written in ([\d.]+) s\)", out)
    created = int(match.group(1)) if match else None
    _sql(f"ANALYZE {_tables()['interaction']}")  # as autovacuum would soon after a bulk load
    counts = dataset_counts()
    figures = {
        **wanted, **counts, "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1), "interactions_created": created,
        "seconds_generating": float(match.group(2)) if match else None,
        "seconds_writing": float(match.group(3)) if match else None,
    }
    figures["interactions_per_s"] = round((created or counts["interactions_total"]) / seconds)
    state.data["dataset"] = figures
    state.save()
    log(f"generated in {seconds:.1f} s ({figures['interactions_per_s']:,} interactions/s): {out.strip()}")
    return {**figures, "reused": False}


def import_measure(args, env: dict, state: State) -> dict | None:
    """Time ``manage.py import_interactions`` on a CSV of existing users and items; delete the rows after."""
    if args.import_rows <= 0:
        return None
    import numpy as np

    t = _tables()
    user_ids = np.array([r[0] for r in _sql(f"SELECT id FROM {t['user']} WHERE username ~ '^demo[0-9]+$'")])
    item_ids = np.array([r[0] for r in _sql(f"SELECT id FROM {t['item']} WHERE item_code ~ '^DEMO-[0-9]+$'")])
    rng = np.random.default_rng(args.seed + 1)
    n = args.import_rows
    types = np.array(["view", "view", "view", "click", "click", "like", "purchase"])
    now = int(time.time())
    path = Path(state.path.parent) / f"import-{n}.csv"
    users, items = rng.choice(user_ids, n), rng.choice(item_ids, n)
    kinds, stamps = rng.choice(types, n), now - rng.integers(0, 90 * 86_400, n)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "item_id", "interaction_type", "interaction_value", "timestamp"])
        writer.writerows(zip(users.tolist(), items.tolist(), kinds.tolist(), [""] * n, stamps.tolist()))
    log(f"importing {n:,} rows ({path.name}) with manage.py import_interactions")
    seconds, out = manage(env, "import_interactions", str(path), "--no-progress")
    created = int(re.search(r"interactions created:\s+(\d+)", out).group(1))
    own = float(re.search(r" in ([\d.]+) s", out).group(1))
    deleted = interactions_trim(state)
    path.unlink()
    figures = {"rows": n, "created": created, "wall_s": round(seconds, 2), "command_s": own,
               "rows_per_s": round(created / own) if own else None,
               "rows_per_s_wall": round(created / seconds), "deleted_after": deleted}
    log(f"import: {created:,} rows in {own:.2f} s ({figures['rows_per_s']:,} rows/s; wall {seconds:.2f} s "
        f"with start-up); {deleted:,} rows deleted again")
    return figures


def training_prepare(args, env: dict, state: State, regenerated: bool) -> dict:
    """The active model the run serves: ``--algorithm`` (default: the settings' DEFAULT_ALGORITHM).

    With ``--reuse-model`` an existing version of that algorithm is (re)activated when there is one;
    otherwise ``update_popularity`` and ``train --algorithm ... --activate`` run and are timed.
    """
    from django.conf import settings

    from recommendations.lifecycle.registry import model_version_activate
    from recommendations.models import ModelVersion

    algorithm = args.algorithm or settings.DEFAULT_ALGORITHM
    trainings = state.data.get("trainings") or {}
    if "training" in state.data:  # recorded before --algorithm existed
        old = state.data.pop("training")
        trainings.setdefault(old.get("algorithm") or algorithm, old)
    versions = ModelVersion.objects.filter(algorithm=algorithm, status=ModelVersion.Status.READY).order_by("-pk")
    usable = next((v for v in versions if v.artifact_path and Path(v.artifact_path).is_file()), None)
    if args.reuse_model and usable is not None and not regenerated:
        if not usable.is_active:
            model_version_activate(version_id=usable.pk)
        log(f"reusing model v{usable.pk} ({algorithm})")
        return {**trainings.get(algorithm, {}), "reused": True, "version": usable.pk, "algorithm": algorithm}
    if args.reuse_model:
        log(f"--reuse-model: no usable {algorithm} model, training one")
    log("update_popularity")
    pop_seconds, _ = manage(env, "update_popularity")
    log(f"update_popularity: {pop_seconds:.1f} s; train --algorithm {algorithm} --activate")
    train_seconds, out = manage(env, "train", "--algorithm", algorithm, "--activate")
    match = re.search(r"training seconds:\s+([\d.]+)", out)
    version = re.search(r"Trained model version (\d+) \((\w+)\)", out)
    figures = {
        "popularity_s": round(pop_seconds, 1), "train_wall_s": round(train_seconds, 1),
        "train_s": float(match.group(1)) if match else None,
        "version": int(version.group(1)) if version else None, "algorithm": algorithm,
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    trainings[algorithm] = figures
    state.data["trainings"] = trainings
    state.save()
    log(f"trained v{figures['version']} ({algorithm}) in {train_seconds:.1f} s wall "
        f"({figures['train_s']} s in model_train)")
    return {**figures, "reused": False}


def cold_users_ensure(n: int) -> list[int]:
    """``benchcold1`` .. ``benchcold<n>``: users without a single interaction (created in bulk when missing)."""
    t = _tables()
    _sql(
        f"""
        INSERT INTO {t['user']} (password, is_superuser, username, first_name, last_name, email, is_staff,
                                 is_active, date_joined, age, gender, location, preferences, created_at, updated_at)
        SELECT '!' || md5(random()::text), false, %s::text || g, '', '', NULL, false, true, now(), NULL, '', '',
               '{{}}'::jsonb, now(), now()
        FROM generate_series(1, %s) AS g
        ON CONFLICT DO NOTHING
        """,
        [COLD_PREFIX, n],
    )
    ids = [r[0] for r in _sql(
        f"SELECT id FROM {t['user']} u WHERE username ~ %s AND substr(username, %s)::int <= %s "
        f"AND NOT EXISTS (SELECT 1 FROM {t['interaction']} i WHERE i.user_id = u.id)",
        [f"^{COLD_PREFIX}[0-9]+$", len(COLD_PREFIX) + 1, n],
    )]
    if len(ids) < n:
        log(f"note: only {len(ids):,} of {n:,} cold users are without interactions")
    return ids


def staff_token() -> str:
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    user, created = User.objects.get_or_create(username=STAFF_USERNAME, defaults={"is_staff": True})
    if created:
        user.set_unusable_password()
        user.save()
    return Token.objects.get_or_create(user=user)[0].key


def id_pools(args, bench_dir: Path, cold: list[int]) -> dict[str, Path]:
    """Shuffled id files for the wrk scripts: warm (hit), miss, cold, users, items."""
    import numpy as np
    from django.conf import settings

    t = _tables()
    rng = np.random.default_rng(args.seed)
    eligible = np.array([r[0] for r in _sql(
        f"SELECT user_id FROM {t['interaction']} GROUP BY user_id HAVING count(*) >= %s",
        [settings.MIN_INTERACTIONS_FOR_PERSONALIZED],
    )])
    if len(eligible) < 2 * args.warm_users:
        raise BenchError(f"only {len(eligible)} users with history: too few for --warm-users {args.warm_users}")
    rng.shuffle(eligible)
    users = np.array([r[0] for r in _sql(f"SELECT id FROM {t['user']} WHERE username ~ '^demo[0-9]+$'")])
    items = np.array([r[0] for r in _sql(
        f"SELECT id FROM {t['item']} WHERE item_code ~ '^DEMO-[0-9]+$' AND is_active")])
    cold = np.array(cold)
    rng.shuffle(cold)
    pools = {"warm": eligible[: args.warm_users], "miss": eligible[args.warm_users:], "cold": cold,
             "users": users, "items": items}
    paths = {}
    for name, ids in pools.items():
        paths[name] = bench_dir / f"ids-{name}.txt"
        paths[name].write_text("".join(f"{i}\n" for i in ids.tolist()))
    log("id pools: " + ", ".join(f"{name} {len(ids):,}" for name, ids in pools.items()))
    return paths


# --- Redis -----------------------------------------------------------------------------------------

def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=10)


def cached_lists_drop(client, prefix: str) -> int:
    dropped, keys = 0, []
    for key in client.scan_iter(match=f"{prefix}:*", count=5000):
        keys.append(key)
        if len(keys) >= 5000:
            dropped += client.delete(*keys)
            keys = []
    if keys:
        dropped += client.delete(*keys)
    return dropped


# --- gunicorn ----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


class Gunicorn:
    """gunicorn as in production, in its own process group; ``stop`` is safe to call any time."""

    def __init__(self, env: dict, port: int, log_path: Path):
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "PORT": str(port)}
        self.port = port
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        if not gunicorn.exists():
            raise BenchError(f"{gunicorn} not found: run make install")
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [str(gunicorn), "recengine.wsgi:application", "--config", str(ROOT / "docker" / "gunicorn.conf.py")],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.proc.returncode}; see {self.log_path}:\n"
                                 f"{self.log_path.read_text()[-3000:]}")
            try:
                status, _ = http_get(self.port, "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not answer /healthz within {timeout:.0f} s; see {self.log_path}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        log("stopping gunicorn")
        try:
            os.kill(self.proc.pid, signal.SIGTERM)  # graceful: the master stops its workers
            self.proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own process group (start_new_session)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        finally:
            self._log.close()


def accept_queue(port: int) -> int | None:
    """Connections waiting in the listening socket's accept queue (Linux /proc/net/tcp), None if unknown."""
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 4 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return int(fields[4].split(":")[1], 16)
    return None


def server_drain(port: int, limit: float = 600) -> None:
    """Wait until gunicorn has answered every queued request of the previous scenario.

    A sync worker still serves a request whose client (wrk, stopped) has gone: after the stress
    scenario about a thousand of them sit in the listen backlog. Measuring the next scenario before
    they are through would measure them.
    """
    started = time.monotonic()
    quiet = 0
    while quiet < 3:
        if time.monotonic() - started > limit:
            log(f"note: gunicorn still busy after {limit:.0f} s; going on")
            return
        queued = accept_queue(port)
        quiet = quiet + 1 if not queued else 0
        time.sleep(0.2)
    try:
        http_get(port, "/healthz", timeout=limit)  # behind whatever the workers still hold
    except OSError:
        pass
    waited = time.monotonic() - started
    if waited > 2:
        log(f"waited {waited:.1f} s for gunicorn to finish the previous scenario's queued requests")


def http_get(port: int, path: str, token: str | None = None, timeout: float = 30) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Authorization": f"Token {token}"} if token else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def get_many(port: int, token: str, paths: list[str], concurrency: int = 8) -> list[tuple[int, bytes]]:
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda p: http_get(port, p, token), paths))


def recommendations_warm(port: int, token: str, ids: list[str], concurrency: int) -> None:
    started = time.monotonic()
    answers = get_many(port, token, [f"/recommendations/{i}?limit=10" for i in ids], concurrency)
    bad = [status for status, _ in answers if status != 200]
    if bad:
        raise BenchError(f"warming the cache: {len(bad)} of {len(ids)} requests failed (status {bad[0]})")
    log(f"warmed {len(ids):,} users' lists in {time.monotonic() - started:.1f} s")


def serving_check(port: int, token: str, user_id: str) -> dict:
    """One uncached personalized list: is the active model served? Aborts when it is not."""
    status, body = http_get(port, f"/recommendations/{user_id}?limit=10", token)
    if status != 200:
        raise BenchError(f"GET /recommendations/{user_id}: status {status}: {body[:300]!r}")
    data = json.loads(body)
    reasons = {row["reason"].split(":")[0] for row in data["recommendations"]}
    if data.get("model_version") is None or not reasons & {"personalized", "similar_to"}:
        raise BenchError(
            f"gunicorn does not serve the active model for user {user_id} (model_version "
            f"{data.get('model_version')}, reasons {sorted(reasons)}); if the signing key changed, run "
            f"without --reuse-model. Log: var/bench/gunicorn.log")
    return data


# --- wrk ----------------------------------------------------------------------------------------------

def wrk_path() -> str:
    wrk = os.environ.get("WRK", "wrk")
    found = shutil.which(wrk)
    if not found:
        raise BenchError(f"wrk not found ({wrk!r}): install it with `apt-get install wrk` (`make wrk` does, "
                         f"as root) or set WRK to its path")
    return found


def run_wrk(scenario: Scenario, port: int, *, connections: int, threads: int, duration: int, timeout: int,
            env: dict, verbose: bool = False) -> Result:
    threads = min(threads, connections)
    cmd = [wrk_path(), "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout",
           f"{timeout}s", "-s", str(WRK_DIR / scenario.script), f"http://127.0.0.1:{port}"]
    log(f"{scenario.key}: {connections} connections, {duration} s")
    proc = subprocess.run(cmd, env={**os.environ, **env, "WRK_THREADS": str(threads)}, capture_output=True,
                          text=True, timeout=duration + 120, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise BenchError(f"wrk failed for {scenario.key} ({proc.returncode}):\n{proc.stdout[-2000:]}"
                         f"{proc.stderr[-2000:]}")
    data = json.loads(line[len("BENCH_JSON "):])
    if verbose:
        print(" ".join(cmd), proc.stdout.strip(), proc.stderr.strip(), sep="\n", flush=True)
    result = Result(scenario, connections, data["requests"], data["duration_s"], data["latency_ms"],
                    data["errors"], repeats=data["repeats"])
    log(f"  {result.rps:,.0f} req/s, p50 {result.latency_ms['p50']:.1f} ms, p99 {result.latency_ms['p99']:.1f} ms, "
        f"errors {result.error_count}" + (f", repeats {result.repeats:,}" if result.repeats else ""))
    return result


# --- Profiling (--profile) ---------------------------------------------------------------------------

class Profiler:
    """py-spy sampling every gunicorn worker while one scenario runs (``--profile``).

    Writes ``<dir>/<scenario>.txt`` (py-spy's collapsed stacks, for flame-graph tools) and
    ``<dir>/<scenario>-top.txt``: the functions in most samples (inclusive), which the log shows too.
    """

    def __init__(self, directory: Path, pid: int, seconds: int):
        self.directory, self.pid, self.seconds = directory, pid, seconds
        self.proc: subprocess.Popen | None = None

    def start(self, key: str) -> None:
        py_spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        if not py_spy:
            raise BenchError("--profile needs py-spy: .venv/bin/pip install py-spy")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.key = key
        self.raw = self.directory / f"{key}.txt"
        self.proc = subprocess.Popen(
            [py_spy, "record", "--pid", str(self.pid), "--subprocesses", "--rate", "250", "--nonblocking",
             "--duration", str(self.seconds), "--format", "raw", "--output", str(self.raw)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )

    def finish(self, top: int = 25) -> None:
        if self.proc is None:
            return
        try:
            _, err = self.proc.communicate(timeout=self.seconds + 60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            err = "timed out"
        self.proc = None
        if not self.raw.exists():
            log(f"  py-spy wrote no profile for {self.key}: {err.strip()[-500:]}")
            return
        lines = profile_summary(self.raw, top)
        (self.directory / f"{self.key}-top.txt").write_text("\n".join(lines) + "\n")
        log(f"  profile ({self.raw}):\n    " + "\n    ".join(lines[: min(top, 18)]))


def profile_summary(raw: Path, top: int) -> list[str]:
    """The functions present in most samples of collapsed stacks (a stack counts a function once)."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        # "function (path/file.py:123)" -> "function (file.py)": one entry per function, not per line
        frames = [re.sub(r"\((?:.*/)?([^/]+?)(?::\d+)?\)$", r"(\1)", f.strip()) for f in stack.split(";")]
        frames = [f for f in frames if f and not f.startswith("process ")]
        if not frames:
            continue
        total += n
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
    if not total:
        return ["no samples"]
    out = [f"{total:,} samples of the workers; inclusive % / own % / function"]
    for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        out.append(f"{100 * n / total:5.1f}% {100 * own.get(frame, 0) / total:5.1f}%  {frame}")
    return out


# --- Report ---------------------------------------------------------------------------------------------

def _fmt_ratio(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def table_rows(results: list[Result]) -> list[list[str]]:
    rows = []
    for r in results:
        lat = r.latency_ms
        rps = f"{r.rps:,.0f}"
        if r.events_per_request > 1:
            rps += f" ({r.rps * r.events_per_request:,.0f} ev/s)"
        met = "-" if r.met is None else ("yes" if r.met else "**no**")
        target = r.scenario.target or "-"
        if r.check:
            target += f" ({r.check})"
        rows.append([
            r.title,
            rps, _fmt_ratio(r.rps_ratio) if r.scenario.key != "floor" else "1.00x",
            f"{lat['p50']:.2f}", _fmt_ratio(r.p50_ratio) if r.scenario.key != "floor" else "1.00x",
            f"{lat['p95']:.2f}", f"{lat['p99']:.2f}",
            f"{r.error_count}" + (f" ({', '.join(f'{k} {n}' for k, n in r.errors.items() if n)})"
                                  if r.error_count else ""),
            target, met,
        ])
    return rows


HEADERS = ["scenario", "req/s", "req/s ÷ floor", "p50 ms", "p50 ÷ floor p50", "p95 ms", "p99 ms", "errors",
           "target", "met"]


def text_table(results: list[Result]) -> str:
    rows = [HEADERS] + [[c.replace("**", "") for c in row] for row in table_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i in (0, 8) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(out)


def machine_facts() -> dict:
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gb": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "cpu": model.group(1).strip() if model else platform.processor(),
        "kernel": platform.release(), "python": platform.python_version(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def git_revision() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10, check=False).stdout.strip()
        return rev + ("+dirty" if dirty else "") if rev else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def svg_chart(results: list[Result]) -> str:
    """Horizontal bars of req/s per scenario, the floor as a dashed line; plain SVG, no dependencies."""
    floor = next((r for r in results if r.scenario.key == "floor"), None)
    bars = results
    label_w, chart_w, value_w, row_h, top = 330, 420, 190, 30, 46
    width = label_w + chart_w + value_w
    height = top + row_h * len(bars) + 40
    vmax = max([r.rps for r in bars] + [r.target_rps or 0 for r in bars] + [1.0]) * 1.05
    colour = {None: "#6b7fa3", True: "#3a9a5b", False: "#c8553d"}
    out = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="13">'),
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        (f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">'
        f'Requests per second by scenario (higher is better)</text>'),
        (f'<text x="{width / 2}" y="38" text-anchor="middle" fill="#555" font-size="11">green: target met, '
        f'red: missed, blue: no target; black tick: the target; dashed line: the floor (GET /healthz)</text>'),
    ]
    for i, r in enumerate(bars):
        y = top + i * row_h
        w = chart_w * r.rps / vmax
        fill = "#9aa0a6" if r.scenario.key == "floor" else colour[r.met]
        title = _xml(r.title)
        value = f"{r.rps:,.0f} req/s"
        if r.events_per_request > 1:
            value += f" ({r.rps * r.events_per_request:,.0f} ev/s)"
        elif r.rps_ratio is not None and r.scenario.key != "floor":
            value += f" ({r.rps_ratio:.2f}x)"
        out += [
            f'<text x="{label_w - 8}" y="{y + row_h / 2 + 4}" text-anchor="end">{title}</text>',
            f'<rect x="{label_w}" y="{y + 5}" width="{max(w, 1):.1f}" height="{row_h - 10}" fill="{fill}" rx="2"/>',
        ]
        tx = label_w + chart_w * r.target_rps / vmax if r.target_rps else 0.0
        text_x = max(label_w + max(w, 1), tx) + 6
        out.append(f'<text x="{text_x:.1f}" y="{y + row_h / 2 + 4}" fill="#333">{_xml(value)}</text>')
        if r.target_rps:
            out.append(f'<line x1="{tx:.1f}" y1="{y + 2}" x2="{tx:.1f}" y2="{y + row_h - 2}" stroke="#111" '
                       f'stroke-width="2.5"><title>target {r.target_rps:,.0f} req/s</title></line>')
    axis_y = top + row_h * len(bars)
    out.append(f'<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{axis_y}" stroke="#333"/>')
    if floor is not None and floor.rps:
        x = label_w + chart_w * floor.rps / vmax
        out += [
            (f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="#222" '
            f'stroke-dasharray="5,4" stroke-width="1.5"/>'),
            (f'<text x="{x:.1f}" y="{axis_y + 20}" text-anchor="middle" font-size="12">'
            f'floor {floor.rps:,.0f} req/s</text>'),
        ]
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def history_line(report: dict, results: list[Result]) -> str:
    by = {r.scenario.key: r for r in results}
    parts = []
    for key, label in (("floor", "floor"), ("hit", "hit"), ("miss", "miss"), ("cold", "cold"),
                       ("similar", "similar"), ("post", "POST")):
        r = by.get(key)
        if r:
            ratio = f" {r.rps_ratio:.2f}x" if r.rps_ratio is not None and key != "floor" else ""
            parts.append(f"{label} {r.rps:,.0f}/s{ratio} p99 {r.latency_ms['p99']:.1f} ms")
    if "batch" in by:
        parts.append(f"batch {by['batch'].rps * by['batch'].events_per_request:,.0f} ev/s")
    if "stress" in by:
        parts.append(f"stress {by['stress'].connections} conn {by['stress'].error_count} errors")
    imp = report.get("import")
    if imp:
        parts.append(f"import {imp['rows_per_s']:,} rows/s")
    tr = report.get("training") or {}
    if tr.get("train_wall_s") is not None:
        parts.append(f"train {tr['train_wall_s']:.0f} s" + (" (reused)" if tr.get("reused") else ""))
    s = report["settings"]
    ds = report["dataset"]
    return (f"- {report['date']} `{report['revision']}` {ds['users']:,}/{ds['items']:,}/{ds['interactions']:,}, "
            f"{s['workers']}w x {s['threads']}t"
            + "".join(f" {e}" for e in s["server_env"])
            + f", {s['connections']} conn, {s['duration']} s: " + "; ".join(parts))


def markdown_report(report: dict, results: list[Result], previous_history: list[str]) -> str:
    m, s, ds = report["machine"], report["settings"], report["dataset"]
    tr, imp = report.get("training") or {}, report.get("import")
    floor = next((r for r in results if r.scenario.key == "floor"), None)
    lines = [
        "# Benchmarks",
        "",
        ("HTTP throughput and latency of the API served as in production (gunicorn with "
        "`docker/gunicorn.conf.py`), driven by [wrk](https://github.com/wg/wrk) on 127.0.0.1, with the import "
        "and training times of the same data set. Written by `make bench` (`bench/http_bench.py "
        "--write-docs`); everything above *History* is replaced on each run, History keeps one line per run."),
        "",
        f"## Latest run: {report['date']}",
        "",
        f"- **Commit**: `{report['revision']}`",
        (f"- **Machine**: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}; load average before the run {m['loadavg']}. wrk, gunicorn, PostgreSQL and "
        f"Redis all share these CPUs."),
        (f"- **Servers**: PostgreSQL {report['postgres_version']} ({report['postgres_kind']}), database "
        f"`{s['db_name']}`; Redis {report['redis_version']} ({report['redis_kind']}), database {s['redis_db']}."),
        f"- **gunicorn**: {s['workers']} workers x {s['threads']} thread(s) "
        f"({'gthread' if s['threads'] > 1 else 'sync'}), access log off, DJANGO_DEBUG=false"
        + (f"; extra environment {', '.join(f'`{e}`' for e in s['server_env'])}." if s["server_env"] else "."),
        (f"- **Load**: wrk, {s['connections']} connections, {s['wrk_threads']} threads, {s['duration']} s per "
        f"scenario, `--timeout {s['timeout']}s`; stress: {s['stress_connections']} connections for "
        f"{s['stress_duration']} s."),
        (f"- **Data set**: `generate_demo_data --users {ds['users']} --items {ds['items']} --interactions "
        f"{ds['interactions']} --seed {ds['seed']}` ({ds['interactions_total']:,} interactions stored), "
        f"{report['cold_users']:,} cold users without interactions; model "
        f"v{tr.get('version', '?')} ({tr.get('algorithm', '?')})."),
        "",
        "### HTTP",
        "",
        markdown_table(HEADERS, table_rows(results)),
        "",
        "![Requests per second by scenario, with the floor](benchmarks.svg)",
        "",
        f"*req/s ÷ floor*: the scenario's requests per second divided by the floor's "
        f"({floor.rps:,.0f} req/s). *p50 ÷ floor p50*: the scenario's median latency divided by the floor's "
        f"({floor.latency_ms['p50']:.2f} ms), so 3.00x means the median request takes three times as long as "
        f"the bare view's. Errors are wrk's: connect, read, write, timeout (no answer in {s['timeout']} s) and "
        f"status (answers >= 400)." if floor else "",
        "",
        "### Data set, import and training",
        "",
    ]
    rows = []
    if ds.get("reused"):
        rows.append(["data set", f"reused (generated {ds.get('generated_at', '?')})", ""])
    if ds.get("seconds") is not None:
        rows.append(["`generate_demo_data` (wall, with start-up)", f"{ds['seconds']:.1f} s",
                     f"{ds['interactions_per_s']:,} interactions/s"
                     + (f"; generating {ds['seconds_generating']:.1f} s, writing {ds['seconds_writing']:.1f} s"
                        if ds.get("seconds_writing") is not None else "")])
    if imp:
        rows.append([f"`import_interactions` of a {imp['rows']:,}-row CSV", f"{imp['command_s']:.2f} s",
                     (f"{imp['rows_per_s']:,} rows/s ({imp['rows_per_s_wall']:,} rows/s over the "
                     f"{imp['wall_s']:.1f} s wall time with Django start-up)")])
    if tr.get("popularity_s") is not None:
        rows.append(["`update_popularity` (wall)", f"{tr['popularity_s']:.1f} s", ""])
    if tr.get("train_wall_s") is not None:
        rows.append([f"`train --algorithm {tr.get('algorithm')} --activate` (wall)", f"{tr['train_wall_s']:.1f} s",
                     f"{tr['train_s']:.1f} s in model_train" if tr.get("train_s") is not None else ""])
    if tr.get("reused"):
        rows.append(["model", f"reused v{tr.get('version')} (--reuse-model)",
                     f"times above from its training on {tr.get('trained_at', '?')}" if tr.get("trained_at") else ""])
    lines += [markdown_table(["step", "time", "throughput"], rows), ""]
    lines += [
        "### How it is measured",
        "",
        ("- **Isolation**: its own database (`recengine_bench` by default) on the configured PostgreSQL and its "
        "own Redis database (5, flushed at the start), model artifacts under `var/bench-models/`. The "
        "developer's data is never touched."),
        ("- **floor**: `GET /healthz`, a plain Django `JsonResponse` without database, Redis or DRF, served by the "
        "same gunicorn in the same run: the ceiling of this stack on this machine."),
        (f"- **hit**: {s['warm_users']:,} users with history get their lists computed first; wrk then asks "
        "random ones of them (`GET /recommendations/{id}?limit=10`): token authentication, a Redis MGET, the "
        "hit counters, JSON."),
        ("- **miss, personalized**: every `user_rec:*` key is deleted first, then wrk walks a shuffled list of "
        "users with at least MIN_INTERACTIONS_FOR_PERSONALIZED interactions, each user once (*repeats* would "
        "count requests past the end of the list): history query, model scoring, items, popularity backfill, "
        "the list stored in Redis."),
        "- **cold**: the same with users without any interaction (popularity lists).",
        ("- **similar**: random item ids. **POST /interactions**: one `view` of a random user and item, JSON. "
        "**batch**: 1,000 events of random users, items and types per request; events/s = req/s x 1,000."),
        (f"- **stress**: the hit scenario (lists warmed again) with {s['stress_connections']} connections for "
        f"{s['stress_duration']} s: requests queue in gunicorn's backlog, none may fail or exceed "
        f"{s['timeout']} s."),
        ("- Rows the run adds (the import, the POST scenarios) are deleted at its end, so every run measures the "
        "same data. The import's rows are imported into the bench database for real and deleted right after."),
        ("- Latencies are wrk's (no coordinated-omission correction); under a closed loop of N connections, "
        "req/s x latency ≈ N."),
        ("- Runs on this 2-CPU machine differ by about 10% from one to the next; "
        "[performance.md](performance.md) has several runs, where each request's time goes, what each "
        "optimisation bought and the gunicorn settings measured."),
        "",
    ]
    if report.get("notes"):
        lines += ["### Notes", ""] + [f"- {n}" for n in report["notes"]] + [""]
    lines += ["## History", "", HISTORY_MARKER, "", *previous_history, history_line(report, results), ""]
    return "\n".join(lines)


def previous_history(path: Path) -> list[str]:
    if not path.exists():
        return []
    text = path.read_text()
    if HISTORY_MARKER not in text:
        return []
    return [ln for ln in text.split(HISTORY_MARKER, 1)[1].splitlines() if ln.startswith("- ")]


# --- Main ---------------------------------------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    data = parser.add_argument_group("data set")
    data.add_argument("--users", type=int, help=f"default {DEFAULT_SIZE[0]:,} ({SMALL_SIZE[0]:,} with --small)")
    data.add_argument("--items", type=int, help=f"default {DEFAULT_SIZE[1]:,} ({SMALL_SIZE[1]:,} with --small)")
    data.add_argument("--interactions", type=int,
                      help=f"default {DEFAULT_SIZE[2]:,} ({SMALL_SIZE[2]:,} with --small)")
    data.add_argument("--small", action="store_true", help="the small data set, for a quick run")
    data.add_argument("--seed", type=int, default=42)
    data.add_argument("--fresh", action="store_true", help="regenerate the data set even when it is there")
    data.add_argument("--reuse-model", action="store_true",
                      help="serve an existing model of --algorithm instead of training one")
    data.add_argument("--algorithm", default=None,
                      help="the model to serve (default: DEFAULT_ALGORITHM, hybrid), e.g. itemknn or ease")
    data.add_argument("--import-rows", type=int, default=None,
                      help="rows of the import measurement (default 200,000; 50,000 with --small; 0: skip)")
    data.add_argument("--cold-users", type=int, default=None,
                      help="users without interactions (default 50,000; 20,000 with --small)")
    data.add_argument("--warm-users", type=int, default=2000, help="users whose lists the hit scenario asks for")
    data.add_argument("--db-name", default="recengine_bench")
    data.add_argument("--redis-db", type=int, default=5)
    load = parser.add_argument_group("load")
    load.add_argument("--workers", type=int, default=5, help="gunicorn WEB_CONCURRENCY")
    load.add_argument("--threads", type=int, default=1, help="GUNICORN_THREADS (more than 1: gthread)")
    load.add_argument("--connections", type=int, default=32)
    load.add_argument("--wrk-threads", type=int, default=2)
    load.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    load.add_argument("--timeout", type=int, default=10, help="wrk --timeout, seconds")
    load.add_argument("--stress-connections", type=int, default=1000)
    load.add_argument("--stress-duration", type=int, default=30)
    load.add_argument("--batch-size", type=int, default=1000)
    load.add_argument("--pause", type=float, default=2.0, help="seconds of rest between scenarios")
    load.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                      help="extra environment of gunicorn only (repeatable), e.g. OPENBLAS_NUM_THREADS=1")
    load.add_argument("--scenarios", default=",".join(SCENARIO_KEYS),
                      help=f"comma-separated subset of {','.join(SCENARIO_KEYS)} (floor always runs)")
    out = parser.add_argument_group("output")
    out.add_argument("--write-docs", action="store_true", help="write docs/benchmarks.md and docs/benchmarks.svg")
    out.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    out.add_argument("--json", type=Path, default=None, help="also write the raw results as JSON here")
    out.add_argument("--profile", type=Path, nargs="?", const=ROOT / "var" / "bench" / "profiles", default=None,
                     help="sample the workers with py-spy during each scenario; collapsed stacks and a top list "
                          "per scenario go to this folder (default var/bench/profiles)")
    out.add_argument("--verbose", action="store_true", help="print each wrk command and its own output")
    args = parser.parse_args(argv)
    size = SMALL_SIZE if args.small else DEFAULT_SIZE
    args.users = args.users or size[0]
    args.items = args.items or size[1]
    args.interactions = args.interactions if args.interactions is not None else size[2]
    if args.import_rows is None:
        args.import_rows = 50_000 if args.small else 200_000
    if args.cold_users is None:
        args.cold_users = 20_000 if args.small else 50_000
    chosen = [k.strip() for k in args.scenarios.split(",") if k.strip()]
    unknown = set(chosen) - set(SCENARIO_KEYS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    args.scenario_keys = [k for k in SCENARIO_KEYS if k in chosen or k == "floor"]
    for item in args.server_env:
        if "=" not in item or not item.split("=", 1)[0]:
            parser.error(f"--server-env wants NAME=VALUE, not {item!r}")
    return args


def _terminate(signum, frame):
    print(f"\nstopping on signal {signum}", file=sys.stderr, flush=True)
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    wrk_path()  # fail before the long set-up when the load tool is missing
    machine = machine_facts()  # the load average before the run
    _raise_nofile()  # inherited by wrk (1,000 connections) and gunicorn
    env, facts = bench_environment(args)
    bench_dir = facts["bench_dir"]
    server = None
    state = None
    try:
        created = database_ensure(env, facts["var_dir"], args.db_name)
        log(f"database {args.db_name}{' created' if created else ''}; migrate, collectstatic")
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input", "--verbosity", "0")  # as `make run` and the image do
        django_setup(env)
        from django.conf import settings
        from django.db import connection

        state = State(bench_dir / f"{args.db_name}.json")
        dataset = dataset_prepare(args, env, state)
        imported = import_measure(args, env, state)
        training = training_prepare(args, env, state, regenerated=not dataset["reused"])
        cold = cold_users_ensure(args.cold_users)
        token = staff_token()
        pools = id_pools(args, bench_dir, cold)
        (pg_version,), = _sql("SHOW server_version")
        connection.close()

        redis = redis_client(facts["redis_url"])
        redis.flushdb()
        redis_version = redis.info("server").get("redis_version", "?")

        server_env = {**env, **dict(item.split("=", 1) for item in args.server_env)}
        server = Gunicorn(server_env, free_port(), bench_dir / "gunicorn.log")
        log(f"starting gunicorn: {args.workers} workers x {args.threads} threads on 127.0.0.1:{server.port}")
        server.start()
        port = server.port
        ids = {name: path.read_text().split() for name, path in pools.items()}
        serving_check(port, token, ids["miss"][-1])  # also loads the model in one worker
        recommendations_warm(port, token, ids["warm"], args.workers * 2)  # every worker loads the model

        common = {"TOKEN": token, "LIMIT": "10"}
        base = {"connections": args.connections, "threads": args.wrk_threads, "duration": args.duration,
                "timeout": args.timeout}
        per = {s.key: s for s in SCENARIOS}
        results: list[Result] = []
        notes: list[str] = []
        floor = None
        for key in [k for k in RUN_ORDER if k in args.scenario_keys]:
            scenario = per[key]
            server_drain(port)  # the previous scenario's requests still queued in gunicorn finish first
            extra = dict(common)
            opts = dict(base)
            events = 1
            if key == "hit":
                extra.update(IDS_FILE=str(pools["warm"]), ORDER="random")
            elif key in ("miss", "cold"):
                dropped = cached_lists_drop(redis, settings.CACHE_KEY_PREFIX)
                log(f"deleted {dropped:,} cached lists")
                extra.update(IDS_FILE=str(pools[key]), ORDER="walk")
            elif key == "similar":
                extra.update(IDS_FILE=str(pools["items"]), ORDER="random")
            elif key == "post":
                extra.update(IDS_FILE=str(pools["users"]), ITEMS_FILE=str(pools["items"]), TYPE="view")
            elif key == "batch":
                extra.update(IDS_FILE=str(pools["users"]), ITEMS_FILE=str(pools["items"]),
                             BATCH_SIZE=str(args.batch_size))
                events = args.batch_size
            elif key == "stress":
                recommendations_warm(port, token, ids["warm"], args.workers * 2)  # cheap: all hits normally
                extra.update(IDS_FILE=str(pools["warm"]), ORDER="random")
                opts.update(connections=args.stress_connections, duration=args.stress_duration)
            time.sleep(args.pause)
            profiler = Profiler(args.profile, server.proc.pid, opts["duration"]) if args.profile else None
            if profiler:
                profiler.start(key)
            result = run_wrk(scenario, port, env=extra, verbose=args.verbose, **opts)
            if profiler:
                profiler.finish()
            result.events_per_request = events
            if key == "floor":
                floor = result
            result.floor = floor
            result.evaluate()
            if result.repeats:
                notes.append(f"{key}: {result.repeats:,} of {result.requests:,} requests asked for a user a "
                             f"second time (the pool ran out), so part of them were cache hits.")
            if key == "hit":
                sample = ids["warm"][:50]
                hits = sum(json.loads(body).get("cached") is True
                           for _, body in get_many(port, token, [f"/recommendations/{i}?limit=10" for i in sample]))
                if hits < len(sample):
                    notes.append(f"hit: only {hits} of {len(sample)} sampled warm users were cached afterwards.")
            results.append(result)
            if server.proc.poll() is not None:
                raise BenchError(f"gunicorn died during {key}; see {server.log_path}")
        server.stop()
        results.sort(key=lambda r: SCENARIO_KEYS.index(r.scenario.key))

        report = {
            "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "revision": git_revision(), "machine": machine,
            "settings": {
                "workers": args.workers, "threads": args.threads, "connections": args.connections,
                "wrk_threads": args.wrk_threads, "duration": args.duration, "timeout": args.timeout,
                "stress_connections": args.stress_connections, "stress_duration": args.stress_duration,
                "db_name": args.db_name, "redis_db": args.redis_db, "warm_users": args.warm_users,
                "server_env": args.server_env,
            },
            "dataset": dataset, "import": imported, "training": training, "cold_users": len(cold),
            "postgres_version": pg_version, "postgres_kind": facts["postgres_kind"],
            "redis_version": redis_version, "redis_kind": facts["redis_kind"], "notes": notes,
        }
        print()
        print(text_table(results))
        print()
        if dataset.get("seconds") is not None:
            print(f"data set: {dataset['interactions_total']:,} interactions"
                  f"{' (reused)' if dataset.get('reused') else ''}; generation {dataset['seconds']:.1f} s, "
                  f"{dataset['interactions_per_s']:,} interactions/s")
        if imported:
            print(f"import: {imported['rows_per_s']:,} rows/s ({imported['created']:,} rows in "
                  f"{imported['command_s']:.2f} s; {imported['wall_s']:.1f} s wall)")
        if training.get("train_wall_s") is not None:
            print(f"training: update_popularity {training['popularity_s']:.1f} s, train --algorithm "
                  f"{training.get('algorithm')} --activate {training['train_wall_s']:.1f} s{' (reused model, earlier figures)' if training.get('reused') else ''}")
        for note in notes:
            print(f"note: {note}")
        if args.json:
            args.json.write_text(json.dumps({**report, "results": [r.as_json() for r in results]}, indent=2,
                                            default=str))
        if args.write_docs:
            args.docs.parent.mkdir(parents=True, exist_ok=True)
            history = previous_history(args.docs)
            args.docs.write_text(markdown_report(report, results, history))
            args.docs.with_suffix(".svg").write_text(svg_chart(results))
            log(f"wrote {args.docs.relative_to(ROOT) if args.docs.is_relative_to(ROOT) else args.docs} "
                f"and {args.docs.with_suffix('.svg').name}")
        return 0
    except BenchError as exc:
        print(f"\nbench failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            server.stop()
        if state is not None:
            try:
                from django.db import connection

                removed = interactions_trim(state)
                if removed:
                    log(f"deleted the {removed:,} interactions this run added")
                connection.close()
            except Exception as exc:  # noqa: BLE001 - never mask the run's own outcome
                print(f"note: could not delete the rows this run added ({exc}); the next run will", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
