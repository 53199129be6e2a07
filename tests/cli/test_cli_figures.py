"""``toysup figures``: an unknown figure name is a one-line error naming the figures there are, and ``--out`` is
checked before any figure is made."""

import importlib

import pytest

from toysup.cli import main
from toysup.storage import mark

figures = importlib.import_module("toysup.figures")


def test_bad_figure_name_is_a_one_line_error(capsys):
    assert main(["figures", "pentagon", "--quick", "--out", "unused"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pentagon" in err and "intro" in err


def test_a_bad_out_is_refused_before_any_figure_is_made(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(figures, "make_figures", lambda *a, **k: pytest.fail("made figures"))
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    (tmp_path / "a-file").write_text("x")
    run = mark(tmp_path / "run", "run")
    for out, words in ((foreign, "toysup did not write"), (tmp_path / "a-file", "is a file"), (run, "run result")):
        assert main(["figures", "intro", "--quick", "--out", str(out), "--overwrite"]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and words in err, err


def test_overwrite_starts_a_fresh_gallery_and_keeps_other_files(tmp_path):
    gallery = mark(tmp_path / "gallery", "figures")
    for name in ("basic_results.png", "basic_results.json", "README.md", "demo.png"):
        (gallery / name).write_text("old")
    figures.remove_gallery(gallery)
    assert sorted(path.name for path in gallery.iterdir()) == ["demo.png", "toysup.json"]
