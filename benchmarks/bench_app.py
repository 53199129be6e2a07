"""How fast the app answers: per page, the time to its first view and to a retrain after a control moves.

    python benchmarks/bench_app.py [--pages sae_lab,playground] [--control "feature probability"]
                                   [--no-warm | --warm-all] [--empty-cache]

Starts the app headless on localhost as ``toysup app`` starts it (``app/screenshots.serve``: the default page is
computed before the server answers; ``--warm-all``: every page; ``--no-warm``: none) and drives it in Chromium
through Playwright, as the browser test does, on each page's default settings:

* **first view**: from navigating to the page in a fresh session until its script has run and every chart has
  drawn (polled every 50 ms, no fixed waits). A page the server did not warm up pays for compiling its programs
  the first time, read from the compilation cache when an earlier server compiled them (``--empty-cache`` starts
  with an empty cache folder, ``TOYSUP_CACHE``, as on a new machine); without the warm-up, the first page also
  pays for importing JAX.
* **warm view**: the same page again in another fresh session: the trained results now come from the cache.
* **retrain**: from moving the page's first control one step (a slider, else a selectbox; see
  ``screenshots.move_a_control``) until what the page shows has changed and the script has finished, with no
  button pressed (the time includes the key press and the browser's redraw). Moving a size (e.g. features n) may
  compile a new program; that is counted too.

Prints a table; the machine's load average is printed with it, since the numbers scale with it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))
import screenshots  # noqa: E402

TIMEOUT_MS = 600_000
VIEWPORT = {"width": 1280, "height": 1000}
POLL_S = 0.05
# The page has finished: its script has run (since ARM, when armed) and is not running, and it is drawn.
SETTLED = f"""() => {{
    const app = document.querySelector('[data-testid="stApp"]');
    return app && window.__ran !== false && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelector('[data-testid="stHeading"]') !== null && ({screenshots.DRAWN})();
}}"""

# Watch the script's state, so that SETTLED waits for a rerun that has not started yet.
ARM = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__ran = false;
    new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') !== 'notRunning') window.__ran = true;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def settle(tab, before: str | None = None) -> float:
    """Poll (every ``POLL_S``) until the page has settled — and shows something other than ``before``, when given;
    the time it took, in seconds. No fixed waits, so the time is not padded."""
    start = time.perf_counter()
    while time.perf_counter() - start < TIMEOUT_MS / 1000:
        if tab.evaluate(SETTLED) and (before is None or screenshots.fingerprint(tab) != before):
            return time.perf_counter() - start
        time.sleep(POLL_S)
    return float("nan")


def measure(browser, url: str, page: screenshots.Page, label: str | None = None) -> dict:
    """First view, warm view and retrain times of one page, in seconds."""
    times: dict = {"page": page.name}
    for name in ("first view", "warm view"):
        context = browser.new_context(viewport=VIEWPORT)
        tab = context.new_page()
        start = time.perf_counter()
        tab.goto(f"{url}/{page.path}", timeout=TIMEOUT_MS)
        times[name] = time.perf_counter() - start + settle(tab)
        if name == "warm view":
            screenshots.wait_for_view(tab, TIMEOUT_MS)
            before = screenshots.fingerprint(tab)
            tab.evaluate(ARM)
            try:
                start = time.perf_counter()
                control = screenshots.move_a_control(tab, label)
                times["retrain"] = time.perf_counter() - start + settle(tab, before)
                times["control"] = f"{control.label} → {control.value}"
            except LookupError as error:
                print(f"{page.name}: {error}", flush=True)
                times["retrain"], times["control"] = float("nan"), "no control"
        times["error"] = "exception shown" if screenshots.exception_text(tab) else ""
        context.close()
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="", help="comma-separated page names (default: every page)")
    parser.add_argument(
        "--control", default=None, help="move the slider whose label contains this (where a page has one)"
    )
    parser.add_argument("--no-warm", action="store_true", help="serve at once, without computing the default page")
    parser.add_argument("--warm-all", action="store_true", help="compute every page before serving (launch.py)")
    parser.add_argument(
        "--empty-cache", action="store_true", help="start with an empty cache folder (TOYSUP_CACHE), as a new machine"
    )
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    chosen = [page for page in screenshots.pages() if not args.pages or page.name in args.pages.split(",")]
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before", flush=True)
    warm = False if args.no_warm else "all" if args.warm_all else True
    cache = "empty" if args.empty_cache else "kept"
    shown = "none" if warm is False else "every page" if warm == "all" else "the default page"
    print(f"warm-up: {shown}; cache: {cache}", flush=True)
    rows = []
    with contextlib.ExitStack() as stack:
        env = {"TOYSUP_CACHE": stack.enter_context(tempfile.TemporaryDirectory())} if args.empty_cache else {}
        start = time.perf_counter()
        url = stack.enter_context(screenshots.serve(screenshots.free_port(), env=env, warm=warm))
        print(f"server answered after {time.perf_counter() - start:.1f} s", flush=True)
        playwright = stack.enter_context(sync_playwright())
        browser = screenshots.launch(playwright)
        try:
            for page in chosen:
                rows.append(measure(browser, url, page, args.control))
                row = rows[-1]
                print(
                    f"{row['page']}: first view {row['first view']:.1f} s, warm view {row['warm view']:.1f} s, "
                    f"retrain {row['retrain']:.1f} s ({row['control']}) {row['error']}",
                    flush=True,
                )
        finally:
            browser.close()
    print(f"\nload average {os.getloadavg()[0]:.1f} after\n")
    print("| page | first view s | warm view s | retrain s | control moved |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['page']} | {row['first view']:.1f} | {row['warm view']:.1f} | {row['retrain']:.1f} | "
            f"{row['control']}{' (' + row['error'] + ')' if row['error'] else ''} |"
        )


if __name__ == "__main__":
    main()
