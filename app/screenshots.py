"""Drive the app in a real browser: start it on localhost, open it in Debian's Chromium through Playwright.

Used by ``tests/app/test_app_browser.py`` and ``benchmarks/bench_app.py`` and, run as a script, to take the README's
screenshot of every page (each in its default view, which trains by itself):

    python app/screenshots.py --out figures/app

Needs ``apt-get install chromium`` and ``pip install playwright`` (no browser download: Playwright drives
/usr/bin/chromium). The pages are read from the router, ``streamlit_app.py``, so a new page is covered without a
change here.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
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
CHARTS = '[data-testid="stVegaLiteChart"]'
TOOLTIP = "#vg-tooltip-element"  # the element Vega's tooltip handler shows on hover
RANGE = 'input[type="range"]'  # a slider's thumb: its value (an index for a select_slider), max and aria-valuetext
# Every element has been drawn: no loading placeholder is left, and every Vega-Lite chart has its canvas or SVG.
DRAWN = """() => !document.querySelector(
        '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], [data-testid="stAppSkeleton"]')
    && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .every(chart => chart.querySelector('canvas, svg'))"""


@dataclass(frozen=True)
class Page:
    """One page of the router: its file's stem (``name``), its URL path ("" for the default page) and title."""

    name: str
    path: str
    title: str


def pages(router: Path = APP) -> list[Page]:
    """The app's pages, in the router's order, read from its ``st.Page(...)`` calls (without running it)."""
    found = []
    for node in ast.walk(ast.parse(router.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page" and node.args:
            options = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            stem = Path(node.args[0].value).stem
            found.append((node.lineno, Page(stem, "" if options.get("default") else stem, options.get("title", stem))))
    return [page for _, page in sorted(found, key=lambda item: item[0])]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serve(
    port: int, timeout: float = 120.0, env: dict[str, str] | None = None, warm: bool | str = True
) -> Iterator[str]:
    """Run the app on 127.0.0.1:``port`` in a subprocess until the block ends, started as ``toysup app`` starts it
    (``launch.py``: with its default page warmed up first; ``warm``: False for none, or the pages for
    ``launch.py --warm``, e.g. "all"; ``env``: extra environment variables); yields its URL."""
    command = [
        sys.executable,
        str(APP.parent / "launch.py"),
        *(["--no-warm"] if warm is False else ["--warm", warm] if isinstance(warm, str) else []),
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
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
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
    """Wait until the app's script has finished running: the app root says ``notRunning`` and Streamlit's
    "running" indicator is gone."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const status = document.querySelector('[data-testid="stStatusWidget"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !(status && status.innerText.match(/Running|Stop/));
        }""",
        timeout=timeout_ms,
    )


def open_page(page, url: str, path: str, timeout_ms: float) -> None:
    """Open the page at ``path`` (which may carry a query, ``name?a=1``) and wait until its script has run."""
    page.goto(f"{url}/{path}", timeout=timeout_ms)
    page.get_by_test_id("stHeading").first.wait_for(timeout=timeout_ms)
    wait_until_idle(page, timeout_ms)


def press(page, label: str, timeout_ms: float) -> None:
    """Click the first button with this exact label and wait until the page has run again."""
    page.get_by_role("button", name=label, exact=True).first.click()
    wait_until_idle(page, timeout_ms)


def slide_to_end(page, label: str) -> None:
    """Move the sidebar slider with this label to its largest value."""
    slider = page.get_by_test_id("stSidebar").get_by_test_id("stSlider").filter(has_text=label).locator(RANGE)
    slider.focus()
    page.keyboard.press("End")


def fingerprint(page) -> str:
    """A digest of what the page shows: every Vega-Lite chart's drawing (canvas pixels or SVG), image and
    metric, and the main area's text. Equal digests: nothing visible changed."""
    drawn = page.evaluate(
        """() => {
            const parts = [];
            for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
                const canvas = chart.querySelector('canvas');
                const svg = chart.querySelector('svg');
                parts.push(canvas ? canvas.toDataURL() : (svg ? svg.outerHTML : ''));
            }
            for (const image of document.querySelectorAll('[data-testid="stMain"] img')) parts.push(image.src);
            const main = document.querySelector('[data-testid="stMain"]');
            parts.push(main ? main.innerText : '');
            return parts;
        }"""
    )
    return hashlib.sha256("\x00".join(drawn).encode()).hexdigest()


def wait_for_change(page, before: str, timeout_ms: float) -> bool:
    """Wait (until idle, then up to ``timeout_ms``) for the page's :func:`fingerprint` to differ from ``before``."""
    wait_until_idle(page, timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        if fingerprint(page) != before:
            return True
        page.wait_for_timeout(250)
    return False


@dataclass(frozen=True)
class Control:
    """A control that was moved: its kind (``slider`` or ``selectbox``), label and the value it shows now (a
    slider's ``aria-valuetext``, a selectbox's text)."""

    kind: str
    label: str
    value: str


def _label(widget) -> str:
    return widget.get_by_test_id("stWidgetLabel").first.inner_text().strip()


def control_value(page, control: Control) -> str:
    """The value the control with ``control``'s kind and label shows on ``page``."""
    if control.kind == "slider":
        widget = page.get_by_test_id("stSlider").filter(has_text=control.label).first
        return widget.locator(RANGE).first.get_attribute("aria-valuetext")
    widget = page.get_by_test_id("stSelectbox").filter(has_text=control.label).first
    return widget.get_by_role("combobox").first.input_value().strip()


def move_a_control(page, label: str | None = None) -> Control:
    """Move the page's first slider one step (sidebar first, then the main area; the first whose label contains
    ``label``, when the page has one), or else choose the next option of its first selectbox other than the preset
    chooser. Returns what was moved and its new value; does not wait."""
    page.locator('[data-testid="stSlider"], [data-testid="stSelectbox"]').first.wait_for(timeout=30_000)
    sliders = page.get_by_test_id("stSidebar").get_by_test_id("stSlider")
    if not sliders.count():
        sliders = page.get_by_test_id("stMain").get_by_test_id("stSlider")
    if label and sliders.filter(has_text=label).count():
        sliders = sliders.filter(has_text=label)
    if sliders.count():
        widget = sliders.first
        label = _label(widget)
        thumb = widget.locator(RANGE).first.element_handle()  # this node, whatever the rerun does to the page
        now, top, shown = thumb.input_value(), thumb.get_attribute("max"), thumb.get_attribute("aria-valuetext")
        thumb.focus()
        page.keyboard.press("ArrowLeft" if now == top else "ArrowRight")
        page.wait_for_function(  # the value moves first, the text it shows a render later
            "([thumb, old, text]) => thumb.value !== old && thumb.getAttribute('aria-valuetext') !== text",
            arg=[thumb, now, shown],
        )
        return Control("slider", label, thumb.get_attribute("aria-valuetext"))
    boxes = page.get_by_test_id("stSelectbox")
    for index in range(boxes.count()):
        widget = boxes.nth(index)
        label = _label(widget)
        if label == "Preset":
            continue
        before = control_value(page, Control("selectbox", label, ""))
        widget.get_by_role("combobox").first.click()
        options = page.get_by_role("option")
        options.first.wait_for()
        texts = [text.strip() for text in options.all_inner_texts()]
        choice = next(i for i, text in enumerate(texts) if text != before)
        options.nth(choice).click()
        return Control("selectbox", label, texts[choice])
    raise LookupError("the page has no slider and no selectbox to move")


def show_a_tooltip(page, steps: int = 14) -> str | None:
    """Hover the page's charts on a grid of points until Vega shows a tooltip; its text, or None."""
    visible_text = f"""async () => {{
        await new Promise(resolve => setTimeout(resolve, 60));  // the tooltip shows a moment after the move
        const tooltip = document.querySelector('{TOOLTIP}');
        return tooltip && tooltip.classList.contains('visible') ? tooltip.innerText.trim() : '';
    }}"""
    charts = page.locator(CHARTS)
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        if not box:
            continue
        for row in range(1, steps):
            for column in range(1, steps):
                page.mouse.move(box["x"] + box["width"] * column / steps, box["y"] + box["height"] * row / steps)
                text = page.evaluate(visible_text)
                if text:
                    return text
    return None


def exception_text(page) -> str | None:
    """The text of any exception the app shows, else None."""
    shown = page.get_by_test_id("stException")
    if shown.count():
        return shown.first.inner_text()
    body = page.inner_text("body")
    return body if "Traceback" in body else None


def wait_for_view(page, timeout_ms: float) -> None:
    """Wait until the page has run and drawn: every element has replaced its loading placeholder (Streamlit loads
    a widget's code the first time one is shown) and every chart has rendered."""
    wait_until_idle(page, timeout_ms)
    page.wait_for_function(DRAWN, timeout=timeout_ms)


def take_screenshots(out: Path, timeout_ms: float = 240_000) -> list[Path]:
    """Every page in its default view, as ``out/NAME.png``."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with serve(free_port()) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        for shown in pages():
            open_page(page, url, shown.path, timeout_ms)
            wait_for_view(page, timeout_ms)
            problem = exception_text(page)
            if problem:
                raise RuntimeError(f"{shown.name}: the app shows an exception: {problem[:2000]}")
            page.screenshot(path=str(out / f"{shown.name}.png"))
            written.append(out / f"{shown.name}.png")
            print(f"{shown.name}: {out / f'{shown.name}.png'}", flush=True)
        browser.close()
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures/app", help="folder for NAME.png (default figures/app)")
    take_screenshots(Path(parser.parse_args().out))
