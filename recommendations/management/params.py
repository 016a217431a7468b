"""Option parsing shared by the training commands."""
from __future__ import annotations

import json

from django.core.management.base import CommandError


def params_from_json(text: str | None) -> dict | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"--params is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise CommandError(f"--params must be a JSON object such as '{{\"lambda_\": 200}}', not {text!r}")
    return value
