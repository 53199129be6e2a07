"""``toysup lessons``: ``build`` writes valid notebooks, ``list`` prints every lesson, and bad use is one
clear line."""

import json

import pytest

from toysup.cli import main
from toysup.lessons.course import lesson_paths

LESSONS = lesson_paths()


def test_build_writes_valid_notebooks(tmp_path, capsys):
    nbformat = pytest.importorskip("nbformat")
    assert main(["lessons", "build", "--out", str(tmp_path)]) == 0
    assert f"wrote {len(LESSONS)} notebooks" in capsys.readouterr().out
    notebooks = sorted(tmp_path.glob("*.ipynb"))
    assert [path.stem for path in notebooks] == [path.stem for path in LESSONS]
    for path in notebooks:
        notebook = json.loads(path.read_text())
        assert notebook["nbformat"] == 4
        kinds = {cell["cell_type"] for cell in notebook["cells"]}
        assert kinds == {"markdown", "code"}
        assert not any(cell.get("outputs") for cell in notebook["cells"] if cell["cell_type"] == "code")
        nbformat.validate(nbformat.reads(path.read_text(), as_version=4))
    first = json.loads(notebooks[0].read_text())
    assert "".join(first["cells"][0]["source"]).startswith("# Lesson 1")


def test_list_prints_every_lesson(capsys):
    assert main(["lessons", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(LESSONS) and lines[0].startswith("01  Lesson 1")


def test_lessons_needs_a_subcommand(capsys):
    assert main(["lessons"]) == 2
    assert "{list,build}" in capsys.readouterr().err


def test_build_into_a_file_is_one_clear_line(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("")
    assert main(["lessons", "build", "--out", str(target)]) == 2
    assert "out: " in capsys.readouterr().err
