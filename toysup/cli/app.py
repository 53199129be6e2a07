"""``toysup app``: open the Streamlit app (``app/streamlit_app.py`` of the checkout) in the browser.

The server is started by ``app/launch.py``, which computes the default page before the server answers, so that
the first view does not wait for JAX to import and compile."""

from __future__ import annotations

import argparse
from pathlib import Path

from .flags import checking_input


def add_parser(commands) -> None:
    """Register ``toysup app`` on the ``toysup`` subcommands."""
    app = commands.add_parser("app", help="open the Streamlit app in the browser")
    app.add_argument("--port", type=int, default=8501, help="the port Streamlit serves the app on")
    app.set_defaults(handler=cmd_app)


def app_file() -> Path:
    """``app/streamlit_app.py`` of the checkout this package is installed from."""
    path = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"
    if not path.is_file():
        raise ValueError(
            f"app: no app at {path}; the app ships with the toysup repository — clone it and "
            f"install with `pip install -e .`"
        )
    return path


def launcher() -> Path:
    """``app/launch.py`` beside the app: starts Streamlit on it with the default page warmed up."""
    return app_file().parent / "launch.py"


def cmd_app(args: argparse.Namespace) -> int:
    import importlib.util
    import subprocess
    import sys

    with checking_input():
        if not 1 <= args.port <= 65535:
            raise ValueError(f"port: must be in [1, 65535], got {args.port}")
    if importlib.util.find_spec("streamlit") is None:
        raise ValueError("app: the app needs Streamlit — install it with `pip install -e '.[app]'`")
    command = [
        sys.executable,
        str(launcher()),
        "--server.port",
        str(args.port),
        "--browser.gatherUsageStats",
        "false",
    ]
    return subprocess.call(command)
