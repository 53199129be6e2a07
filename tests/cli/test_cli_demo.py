"""``toysup demo``: the figure and the saved run, a one-line error for bad input, and its output folder: the demo
replaces its own earlier output (so it can be run again) but nothing it did not write unless ``--overwrite``."""

import importlib

import pytest

import toysup
from toysup import storage
from toysup.cli import main
from toysup.storage import marker


def test_bad_input_is_one_line_naming_the_field(capsys):
    assert main(["demo", "--steps", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "steps" in err and "Traceback" not in err


def test_demo_writes_the_figure_and_can_be_run_again(tmp_path, capsys):
    for seed in (0, 1):  # the second run replaces the first's run/ and demo.png without --overwrite
        assert main(["demo", "--steps", "200", "--seed", str(seed), "--out", str(tmp_path), "--quiet"]) == 0
        assert (tmp_path / "demo.png").stat().st_size > 10_000
        run = toysup.load(tmp_path / "run")
        assert run.W.shape == (8, 2, 5) and run.config.seed == seed
    assert marker(tmp_path / "run") == {"kind": "run", "owner": "demo"}


@pytest.fixture
def no_training(monkeypatch):
    monkeypatch.setattr(importlib.import_module("toysup.train"), "train", lambda *a, **k: pytest.fail("trained"))


def test_output_the_demo_did_not_write_is_refused_before_training(tmp_path, capsys, no_training):
    (tmp_path / "demo.png").write_bytes(b"my own picture")
    assert main(["demo", "--steps", "20", "--out", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "demo.png was not written by toysup demo; pass --overwrite" in err
    (tmp_path / "demo.png").unlink()
    storage.replace_folder(tmp_path / "run", "run", lambda folder: None)  # a run from toysup train
    assert main(["demo", "--steps", "20", "--out", str(tmp_path), "--quiet"]) == 1
    assert "pass --overwrite" in capsys.readouterr().err
    (tmp_path / "a-file").write_text("x")
    assert main(["demo", "--steps", "20", "--out", str(tmp_path / "a-file"), "--quiet"]) == 1
    assert "is a file" in capsys.readouterr().err
    foreign = tmp_path / "other" / "run"
    foreign.mkdir(parents=True)
    (foreign / "notes.txt").write_text("mine")
    assert main(["demo", "--steps", "20", "--out", str(tmp_path / "other"), "--overwrite", "--quiet"]) == 1
    assert "toysup did not write" in capsys.readouterr().err


def test_overwrite_replaces_a_figure_the_demo_did_not_write(tmp_path, capsys):
    (tmp_path / "demo.png").write_bytes(b"my own picture")
    assert main(["demo", "--steps", "20", "--out", str(tmp_path), "--overwrite", "--quiet"]) == 0
    assert (tmp_path / "demo.png").read_bytes()[:4] == b"\x89PNG"
