"""Model artifacts: joblib payload behind a signed header, written atomically.

File layout: one ASCII header line ``RECENGINE-ARTIFACT <format_version> <hmac-sha256 hex>\\n``
followed by the joblib bytes. The HMAC (key from the caller, e.g. derived from the Django secret)
covers the payload and is checked BEFORE unpickling: unpickling an attacker's file runs their code.

``load_artifact`` never raises for a bad file: missing, truncated, tampered, foreign or
incompatible artifacts all return None with a warning, and the caller falls back to popularity.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MAGIC = b"RECENGINE-ARTIFACT"
_HEADER_LEN = len(MAGIC) + 1 + 8 + 1 + 64 + 1  # magic, space, 8-digit version, space, hex digest, \n
_CHUNK = 1 << 20


@dataclass
class Artifact:
    """What a loaded file holds. ``item_ids`` maps the model's item index -> the caller's item id."""

    model: object
    item_ids: np.ndarray | None = None
    params: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    created_at: float = 0.0


def _key(key) -> bytes:
    if not key:
        raise ValueError("an HMAC key is required to save or load artifacts")
    return key.encode() if isinstance(key, str) else bytes(key)


def _header(version: int, digest: str) -> bytes:
    header = MAGIC + b" " + f"{version:08d}".encode() + b" " + digest.encode() + b"\n"
    assert len(header) == _HEADER_LEN
    return header


def _payload_hmac(handle, key: bytes) -> str:
    """HMAC-SHA256 of everything after the header, read in chunks (artifacts can be gigabytes)."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    handle.seek(_HEADER_LEN)
    while chunk := handle.read(_CHUNK):
        mac.update(chunk)
    return mac.hexdigest()


def save_artifact(path, model, *, key, item_ids=None, params=None, metrics=None,
                  version: int = FORMAT_VERSION) -> Path:
    """Write ``path`` atomically: temp file in the same folder, fsync, then os.replace.

    Readers therefore see either the old complete file or the new complete file, never half of one.
    """
    import joblib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format_version": version, "model": model, "created_at": time.time(),
        "item_ids": None if item_ids is None else np.asarray(item_ids),
        "params": dict(params or {}), "metrics": dict(metrics or {}),
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w+b") as handle:
            handle.write(b"\0" * _HEADER_LEN)  # placeholder, the digest is known only at the end
            joblib.dump(payload, handle, compress=0)
            handle.flush()
            digest = _payload_hmac(handle, _key(key))
            handle.seek(0)
            handle.write(_header(version, digest))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_artifact(path, *, key, expected_version: int = FORMAT_VERSION) -> Artifact | None:
    """The artifact at ``path``, or None (with a warning) if it is unusable for any reason."""
    import joblib

    path = Path(path)
    try:
        with open(path, "rb") as handle:
            reason = _check_header(handle, _key(key), expected_version)
            if reason:
                log.warning("model artifact %s ignored: %s", path, reason)
                return None
            handle.seek(_HEADER_LEN)
            payload = joblib.load(handle)
    except FileNotFoundError:
        log.warning("model artifact %s is missing", path)
        return None
    except Exception as exc:  # noqa: BLE001 - a bad artifact must never take the caller down
        log.warning("model artifact %s could not be read: %s: %s", path, type(exc).__name__, exc)
        return None
    if not isinstance(payload, dict) or payload.get("format_version") != expected_version:
        log.warning("model artifact %s has an unexpected payload", path)
        return None
    return Artifact(
        model=payload["model"], item_ids=payload.get("item_ids"), params=payload.get("params", {}),
        metrics=payload.get("metrics", {}), format_version=payload["format_version"],
        created_at=payload.get("created_at", 0.0),
    )


def _check_header(handle, key: bytes, expected_version: int) -> str | None:
    """Why the file must not be unpickled, or None if its header and HMAC are good."""
    header = handle.read(_HEADER_LEN)
    parts = header.rstrip(b"\n").split(b" ")
    if len(header) != _HEADER_LEN or len(parts) != 3 or parts[0] != MAGIC:
        return "not a recengine artifact (bad header)"
    try:
        version = int(parts[1])
    except ValueError:
        return "bad version field"
    if version != expected_version:
        return f"format version {version}, this code reads {expected_version}"
    if not hmac.compare_digest(parts[2].decode("ascii", "replace"), _payload_hmac(handle, key)):
        return "HMAC mismatch (corrupt, tampered with, or signed with another key)"
    return None
