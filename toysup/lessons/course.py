"""Finding, building and running the course's lessons.

The lessons are jupytext percent-format ``.py`` files in the repository's top-level ``lessons/`` folder
(``NN_name.py``), with the exercise solutions in ``lessons/solutions/NN_name.py``. :func:`build` writes each
as a Jupyter notebook; :func:`run_lesson` executes one cell by cell, optionally with the solutions filled in
(what the tests do).
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from typing import Any

QUICK_VARIABLE = "TOYSUP_QUICK"
_LESSON_NAME = re.compile(r"^(\d\d)_\w+\.py$")


def is_quick() -> bool:
    """True when the environment variable TOYSUP_QUICK is set (and not 0): lessons then shrink their runs."""
    return os.environ.get(QUICK_VARIABLE, "0") not in ("", "0")


def lessons_folder() -> Path:
    """The top-level ``lessons/`` folder of the toysup checkout this package is installed from."""
    folder = Path(__file__).resolve().parents[2] / "lessons"
    if not folder.is_dir():
        raise ValueError(
            f"lessons: no lessons folder at {folder}; the lessons ship with the toysup repository — "
            f"clone it and install with `pip install -e .`"
        )
    return folder


def lesson_paths(folder: str | Path | None = None) -> list[Path]:
    """The lesson sources ``NN_name.py``, in course order."""
    folder = lessons_folder() if folder is None else Path(folder)
    paths = sorted(path for path in folder.glob("*.py") if _LESSON_NAME.match(path.name))
    if not paths:
        raise ValueError(f"lessons: no lesson files (NN_name.py) in {folder}")
    return paths


def solution_path(lesson: str | Path) -> Path:
    """``lessons/solutions/NN_name.py`` of ``lessons/NN_name.py``."""
    lesson = Path(lesson)
    return lesson.parent / "solutions" / lesson.name


def _jupytext():
    """jupytext, imported when a lesson is read (so the rest of the CLI works without it)."""
    try:
        import jupytext
    except ImportError:
        raise ValueError("lessons: reading lessons needs jupytext — `pip install -e '.[lessons]'`") from None
    return jupytext


def read_lesson(lesson: str | Path):
    """The lesson as an ``nbformat`` notebook (jupytext percent format)."""
    return _jupytext().read(lesson, fmt="py:percent")


def lesson_title(lesson: str | Path) -> str:
    """The text of the lesson's first markdown heading."""
    for cell in read_lesson(lesson).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return Path(lesson).stem


def build(out: str | Path, folder: str | Path | None = None) -> list[Path]:
    """Write every lesson as ``OUT/NN_name.ipynb`` (outputs empty); returns the notebooks' paths."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out: {out} is a file; give a folder for the notebooks")
    paths = lesson_paths(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for lesson in paths:
        target = out / f"{lesson.stem}.ipynb"
        _jupytext().write(read_lesson(lesson), target, fmt="ipynb")
        written.append(target)
    return written


def load_solutions(lesson: str | Path) -> dict[str, Any]:
    """The functions defined in the lesson's solutions file, by name."""
    path = solution_path(lesson)
    if not path.exists():
        raise ValueError(f"lessons: no solutions file {path}")
    spec = importlib.util.spec_from_file_location(f"toysup_solutions_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {
        name: value
        for name, value in vars(module).items()
        if callable(value) and getattr(value, "__module__", None) == module.__name__
    }


def run_lesson(lesson: str | Path, solutions: dict[str, Any] | None = None) -> dict[str, Any]:
    """Execute a lesson's code cells in order in one fresh namespace and return it.

    Cells run as plain Python: IPython magics (``%matplotlib inline``) are skipped. With ``solutions``
    ({name: function}), every cell is followed by putting the solutions in the namespace, so each exercise
    stub is replaced by its solution before the next cell checks or uses it.
    """
    lesson = Path(lesson)
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(lesson)}
    for index, cell in enumerate(read_lesson(lesson).cells):
        if cell.cell_type != "code":
            continue
        source = "\n".join("" if line.startswith(("%", "!")) else line for line in cell.source.splitlines())
        exec(compile(source, f"{lesson.name} (cell {index})", "exec"), namespace)
        if solutions:
            namespace.update(solutions)
    return namespace
