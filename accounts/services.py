"""Workflows around end users: the people recommendations are for."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from accounts.models import User

# Fields an API client may set on an end user (never is_staff, is_superuser or password).
EDITABLE_FIELDS = ("username", "email", "age", "gender", "location", "preferences")


def _violated_field(exc: IntegrityError) -> str | None:
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or ""
    if constraint.endswith("_pkey"):
        return "id"
    return next((name for name in ("username", "email") if f"_{name}_" in constraint), None)


@contextmanager
def _unique_violations_as_errors():
    """A unique-constraint race (two requests, one username) becomes a 400 naming the field."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        field = _violated_field(exc)
        if field is None:
            raise
        raise ValidationError({field: [f"A user with this {field} already exists."]}) from exc


# Client ids above this never move an id sequence: one user or item created with an id near the 64-bit
# maximum would otherwise exhaust the sequence, and every later create without an id would fail.
# Such ids leave the sequence alone (auto ids would only reach them after 2**62 creates).
SEQUENCE_CATCH_UP_MAX = 2**62


def _catch_up_id_sequence(user_id: int) -> None:
    """After an insert with a client-chosen id, move the id sequence past it.

    Otherwise a later user created without an id would be handed that same id and fail.
    """
    table = User._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        # `sequence` comes from PostgreSQL itself, already quoted as an identifier.
        cursor.execute(f"SELECT setval(%s, GREATEST(%s, (SELECT last_value FROM {sequence})))", [sequence, user_id])


def user_create(*, user_id: int | None = None, username: str, **fields: Any) -> User:
    """Create an end user with an unusable password (they never log in; the shop speaks for them).

    `user_id` lets a shop keep its own numeric ids. `fields` are any of EDITABLE_FIELDS.
    """
    user = User(id=user_id, username=username, **_editable(fields))
    user.set_unusable_password()
    with _unique_violations_as_errors():
        user.save(force_insert=True)
        if user_id is not None and user_id <= SEQUENCE_CATCH_UP_MAX:
            _catch_up_id_sequence(user_id)
    return user


def user_update(*, user: User, **fields: Any) -> User:
    """Change the given EDITABLE_FIELDS of an end user."""
    for name, value in _editable(fields).items():
        setattr(user, name, value)
    with _unique_violations_as_errors():
        user.save()
    return user


def user_delete(*, user: User) -> None:
    """Delete an end user with their interactions (the recommendations app then forgets their cached
    list, on the post_delete signal it connects)."""
    with transaction.atomic():
        user.delete()


def _editable(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable through the user services: {', '.join(sorted(unknown))}")
    return fields
