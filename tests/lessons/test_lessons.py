"""The course: every lesson runs end to end with its solutions, in course order with its title, and shows
each figure once in Jupyter. The checks: test_lesson_checks.py; ``toysup lessons``: tests/cli/test_cli_lessons.py."""

import ast

import matplotlib.pyplot as plt
import pytest

from toysup import lessons
from toysup.lessons.course import lesson_paths, load_solutions, run_lesson

LESSONS = lesson_paths()


def _stubs(lesson) -> set[str]:
    """Names of the lesson's functions whose body raises NotImplementedError (the exercise stubs)."""
    tree = ast.parse(lesson.read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(inner, ast.Raise) and "NotImplementedError" in ast.unparse(inner) for inner in ast.walk(node)
        )
    }


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_lesson_runs_end_to_end_with_its_solutions(lesson, monkeypatch, capsys):
    monkeypatch.setenv("TOYSUP_QUICK", "1")
    solutions = load_solutions(lesson)
    try:
        namespace = run_lesson(lesson, solutions)
    finally:
        plt.close("all")
    assert set(solutions) == _stubs(lesson), "each stub has a solution and each solution a stub"
    assert 2 <= len(solutions) <= 5
    assert all(namespace[name] is solution for name, solution in solutions.items())
    printed = capsys.readouterr().out
    unchecked = [name for name in solutions if f"✓ {name}: all " not in printed]
    assert not unchecked, f"exercises never checked in the lesson: {unchecked}"


def test_lessons_are_in_course_order_with_titles():
    assert [path.name[:2] for path in LESSONS] == [f"{i:02d}" for i in range(1, len(LESSONS) + 1)]
    assert len(LESSONS) >= 7
    assert all(lessons.lesson_title(path).startswith(f"Lesson {i}") for i, path in enumerate(LESSONS, 1))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_figures_show_once_in_jupyter(lesson):
    """The inline backend is enabled before toysup.plots picks Agg, and interactive mode is off, so a figure
    appears exactly where a cell ends with it (checked by executing the built notebooks with nbclient)."""
    first_code = next(cell.source for cell in lessons.read_lesson(lesson).cells if cell.cell_type == "code")
    assert first_code.startswith("%matplotlib inline\n") and "plt.ioff()" in first_code


def test_a_folder_without_lessons_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no lesson files"):
        lesson_paths(tmp_path)
    with pytest.raises(ValueError, match="no lesson files"):
        lessons.build(tmp_path / "out", folder=tmp_path)
