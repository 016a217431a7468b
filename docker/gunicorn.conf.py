"""gunicorn settings shared by `make run`, the benchmark and the container image.

Sync workers: the request path is CPU-bound Python with short database and Redis calls, so on a
small machine a few processes beat threads (numbers in docs/benchmarks.md when measured).
"""
import multiprocessing
import os

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
backlog = int(os.environ.get("MAX_CONCURRENT_REQUESTS", "1000")) * 2
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# Each worker opens its own database pool after the fork (Django connects lazily).
preload_app = False
