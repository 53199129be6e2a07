"""The app end to end in a real browser: start it on localhost, press Train on the Playground in headless Chromium
(Playwright), wait for the plots, take a screenshot, and check that the page shows no exception.

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


def test_train_on_the_playground_in_a_real_browser(tmp_path):
    from playwright.sync_api import sync_playwright

    with screenshots.serve(screenshots.free_port()) as url, sync_playwright() as playwright:
        browser = screenshots.launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            screenshots.open_page(page, url, "", TIMEOUT_MS)
            assert page.get_by_test_id("stImage").count() == 0  # first paint: nothing trained yet
            screenshots.press(page, "Train", TIMEOUT_MS)
            assert page.get_by_test_id("stImage").count() == 3  # directions, WᵀW/bias/norms, loss
            assert page.get_by_test_id("stDataFrame").count() == 2  # metrics, and D_i in the expander
            assert "Download this run" in page.inner_text("body")
            page.screenshot(path=str(tmp_path / "playground.png"))
            assert (tmp_path / "playground.png").stat().st_size > 10_000
            assert screenshots.exception_text(page) is None

            # A long run (20 features, 8 models, 20,000 steps) stops when Stop is pressed, and says so.
            for label in ("features n", "models across sparsity", "steps"):
                screenshots.slide_to_end(page, label)
                screenshots.wait_until_idle(page, TIMEOUT_MS)
            page.get_by_role("button", name="Train", exact=True).click()
            page.get_by_test_id("stProgress").wait_for(timeout=TIMEOUT_MS)
            page.get_by_test_id("stMain").get_by_role("button", name="Stop", exact=True).click()
            page.get_by_text("Stopped.").wait_for(timeout=TIMEOUT_MS)
            # The stopped run's bar is removed once the rerun that says "Stopped." has finished (on a loaded
            # machine that can be a moment after the text appears).
            page.get_by_test_id("stProgress").wait_for(state="detached", timeout=TIMEOUT_MS)
            assert page.get_by_test_id("stProgress").count() == 0
            assert screenshots.exception_text(page) is None
        finally:
            browser.close()
