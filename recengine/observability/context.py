"""The request id (and, in a Celery task, the task's id and name) of the work in progress.

Kept in context variables: set by RequestIdMiddleware for a request, by the task_prerun signal for
a task (recengine/observability/celery.py), read by the log filter (recengine/observability/logs.py)
and by before_task_publish, which puts the request id in the headers of every task a request queues.
"""
from __future__ import annotations

import os
import re
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("recengine_request_id", default=None)
# (task id, task name) while a Celery task body runs.
task_var: ContextVar[tuple[str, str] | None] = ContextVar("recengine_task", default=None)

# An X-Request-ID from a client or a proxy is kept when it is short and made of these characters
# (uuids, hex, "req-42", trace ids); anything else is replaced by a fresh id, so log lines and
# headers never carry what a caller smuggles in.
REQUEST_ID_MAX_LENGTH = 128
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")
# The Celery message header that carries the request id to the worker.
TASK_HEADER = "recengine_request_id"


def sane_request_id(value: str | None) -> str | None:
    """``value`` when it is acceptable as a request id, else None."""
    if value and len(value) <= REQUEST_ID_MAX_LENGTH and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    """A random UUID4 as 32 hex digits, what ``uuid.uuid4().hex`` gives, in a sixth of its time."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return raw.hex()


def current_request_id() -> str | None:
    return request_id_var.get()
