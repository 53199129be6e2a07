"""The library minds its manners: importing it leaves matplotlib's backend to its caller (the command line picks
one, the library does not), and progress bars can be turned off for the whole process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import toysup
from toysup import ToyConfig, engine
from toysup.chunks import run_chunks


def _python(code: str, **environment: str) -> str:
    env = {**os.environ, **environment}
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300, env=env
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def on_a_users_backend() -> list[str]:
    """One process whose user chose the svg backend (through MPLBACKEND): the backend after importing every
    library module, the plots, figures and animation included, and then the canvas and backend of a plot."""
    code = """
        import importlib, pkgutil
        import numpy as np
        import matplotlib
        import toysup
        skip = ("toysup.cli", "toysup.course")
        for module in pkgutil.walk_packages(toysup.__path__, "toysup."):
            if not module.name.startswith(skip) and module.name != "toysup.__main__":
                importlib.import_module(module.name)
        import toysup.plots, toysup.figures, toysup.animation
        import matplotlib.pyplot as plt
        print(matplotlib.get_backend())
        from toysup import plots
        figure = plots.feature_directions_2d(np.eye(2, 3)[None])
        print(type(figure.canvas).__module__, matplotlib.get_backend())
    """
    env = {**os.environ, "MPLBACKEND": "svg"}
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300, env=env
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip().splitlines()[-2:]


def test_importing_the_library_leaves_the_backend_unchanged(on_a_users_backend):
    """A user's backend (here svg, chosen through MPLBACKEND) survives importing every library module, the plots,
    figures and animation included; the old ``matplotlib.use("Agg")`` on import would have replaced it."""
    assert on_a_users_backend[0].lower() == "svg"


def test_a_plot_is_drawn_on_the_users_backend(on_a_users_backend):
    assert on_a_users_backend[1].lower().endswith("backend_svg svg")


def test_the_command_line_chooses_a_backend_without_a_display():
    code = """
        import matplotlib
        from toysup.cli import main
        main(["info"])
        print(matplotlib.get_backend())
    """
    assert _python(code, MPLBACKEND="svg").lower() == "agg"


def test_every_module_imports_without_the_front_ends():
    """``pip install -e .`` leaves out Streamlit, Jupyter and the docs tools: every module of the package, the
    command line included, still imports (the app and lessons commands import theirs when they run)."""
    code = """
        import importlib, pkgutil, sys
        FRONT_ENDS = ("streamlit", "altair", "jupytext", "nbclient", "nbformat", "ipykernel", "IPython",
                      "jupyterlab", "jupyter_client", "mkdocs")

        class Missing:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in FRONT_ENDS:
                    raise ModuleNotFoundError(f"No module named {name!r}")

        sys.meta_path.insert(0, Missing())
        import toysup
        for module in pkgutil.walk_packages(toysup.__path__, "toysup."):
            if not module.name.endswith("__main__") and not module.name.startswith("toysup.course"):
                importlib.import_module(module.name)
        print(sorted(name for name in sys.modules if name.split(".")[0] in FRONT_ENDS))
    """
    assert _python(code) == "[]"


# --- progress --------------------------------------------------------------------------------------------------------

TINY = ToyConfig(n_features=3, n_hidden=2, steps=20, batch_size=16, seed=0)


@pytest.fixture(autouse=True)
def _restore_progress():
    previous = engine.set_progress(None)
    yield
    engine.set_progress(previous)


def _train_output(capsys, **options) -> str:
    capsys.readouterr()
    toysup.train(TINY, chunk_steps=10, **options)
    return capsys.readouterr().err


def test_training_draws_a_bar_by_default(capsys, monkeypatch):
    monkeypatch.delenv(engine.PROGRESS_VARIABLE, raising=False)
    assert toysup.progress_enabled()
    assert "step" in _train_output(capsys)


def test_set_progress_false_silences_every_bar(capsys, monkeypatch):
    monkeypatch.delenv(engine.PROGRESS_VARIABLE, raising=False)
    assert toysup.set_progress(False) is None
    assert not toysup.progress_enabled()
    assert _train_output(capsys) == ""
    assert _train_output(capsys, progress=True) == ""
    assert toysup.set_progress(True) is False
    assert "step" in _train_output(capsys)


@pytest.mark.parametrize("value", ["0", "false", "OFF", "no"])
def test_the_environment_variable_turns_progress_off(capsys, monkeypatch, value):
    monkeypatch.setenv(engine.PROGRESS_VARIABLE, value)
    assert not toysup.progress_enabled()
    assert _train_output(capsys) == ""


def test_set_progress_overrides_the_environment_and_none_hands_back_to_it(monkeypatch):
    monkeypatch.setenv(engine.PROGRESS_VARIABLE, "0")
    toysup.set_progress(True)
    assert toysup.progress_enabled()
    toysup.set_progress(None)
    assert not toysup.progress_enabled()
    monkeypatch.setenv(engine.PROGRESS_VARIABLE, "1")
    assert toysup.progress_enabled()


def test_progress_false_stays_off_whatever_the_switch(capsys, monkeypatch):
    monkeypatch.delenv(engine.PROGRESS_VARIABLE, raising=False)
    toysup.set_progress(True)
    assert _train_output(capsys, progress=False) == ""


def test_the_sweep_bar_over_chunks_follows_the_switch(capsys, tmp_path):
    """``toysup.chunks.run_chunks`` draws the other bar (over a sweep's chunks)."""

    def one_chunk(index):
        return {"value": np.asarray([index], np.float32)}

    run_chunks(tmp_path / "on", {"work": 1}, 2, one_chunk)
    assert "sweep" in capsys.readouterr().err
    toysup.set_progress(False)
    run_chunks(tmp_path / "off", {"work": 1}, 2, one_chunk)
    assert capsys.readouterr().err == ""


def test_set_progress_takes_only_a_switch():
    with pytest.raises(ValueError, match="progress: must be True, False or None"):
        toysup.set_progress("no")
