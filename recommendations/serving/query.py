"""What a caller asks for: one ``Query``, parsed once at the door (the API, a command, a job)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Query:
    """A user's list: how many items, which categories only, which items never, and whether items the
    user already interacted with may come back."""

    user_id: int
    limit: int
    categories: tuple[str, ...] = ()
    exclude: tuple[int, ...] = ()
    include_seen: bool = False

    @property
    def plain(self) -> bool:
        """No filter: the list the cache holds for the user (serving/service.py)."""
        return not (self.categories or self.exclude or self.include_seen)
