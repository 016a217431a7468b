"""Why an import stopped. Both leave the database untouched (the import is one transaction).

``ImportAborted``, which carries the import's result, is in service.py beside ``ImportResult``.
"""
from __future__ import annotations


class InteractionImportError(Exception):
    """Base class: the import did not happen."""


class ImportFileError(InteractionImportError):
    """A missing file or folder, or a file that does not start with the expected header."""
