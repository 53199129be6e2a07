"""``toysup figures``: an unknown figure name is a one-line error naming the figures there are, and ``--out`` is
checked before any figure is made. ``--replot`` refuses flags it would ignore and damaged saved results in one line
(redrawing real saved figures: tests/figures/test_figures.py)."""

import importlib
import json

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
        assert main(["figures", "intro", "--quick", "--out", str(out), "--overwrite"]) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and words in err, err


def test_overwrite_starts_a_fresh_gallery_and_keeps_other_files(tmp_path):
    gallery = mark(tmp_path / "gallery", "figures")
    for name in ("basic_results.png", "basic_results.json", "README.md", "demo.png"):
        (gallery / name).write_text("old")
    figures.remove_gallery(gallery)
    assert sorted(path.name for path in gallery.iterdir()) == ["demo.png", "toysup.json"]


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--quick"], ["--quick"]),
        (["--overwrite"], ["--overwrite"]),
        (["--quick", "--overwrite"], ["--quick", "--overwrite"]),
    ],
)
def test_replot_refuses_flags_it_would_ignore(tmp_path, monkeypatch, capsys, flags, words):
    monkeypatch.setattr(figures, "replot_figures", lambda *a, **k: pytest.fail("redrew figures"))
    assert main(["figures", "intro", "--replot", *flags, "--out", str(tmp_path / "g")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--replot" in err and all(word in err for word in words), err


def _record(data) -> str:
    fields = ("title", "section", "caption", "mode", "command", "svg")
    return json.dumps(
        {"name": "intro", **dict.fromkeys(fields, "x"), "seconds": 1.0, "check": {"holds": True}, "data": data}
    )


@pytest.mark.parametrize(
    "names, saved, words",
    [
        (["intro"], None, "intro.json: missing"),
        ([], None, "no saved figures"),
        ([], '{"name": "intro", "data": [1, 2', "intro.json: not valid JSON"),
        ([], "[1, 2]", "intro.json: not the saved record"),
        ([], '{"name": "intro", "data": {}}', "intro.json: not the saved record of figure 'intro' (no title"),
        ([], _record({}), "intro.json: its data cannot be drawn"),
        ([], _record([1]), "intro.json: its data cannot be drawn"),
    ],
)
def test_replot_refuses_a_missing_or_damaged_record_in_one_line(tmp_path, monkeypatch, capsys, names, saved, words):
    gallery = mark(tmp_path / "gallery", "figures")
    if saved is not None:
        (gallery / "intro.json").write_text(saved)
    assert main(["figures", "--replot", *names, "--out", str(gallery)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("toysup: error: ") and words in err, err
    assert not (gallery / "intro.png").exists()
