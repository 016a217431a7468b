"""Browser tests' helpers: Debian's headless Chromium, driven by Playwright, against pytest-django's
live server (the ``page`` and ``browser_staff`` fixtures of the root conftest.py use them).

Nothing downloads a browser: Playwright launches /usr/bin/chromium (CHROMIUM_PATH overrides it;
`make test` installs the package when run as root). Without it the tests skip with the reason,
except under CI (the CI variable set), where they fail: CI must really run them.

Screenshots of each step, and of the last state of every test (-passed / -failed), go to
test-artifacts/screenshots/.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
SCREENSHOTS = settings.BASE_DIR / "test-artifacts" / "screenshots"
PASSWORD = "browser-test-password"


def require_browser(chromium: Path | None = None) -> None:
    """Skip (fail under CI) when Playwright or Chromium is missing."""
    chromium = CHROMIUM if chromium is None else chromium
    try:
        import playwright.sync_api  # noqa: F401  (installed with the dev requirements)
    except ImportError:
        missing = "Playwright is not installed (pip install -r requirements/dev.txt)"
    else:
        missing = "" if chromium.exists() else f"no Chromium at {chromium} (apt-get install chromium; `make test` does it as root)"
    if missing and os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI, but {missing}")
    if missing:
        pytest.skip(missing)


def shot(page, name: str) -> Path:
    """A full-page screenshot under test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def browser_page(request, live_server, monkeypatch, viewport=(1280, 900)) -> Iterator:
    """A fresh Chromium page whose relative URLs go to the live server; ``page.js_errors`` collects
    uncaught errors of the page's scripts, ``page.requests`` every URL the page asked for."""
    require_browser()
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  (only when a browser test runs)

    # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses ORM calls
    # from a thread with a running loop. The test's own queries are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--disable-dev-shm-usage"]
        )
        context = browser.new_context(base_url=live_server.url,
                                      viewport={"width": viewport[0], "height": viewport[1]})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.js_errors = []
        page.requests = []
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        page.on("request", lambda req: page.requests.append(req.url))
        try:
            yield page
        finally:
            report = getattr(request.node, "report_call", None)
            outcome, stale = ("passed", "failed") if report and report.passed else ("failed", "passed")
            (SCREENSHOTS / f"{request.node.name}-{stale}.png").unlink(missing_ok=True)
            shot(page, f"{request.node.name}-{outcome}")
            context.close()
            browser.close()


def admin_login(page, user, next_url: str) -> None:
    """Sign ``user`` (made by the ``browser_staff`` fixture, password PASSWORD) in and open ``next_url``."""
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")
