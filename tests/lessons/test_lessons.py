"""The course: every lesson, built as a notebook with its solutions filled in, runs end to end in a real Jupyter
kernel (nbclient, quick mode) and checks each exercise; the lessons are in course order with their titles, are
found in the installed package, and show each figure once in Jupyter (lesson 1 runs from the packed class, in
test_pack.py). The checks: test_lesson_checks.py;
``toysup lessons``: tests/cli/test_cli_lessons.py; the class's zip: test_pack.py."""

import importlib.resources
from pathlib import Path

import nbformat
import pytest
from lesson_runs import check_filled_in, check_ran

from toysup import lessons
from toysup.lessons import course
from toysup.lessons.course import lesson_paths, load_solutions

LESSONS = lesson_paths()


# Lesson 1 runs in a kernel in test_pack.py, from the packed class in a fresh environment, with the same checks.
KERNEL_RUNS = [path for path in LESSONS if course.lesson_number(path) != 1]


@pytest.mark.parametrize("lesson", KERNEL_RUNS, ids=lambda path: path.stem)
def test_lesson_runs_in_a_kernel_with_its_solutions(lesson, tmp_path, monkeypatch):
    """The notebook ``toysup lessons build --solutions`` writes, executed by nbclient in a fresh kernel."""
    pytest.importorskip("nbclient")
    monkeypatch.setenv("TOYSUP_QUICK", "1")  # the kernel inherits it
    notebook = course.notebook(lesson, solutions=True)
    solutions = check_filled_in(lesson, notebook)
    path = tmp_path / f"{lesson.stem}.ipynb"
    nbformat.write(notebook, path)
    check_ran(solutions, course.execute(path))


def test_every_lesson_runs_in_a_kernel_in_the_tests():
    """Every lesson is run: here, or (lesson 1) in test_pack.py."""
    assert [course.lesson_number(path) for path in LESSONS] == sorted(
        [1, *(course.lesson_number(path) for path in KERNEL_RUNS)]
    )


def test_lessons_are_in_course_order_with_titles():
    numbers = [course.lesson_number(path) for path in LESSONS]
    assert numbers[0] in (0, 1) and numbers == list(range(numbers[0], numbers[0] + len(LESSONS)))
    assert len(LESSONS) >= 7
    assert all(lessons.lesson_title(path).startswith(f"Lesson {n}") for n, path in zip(numbers, LESSONS))


def test_lessons_are_found_in_the_installed_package():
    """The course is the package ``toysup.course`` (the repository's lessons/ installed), found through
    importlib.resources, not through a path relative to the source tree."""
    folder = Path(importlib.resources.files("toysup.course"))
    assert course.lessons_folder() == folder
    assert all(path.parent == folder for path in LESSONS)
    assert all(course.solution_path(path).is_file() for path in LESSONS)
    assert (folder / "README.md").is_file()


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_figures_show_once_in_jupyter(lesson):
    """The inline backend is enabled and interactive mode is off, so a figure
    appears exactly where a cell ends with it (the notebooks run in a kernel above)."""
    first_code = next(cell.source for cell in lessons.read_lesson(lesson).cells if cell.cell_type == "code")
    assert first_code.startswith("%matplotlib inline\n") and "plt.ioff()" in first_code


def test_a_folder_without_lessons_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no lesson files"):
        lesson_paths(tmp_path)
    with pytest.raises(ValueError, match="no lesson files"):
        lessons.build(tmp_path / "out", folder=tmp_path)


LESSON = '''# %% [markdown]
# # Lesson 9 — a lesson for the test

# %%
import math


# %%
def area(radius):
    """The area of a circle."""
    raise NotImplementedError("Exercise 9.1")


print(area(1.0))
'''

SOLUTIONS = '''"""Solutions to lesson 9."""

import numpy as np

TAU = 2 * np.pi


def area(radius):
    """The area of a circle."""
    return TAU / 2 * radius**2


ANSWERS = {2: "Because.", 1: "Twice the radius."}
'''


def test_solutions_fill_the_stubs_in_and_answers_close_the_notebook(tmp_path):
    """load_solutions returns the functions only (not ANSWERS or constants); a built notebook with solutions
    has each stub replaced, the solutions' imports and constants added, and the answers at the end in order."""
    (tmp_path / "solutions").mkdir()
    (tmp_path / "09_circle.py").write_text(LESSON)
    (tmp_path / "solutions" / "09_circle.py").write_text(SOLUTIONS)
    lesson = tmp_path / "09_circle.py"
    assert list(load_solutions(lesson)) == ["area"]
    assert course.load_answers(lesson) == {1: "Twice the radius.", 2: "Because."}

    filled = course.notebook(lesson, solutions=True)
    namespace = {}
    for cell in filled.cells:
        if cell.cell_type == "code":
            exec(cell.source, namespace)
    assert namespace["area"](2.0) == pytest.approx(4 * 3.141592653589793)
    assert filled.cells[-1].source.startswith("## Answers to the questions")
    assert filled.cells[-1].source.index("**1.** Twice") < filled.cells[-1].source.index("**2.** Because")
    student = course.notebook(lesson)
    assert "NotImplementedError" in student.cells[-1].source and "Answers" not in student.cells[-1].source

    (tmp_path / "solutions" / "09_circle.py").write_text('"""No solutions yet."""\n')
    with pytest.raises(ValueError, match="area of 09_circle.py has no solution"):
        course.notebook(lesson, solutions=True)
