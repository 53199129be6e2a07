"""``toysup circuit``: transcoders on a saved run, their graphs written as JSON and pictures, their scores printed;
one-line errors for a run that computes nothing and for values only the run can refuse, ``--out`` checked before
training (never the run's folder; a circuit replaced only with ``--overwrite``)."""

import contextlib
import importlib
import io as text_io
import json

import numpy as np
import pytest

from toysup import io, theory
from toysup.cli import main
from toysup.config import ToyConfig
from toysup.train import TrainResult

transcoders = importlib.import_module("toysup.circuits.transcoders")
N = 6  # features of the tiny |x| run


def _save(path, config, params):
    params = {name: np.asarray(value, np.float32)[None] for name, value in params.items()}
    io.save(TrainResult(config, params, np.zeros((1, 1), np.float32), np.zeros(1, np.float32), config.steps), path)
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A monosemantic |x| model that computes 3 of its 6 features exactly (hand-built: y_i = |x_i| for i < 3), and a
    linear model, which computes nothing."""
    folder = tmp_path_factory.mktemp("runs")
    config = ToyConfig(n_features=N, n_hidden=N, model="abs", feature_probability=0.2)
    weights = theory.abs_monosemantic_weights(np.full(N, 0.2), 1.0, N)
    linear = ToyConfig(n_features=4, n_hidden=2, model="linear")
    return {
        "abs": _save(folder / "abs", config, weights),
        "linear": _save(folder / "linear", linear, {"W": np.ones((2, 4)), "b": np.zeros(4)}),
    }


@pytest.fixture(scope="module")
def made(runs, tmp_path_factory):
    """One happy-path run of the command, with ``--input``: (exit status, stdout, the output folder)."""
    out = tmp_path_factory.mktemp("circuit") / "out"
    printed = text_io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(
            ["circuit", "--run", str(runs["abs"]), "--arch", "relu", "--steps", "600", "--samples", "512"]
            + ["--input", "1=0.8,4=-0.5", "--out", str(out), "--quiet"]
        )
    return status, printed.getvalue(), out


def test_writes_the_graph_json_and_pictures_and_prints_the_scores(made):
    status, printed, out = made
    assert status == 0, printed
    assert "derived n_latents" in printed and "task P" in printed and "saved to" in printed
    assert json.loads((out / "toysup.json").read_text())["kind"] == "circuit"
    for name in ("graph.png", "graph.svg", "input.png"):
        assert (out / name).stat().st_size > 1000
    record = json.loads((out / "graph.json").read_text())
    (instance,) = record["instances"]
    # The model computes features 0, 1, 2 exactly: its own graph is those three diagonal edges, and a transcoder
    # that imitates it finds them all and nothing else; against the task's 6 edges, recall is 3 / 6.
    assert instance["model"]["f1"] == pytest.approx(1.0)
    assert instance["task"]["precision"] == pytest.approx(1.0) and instance["task"]["recall"] == pytest.approx(0.5)
    assert instance["imitation"]["explained_variance"] > 0.8
    assert {(row[0], row[1]) for row in record["graph"]["input_output"]} == {(0, 0), (1, 1), (2, 2)}
    # The one input x1 = 0.8, x4 = −0.5: only feature 1 reaches its output (the model ignores feature 4).
    assert {(row[0], row[1]) for row in record["input"]["graph"]["input_output"]} == {(1, 1)}


def test_refuses_to_overwrite_before_training(made, runs, monkeypatch, capsys):
    _, _, out = made
    monkeypatch.setattr(transcoders, "train_transcoder", lambda *a, **k: pytest.fail("trained before refusing"))
    assert main(["circuit", "--run", str(runs["abs"]), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--overwrite" in err
    assert main(["circuit", "--run", str(runs["abs"]), "--out", str(runs["abs"] / "inside"), "--quiet"]) == 1
    assert "run's folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    "run, flags, word",
    [
        ("linear", [], "model must be one of abs, relu_output"),
        ("abs", ["--instance", "1"], "instance: must be"),
        ("abs", ["--input", "6=0.5"], "input: features must be in [0, 5]"),
        ("abs", ["--input", "2=1.5"], "input: values"),
        ("abs", ["--steps", "3000000000"], "steps"),
    ],
)
def test_what_only_the_run_can_refuse_is_one_line_exit_2_before_training(runs, flags, run, word, monkeypatch, capsys):
    monkeypatch.setattr(transcoders, "train_transcoder", lambda *a, **k: pytest.fail("trained before refusing"))
    assert main(["circuit", "--run", str(runs[run]), *flags, "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("toysup: error: ") and word in err, err
