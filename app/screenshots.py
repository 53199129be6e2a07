"""Drive the app in a real browser: start it on localhost, open it in Debian's Chromium through Playwright.

Used by ``tests/app/test_app_browser.py`` and, run as a script, to take the README's screenshot of every page:

    python app/screenshots.py --out figures/app

Needs ``apt-get install chromium`` and ``pip install playwright`` (no browser download: Playwright drives
/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parent / "streamlit_app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Each page's URL path, and the label of the button that runs its main action (None: nothing to press).
PAGES = {
    "playground": ("", "Train"),
    "watch": ("watch", "Train and record"),
    "phase": ("phase", "Run the grid"),
    "geometry": ("geometry", "Train"),
    "correlated": ("correlated", "Train"),
    "privileged": ("privileged", "Train"),
    "computation": ("computation", "Train"),
    "sae_lab": ("sae_lab", "Train the SAE"),
    "lessons": ("lessons", None),
    "figures": ("figures", "Regenerate (quick)"),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serve(port: int, timeout: float = 120.0) -> Iterator[str]:
    """Run the app on 127.0.0.1:``port`` in a subprocess until the block ends; yields its URL."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    server = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the app exited with status {server.returncode}: {server.stdout.read()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def wait_until_idle(page, timeout_ms: float) -> None:
    """Wait until the app's script has finished running (Streamlit's "running" indicator is gone)."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.match(/Running|Stop/)",
        timeout=timeout_ms,
    )


def open_page(page, url: str, path: str, timeout_ms: float) -> None:
    page.goto(f"{url}/{path}", timeout=timeout_ms)
    page.get_by_test_id("stHeading").first.wait_for(timeout=timeout_ms)
    wait_until_idle(page, timeout_ms)


def press(page, label: str, timeout_ms: float) -> None:
    """Click the first button with this exact label and wait for the plot(s) it makes."""
    page.get_by_role("button", name=label, exact=True).first.click()
    page.wait_for_timeout(500)
    page.get_by_test_id("stImage").first.wait_for(timeout=timeout_ms)
    wait_until_idle(page, timeout_ms)


def slide_to_end(page, label: str) -> None:
    """Move the sidebar slider with this label to its largest value."""
    slider = page.get_by_test_id("stSidebar").get_by_test_id("stSlider").filter(has_text=label).get_by_role("slider")
    slider.focus()
    page.keyboard.press("End")


def exception_text(page) -> str | None:
    """The text of any exception the app shows, else None."""
    shown = page.get_by_test_id("stException")
    if shown.count():
        return shown.first.inner_text()
    body = page.inner_text("body")
    return body if "Traceback" in body else None


def take_screenshots(out: Path, timeout_ms: float = 240_000) -> list[Path]:
    """Every page after its main action, as ``out/NAME.png``."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with serve(free_port()) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        for name, (path, label) in PAGES.items():
            open_page(page, url, path, timeout_ms)
            if label is not None:
                press(page, label, timeout_ms)
            problem = exception_text(page)
            if problem:
                raise RuntimeError(f"{name}: the app shows an exception: {problem[:2000]}")
            page.screenshot(path=str(out / f"{name}.png"))
            written.append(out / f"{name}.png")
            print(f"{name}: {out / f'{name}.png'}", flush=True)
        browser.close()
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures/app", help="folder for NAME.png (default figures/app)")
    take_screenshots(Path(parser.parse_args().out))
