"""Browser tests of the admin's recommendations panel and the storefront (helpers and fixtures:
recengine/testing/browser.py and the root conftest.py)."""
from __future__ import annotations

import re

import pytest

from recengine.testing import browser
from recengine.testing.browser import admin_login, shot
from recommendations.models import Interaction

pytestmark = pytest.mark.slow


@pytest.fixture
def staff(browser_staff):
    return browser_staff


def test_without_chromium_it_skips_locally_and_fails_under_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium at"):
        browser.require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="browser tests must run in CI"):
        browser.require_browser()


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
