"""Log records with the request id, as plain text or one JSON object per line (LOG_FORMAT).

``RequestContextFilter`` (on the console handler, and on Celery's and gunicorn's handlers) adds
``request_id`` to every record, and ``task_id`` / ``task_name`` to records logged while a Celery
task runs. ``JsonFormatter`` writes ``time``, ``level``, ``logger``, ``message``, ``process``,
``request_id`` and any ``extra`` fields; ``GunicornJsonFormatter`` adds the fields of an access
line. Neither imports Django: gunicorn's master loads them (docker/gunicorn.conf.py).
"""
from __future__ import annotations

import logging

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from recengine.observability.context import request_id_var, task_var

JSON_FIELDS = ("levelname", "name", "message", "process")
JSON_RENAMES = {"levelname": "level", "name": "logger"}
# Django's request loggers attach the HttpRequest itself; its text (method and full path) adds
# nothing the access log lacks, so it is left out like the standard attributes.
JSON_SKIPPED = (*RESERVED_ATTRS, "request", "taskName", "color_message")


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` (None outside a request or task) and, inside a task, ``task_id`` and ``task_name``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        task = task_var.get()
        if task is not None and getattr(record, "task_id", None) is None:
            record.task_id, record.task_name = task
        return True


class PlainFormatter(logging.Formatter):
    """``time LEVEL logger message``, and `` request_id=<id>`` at the end of lines logged in a request."""

    def __init__(self, fmt: str = "%(asctime)s %(levelname)s %(name)s %(message)s", *args, **kwargs):
        super().__init__(fmt, *args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{text} request_id={request_id}" if request_id else text


class JsonFormatter(_JsonFormatter):
    """One JSON object per record: time (ISO 8601, UTC), level, logger, message, process, request_id, extras."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", JSON_RENAMES)
        kwargs.setdefault("reserved_attrs", JSON_SKIPPED)
        kwargs.setdefault("timestamp", "time")
        super().__init__(list(JSON_FIELDS), *args, **kwargs)

    def add_fields(self, log_data, record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data.setdefault("request_id", getattr(record, "request_id", None))


# gunicorn's access atoms worth a field of their own (never the request headers: they hold tokens).
ACCESS_FIELDS = {
    "h": "remote_addr", "m": "method", "U": "path", "q": "query", "s": "status", "B": "bytes",
    "a": "user_agent", "f": "referer",
}


class GunicornJsonFormatter(JsonFormatter):
    """JSON for gunicorn's error and access logs; an access line also gets its fields and duration."""

    def add_fields(self, log_data, record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        atoms = record.args
        if record.name != "gunicorn.access" or not isinstance(atoms, dict):
            return
        for atom, name in ACCESS_FIELDS.items():
            value = atoms.get(atom)
            if value not in (None, "-"):
                log_data[name] = value
        try:
            log_data["duration_ms"] = round(int(atoms["D"]) / 1000, 3)  # D: microseconds
        except (KeyError, TypeError, ValueError):
            pass
        request_id = atoms.get("{x-request-id}o")
        if request_id not in (None, "-"):
            log_data["request_id"] = request_id
