"""The container files (docker/), tested as far as a machine without a Docker engine allows.

- docker/compose.yml: rendered by the real Docker Compose v2 (`docker compose config`, which needs
  no engine; `make compose` puts the binary at .venv/bin/docker-compose), then its shape checked.
- docker/*.sh pass shellcheck and docker/Dockerfile passes hadolint (both from requirements/dev.txt);
  the Dockerfile's stages, user, health check and entrypoint; what .dockerignore lets into the build.
- docker/env.example: settings load from it, and every name in it is one the project reads.
- Each entrypoint command line, outside a container, against the suite's PostgreSQL and Redis
  (recengine.testing.worker.worker_environment): migrate and setup on an empty database, web until
  /healthz answers and the image's health check passes, worker until it answers a Celery ping, beat
  until it has sent a task from the database schedule; each stopped with SIGTERM, cleanly.

A missing compose binary, shellcheck or hadolint skips the tests that need it, with the reason, except
under CI (the CI variable set), where they fail.

Not covered here, for want of an engine: `docker build`, and compose actually starting the stack
(ordering, health checks, the shared models volume in use).
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from recengine.testing.servers import free_port
from recengine.testing.worker import log_tail, worker_environment, worker_stop

ROOT = Path(settings.BASE_DIR)
DOCKER = ROOT / "docker"
ENTRYPOINT = DOCKER / "entrypoint.sh"
DOCKERFILE = DOCKER / "Dockerfile"
COMPOSE_FILE = DOCKER / "compose.yml"
ENV_EXAMPLE = DOCKER / "env.example"
VENV_BIN = Path(sys.executable).parent

APP_SERVICES = {"migrate", "setup_periodic_tasks", "web", "worker", "beat"}
SERVICES = APP_SERVICES | {"postgres", "redis"}
START_TIMEOUT_S = 90
STOP_TIMEOUT_S = 30


def healthcheck_module():
    spec = importlib.util.spec_from_file_location("docker_healthcheck", DOCKER / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- tools --------------------------------------------------------------------------------------
def require_tool(name: str, how: str) -> str:
    """The tool's path (the venv's first, then PATH); a skip with the reason locally, a failure under CI."""
    path = VENV_BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if found:
        return found
    missing = f"{name} is not installed ({how})"
    if os.environ.get("CI"):
        pytest.fail(f"the container tests must run in CI, but {missing}")
    pytest.skip(missing)


def test_a_missing_tool_skips_locally_and_fails_under_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-linter is not installed"):
        require_tool("no-such-linter", "nowhere")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="the container tests must run in CI"):
        require_tool("no-such-linter", "nowhere")


@pytest.fixture(scope="module")
def compose(tmp_path_factory):
    """compose(*args) -> CompletedProcess: `docker compose ARGS` through the docker CLI with the
    compose binary as its plugin (a private DOCKER_CONFIG), or the binary itself without a docker CLI."""
    binary = require_tool("docker-compose", "make compose")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path_factory.mktemp("home"))}
    command = [binary]
    docker = shutil.which("docker")
    if docker:
        config = tmp_path_factory.mktemp("docker-config")
        (config / "cli-plugins").mkdir()
        (config / "cli-plugins" / "docker-compose").symlink_to(binary)
        env["DOCKER_CONFIG"] = str(config)
        command = [docker, "compose"]
    version = subprocess.run([*command, "version"], env=env, capture_output=True, text=True)
    assert version.returncode == 0 and "version v2." in version.stdout, version.stdout + version.stderr

    def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
        return subprocess.run([*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)

    return run


@pytest.fixture(scope="module")
def rendered(compose) -> dict:
    """docker/compose.yml as Compose resolves it (anchors merged, env files read, paths absolute)."""
    result = compose("-f", "docker/compose.yml", "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- docker/compose.yml -----------------------------------------------------------------------
def test_docker_compose_config_validates(compose):
    result = compose("-f", "docker/compose.yml", "config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_compose_rejects_a_broken_file(compose, tmp_path):
    """The validator can fail: an unknown key and an unknown depends_on condition are errors."""
    broken = COMPOSE_FILE.read_text().replace("    healthcheck:\n      test: [\"CMD\", \"redis-cli\"",
                                              "    healtcheck:\n      test: [\"CMD\", \"redis-cli\"")
    assert broken != COMPOSE_FILE.read_text()
    (tmp_path / "env.example").write_text(ENV_EXAMPLE.read_text())
    (tmp_path / "compose.yml").write_text(broken)
    result = compose("-f", str(tmp_path / "compose.yml"), "config", "--quiet", cwd=tmp_path)
    assert result.returncode != 0 and "healtcheck" in result.stderr, result.stderr

    (tmp_path / "compose.yml").write_text(
        COMPOSE_FILE.read_text().replace("condition: service_completed_successfully", "condition: whenever", 1))
    result = compose("-f", str(tmp_path / "compose.yml"), "config", "--quiet", cwd=tmp_path)
    assert result.returncode != 0 and "condition value must be one of" in result.stderr, result.stderr


def entrypoint_subcommands() -> set[str]:
    return set(re.findall(r"^  ([a-z]+)\)$", ENTRYPOINT.read_text(), re.MULTILINE))


def test_compose_has_the_seven_services_on_one_image(rendered):
    services = rendered["services"]
    assert set(services) == SERVICES
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    # Every recengine process: one image, one build of docker/Dockerfile from the project folder.
    images = {services[name]["image"] for name in APP_SERVICES}
    builds = {json.dumps(services[name]["build"], sort_keys=True) for name in APP_SERVICES}
    assert len(images) == 1 and len(builds) == 1
    build = services["web"]["build"]
    assert Path(build["context"]) == ROOT and build["dockerfile"] == "docker/Dockerfile"
    commands = {name: services[name]["command"] for name in APP_SERVICES}
    assert commands == {"migrate": ["migrate"], "setup_periodic_tasks": ["setup"], "web": ["web"],
                        "worker": ["worker"], "beat": ["beat"]}
    assert {command[0] for command in commands.values()} <= entrypoint_subcommands()


def test_compose_jobs_run_once_in_order_and_servers_wait_for_them(rendered):
    services = rendered["services"]

    def after(name: str) -> dict:
        return {dep: spec["condition"] for dep, spec in services[name]["depends_on"].items()}

    for job in ("migrate", "setup_periodic_tasks"):
        assert services[job]["restart"] == "no" and services[job]["healthcheck"] == {"disable": True}
    assert after("migrate") == {"postgres": "service_healthy"}
    assert after("setup_periodic_tasks") == {"migrate": "service_completed_successfully"}
    for server in ("web", "worker"):
        assert after(server) == {"migrate": "service_completed_successfully", "redis": "service_healthy"}
        assert services[server]["restart"] == "unless-stopped"
    assert after("beat") == {"setup_periodic_tasks": "service_completed_successfully", "redis": "service_healthy"}


def test_compose_health_checks_ports_and_volumes(rendered):
    services = rendered["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "/app/docker/healthcheck.py", "web"]
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "python", "/app/docker/healthcheck.py", "worker"]
    assert services["beat"]["healthcheck"] == {"disable": True}
    assert [port["target"] for port in services["web"]["ports"]] == [8000]
    assert {v["target"]: v["source"] for v in services["postgres"]["volumes"]} == {"/var/lib/postgresql/data": "pgdata"}
    # Model artifacts: the worker writes them under MODEL_PATH, web reads them: one named volume.
    mounts = {}
    for name in ("web", "worker"):
        model_dir = str(Path(services[name]["environment"]["MODEL_PATH"]).parent)
        volume = [v for v in services[name]["volumes"] if v["target"] == model_dir]
        assert len(volume) == 1 and volume[0]["type"] == "volume", (name, services[name].get("volumes"))
        mounts[name] = volume[0]["source"]
    assert mounts["web"] == mounts["worker"] == "models"
    assert "models" in rendered["volumes"] and "pgdata" in rendered["volumes"]


def test_compose_services_get_the_env_file(rendered):
    example = env_example()
    local = DOCKER / ".env"  # a developer's overrides win over the example
    overridden = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", local.read_text(), re.MULTILINE)) if local.exists() else set()
    example = {key: value for key, value in example.items() if key not in overridden}
    for name in APP_SERVICES:
        environment = rendered["services"][name]["environment"]
        assert {key: environment.get(key) for key in example} == example, name
    assert "@postgres:5432/" in env_example()["DATABASE_URL"] and env_example()["REDIS_URL"].startswith("redis://redis:")
    postgres = rendered["services"]["postgres"]["environment"]
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= set(postgres)


# --- docker/env.example -----------------------------------------------------------------------
def env_example(*, commented: bool = False) -> dict[str, str]:
    """NAME=value lines of docker/env.example (with commented: also the `# NAME=value` suggestions)."""
    pattern = r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$" if commented else r"^([A-Z][A-Z0-9_]*)=(.*)$"
    return dict(re.findall(pattern, ENV_EXAMPLE.read_text(), re.MULTILINE))


def names_the_project_reads() -> set[str]:
    read = set()
    settings_source = (ROOT / "recengine" / "settings.py").read_text()
    read |= set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", settings_source))
    read |= set(re.findall(r"environ\.get\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", (DOCKER / "gunicorn.conf.py").read_text()))
    read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", ENTRYPOINT.read_text()))
    return read | {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}  # the postgres image's


def test_env_example_names_are_all_read_and_secrets_are_placeholders():
    example = env_example(commented=True)
    assert set(example) - names_the_project_reads() == set()  # no typo'd, dead setting
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "MODEL_PATH"} <= set(example)
    assert example["DJANGO_SECRET_KEY"].startswith("replace-me")
    assert example["POSTGRES_PASSWORD"].startswith("replace-me")
    assert f":{example['POSTGRES_PASSWORD']}@" in example["DATABASE_URL"]
    assert f"{example['POSTGRES_USER']}:" in example["DATABASE_URL"]
    assert example["DATABASE_URL"].endswith("/" + example["POSTGRES_DB"])


def test_settings_load_from_env_example():
    """The stack's settings as the containers see them (no .env, no pytest): they load and check."""
    env = {"PATH": f"{VENV_BIN}{os.pathsep}/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
           "RECENGINE_READ_DOTENV": "false", "DJANGO_SETTINGS_MODULE": "recengine.settings", **env_example()}
    show = ("import json, django; django.setup(); from django.conf import settings as s; "
            "from django.core.management import call_command; call_command('check'); "
            "print(json.dumps({'host': s.DATABASES['default']['HOST'], 'redis': s.REDIS_URL, "
            "'model': str(s.MODEL_PATH), 'queue': s.CELERY_TRAINING_QUEUE, 'debug': s.DEBUG, "
            "'pool': 'pool' in s.DATABASES['default']['OPTIONS']}))")
    result = subprocess.run([sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "host": "postgres", "redis": "redis://redis:6379/0", "model": "/data/models/recommender.joblib",
        "queue": "training", "debug": False, "pool": True}


# --- shell scripts and the Dockerfile ---------------------------------------------------------
def test_every_docker_script_passes_shellcheck(tmp_path):
    shellcheck = require_tool("shellcheck", "pip install -r requirements/dev.txt")
    scripts = sorted(DOCKER.glob("*.sh"))
    assert {"entrypoint.sh", "run-all.sh", "debian-package.sh", "install-compose.sh"} <= {s.name for s in scripts}
    result = subprocess.run([shellcheck, *map(str, scripts)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # ... and shellcheck does find faults.
    (tmp_path / "bad.sh").write_text("#!/usr/bin/env bash\nrm -rf $1/*\n")
    assert subprocess.run([shellcheck, str(tmp_path / "bad.sh")], capture_output=True).returncode != 0
    for script in scripts:
        assert os.access(script, os.X_OK), f"{script.name} is not executable"


def test_dockerfile_passes_hadolint():
    hadolint = require_tool("hadolint", "pip install -r requirements/dev.txt")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n(\s*#.*\n)*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def test_dockerfile_is_multi_stage_non_root_with_health_check_and_entrypoint():
    instructions = dockerfile_instructions()
    stages = [args.split() for name, args in instructions if name == "FROM"]
    assert [stage[-1] for stage in stages] == ["builder", "runtime"] and all(s[1].upper() == "AS" for s in stages)
    default_image = next(args for name, args in instructions if name == "ARG" and args.startswith("PYTHON_IMAGE="))
    assert default_image.split("=", 1)[1].startswith("python:3.11-slim")
    runtime = instructions[[i for i, (name, _) in enumerate(instructions) if name == "FROM"][-1]:]
    runtime_args = {name: [args for n, args in runtime if n == name] for name, _ in runtime}
    # Only the venv comes from the builder, and no compiler comes with it.
    assert runtime_args["COPY"][0] == "--from=builder /opt/venv /opt/venv"
    assert not any("build-essential" in args for args in runtime_args["RUN"])
    assert any("build-essential" in args for name, args in instructions[:len(instructions) - len(runtime)]
               if name == "RUN")
    user = runtime_args["USER"][-1].split(":")[0]
    assert user not in {"root", "0"}
    env = " ".join(runtime_args["ENV"])
    for setting in ("PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "GUNICORN_BIND=0.0.0.0:8000",
                    "MODEL_PATH=/data/models/"):
        assert setting in env
    assert any("collectstatic" in args for args in runtime_args["RUN"])
    assert runtime_args["EXPOSE"] == ["8000"]
    assert json.loads(runtime_args["HEALTHCHECK"][0].split("CMD", 1)[1]) == ["python", "/app/docker/healthcheck.py"]
    assert json.loads(runtime_args["ENTRYPOINT"][0]) == ["/app/docker/entrypoint.sh"]
    assert json.loads(runtime_args["CMD"][0]) == ["web"]


def dockerignore_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as Docker reads it: from the context's root, `*` and `?` within one
    path segment, `**` across any number of them."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def dockerignored(relative: str, patterns: list[str]) -> bool:
    """Whether the build context leaves the path out: the last pattern matching it or a parent folder
    decides (a `!pattern` brings it back)."""
    parts = relative.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = dockerignore_regex(pattern.removeprefix("!").strip("/"))
        if any(regex.match(candidate) for candidate in candidates):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_what_the_image_needs_and_nothing_private():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    needed = ["manage.py", "requirements/prod.txt", "requirements/base.txt", "docker/entrypoint.sh",
              "docker/healthcheck.py", "docker/gunicorn.conf.py", "recengine/settings.py", "recengine/wsgi.py",
              "recengine/static/storefront/storefront.js", "templates/storefront/index.html",
              "recengine/public/favicon.ico",
              "recommendations/api/urls.py", "catalog/models.py", "accounts/models.py"]
    assert [path for path in needed if dockerignored(path, patterns)] == []
    private = [".venv/bin/python", "var/pgdata/PG_VERSION", ".git/HEAD", "staticfiles/admin/css/base.css",
               ".env", "docker/.env", "models/recommender.joblib", "recengine/__pycache__/settings.cpython-311.pyc",
               "test-artifacts/screenshots/a.png", "datasets/ml-latest-small/ratings.csv"]
    assert [path for path in private if not dockerignored(path, patterns)] == []


# Run with the collectstatic step's settings: whitenoise (DEBUG off, the manifest) answers each asset
# of /docs and /redoc and /favicon.ico, with no PostgreSQL or Redis either.
SERVE_COLLECTED = """
import json, re, django
django.setup()
from django.test import Client
client, answers = Client(), {}
for page in ("/docs", "/redoc"):
    html = client.get(page).content.decode()
    for url in [*re.findall(r'(?:src|href)="(/static/[^"]+)"', html), "/favicon.ico"]:
        response = client.get(url)
        answers[url] = [response.status_code, response["Content-Type"], response.get("Cache-Control", "")]
print(json.dumps(answers))
"""


def test_the_dockerfile_collectstatic_step_works_without_a_database_or_redis(tmp_path):
    """The build's collectstatic line, run as written (its variables; production storage with the
    manifest), into a throwaway STATIC_ROOT: no settings import may need PostgreSQL or Redis. Then
    whitenoise serves the API docs' Swagger UI and ReDoc files and /favicon.ico from it."""
    run = next(args for name, args in dockerfile_instructions() if name == "RUN" and "collectstatic" in args)
    words = shlex.split(run.split("&&")[0])
    assignments = dict(word.split("=", 1) for word in words if re.match(r"^[A-Z_]+=", word))
    command = [word for word in words if not re.match(r"^[A-Z_]+=", word)]
    assert command[:2] == ["python", "manage.py"] and "collectstatic" in command
    (tmp_path / "static_root_settings.py").write_text(
        "import os\nfrom pathlib import Path\nfrom recengine.settings import *  # noqa: F403\n"
        "STATIC_ROOT = Path(os.environ['TEST_STATIC_ROOT'])\n")
    env = {"PATH": f"{VENV_BIN}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path), "RECENGINE_READ_DOTENV": "false",
           "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "DJANGO_SETTINGS_MODULE": "static_root_settings",
           "TEST_STATIC_ROOT": str(tmp_path / "static"), **assignments}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    assert {"storefront/storefront.js", "admin/css/base.css", "favicon.svg",
            "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
            "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"} <= set(manifest)
    assert (tmp_path / "static" / manifest["storefront/storefront.js"]).exists()

    served = subprocess.run([sys.executable, "-c", SERVE_COLLECTED], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert served.returncode == 0, served.stdout + served.stderr
    answers = json.loads(served.stdout.strip().splitlines()[-1])
    bundles = [manifest[name] for name in ("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
                                           "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")]
    assert {f"/static/{name}" for name in bundles} <= set(answers)  # the pages name the hashed files
    assert {url: status for url, (status, _, _) in answers.items() if status != 200} == {}
    assert all("immutable" in answers[f"/static/{name}"][2] for name in bundles)  # whitenoise's headers
    assert answers["/favicon.ico"][1] in ("image/x-icon", "image/vnd.microsoft.icon")


# --- the entrypoint, outside a container --------------------------------------------------------
def entrypoint_env(**extra: str) -> dict[str, str]:
    """worker_environment() (the suite's database and Redis), the venv's programs first on PATH."""
    env = worker_environment()
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update({"DB_WAIT_SECONDS": "30", "LOG_LEVEL": "INFO", **extra})
    return env


# Started from another folder: the entrypoint must find the project by itself.
def run_entrypoint(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(ENTRYPOINT), *args], cwd="/", env=env, capture_output=True, text=True,
                          timeout=timeout)


def start_entrypoint(*args: str, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with open(log_path, "wb") as log:
        return subprocess.Popen([str(ENTRYPOINT), *args], cwd="/", env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)


def wait_until(check, process: subprocess.Popen, log_path: Path, what: str, timeout: float = START_TIMEOUT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what}: the process exited with {process.returncode}:\n{log_tail(log_path)}")
        result = check()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"{what}: not within {timeout:.0f}s:\n{log_tail(log_path)}")


def assert_execed(process: subprocess.Popen, program: str, role: str) -> None:
    """The entrypoint exec'd the program: the process we started *is* it (not a shell waiting for
    it), so the container's signals reach it. In a container it is process 1, from whose command
    line the image's HEALTHCHECK (docker/healthcheck.py without arguments) picks its check."""
    executable = Path(os.readlink(f"/proc/{process.pid}/exe")).name
    argv = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode().split("\0")
    cmdline = " ".join(argv)
    assert executable.startswith("python") and program in cmdline, (executable, cmdline)
    assert "entrypoint.sh" not in cmdline, cmdline
    assert healthcheck_module().role_of(argv) == role, cmdline


def test_the_image_health_check_picks_its_check_from_process_1():
    role_of = healthcheck_module().role_of
    assert role_of(["gunicorn: master [recengine.wsgi:application]"]) == "web"  # retitled by setproctitle
    assert role_of(["[celeryd: celery@a1b2c3:MainProcess] -active- (worker --concurrency=2)"]) == "worker"
    assert role_of(["/opt/venv/bin/python", "/opt/venv/bin/celery", "-A", "recengine", "beat"]) == "other"
    assert role_of(["python", "manage.py", "migrate", "--no-input"]) == "other"


def stop_cleanly(process: subprocess.Popen, log_path: Path) -> None:
    """SIGTERM, as `docker stop` sends it: the process and every child exit, with status 0."""
    process.send_signal(signal.SIGTERM)
    try:
        status = process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {STOP_TIMEOUT_S}s after SIGTERM:\n{log_tail(log_path)}")
    assert status == 0, log_tail(log_path)
    assert_group_gone(process, log_path)


def assert_group_gone(process: subprocess.Popen, log_path: Path) -> None:
    """No process of the started one's group (its children, gunicorn's or Celery's pool) is left."""
    deadline = time.monotonic() + 10
    while True:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"processes left running after the main one exited:\n{log_tail(log_path)}")
        time.sleep(0.1)


def beat_files() -> set[str]:
    return {path.name for path in ROOT.glob("celerybeat*")}


def test_entrypoint_usage_and_the_placeholder_secret_is_refused(db):
    result = run_entrypoint(env=entrypoint_env(), timeout=30)
    assert result.returncode == 2 and "usage:" in result.stderr
    placeholder = env_example()["DJANGO_SECRET_KEY"]
    for command in ("web", "worker", "beat", "migrate", "setup"):
        result = run_entrypoint(command, env=entrypoint_env(DJANGO_SECRET_KEY=placeholder), timeout=30)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "DJANGO_SECRET_KEY is still the placeholder" in result.stderr


def test_entrypoint_runs_any_other_command_as_given(db):
    result = run_entrypoint("python", "-c", "import os; print(os.getcwd())", env=entrypoint_env(), timeout=30)
    assert result.returncode == 0 and Path(result.stdout.strip()) == ROOT, result.stderr
    result = run_entrypoint("manage.py", "migrate", "--check", env=entrypoint_env(), timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_entrypoint_waits_for_the_database_then_gives_up(db):
    dead = free_port()
    env = entrypoint_env(DATABASE_URL=f"postgres://postgres@127.0.0.1:{dead}/recengine", DB_WAIT_SECONDS="3")
    started = time.monotonic()
    result = run_entrypoint("migrate", env=env, timeout=120)
    assert result.returncode != 0
    assert "waiting for PostgreSQL" in result.stderr
    assert "PostgreSQL did not accept a connection within 3s" in result.stderr
    assert time.monotonic() - started >= 3


@pytest.fixture
def empty_database(db):
    """A database of its own next to the test database, with nothing in it; dropped afterwards."""
    params = connection.settings_dict
    name = f"{params['NAME']}_entrypoint"
    conninfo = {"host": params["HOST"] or None, "port": params["PORT"] or None, "user": params["USER"] or None,
                "password": params["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**conninfo) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name, {**conninfo, "dbname": name}
    finally:
        with psycopg.connect(**conninfo) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_entrypoint_migrate_and_setup_on_an_empty_database_and_again(empty_database):
    from recommendations.schedules import entries

    name, conninfo = empty_database
    env = entrypoint_env(RECENGINE_DB_NAME=name)

    migrate = run_entrypoint("migrate", env=env)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert "Applying recommendations.0001_initial... OK" in migrate.stdout

    setup = run_entrypoint("setup", env=env)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    with psycopg.connect(**conninfo) as db_connection:
        rows = dict(db_connection.execute("SELECT name, task FROM django_celery_beat_periodictask WHERE enabled"))
    assert {entry.name: entry.task for entry in entries()}.items() <= rows.items()
    assert [line.split()[0] for line in setup.stdout.splitlines()] == ["created"] * len(entries())

    # Both are one-shot jobs that run on every `docker compose up`: the second run changes nothing.
    again = run_entrypoint("migrate", env=env)
    assert again.returncode == 0 and "No migrations to apply." in again.stdout, again.stdout + again.stderr
    again = run_entrypoint("setup", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert [line.split()[0] for line in again.stdout.splitlines()] == ["unchanged"] * len(entries())


@pytest.mark.slow
def test_entrypoint_web_serves_healthz_passes_the_image_health_check_and_stops_on_sigterm(db, tmp_path):
    port = free_port()
    # As in production: ALLOWED_HOSTS names only the public host, so a probe must send that Host.
    env = entrypoint_env(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", GUNICORN_ACCESS_LOG="",
                         ALLOWED_HOSTS="recs.example.com")
    log_path = tmp_path / "web.log"

    def get(path: str, host: str = "recs.example.com") -> tuple[int, dict]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, {}
        except OSError:
            return 0, {}

    process = start_entrypoint("web", env=env, log_path=log_path)
    try:
        assert wait_until(lambda: get("/healthz")[0] == 200, process, log_path, "web answering /healthz")
        assert_execed(process, "gunicorn", "web")
        assert get("/healthz") == (200, {"status": "ok"})
        assert get("/readyz") == (200, {"status": "ready", "checks": {"database": True, "redis": True}})
        assert get("/healthz", host="127.0.0.1")[0] == 400  # why the health check picks its Host

        healthcheck = [sys.executable, str(DOCKER / "healthcheck.py"), "web"]
        passed = subprocess.run(healthcheck, env=env, capture_output=True, text=True, timeout=30)
        assert passed.returncode == 0, passed.stderr
        elsewhere = subprocess.run(healthcheck, env={**env, "GUNICORN_BIND": f"0.0.0.0:{free_port()}"},
                                   capture_output=True, text=True, timeout=30)
        assert elsewhere.returncode == 1 and "/healthz failed" in elsewhere.stderr

        stop_cleanly(process, log_path)
        assert "Shutting down: Master" in log_path.read_text()
    finally:
        worker_stop(process, kill=True)


@pytest.mark.slow
def test_entrypoint_worker_answers_a_ping_on_both_queues_and_stops_on_sigterm(db, tmp_path):
    from recengine.celery import app

    name = f"test-docker-{uuid.uuid4().hex[:8]}@localhost"
    log_path = tmp_path / "worker.log"
    env = entrypoint_env(CELERY_CONCURRENCY="1")
    process = start_entrypoint("worker", f"--hostname={name}", "--without-gossip", "--without-mingle",
                               "--without-heartbeat", env=env, log_path=log_path)
    try:
        wait_until(lambda: app.control.ping(destination=[name], timeout=0.5), process, log_path, "worker ping")
        assert_execed(process, "celery", "worker")
        queues = app.control.inspect([name], timeout=5).active_queues()[name]
        assert {queue["name"] for queue in queues} == {"celery", settings.CELERY_TRAINING_QUEUE}
        stats = app.control.inspect([name], timeout=5).stats()[name]
        assert stats["pool"]["max-concurrency"] == 1  # CELERY_CONCURRENCY

        healthcheck = [sys.executable, str(DOCKER / "healthcheck.py"), "worker"]
        passed = subprocess.run([*healthcheck, name], env=env, capture_output=True, text=True, timeout=60)
        assert passed.returncode == 0, passed.stderr
        nobody = subprocess.run([*healthcheck, "nobody@nowhere"], env=env, capture_output=True, text=True, timeout=60)
        assert nobody.returncode == 1 and "did not answer" in nobody.stderr

        stop_cleanly(process, log_path)
        assert "Warm shutdown" in log_path.read_text()
    finally:
        worker_stop(process, kill=True)


@pytest.mark.slow
def test_entrypoint_beat_sends_from_the_database_schedule_and_stops_on_sigterm(transactional_db, tmp_path):
    import redis
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="docker-test-probe", task="recengine.tests.docker_probe", interval=every_second)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")
    before = beat_files()

    def probe_sent() -> bool:
        return any(json.loads(message)["headers"]["task"] == "recengine.tests.docker_probe"
                   for message in broker.lrange("celery", 0, -1))

    log_path = tmp_path / "beat.log"
    process = start_entrypoint("beat", "--max-interval=1", env=entrypoint_env(), log_path=log_path)
    try:
        wait_until(probe_sent, process, log_path, "beat sending the probe task")
        assert_execed(process, "celery", "other")
        assert "django_celery_beat.schedulers.DatabaseScheduler" in log_path.read_text()
        stop_cleanly(process, log_path)
    finally:
        worker_stop(process, kill=True)
        broker.delete("celery")
    assert beat_files() == before  # no schedule or pid file: the image's /app is read-only to it


@pytest.mark.slow
def test_make_run_starts_the_three_processes_through_the_entrypoint_and_ctrl_c_stops_them(db, tmp_path):
    """docker/run-all.sh (the end of `make run`): web, worker and beat as the image starts them."""
    port = free_port()
    env = entrypoint_env(PY=sys.executable, PORT=str(port), WEB_CONCURRENCY="1", CELERY_CONCURRENCY="1",
                         GUNICORN_ACCESS_LOG="")
    for as_make_run_leaves_them in ("GUNICORN_BIND", "DB_WAIT_SECONDS"):
        env.pop(as_make_run_leaves_them, None)
    log_path = tmp_path / "run-all.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(DOCKER / "run-all.sh")], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)

    def healthz() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_until(healthz, process, log_path, "run-all.sh's web answering /healthz")
        wait_until(lambda: re.search(r"celery@\S+ ready\.", log_path.read_text()), process, log_path, "its worker")
        wait_until(lambda: "beat: Starting..." in log_path.read_text(), process, log_path, "its beat")
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"run-all.sh still running {STOP_TIMEOUT_S}s after Ctrl-C:\n{log_tail(log_path)}")
        assert_group_gone(process, log_path)
        text = log_path.read_text()
        assert "Warm shutdown" in text and "Shutting down: Master" in text, log_tail(log_path)
    finally:
        worker_stop(process, kill=True)
