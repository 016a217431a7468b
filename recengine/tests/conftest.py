"""Each test's outcome, for the browser tests' screenshots (clusters and train: the root conftest)."""
from __future__ import annotations

import pytest


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test (item.report_call ...), so a fixture's teardown can
    tell whether the test passed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
