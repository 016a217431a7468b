"""Observability: Prometheus metrics, request ids and structured logs (docs/observability.md).

``context`` and ``logs`` import neither Django nor prometheus_client (gunicorn's master loads
``logs`` for its JSON log lines); ``metrics`` imports prometheus_client, which must not happen
before PROMETHEUS_MULTIPROC_DIR is settled (``dirs``).
"""
