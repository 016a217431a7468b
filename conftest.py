"""Fixtures shared by every app's tests. The database and Redis are real (see recengine/embedded.py)."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from recengine.testing.browser import PASSWORD, browser_page
from recommendations.testing.clusters import Clusters, clusters_create
from recommendations.testing.factories import ItemFactory, UserFactory


@pytest.fixture(autouse=True)
def _empty_redis():
    """Each test starts with an empty Redis test database (a real server, not a fake)."""
    cache.clear()
    yield


@pytest.fixture
def api_user(db):
    return UserFactory(username="api-client", is_staff=False)


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff", is_staff=True)


def _client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(api_user) -> APIClient:
    """An API client authenticated with a (non-staff) DRF token."""
    return _client_for(api_user)


@pytest.fixture
def staff_api(staff_user) -> APIClient:
    return _client_for(staff_user)


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def item_factory(db):
    return ItemFactory


@pytest.fixture(autouse=True)
def _no_remembered_tokens():
    """Each test starts with no API token remembered by this process (recengine/auth.py)."""
    from recengine.auth import forget_tokens

    forget_tokens()
    yield


@pytest.fixture(autouse=True)
def _no_remembered_items():
    """Each test starts with an empty item table in this process (recommendations/serving/item_rows.py)."""
    from recommendations.serving.item_rows import forget_item_rows

    forget_item_rows()
    yield


@pytest.fixture(autouse=True)
def _no_loaded_model():
    """Each test starts with no model loaded in this process (the serving holder is process-wide)."""
    from recommendations.serving.model import reset_serving_model

    reset_serving_model()
    yield
    reset_serving_model()


@pytest.fixture(autouse=True)
def _no_request_id():
    """Each test starts outside any request (recengine/observability/context.py): a response a test
    never closed (a streaming one) would otherwise leave its request id to the next test."""
    from recengine.observability.context import request_id_var, task_var

    request_id_var.set(None)
    task_var.set(None)
    yield


@pytest.fixture(autouse=True)
def _artifacts_in_tmp(settings, tmp_path):
    """Model artifacts written by any test go to a throwaway folder, never to the project's models/."""
    settings.MODEL_PATH = tmp_path / "models" / "recommender.joblib"


@pytest.fixture
def celery_eager():
    """Tasks run in this process when queued (task bodies under test); errors propagate."""
    from recengine.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def clusters(db) -> Clusters:
    """Readers of books a1..a5 and listeners of music b1..b5 (recommendations/testing/clusters.py)."""
    return clusters_create()


@pytest.fixture
def train(django_capture_on_commit_callbacks):
    """train(algorithm) -> an activated ModelVersion, announced to the serving processes like in production.

    Its artifacts go to the throwaway MODEL_PATH that ``_artifacts_in_tmp`` sets for every test.
    """
    from recommendations.lifecycle.training import model_train

    def _train(algorithm: str = "itemknn", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return model_train(algorithm=algorithm, activate=True, **kwargs)

    return _train


# -- browser tests (recengine/testing/browser.py) -------------------------------------------------
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test (item.report_call ...), so a fixture's teardown can
    tell whether the test passed (the browser page names its last screenshot -passed or -failed)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(request, live_server, monkeypatch):
    """A headless Chromium page on the live server (recengine/testing/browser.py)."""
    yield from browser_page(request, live_server, monkeypatch)


@pytest.fixture
def browser_staff(transactional_db):
    """A superuser whose password is browser.PASSWORD, for admin_login."""
    # Not create_user: it stores a blank email, which the unique email column takes only once.
    user = User(username="shopkeeper", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user
