"""Start the app's server with its default page already computed, so that the first visitor does not wait for it:

    python app/launch.py [--warm PAGES] [streamlit run options, e.g. --server.port 8501]

``toysup app`` runs this. Before the server answers, the default page (or each page named by ``--warm``: stems of
``views/``, comma-separated, or ``all``; none with ``--no-warm``) runs once in this process through Streamlit's own
test runner, as a visitor would open it: JAX and the pages' libraries are imported, the page's programs compiled
and its results cached (Streamlit's caches belong to the process, so the server's sessions find them). The server
then starts in the same process. A page that fails to warm up is reported and left to its first visitor; the
server starts regardless.

On two loaded cores the default page's warm-up took 5.5–8.5 s (16.6 s the first time ever, while the compilation
cache of ``shared.use_compilation_cache`` was empty); its first view then took as long as a warm view
(benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROUTER = Path(__file__).resolve().parent / "streamlit_app.py"
WARM_TIMEOUT_S = 600  # per page: generous, a loaded machine's first compilation can be slow


def warm(pages: list[str]) -> None:
    """Run each page (a stem in ``views/``; ``""``: the router's default page) once in this process."""
    from streamlit.testing.v1 import AppTest

    for page in pages:
        start = time.perf_counter()
        app = AppTest.from_file(str(ROUTER), default_timeout=WARM_TIMEOUT_S)
        if page:
            app.switch_page(f"views/{page}.py")
        try:
            app.run()
            failed = [element.value for element in app.exception]
        except Exception as error:  # noqa: BLE001 — a warm-up that fails only leaves the page cold
            failed = [repr(error)]
        name = page or "the default page"
        if failed:
            print(f"toysup app: could not warm up {name}; its first view computes it: {failed[0]}", flush=True)
        else:
            print(f"toysup app: warmed up {name} in {time.perf_counter() - start:.1f} s", flush=True)


def pages() -> list[str]:
    """Every page of the router (the stems of its ``views/`` files), in its order."""
    from screenshots import pages as routed

    return [page.name for page in routed(ROUTER)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--warm", default="", help='pages to compute first, comma-separated, or "all" (default: the default page)'
    )
    parser.add_argument("--no-warm", action="store_true", help="serve at once; every page computes on its first view")
    args, streamlit_options = parser.parse_known_args(argv)
    if not args.no_warm:
        chosen = pages() if args.warm == "all" else args.warm.split(",") if args.warm else [""]
        unknown = [name for name in chosen if name and name not in pages()]
        if unknown:
            parser.error(f"--warm: must be pages among {', '.join(pages())} or all, got {', '.join(unknown)}")
        warm(chosen)
    from streamlit.web import cli

    cli.main.main(args=["run", str(ROUTER), *streamlit_options], prog_name="streamlit")


if __name__ == "__main__":
    main()
