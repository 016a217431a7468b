"""The API against its own OpenAPI schema, with schemathesis 4: every operation, authenticated as staff,
all four phases (examples, coverage, fuzzing, stateful), bounded and derandomized so every run sends
the same requests and fits CI (README "Development"; docs/reliability.md).

Every check schemathesis has runs, on valid data (positive mode) and invalid data (negative mode):
no 5xx, only documented status codes, content types, headers and bodies; invalid data refused with a
4xx; valid data accepted (``positive_data_acceptance``).

What the schema cannot state, the test supplies: values that must be unique (a username, an email, an
item code, a client-chosen id) are made unique per request, and the user and item ids an interaction
names are ids that exist. Both only where the generated value was already valid, so a request meant to
be refused still is. Without this, valid data would be "rejected" with the 400 naming the taken value
or the unknown id, which is the documented answer. Two more, each a limit of the schema language or of
the generator, not of the API:
- free-form JSON objects (metadata, preferences) lose their NUL characters: the API refuses NUL anywhere
  in them (PostgreSQL jsonb cannot store it) and says so in their description, but OpenAPI 3.0 cannot
  constrain the keys of such an object;
- in a case schemathesis calls valid, a username that does not match the schema's own pattern (the
  API's regular expression) is replaced by one that does: schemathesis 4.32 sometimes generates such
  values (e.g. "=G\b") for a string with a pattern and lengths, and calls them valid."""
from __future__ import annotations

import itertools
import re

import pytest
import schemathesis
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from accounts.selectors import end_users
from catalog.models import Item
from recengine.api import ID_MAX
from recengine.wsgi import application
from recommendations.testing.factories import ItemFactory, UserFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# Both modes in one run; `deterministic` with derandomize below: the same requests every run.
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True)

# Bounds: about 19 operations x (examples + coverage + this many fuzzed cases), and the stateful runs.
FUZZ_EXAMPLES = 20
STATEFUL_SCENARIOS = 40
_settings = hypothesis_settings(deadline=None, derandomize=True, database=None,
                                suppress_health_check=list(HealthCheck))

_counter = itertools.count(1)


@pytest.fixture
def staff_token(django_db_setup, django_db_blocker):
    """A staff user's token, committed for the whole run (hypothesis calls the test many times)."""
    with django_db_blocker.unblock():
        staff = UserFactory(username="schemathesis-staff", is_staff=True)
        ItemFactory.create_batch(3)
        UserFactory.create_batch(3)
        token = Token.objects.create(user=staff)
        yield token.key
        staff.delete()


@schema.auth()
class StaffKey:
    """The staff token, sent as `Bearer` and as `Token` in turn (both schemes are accepted); schemathesis
    knows it is the credential, so its ignored-auth check can send a request without it."""

    key = ""
    calls = itertools.count()

    def get(self, case, context):
        return self.key

    def set(self, case, data, context):
        scheme = "Bearer" if next(self.calls) % 2 else "Token"
        case.headers = {**(case.headers or {}), "Authorization": f"{scheme} {data}"}


@schema.parametrize()
@hypothesis_settings(_settings, max_examples=FUZZ_EXAMPLES)
@pytest.mark.django_db(transaction=True)
def test_every_operation_answers_as_its_schema_says(case, staff_token):
    StaffKey.key = staff_token
    supply_what_the_schema_cannot_state(case)
    case.call_and_validate()


class APIWorkflow(schema.as_state_machine()):
    """Sequences of calls linked by their answers (create a user, then read, change, delete it...)."""

    def before_call(self, case):
        supply_what_the_schema_cannot_state(case)


@pytest.mark.django_db(transaction=True)
def test_linked_operations_answer_as_the_schema_says(staff_token):
    StaffKey.key = staff_token
    APIWorkflow.run(settings=hypothesis_settings(_settings, max_examples=STATEFUL_SCENARIOS, stateful_step_count=6))


# -- what the schema cannot state -----------------------------------------------------------------
_UNIQUE_TEXT = {"username": 150, "item_code": 64}  # field -> maxLength
_FREE_FORM = ("metadata", "preferences")
_USERNAME = re.compile(r"^[\w.@+-]+\Z")  # the schema's pattern, as django.contrib.auth's validator reads it


def supply_what_the_schema_cannot_state(case) -> None:
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
    rows = case.body if isinstance(case.body, list) else [case.body]
    for row in rows:
        if isinstance(row, dict):
            if positive and isinstance(row.get("username"), str) and not _USERNAME.fullmatch(row["username"]):
                row["username"] = "user"  # made unique below
            _make_unique(row)
            _refer_to_existing(row)


def _make_unique(body: dict) -> None:
    """Valid values of unique fields made unique; invalid ones left as they are."""
    n = next(_counter)
    for field in _FREE_FORM:
        if isinstance(body.get(field), dict):
            body[field] = _without_nul(body[field])
    for field, max_length in _UNIQUE_TEXT.items():
        value = body.get(field)
        if isinstance(value, str) and value.strip() and "\x00" not in value and len(value) + 8 <= max_length:
            body[field] = f"{value}-u{n}"
    email = body.get("email")
    if isinstance(email, str) and _is_email(email) and _is_email(f"u{n}.{email}"):
        body["email"] = f"u{n}.{email}"
    if _is_id(body.get("id")):
        body["id"] = 10**15 + n


def _refer_to_existing(body: dict) -> None:
    if "interaction_type" not in body:
        return
    if _is_id(body.get("user_id")):
        body["user_id"] = _existing_user_id()
    if _is_id(body.get("item_id")):
        body["item_id"] = _existing_item_id()


def _existing_user_id() -> int:
    """An end user's id; the run may have deleted the ones the fixture made."""
    return (end_users().order_by("pk").values_list("pk", flat=True).first()) or UserFactory().pk


def _existing_item_id() -> int:
    return (Item.objects.order_by("pk").values_list("pk", flat=True).first()) or ItemFactory().pk


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ID_MAX


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except DjangoValidationError:
        return False
    return len(value) <= 254
