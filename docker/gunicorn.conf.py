"""gunicorn settings shared by `make run`, the benchmark and the container image.

Sync workers: the request path is CPU-bound Python with short database and Redis calls, so on a
small machine a few processes beat threads (numbers in docs/benchmarks.md when measured).
"""
import multiprocessing
import os
from pathlib import Path

# One BLAS thread per worker process: a request's model scoring is a few small matrix-vector
# products, and several workers each starting a BLAS thread per core oversubscribe the CPUs
# (OpenBLAS threads spin while they wait). Workers inherit this before they import numpy.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Longest request line (method, path, query) gunicorn accepts; longer gets its own 414 before Django.
# gunicorn's maximum, documented in the API's schema (recengine/api.py REQUEST_LINE_LIMIT).
limit_request_line = 8190
backlog = int(os.environ.get("MAX_CONCURRENT_REQUESTS", "1000")) * 2
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# Each worker opens its own database pool after the fork (Django connects lazily).
preload_app = False

# --- Metrics and logs (docs/observability.md) -----------------------------------------------------
from recengine.observability import dirs as _metrics_dirs  # noqa: E402 - imports neither Django nor prometheus

_metrics_dirs.read_dotenv()  # LOG_FORMAT, RECENGINE_VAR_DIR, ... from .env, as settings.py reads them
# The workers write their metrics to one folder that /metrics adds up (prometheus_client multiprocess
# mode). The variable must be set before any process imports prometheus_client: here, in the master.
_metrics_own_dir = str(_metrics_dirs.default_dir(f"web-{bind}"))
os.environ.setdefault(_metrics_dirs.ENV, _metrics_own_dir)

# The control socket of `gunicornc` (gunicorn 25.1+): in VAR_DIR, one per bind, instead of the
# default ~/.gunicorn/gunicorn.ctl, outside the project and shared by every gunicorn of the user
# (a second server would take the first one's). Off where the path is too long for a Unix socket.
control_socket = str(_metrics_dirs.var_dir() / "gunicorn" / f"{Path(_metrics_own_dir).name}.ctl")
control_socket_disable = len(os.fsencode(control_socket)) > 107


def on_starting(server):
    _metrics_dirs.wipe(os.environ[_metrics_dirs.ENV])  # counters start from zero with the server


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # a dead worker's gauges leave the scrape


def on_exit(server):
    if os.environ[_metrics_dirs.ENV] == _metrics_own_dir:  # the default folder (one per bind): leave nothing
        import shutil

        shutil.rmtree(os.environ[_metrics_dirs.ENV], ignore_errors=True)


# The access line ends with the request id the app returned (X-Request-ID), to find its log lines.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
if os.environ.get("LOG_FORMAT", "plain").strip().lower() == "json":
    # gunicorn's own lines as JSON too; an access line gets method, path, status, duration_ms, request_id ...
    _json_handler = {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_context"]}
    logconfig_dict = {
        "filters": {"request_context": {"()": "recengine.observability.logs.RequestContextFilter"}},
        "formatters": {"json": {"()": "recengine.observability.logs.GunicornJsonFormatter"}},
        "handlers": {
            "json_stdout": {**_json_handler, "stream": "ext://sys.stdout"},
            "json_stderr": {**_json_handler, "stream": "ext://sys.stderr"},
        },
        "root": {"level": "INFO", "handlers": ["json_stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["json_stderr"], "propagate": False,
                               "qualname": "gunicorn.error"},
            "gunicorn.access": {"level": "INFO", "handlers": ["json_stdout"], "propagate": False,
                                "qualname": "gunicorn.access"},
        },
    }
