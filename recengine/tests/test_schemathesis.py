"""The API against its own OpenAPI schema, with schemathesis: every operation, authenticated as staff,
bounded and repeatable (derandomized) runs.

Valid data (positive mode): no answer may be a 5xx, an undocumented status code, a wrong content
type or a body or header that breaks the documented schema.
Invalid data (negative mode: wrong types, out-of-range numbers, too-long strings, empty or repeated
parameters...): every request must be refused with a documented 4xx, never accepted, never a 5xx."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from recengine.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
schema.config.generation.update(modes=[GenerationMode.POSITIVE])
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]

negative_schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
negative_schema.config.generation.update(modes=[GenerationMode.NEGATIVE])
NEGATIVE_CHECKS = [not_a_server_error, negative_data_rejection, status_code_conformance, content_type_conformance,
                   response_schema_conformance]


@pytest.fixture
def staff_token(django_db_setup, django_db_blocker):
    """A staff user's token, committed for the whole run (hypothesis calls the test many times)."""
    from recommendations.testing.factories import ItemFactory, UserFactory

    with django_db_blocker.unblock():
        staff = UserFactory(username="schemathesis-staff", is_staff=True)
        ItemFactory.create_batch(3)
        UserFactory.create_batch(3)
        token = Token.objects.create(user=staff)
        yield token.key
        staff.delete()


@schema.parametrize()
@hypothesis_settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db(transaction=True)
def test_every_operation_answers_as_its_schema_says(case, staff_token):
    case.call_and_validate(headers={"Authorization": f"Token {staff_token}"}, checks=CHECKS)


@negative_schema.parametrize()
@hypothesis_settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db(transaction=True)
def test_every_operation_refuses_invalid_data(case, staff_token):
    case.call_and_validate(headers={"Authorization": f"Token {staff_token}"}, checks=NEGATIVE_CHECKS)
