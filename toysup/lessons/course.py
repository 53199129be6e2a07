"""Finding, building, packing and running the course's lessons.

The lessons are jupytext percent-format ``.py`` files (``NN_name.py``), with the exercise solutions in
``solutions/NN_name.py``. Their source is the repository's top-level ``lessons/`` folder, which is installed
with the package as ``toysup.course`` (see ``pyproject.toml``), so :func:`lessons_folder` finds them through
``importlib.resources`` in an editable install and in a wheel alike.

* :func:`build` writes each lesson as a pair ``NN_name.ipynb`` + ``NN_name.py`` that jupytext keeps in step
  (``formats: ipynb,py:percent``), never replacing a pair already there unless asked;
  ``solutions=True`` fills each exercise stub in with its solution and appends the answers to the questions.
* :func:`pack` writes one zip for a class: a wheel of toysup and the notebooks, whose first cell installs the
  wheel when toysup is not importable (a hosted notebook service).
* :func:`execute` runs a built notebook in a Jupyter kernel (what the tests do, with ``TOYSUP_QUICK=1``);
  :func:`run_lesson` runs a lesson's code in this process, without a kernel.
"""

from __future__ import annotations

import ast
import importlib.resources
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..storage import OutputError, check_file_output, check_output, mark, write_atomic, write_text

QUICK_VARIABLE = "TOYSUP_QUICK"
COURSE_PACKAGE = "toysup.course"  # the installed lessons/ folder
KIND = "lessons"  # the kind recorded in toysup.json of a folder of built notebooks
PAIRED_FORMATS = "ipynb,py:percent"
_LESSON_NAME = re.compile(r"^(\d\d)_\w+\.py$")
# The parts of the source tree a wheel is built from (pyproject.toml's packages, package-dir, readme and licence).
_SOURCE_PARTS = ("pyproject.toml", "README.md", "LICENSE", "toysup", "lessons")


def is_quick() -> bool:
    """True when the environment variable TOYSUP_QUICK is set (and not 0): lessons then shrink their runs."""
    return os.environ.get(QUICK_VARIABLE, "0") not in ("", "0")


def lessons_folder() -> Path:
    """The installed course folder (``toysup.course``: the repository's ``lessons/``)."""
    try:
        folder = importlib.resources.files(COURSE_PACKAGE)
    except ModuleNotFoundError:
        raise ValueError(
            f"lessons: the course ({COURSE_PACKAGE}) is not installed with this toysup; "
            f"reinstall it from the repository with `pip install -e '.[lessons]'`"
        ) from None
    if not isinstance(folder, Path) or not folder.is_dir():
        raise ValueError(f"lessons: the course {folder} is not a folder on disk; install toysup unzipped")
    return folder


def lesson_paths(folder: str | Path | None = None) -> list[Path]:
    """The lesson sources ``NN_name.py``, in course order."""
    folder = lessons_folder() if folder is None else Path(folder)
    paths = sorted(path for path in folder.glob("*.py") if _LESSON_NAME.match(path.name))
    if not paths:
        raise ValueError(f"lessons: no lesson files (NN_name.py) in {folder}")
    return paths


def lesson_number(lesson: str | Path) -> int:
    """The NN of ``NN_name.py``."""
    return int(Path(lesson).name[:2])


def find_lesson(number: int, folder: str | Path | None = None) -> Path:
    """The lesson numbered ``number``; a ``ValueError`` naming the numbers there are otherwise."""
    paths = lesson_paths(folder)
    numbers = [lesson_number(path) for path in paths]
    if number not in numbers:
        raise ValueError(f"lesson: must be in [{min(numbers)}, {max(numbers)}], got {number}")
    return paths[numbers.index(number)]


def solution_path(lesson: str | Path) -> Path:
    """``solutions/NN_name.py`` of ``NN_name.py``."""
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


# --- solutions ----------------------------------------------------------------------------------------------


def _solutions_module(lesson: str | Path):
    path = solution_path(lesson)
    if not path.exists():
        raise ValueError(f"lessons: no solutions file {path}")
    spec = importlib.util.spec_from_file_location(f"toysup_solutions_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_solutions(lesson: str | Path) -> dict[str, Any]:
    """The functions (and classes) defined in the lesson's solutions file, by name; not its ``ANSWERS``."""
    module = _solutions_module(lesson)
    return {
        name: value
        for name, value in vars(module).items()
        if callable(value) and getattr(value, "__module__", None) == module.__name__
    }


def load_answers(lesson: str | Path) -> dict[int, str]:
    """The answers to the lesson's questions: the ``ANSWERS`` dict of its solutions file ({} if it has none)."""
    answers = getattr(_solutions_module(lesson), "ANSWERS", {})
    if not isinstance(answers, dict):
        raise ValueError(f"lessons: ANSWERS in {solution_path(lesson)} must be a dict, got {type(answers).__name__}")
    return dict(sorted(answers.items()))


def _is_stub(node: ast.AST) -> bool:
    """A function or class whose body raises NotImplementedError somewhere: an exercise stub."""
    return isinstance(node, (ast.FunctionDef, ast.ClassDef)) and any(
        isinstance(inner, ast.Raise) and "NotImplementedError" in ast.unparse(inner) for inner in ast.walk(node)
    )


def _line_span(node: ast.AST) -> tuple[int, int]:
    """(first, last) 1-based lines of a definition, its decorators included."""
    first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
    return first, node.end_lineno


def _parse_cell(source: str) -> ast.Module | None:
    """The cell's code parsed, IPython magics blanked out (line numbers kept); None if it is not Python."""
    masked = "\n".join("#" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        return ast.parse(masked)
    except SyntaxError:
        return None


def _fill_solutions(notebook, lesson: Path) -> None:
    """Replace each exercise stub in ``notebook`` by its solution's source, add the imports and other top-level
    code of the solutions file that the lesson lacks (one cell after the first code cell), and append the answers
    to the questions. A stub without a solution is a ``ValueError``."""
    source = solution_path(lesson).read_text()
    lines = source.splitlines()
    definitions, setup = {}, []
    tree = ast.parse(source)
    for index, node in enumerate(tree.body):
        first, last = _line_span(node) if hasattr(node, "decorator_list") else (node.lineno, node.end_lineno)
        segment = "\n".join(lines[first - 1 : last])
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            definitions[node.name] = segment
        elif index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module docstring
        elif isinstance(node, ast.Assign) and any(getattr(target, "id", "") == "ANSWERS" for target in node.targets):
            continue
        else:
            setup.append(segment)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in code_cells:
        parsed = _parse_cell(cell.source)
        if parsed is None:
            continue
        cell_lines = cell.source.splitlines()
        for node in sorted((n for n in parsed.body if _is_stub(n)), key=lambda n: n.lineno, reverse=True):
            if node.name not in definitions:
                raise ValueError(f"lessons: the exercise {node.name} of {lesson.name} has no solution")
            first, last = _line_span(node)
            cell_lines[first - 1 : last] = definitions[node.name].splitlines()
        cell.source = "\n".join(cell_lines)
    lesson_lines = {line.strip() for cell in code_cells for line in cell.source.splitlines()}
    missing = [segment for segment in setup if not all(line.strip() in lesson_lines for line in segment.splitlines())]
    if missing and code_cells:
        nbformat = _nbformat()
        cell = nbformat.v4.new_code_cell(
            "# What the solutions use besides the lesson's imports.\n" + "\n".join(missing)
        )
        notebook.cells.insert(notebook.cells.index(code_cells[0]) + 1, cell)
    answers = load_answers(lesson)
    if answers:
        text = "\n\n".join(f"**{number}.** {answer}" for number, answer in answers.items())
        notebook.cells.append(_nbformat().v4.new_markdown_cell(f"## Answers to the questions\n\n{text}"))


def _nbformat():
    try:
        import nbformat
    except ImportError:
        raise ValueError("lessons: building notebooks needs nbformat — `pip install -e '.[lessons]'`") from None
    return nbformat


# --- building -----------------------------------------------------------------------------------------------


def install_cell_source(wheel_name: str) -> str:
    """The first cell of a packed notebook: install toysup from the wheel beside the notebook when it is not
    importable (on a hosted notebook service), and nothing otherwise."""
    return (
        "# Installs toysup from the wheel beside this notebook when it is not installed (a hosted notebook service).\n"
        "try:\n"
        "    import toysup\n"
        "except ImportError:\n"
        f"    %pip install --quiet {wheel_name}\n"
        "    import importlib\n"
        "\n"
        "    importlib.invalidate_caches()\n"
        "    import toysup\n"
    )


def notebook(lesson: str | Path, *, solutions: bool = False, install_wheel: str | None = None):
    """The lesson as a notebook paired with its ``.py`` (jupytext ``formats: ipynb,py:percent``); with
    ``solutions`` the stubs filled in and the answers appended; with ``install_wheel`` (a wheel's file name) a
    first cell that installs it when toysup is not importable."""
    lesson = Path(lesson)
    result = read_lesson(lesson)
    result.metadata.setdefault("jupytext", {})["formats"] = PAIRED_FORMATS
    if solutions:
        _fill_solutions(result, lesson)
    if install_wheel is not None:
        result.cells.insert(0, _nbformat().v4.new_code_cell(install_cell_source(install_wheel)))
    return result


def check_build_out(out: str | Path) -> Path:
    """``out`` as an absolute path, once checked (before any work) to be new, empty or a folder of notebooks
    toysup built; an ``OutputError`` otherwise."""
    return check_output(Path(os.path.abspath(out)), KIND, resume=True)


@dataclass
class Built:
    """What :func:`build` did: the notebooks it wrote and the ones it kept (already there, perhaps edited)."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def build(
    out: str | Path, folder: str | Path | None = None, *, solutions: bool = False, overwrite: bool = False
) -> Built:
    """Write every lesson as ``OUT/NN_name.ipynb`` (outputs empty) paired with ``OUT/NN_name.py``.

    A lesson whose ``.ipynb`` or ``.py`` is already in ``OUT`` is kept as it is (a student's edits are never
    lost) unless ``overwrite``. ``OUT`` must be new, empty or a folder of notebooks toysup built (its
    ``toysup.json`` says so). Each file is written atomically; the ``.py`` after the ``.ipynb``, so jupytext
    reads the pair as in step.
    """
    out = check_build_out(out)
    paths = lesson_paths(folder)
    jupytext = _jupytext()
    mark(out, KIND)
    result = Built()
    for lesson in paths:
        target, text = out / f"{lesson.stem}.ipynb", out / f"{lesson.stem}.py"
        if not overwrite and (target.exists() or text.exists()):
            result.kept.append(target)
            continue
        paired = notebook(lesson, solutions=solutions)
        write_text(target, jupytext.writes(paired, fmt="ipynb"))
        write_text(text, jupytext.writes(paired, fmt="py:percent"))
        result.written.append(target)
    return result


# --- packing ------------------------------------------------------------------------------------------------


def source_root() -> Path:
    """The source tree this toysup is installed from (an editable install of a clone); a ``ValueError`` if
    there is none, as for an install from a wheel."""
    root = Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file() or not re.search(r'^name\s*=\s*"toysup"', pyproject.read_text(), re.MULTILINE):
        raise ValueError(
            f"pack: needs toysup's source to build its wheel, and {root} has none; run it in a clone installed "
            f"with `pip install -e '.[lessons]'`"
        )
    return root


def build_wheel(out_folder: str | Path) -> Path:
    """Build toysup's wheel into ``out_folder`` with ``pip wheel --no-deps --no-build-isolation --no-index``
    (offline), from a copy of the source tree so that the checkout gets no ``build/`` folder."""
    root = source_root()
    out_folder = Path(out_folder)
    with tempfile.TemporaryDirectory(prefix="toysup-wheel-") as scratch:
        copy = Path(scratch) / "toysup"
        copy.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
        for part in _SOURCE_PARTS:
            source = root / part
            if source.is_dir():
                shutil.copytree(source, copy / part, ignore=ignore)
            else:
                shutil.copy2(source, copy / part)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
        completed = subprocess.run(
            [*command, "--quiet", "--wheel-dir", str(out_folder), str(copy)], capture_output=True, text=True
        )
    wheels = sorted(out_folder.glob("toysup-*.whl"))
    if completed.returncode != 0 or len(wheels) != 1:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise ValueError(
            f"pack: building toysup's wheel failed ({last}); `pip install -e '.[lessons]'` adds setuptools"
        )
    return wheels[0]


def check_pack_out(out: str | Path, *, overwrite: bool = False) -> Path:
    """``out`` as an absolute path, once checked (before any work) to name a ``.zip`` that may be written
    (an existing one only with ``overwrite``), in a source tree :func:`build_wheel` can build from."""
    out = Path(os.path.abspath(out))
    if out.is_dir():
        raise OutputError(f"out: {out} is a folder; name a .zip file")
    if out.suffix != ".zip":
        raise OutputError(f"out: must name a .zip file, got {out.name}")
    check_file_output(out, overwrite=overwrite)
    source_root()
    return out


def pack(out: str | Path, *, solutions: bool = False, overwrite: bool = False) -> Path:
    """Write ``out`` (a ``.zip``) for a class: ``toysup-lessons/`` holding a wheel of toysup, every lesson as a
    notebook whose first cell installs that wheel when toysup is not importable, and the course's notes
    (``*.md``); with ``solutions``, the teacher's copy. Refuses an existing ``out`` unless ``overwrite``."""
    out = check_pack_out(out, overwrite=overwrite)
    paths = lesson_paths()
    jupytext = _jupytext()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="toysup-pack-") as scratch:
        wheel = build_wheel(scratch)
        entries = {wheel.name: wheel.read_bytes()}
        for lesson in paths:
            packed = notebook(lesson, solutions=solutions, install_wheel=wheel.name)
            packed.metadata["jupytext"].pop("formats")  # a hosted service has no paired .py
            entries[f"{lesson.stem}.ipynb"] = jupytext.writes(packed, fmt="ipynb").encode()
        for note in sorted(lessons_folder().glob("*.md")):
            entries[note.name] = note.read_bytes()

        def write(handle) -> None:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, data in entries.items():
                    archive.writestr(f"toysup-lessons/{name}", data)

        write_atomic(out, write)
    return out


# --- running ------------------------------------------------------------------------------------------------


def execute(path: str | Path, *, kernel_name: str | None = None, timeout: float = 600):
    """Run the notebook at ``path`` in a fresh Jupyter kernel (``kernel_name``, default the notebook's own),
    in the notebook's folder, and return the executed notebook; a failing cell raises nbclient's
    ``CellExecutionError``. The file is not changed."""
    nbformat = _nbformat()
    try:
        from nbclient import NotebookClient
    except ImportError:
        raise ValueError("lessons: running notebooks needs nbclient — `pip install -e '.[lessons]'`") from None
    path = Path(path)
    executed = nbformat.read(path, as_version=4)
    options = {} if kernel_name is None else {"kernel_name": kernel_name}
    client = NotebookClient(executed, timeout=timeout, resources={"metadata": {"path": str(path.parent)}}, **options)
    client.execute()
    return executed


def printed(executed) -> str:
    """Everything the executed notebook's cells printed (their stream outputs), in order."""
    return "".join(
        output.get("text", "")
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )


def run_lesson(lesson: str | Path, solutions: dict[str, Any] | None = None) -> dict[str, Any]:
    """Execute a lesson's code cells in order in one fresh namespace in this process and return it.

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
