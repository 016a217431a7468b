"""Why an import stopped. Both leave the database untouched (the import is one transaction)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from recommendations.events.importing.service import ImportResult


class InteractionImportError(Exception):
    """Base class: the import did not happen."""


class ImportFileError(InteractionImportError):
    """A missing file or folder, or a file that does not start with the expected header."""


class ImportAborted(InteractionImportError):
    """Strict mode met bad rows (or ids it could not create); ``result`` lists them."""

    def __init__(self, message: str, result: "ImportResult"):
        super().__init__(message)
        self.result = result
