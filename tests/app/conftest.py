"""The app's tests: app/ on sys.path (as the router puts it for its pages, so ``import run_zip`` works), pytest's
assertion messages in the shared checks of app_helpers.py, and one small trained run shared by a module's tests."""

import sys
from pathlib import Path

import pytest

import toysup

APP_FOLDER = Path(__file__).resolve().parents[2] / "app"
if str(APP_FOLDER) not in sys.path:
    sys.path.insert(0, str(APP_FOLDER))
pytest.register_assert_rewrite("app_helpers")


@pytest.fixture
def quick(monkeypatch):
    """Every page trains at most 50 steps (the app's ``TOYSUP_APP_MAX_STEPS``): for tests of how a page works,
    not of what a full run learns."""
    monkeypatch.setenv("TOYSUP_APP_MAX_STEPS", "50")


@pytest.fixture(scope="module")
def small_run() -> toysup.TrainResult:
    return toysup.train(
        toysup.ToyConfig(n_features=4, n_hidden=2, feature_probability=0.1, steps=20), chunk_steps=10, progress=False
    )
