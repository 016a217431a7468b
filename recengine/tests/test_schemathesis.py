"""The API against its own OpenAPI schema, with schemathesis: every operation, authenticated as staff,
a bounded and repeatable (derandomized) run. No answer may be a 5xx, an undocumented status code, a
wrong content type or a body that breaks the documented schema."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from recengine.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


@pytest.fixture
def staff_token(django_db_setup, django_db_blocker):
    """A staff user's token, committed for the whole run (hypothesis calls the test many times)."""
    from recengine.testing.factories import ItemFactory, UserFactory

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
