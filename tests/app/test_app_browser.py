"""The app end to end in a real browser (headless Chromium through Playwright, one server, one browser): on every
page of the router, a moved control redraws the page without a button, the page's link (its settings in the URL's
query parameters) opens the same settings in a fresh session, and hovering a chart shows its tooltip. A large run,
opened from a link, waits for Train, shows its progress and stops when Stop is pressed.

Skips where Playwright or /usr/bin/chromium is missing; CI installs both with ``.ci/install-browser``.
"""

import sys
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))
import screenshots  # noqa: E402

if not Path(screenshots.CHROMIUM).exists():
    pytest.skip(f"no Chromium at {screenshots.CHROMIUM} (apt-get install chromium)", allow_module_level=True)

TIMEOUT_MS = 180_000
PAGES = screenshots.pages()
VIEWPORT = {"width": 1280, "height": 1000}


@pytest.fixture(scope="module")
def app():
    """The app's URL and one browser, shared by every test of the module."""
    from playwright.sync_api import sync_playwright

    with screenshots.serve(screenshots.free_port()) as url, sync_playwright() as playwright:
        browser = screenshots.launch(playwright)
        try:
            yield url, browser
        finally:
            browser.close()


@pytest.mark.parametrize("shown", PAGES, ids=[page.name for page in PAGES])
def test_a_moved_control_redraws_the_link_reopens_it_and_a_chart_has_a_tooltip(app, shown):
    url, browser = app
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        screenshots.open_page(page, url, shown.path, TIMEOUT_MS)
        screenshots.wait_for_view(page, TIMEOUT_MS)
        assert screenshots.exception_text(page) is None

        before = screenshots.fingerprint(page)
        control = screenshots.move_a_control(page)
        assert screenshots.wait_for_change(page, before, TIMEOUT_MS), f"moved {control}, but the page did not redraw"
        screenshots.wait_for_view(page, TIMEOUT_MS)
        assert screenshots.exception_text(page) is None

        link = page.url
        assert "?" in link, f"the page's settings are not in its URL: {link}"
        fresh = context.new_page()  # another tab: a new session, which knows the settings from the link alone
        screenshots.open_page(fresh, url, link.removeprefix(f"{url}/"), TIMEOUT_MS)
        assert screenshots.control_value(fresh, control) == control.value, (link, control)
        fresh.close()

        if page.locator(screenshots.CHARTS).count():
            tooltip = screenshots.show_a_tooltip(page)
            assert tooltip, "hovering the charts showed no tooltip"
    finally:
        context.close()


def test_a_large_run_waits_for_train_and_stops_when_stop_is_pressed(app):
    """20 features, 8 models, 20,000 steps: too large to train by itself; Train shows progress, Stop keeps nothing."""
    url, browser = app
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        screenshots.open_page(page, url, "?features=20&models=8&steps=20000", TIMEOUT_MS)
        assert page.get_by_test_id("stVegaLiteChart").count() == 0  # nothing trained without the button
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_test_id("stProgress").wait_for(timeout=TIMEOUT_MS)
        page.get_by_test_id("stMain").get_by_role("button", name="Stop", exact=True).click()
        page.get_by_text("Stopped.").wait_for(timeout=TIMEOUT_MS)
        # The stopped run's bar is removed once the rerun that says "Stopped." has finished (on a loaded machine
        # that can be a moment after the text appears).
        page.get_by_test_id("stProgress").wait_for(state="detached", timeout=TIMEOUT_MS)
        assert screenshots.exception_text(page) is None
    finally:
        context.close()
