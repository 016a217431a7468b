"""Browser tests: Debian's headless Chromium, driven by Playwright, against pytest-django's live server.

Nothing downloads a browser: Playwright launches /usr/bin/chromium (CHROMIUM_PATH overrides it;
`make test` installs the package when run as root). Without it the tests skip with the reason,
except under CI (the CI variable set), where they fail: CI must really run them.

Screenshots of each step, and of the last state of every test (-passed / -failed), go to
test-artifacts/screenshots/.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import User
from recommendations.models import Interaction

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
SCREENSHOTS = settings.BASE_DIR / "test-artifacts" / "screenshots"
PASSWORD = "browser-test-password"

pytestmark = pytest.mark.slow


def _require_browser() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "Playwright is not installed (pip install -r requirements/dev.txt)"
    else:
        missing = "" if CHROMIUM.exists() else f"no Chromium at {CHROMIUM} (apt-get install chromium; `make test` does it as root)"
    if missing and os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI, but {missing}")
    if missing:
        pytest.skip(missing)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.fixture
def page(request, live_server, monkeypatch):
    """A fresh Chromium page whose relative URLs go to the live server; page.js_errors collects
    uncaught errors of the page's scripts."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses ORM calls
    # from a thread with a running loop. The test's own queries are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--disable-dev-shm-usage"]
        )
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.js_errors = []
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        try:
            yield page
        finally:
            report = getattr(request.node, "report_call", None)
            outcome, stale = ("passed", "failed") if report and report.passed else ("failed", "passed")
            (SCREENSHOTS / f"{request.node.name}-{stale}.png").unlink(missing_ok=True)
            shot(page, f"{request.node.name}-{outcome}")
            context.close()
            browser.close()


@pytest.fixture
def staff(transactional_db) -> User:
    # Not create_user: it stores a blank email, which the unique email column takes only once.
    user = User(username="shopkeeper", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def admin_login(page, user: User, next_url: str) -> None:
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")


def test_without_chromium_it_skips_locally_and_fails_under_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium at"):
        _require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="browser tests must run in CI"):
        _require_browser()


def test_admin_user_page_shows_the_live_recommendations_panel(clusters, train, staff, page):
    from playwright.sync_api import expect

    train("itemknn")
    reader = clusters.readers[0]  # bought books a2..a5, so a1 is the book left to recommend
    admin_login(page, staff, f"/admin/accounts/user/{reader.pk}/change/")

    panel = page.locator("#recommendations-panel")
    expect(panel).to_be_visible()
    rows = panel.locator("#live-list .rec-row")
    expect(rows.filter(has_text=re.compile(r"\ba1\b"))).to_have_count(1)
    shot(page, "admin-1-user-recommendations-panel")

    with page.expect_navigation():  # the form posts, then the page shows the list computed afresh
        page.click("#drop-cache")
    expect(rows.filter(has_text=re.compile(r"\ba1\b"))).to_have_count(1)
    shot(page, "admin-2-after-dropping-the-cache")
    assert page.js_errors == []


def test_storefront_list_changes_at_once_after_a_purchase(clusters, train, staff, page):
    from playwright.sync_api import expect

    train("itemknn")
    reader = clusters.readers[0]
    admin_login(page, staff, "/storefront/")
    page.evaluate("window.sameDocument = true")  # gone if anything reloads the page

    page.select_option("#user-select", str(reader.pk))
    rows = page.locator("#recs .rec-row")
    expect(rows.first).to_have_attribute("data-item-code", "a1")
    expect(page.locator("#recs-request")).to_contain_text(f"GET /recommendations/{reader.pk}?limit=10")
    expect(page.locator("#recs-meta")).to_contain_text("model v")
    expect(page.locator("#popular .rec-row")).to_have_count(5)
    shot(page, "storefront-1-list")

    rows.first.locator("button.purchase").click()
    expect(page.locator("#recs .rec-row[data-item-code='a1']")).to_have_count(0)
    expect(page.locator("#recs-meta")).to_contain_text("cached: false")
    expect(page.locator("#api-log")).to_contain_text("POST /interactions")
    shot(page, "storefront-2-after-buying-a1")
    bought = Interaction.objects.get(user=reader, item=clusters.items["a1"])
    assert bought.interaction_type == "purchase"
    assert bought.recomm_id  # attributed to the list it was bought from

    first = rows.first
    code = first.get_attribute("data-item-code")
    first.locator("a.item-link").click()
    expect(page.locator("#item-view")).to_be_visible()
    expect(page.locator("#item-details")).to_contain_text(code)
    expect(page.locator("#similar-request")).to_contain_text(f"GET /items/{clusters.items[code].pk}/similar")
    expect(page.locator("#similar .rec-row").first).to_be_visible()
    assert page.url.endswith(f"/storefront/?user={reader.pk}&item={clusters.items[code].pk}")
    shot(page, "storefront-3-item-page")

    page.go_back()
    expect(page.locator("#user-view")).to_be_visible()
    expect(rows.first).to_be_visible()
    assert page.evaluate("window.sameDocument") is True
    assert page.js_errors == []


def test_storefront_finds_a_user_by_name_or_by_id(clusters, staff, page):
    from playwright.sync_api import expect

    admin_login(page, staff, "/storefront/")
    page.fill("#user-id", "listen")
    expect(page.locator("#user-matches option")).to_have_count(len(clusters.listeners))
    expect(page.locator("#search-request")).to_contain_text("GET /users?search=listen")

    listener = clusters.listeners[0]  # bought b2..b5: b1 leads even without a model (category boost)
    page.fill("#user-id", str(listener.pk))
    page.click("#user-picker button[type=submit]")
    expect(page.locator("#recs .rec-row").first).to_have_attribute("data-item-code", "b1")
    assert page.url.endswith(f"/storefront/?user={listener.pk}")
    shot(page, "storefront-4-user-by-id")
    assert page.js_errors == []
