"""Model artifacts: a signed header, a small pickle and memory-mappable array bytes, written atomically.

What an artifact holds is one :class:`Artifact`: the fitted model, the item ids its indexes stand
for, the weight transform its interaction values went through, the content index for items it
cannot score, and its algorithm, parameters and metrics. Training builds one and saves it; serving
loads it; nothing is attached to the model object after the fact.

Format version 3 (written): the layout of version 2; the payload has a field for each part.
Format version 2 (still read): the same layout, written before the weight transform and the content
index had fields of their own: they were attributes of the model object, and loading moves them
into the Artifact (with an info line saying so).

Layout of versions 2 and 3::

    RECENGINE-ARTIFACT <8-digit version> <hmac-sha256 hex>\\n     header, 93 bytes
    <8-byte little-endian length L>
    <L bytes: pickle (protocol 5) of the payload dict>
    <zero padding to a 64-byte file offset>                      the data section starts here
    <raw bytes of each large array, each block 64-byte aligned>

Every large numpy array of the payload (``nbytes >= ARRAY_MIN_BYTES``, plain non-object dtype; at
any depth: model attributes, the arrays inside scipy sparse matrices, ``item_ids``...) is left out
of the pickle through ``Pickler.persistent_id`` and replaced by a reference
``("recengine-array", dtype str, shape, "C"|"F", offset in the data section, nbytes)``. Loading maps
the file once (``mmap``, read-only) and turns each reference into a read-only ``np.ndarray`` view
of the mapping: nothing is copied, and every process that loads the same file shares one copy of
the arrays in the OS page cache. ``load_artifact(mmap=False)`` copies them into private, writable
memory instead.

Format version 1 (still read): the same header followed by a joblib pickle of the payload (the model
carries its transform and content index as in version 2).

The HMAC (key from the caller, e.g. derived from the Django secret) covers everything after the
header and is checked BEFORE unpickling: unpickling an attacker's file runs their code. For
version 2 the pickle bytes that are unpickled are the very bytes that were hashed (read once into
memory), and ``persistent_load`` accepts only well-formed array references that lie inside the file.

Mapped arrays stay valid while any of them is alive, even after the file is deleted or replaced
(``os.replace`` swaps the directory entry, the mapping keeps the old inode). Writing into an
artifact file in place while it is mapped would change (or, if truncated, crash) the readers: this
module never does so, and nothing else must.

``load_artifact`` never raises for a bad file: missing, truncated, tampered, foreign or
incompatible artifacts all return None with a warning, and the caller falls back to popularity.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import logging
import math
import mmap as mmaplib
import os
import pickle
import struct
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .data import transform_weights

log = logging.getLogger(__name__)

FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
MAGIC = b"RECENGINE-ARTIFACT"
_HEADER_LEN = len(MAGIC) + 1 + 8 + 1 + 64 + 1  # magic, space, 8-digit version, space, hex digest, \n
_CHUNK = 1 << 20
_LENGTH = struct.Struct("<Q")
ALIGN = 64
ARRAY_MIN_BYTES = 64 * 1024  # smaller arrays stay inside the pickle
_ARRAY_TAG = "recengine-array"


@dataclass
class Artifact:
    """What training writes and serving reads (module docstring).

    ``item_ids`` maps the model's item index -> the caller's item id. ``weight_transform`` is the
    ``{"method", "scale"}`` of engine.data.transform_weights the training values went through (None:
    used as given); ``history_weights`` applies it to a request's history. ``content_index`` is an
    engine.content.ContentTFIDF over the same item indexes (None: none was built).
    """

    model: object
    item_ids: np.ndarray | None = None
    weight_transform: dict | None = None
    content_index: object | None = None
    algorithm: str = ""
    params: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    created_at: float = 0.0

    def history_weights(self, values) -> np.ndarray:
        """Raw interaction values of a request's history -> the weights the model was trained with."""
        if not self.weight_transform:
            return np.asarray(values, dtype=np.float32)
        return transform_weights(values, self.weight_transform["method"], self.weight_transform["scale"])

    def save(self, path, *, key) -> Path:
        """Write this artifact to ``path`` atomically (``save_artifact``)."""
        return save_artifact(path, self.model, key=key, item_ids=self.item_ids, params=self.params,
                             metrics=self.metrics, weight_transform=self.weight_transform,
                             content_index=self.content_index, algorithm=self.algorithm)


class ArtifactError(ValueError):
    """A structural problem found while reading a verified file (bad array reference, bad length)."""


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


def _padding(position: int) -> int:
    return -position % ALIGN


# -- writing ------------------------------------------------------------------------------------
def _is_external(obj) -> bool:
    """Arrays worth storing outside the pickle: exact ndarrays of a plain dtype, at least 64 KiB."""
    if type(obj) is not np.ndarray or obj.nbytes < max(ARRAY_MIN_BYTES, 1):
        return False
    dtype = obj.dtype
    return not dtype.hasobject and dtype.fields is None and dtype.subdtype is None


class _ArrayPickler(pickle.Pickler):
    """Pickles the payload, collecting the large arrays (each once) for the data section."""

    def __init__(self, file):
        super().__init__(file, protocol=5)
        self.arrays: list[np.ndarray] = []  # C-contiguous (or F-contiguous) arrays, in file order
        self._refs: dict[int, tuple] = {}
        self._size = 0

    def persistent_id(self, obj):
        if not _is_external(obj):
            return None
        ref = self._refs.get(id(obj))
        if ref is not None:  # the same array object twice: one block, and one object again on load
            return ref
        if obj.flags.c_contiguous:
            order, block = "C", obj
        elif obj.flags.f_contiguous:
            order, block = "F", obj
        else:
            order, block = "C", np.ascontiguousarray(obj)
        offset = self._size + _padding(self._size)
        ref = (_ARRAY_TAG, obj.dtype.str, tuple(int(n) for n in obj.shape), order, offset, int(obj.nbytes))
        self._refs[id(obj)] = ref  # ``obj`` stays alive in the payload, so its id is not reused
        self.arrays.append(block)
        self._size = offset + block.nbytes
        return ref


def _raw_bytes(block: np.ndarray) -> np.ndarray:
    """The memory of a contiguous array as a flat uint8 view (no copy), in its own order."""
    flat = block.reshape(-1) if block.flags.c_contiguous else block.T.reshape(-1)
    return flat.view(np.uint8)


def _write_v2(handle, payload: dict, key: bytes, version: int) -> None:
    buffer = io.BytesIO()
    pickler = _ArrayPickler(buffer)
    pickler.dump(payload)
    pickled = buffer.getvalue()
    del buffer
    mac = hmac.new(key, digestmod=hashlib.sha256)

    def write(data) -> None:
        handle.write(data)
        mac.update(data)

    handle.write(b"\0" * _HEADER_LEN)  # placeholder, the digest is known only at the end
    write(_LENGTH.pack(len(pickled)))
    write(pickled)
    position = _HEADER_LEN + _LENGTH.size + len(pickled)
    data_start = position + _padding(position)
    write(b"\0" * (data_start - position))
    written = 0
    for block in pickler.arrays:
        gap = _padding(written)
        write(b"\0" * gap)
        written += gap
        raw = _raw_bytes(block)
        for start in range(0, len(raw), 64 * _CHUNK):  # bounded slices; hmac/write take buffers
            write(raw[start:start + 64 * _CHUNK])
        written += block.nbytes
    handle.seek(0)
    handle.write(_header(version, mac.hexdigest()))


def _write_v1(handle, payload: dict, key: bytes, version: int) -> None:
    import joblib

    handle.write(b"\0" * _HEADER_LEN)
    joblib.dump(payload, handle, compress=0)
    handle.flush()
    digest = _payload_hmac(handle, key)
    handle.seek(0)
    handle.write(_header(version, digest))


def save_artifact(path, model, *, key, item_ids=None, params=None, metrics=None, weight_transform=None,
                  content_index=None, algorithm: str = "", version: int = FORMAT_VERSION) -> Path:
    """Write ``path`` atomically: temp file in the same folder, fsync, then os.replace.

    Readers therefore see either the old complete file or the new complete file, never half of one
    (and a reader that mapped the old file keeps it). ``version=1`` writes the legacy joblib layout;
    any other value writes the version-2 layout under that number (other numbers: tests only). Only
    version 3 and later store the weight transform, content index and algorithm as fields.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = _key(key)
    payload = {
        "format_version": version, "model": model, "created_at": time.time(),
        "item_ids": None if item_ids is None else np.asarray(item_ids),
        "params": dict(params or {}), "metrics": dict(metrics or {}),
    }
    if version >= 3:
        payload.update(weight_transform=weight_transform, content_index=content_index, algorithm=algorithm)
    writer = _write_v1 if version == 1 else _write_v2
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w+b") as handle:
            writer(handle, payload, key, version)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# -- reading ------------------------------------------------------------------------------------
def load_artifact(path, *, key, expected_version: int | tuple | None = None,
                  mmap: bool = True) -> Artifact | None:
    """The artifact at ``path``, or None (with a warning) if it is unusable for any reason.

    ``expected_version``: a version or tuple of versions to accept (default: every version this
    code reads, :data:`READABLE_VERSIONS`). ``mmap=True`` (default) returns the large arrays of a
    version-2 file as read-only views of a shared read-only mapping; ``mmap=False`` copies them
    into private writable memory. Version-1 files always load into private memory.
    """
    path = Path(path)
    if expected_version is None:
        accepted = READABLE_VERSIONS
    elif isinstance(expected_version, int):
        accepted = (expected_version,)
    else:
        accepted = tuple(expected_version)
    accepted = tuple(v for v in accepted if v in READABLE_VERSIONS)
    try:
        key = _key(key)
        with open(path, "rb") as handle:
            version, reason = _read_version(handle, accepted)
            if reason is None:
                if version == 1:
                    reason = _check_hmac(handle, key)
                    if reason is None:
                        import joblib

                        handle.seek(_HEADER_LEN)
                        payload = joblib.load(handle)
                else:
                    pickled, reason = _read_v2_verified(handle, key)
                    if reason is None:
                        payload = _unpickle_v2(handle, pickled, copy=not mmap)
            if reason:
                log.warning("model artifact %s ignored: %s", path, reason)
                return None
    except FileNotFoundError:
        log.warning("model artifact %s is missing", path)
        return None
    except Exception as exc:  # noqa: BLE001 - a bad artifact must never take the caller down
        log.warning("model artifact %s could not be read: %s: %s", path, type(exc).__name__, exc)
        return None
    if not isinstance(payload, dict) or payload.get("format_version") != version:
        log.warning("model artifact %s has an unexpected payload", path)
        return None
    model = payload["model"]
    parts = {name: payload.get(name) for name in ("weight_transform", "content_index")}
    if version < 3:
        parts = _parts_of_an_older_model(path, version, model)
    return Artifact(
        model=model, item_ids=payload.get("item_ids"), algorithm=payload.get("algorithm") or "",
        params=payload.get("params", {}), metrics=payload.get("metrics", {}),
        format_version=payload["format_version"], created_at=payload.get("created_at", 0.0), **parts,
    )


def _parts_of_an_older_model(path, version: int, model) -> dict:
    """Before version 3, training set the weight transform and content index as attributes of the model
    object: read them from there (the only place that looks), and take them off the model."""
    state = getattr(model, "__dict__", {})
    parts = {"weight_transform": state.pop("weight_transform", None), "content_index": state.pop("content_index", None)}
    log.info("model artifact %s is format %s: weight transform and content index read from the model object",
             path, version)
    return parts


def _read_version(handle, accepted: tuple) -> tuple[int | None, str | None]:
    """(version, None) for a well-formed header of an accepted version, else (None, why not)."""
    header = handle.read(_HEADER_LEN)
    parts = header.rstrip(b"\n").split(b" ")
    if len(header) != _HEADER_LEN or len(parts) != 3 or parts[0] != MAGIC:
        return None, "not a recengine artifact (bad header)"
    try:
        version = int(parts[1])
    except ValueError:
        return None, "bad version field"
    if version not in accepted:
        return None, f"format version {version}, this code reads {', '.join(map(str, accepted)) or 'none'}"
    return version, None


def _header_digest(handle) -> str:
    handle.seek(0)
    return handle.read(_HEADER_LEN).rstrip(b"\n").split(b" ")[2].decode("ascii", "replace")


_HMAC_MISMATCH = "HMAC mismatch (corrupt, tampered with, or signed with another key)"


def _check_hmac(handle, key: bytes) -> str | None:
    """Why the (version 1) file must not be unpickled, or None if its HMAC is good."""
    if not hmac.compare_digest(_header_digest(handle), _payload_hmac(handle, key)):
        return _HMAC_MISMATCH
    return None


def _read_v2_verified(handle, key: bytes) -> tuple[bytes | None, str | None]:
    """(pickle bytes, None) once the whole file's HMAC matched, else (None, why not).

    The pickle section is read into memory and hashed from that copy, so what gets unpickled is
    exactly what was verified even if the file changed meanwhile; the rest is streamed.
    """
    size = os.fstat(handle.fileno()).st_size
    expected = _header_digest(handle)
    handle.seek(_HEADER_LEN)
    length_bytes = handle.read(_LENGTH.size)
    if len(length_bytes) != _LENGTH.size:
        return None, "truncated (no pickle length)"
    (length,) = _LENGTH.unpack(length_bytes)
    if length > size - _HEADER_LEN - _LENGTH.size:
        return None, "truncated (pickle length beyond the end of the file)"
    pickled = handle.read(length)
    mac = hmac.new(key, digestmod=hashlib.sha256)
    mac.update(length_bytes)
    mac.update(pickled)
    while chunk := handle.read(_CHUNK):
        mac.update(chunk)
    if len(pickled) != length or not hmac.compare_digest(expected, mac.hexdigest()):
        return None, _HMAC_MISMATCH
    return pickled, None


class _ArrayUnpickler(pickle.Unpickler):
    """Resolves the array references of :class:`_ArrayPickler` against the mapped data section."""

    def __init__(self, file, buffer, data_start: int, copy: bool):
        super().__init__(file)
        self.buffer = buffer
        self.data_start = data_start
        self.copy = copy
        self.loaded: dict[int, np.ndarray] = {}

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == _ARRAY_TAG):
            raise pickle.UnpicklingError("unknown persistent reference")
        _, dtype_str, shape, order, offset, nbytes = pid
        if not (isinstance(dtype_str, str) and isinstance(shape, tuple) and order in ("C", "F")
                and all(type(n) is int and n >= 0 for n in shape)
                and type(offset) is int and type(nbytes) is int and offset >= 0 and offset % ALIGN == 0):
            raise ArtifactError(f"malformed array reference {pid!r}")
        dtype = np.dtype(dtype_str)
        if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None or dtype.itemsize == 0:
            raise ArtifactError(f"array reference with a forbidden dtype {dtype_str!r}")
        count = math.prod(shape)
        if count * dtype.itemsize != nbytes:
            raise ArtifactError(f"array reference size mismatch {pid!r}")
        start = self.data_start + offset
        if start + nbytes > len(self.buffer):
            raise ArtifactError(f"array reference beyond the end of the file {pid!r}")
        if offset in self.loaded:
            cached = self.loaded[offset]
            if cached.dtype == dtype and cached.shape == shape:
                return cached
            raise ArtifactError(f"conflicting array references at offset {offset}")
        array = np.frombuffer(self.buffer, dtype=dtype, count=count, offset=start).reshape(shape, order=order)
        if self.copy:
            array = array.copy(order="K")
        self.loaded[offset] = array
        return array


def _unpickle_v2(handle, pickled: bytes, *, copy: bool):
    """Map the file read-only and unpickle ``pickled`` (already verified) against it."""
    position = _HEADER_LEN + _LENGTH.size + len(pickled)
    data_start = position + _padding(position)
    # The mapping duplicates the descriptor: closing ``handle`` afterwards does not unmap it; the
    # arrays hold the mmap object, which is unmapped when the last array is gone.
    buffer = mmaplib.mmap(handle.fileno(), 0, access=mmaplib.ACCESS_READ)
    try:
        return _ArrayUnpickler(io.BytesIO(pickled), buffer, data_start, copy).load()
    finally:
        if copy:
            try:
                buffer.close()  # every array was copied; unmap now rather than at garbage collection
            except BufferError:  # a view still alive (e.g. in a traceback): the collector unmaps it
                pass
