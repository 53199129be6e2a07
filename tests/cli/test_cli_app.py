"""``toysup app`` finds the app of the checkout the package is installed from and runs streamlit on it, through
the app's launcher (which warms the default page up first)."""

import subprocess
from pathlib import Path

import toysup
from toysup.cli import main
from toysup.cli.app import app_file


def test_app_file_is_the_checkouts_streamlit_app():
    assert app_file() == Path(toysup.__file__).resolve().parents[1] / "app" / "streamlit_app.py"
    assert app_file().is_file()


def test_app_command_runs_streamlit_on_the_app_file_through_its_launcher(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda command: calls.append(command) or 0)
    assert main(["app", "--port", "8765"]) == 0
    command = calls[0]
    assert Path(command[1]) == app_file().parent / "launch.py" and Path(command[1]).is_file()
    assert command[command.index("--server.port") + 1] == "8765"
