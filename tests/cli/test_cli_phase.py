"""``toysup phase``: the phase diagram's JSON and figure, a one-line error for a shape without a theory, and
``--out`` checked before training."""

import importlib
import json

import numpy as np
import pytest

from toysup.cli import build_parser, main
from toysup.storage import mark


def test_cli_phase_writes_json_and_figure(tmp_path, capsys):
    out = tmp_path / "phase"
    assert (
        main(
            [
                "phase",
                "--features",
                "3",
                "--hidden",
                "2",
                "--grid",
                "4",
                "--restarts",
                "2",
                "--steps",
                "300",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    result = json.loads((out / "phase.json").read_text())
    assert 0.0 <= result["agreement"] <= 1.0 and np.array(result["empirical"]).shape == (4, 4)
    assert (out / "phase.png").stat().st_size > 10_000
    assert main(["phase", "--features", "4", "--hidden", "2", "--out", str(tmp_path / "x")]) == 2
    assert "features/hidden" in capsys.readouterr().err


def test_a_bad_out_is_refused_before_training_with_exit_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(importlib.import_module("toysup.phase"), "run_phase", lambda *a, **k: pytest.fail("trained"))
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    sweep = mark(tmp_path / "sweep", "sweep")
    for out, words in ((foreign, "toysup did not write"), (sweep, "holds a toysup sweep result, not a phase")):
        for overwrite in ([], ["--overwrite"]):
            assert main(["phase", "--grid", "2", "--out", str(out), "--quiet", *overwrite]) == 1
            err = capsys.readouterr().err.strip()
            assert len(err.splitlines()) == 1 and words in err, err


def test_the_old_name_seeds_still_sets_the_restarts(tmp_path, monkeypatch):
    """``--seeds`` was phase's name for the best-of-k fits per cell, which every other command calls ``--restarts``
    (``--seeds`` elsewhere means independent seeds, each kept); the old name still works, hidden from --help."""
    specs = []

    def stop(spec, *args, **kwargs):
        specs.append(spec)
        raise KeyboardInterrupt  # instead of training

    monkeypatch.setattr(importlib.import_module("toysup.phase"), "run_phase", stop)
    assert main(["phase", "--grid", "2", "--seeds", "3", "--out", str(tmp_path / "p"), "--quiet"]) == 130
    assert specs[0].base.restarts == 3
    commands = next(action for action in build_parser()._actions if action.dest == "command")
    shown = commands.choices["phase"].format_help()
    assert "--restarts" in shown and "--seeds" not in shown
