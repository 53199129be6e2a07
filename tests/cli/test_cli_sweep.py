"""``toysup sweep``: a sweep from a TOML file plus ``--axis`` flags, a one-line error for a bad axis, and ``--out``
checked before training (its own folder resumes; ``--overwrite`` starts afresh)."""

import importlib
import textwrap

import pytest

from toysup.cli import main
from toysup.storage import mark
from toysup.sweeps import load_sweep

sweeps = importlib.import_module("toysup.sweeps")


def test_cli_sweep_from_toml_and_flags(tmp_path, capsys):
    config = tmp_path / "sweep.toml"
    config.write_text(
        textwrap.dedent("""
        seeds = 2
        [base]
        n_features = 3
        n_hidden = 2
        steps = 100
        batch_size = 64
        learning_rate = 0.01
        [axes]
        feature_probability = [0.1, 0.5, 1.0]
    """)
    )
    out = tmp_path / "out"
    assert (
        main(
            ["sweep", "--config", str(config), "--axis", "importance[2]=logspace(-1,1,2)", "--out", str(out), "--quiet"]
        )
        == 0
    )
    assert dict(load_sweep(out).sizes)["importance_2"] == 2
    assert main(["sweep", "--axis", "feature_probability=2", "--out", str(tmp_path / "bad"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "feature_probability" in err and "(0, 1]" in err


SMALL = ["--features", "3", "--hidden", "2", "--steps", "20", "--batch-size", "64", "--quiet"]


def test_a_bad_out_is_refused_before_training(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sweeps, "run_sweep", lambda *a, **k: pytest.fail("trained"))
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    (tmp_path / "a-file").write_text("x")
    phase = mark(tmp_path / "phase", "phase")
    for out, words in ((foreign, "toysup did not write"), (tmp_path / "a-file", "is a file"), (phase, "phase result")):
        for overwrite in ([], ["--overwrite"]):
            argv = ["sweep", *SMALL, "--axis", "feature_probability=0.5,1", "--out", str(out), *overwrite]
            assert main(argv) == 1
            err = capsys.readouterr().err.strip()
            assert len(err.splitlines()) == 1 and words in err, err
    assert [path.name for path in foreign.iterdir()] == ["notes.txt"]


def test_a_sweep_resumes_in_its_folder_and_starts_afresh_with_overwrite(tmp_path, capsys):
    out = str(tmp_path / "grid")
    assert main(["sweep", *SMALL, "--axis", "feature_probability=0.5,1", "--out", out]) == 0
    assert main(["sweep", *SMALL, "--axis", "feature_probability=0.5,1", "--out", out]) == 0  # resumes: all done
    assert main(["sweep", *SMALL, "--axis", "feature_probability=0.2", "--out", out]) == 1
    assert "holds a different sweep" in capsys.readouterr().err
    assert main(["sweep", *SMALL, "--axis", "feature_probability=0.2", "--out", out, "--overwrite"]) == 0
    assert dict(load_sweep(out).sizes)["feature_probability"] == 1


def test_flags_given_override_the_toml_base_and_diverged_points_are_counted(tmp_path, monkeypatch, capsys):
    import numpy as np
    import xarray as xr

    config = tmp_path / "sweep.toml"
    config.write_text("seeds = 2\n[base]\nn_features = 3\nsteps = 100\nlearning_rate = 0.01\n")
    specs = []

    def record(spec, out, **options):
        specs.append(spec)
        return xr.Dataset({"loss": (("feature_probability", "seed"), np.asarray([[0.1, np.nan], [np.nan, 0.3]]))})

    monkeypatch.setattr(sweeps, "run_sweep", record)
    argv = ["sweep", "--config", str(config), "--steps", "50", "--seeds", "3", "--axis", "feature_probability=0.5,1"]
    assert main([*argv, "--out", str(tmp_path / "out"), "--quiet"]) == 0
    base = specs[0].base
    assert (base.n_features, base.steps, base.learning_rate, base.n_hidden) == (
        3,
        50,
        0.01,
        2,
    )  # flag > [base] > default
    assert specs[0].seeds == 3
    captured = capsys.readouterr()
    assert "mean loss 0.2;" in captured.out
    assert "2 of 4 grid points (x seeds) diverged" in captured.err
