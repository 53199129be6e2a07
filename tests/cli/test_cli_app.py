"""``toysup app`` finds the app of the checkout the package is installed from."""

from pathlib import Path

import toysup
from toysup.cli.app import app_file


def test_app_file_is_the_checkouts_streamlit_app():
    assert app_file() == Path(toysup.__file__).resolve().parents[1] / "app" / "streamlit_app.py"
    assert app_file().is_file()
