"""``toysup lessons pack``: the class's zip holds a wheel of toysup (with the course inside) and the notebooks; in a
fresh virtual environment where toysup is not importable, lesson 1's first cell installs the wheel and the
lesson then runs in that environment's kernel (quick mode, solutions filled in), with test_lessons.py's checks of
a lesson's run: this is lesson 1's run in the tests."""

import json
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest
from lesson_runs import check_filled_in, check_ran

from toysup.cli import main
from toysup.lessons import course

LESSONS = course.lesson_paths()
LESSON_1 = next(path for path in LESSONS if course.lesson_number(path) == 1)


def _venv_without_toysup(folder):
    """A virtual environment that sees the packages of this one (jax, ipykernel, pip: nothing is downloaded) but
    not its toysup: this environment's site-packages are added as a plain path, so their .pth files (the
    editable install's import hook among them) are not run."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    venv_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    outer = [path for path in site.getsitepackages() if path != venv_site]
    with open(f"{venv_site}/outer-packages.pth", "w") as handle:
        handle.write("\n".join(outer) + "\n")
    return python


def test_the_packed_lessons_install_and_run_in_a_fresh_environment(tmp_path, monkeypatch, capsys):
    pytest.importorskip("nbclient")
    archive = tmp_path / "class.zip"
    assert main(["lessons", "pack", "--solutions", "--out", str(archive)]) == 0
    assert str(archive) in capsys.readouterr().out
    with zipfile.ZipFile(archive) as packed:
        names = packed.namelist()
        packed.extractall(tmp_path / "class")
    wheels = [name for name in names if name.endswith(".whl")]
    assert len(wheels) == 1 and wheels[0].startswith("toysup-lessons/toysup-")
    assert sorted(name for name in names if name.endswith(".ipynb")) == [
        f"toysup-lessons/{path.stem}.ipynb" for path in LESSONS
    ]
    folder = tmp_path / "class" / "toysup-lessons"
    with zipfile.ZipFile(folder / wheels[0].split("/")[1]) as wheel:
        inside = set(wheel.namelist())
    for path in LESSONS:  # the course ships in the wheel, as toysup.course
        assert {f"toysup/course/{path.name}", f"toysup/course/solutions/{path.name}"} <= inside
    assert "toysup/course/README.md" in inside and "toysup/lessons/course.py" in inside

    python = _venv_without_toysup(tmp_path / "venv")
    before = subprocess.run([str(python), "-c", "import toysup"], capture_output=True, text=True, cwd=folder)
    assert before.returncode != 0 and "No module named 'toysup'" in before.stderr
    kernels = tmp_path / "jupyter" / "kernels" / "class-venv"
    kernels.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (kernels / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "class", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("TOYSUP_QUICK", "1")

    path = folder / f"{LESSON_1.stem}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    assert "%pip install" in notebook.cells[0].source and wheels[0].split("/")[1] in notebook.cells[0].source
    solutions = check_filled_in(LESSON_1, notebook)  # test_lessons.py's checks of a lesson's run, for lesson 1
    report = "from toysup.lessons import course\nprint('toysup at', toysup.__file__, course.lessons_folder())"
    notebook.cells.append(nbformat.v4.new_code_cell(report))
    nbformat.write(notebook, path)
    executed = course.execute(path, kernel_name="class-venv")
    printed = course.printed(executed)

    venv_site = str((tmp_path / "venv").resolve())
    where = next(line for line in printed.splitlines() if line.startswith("toysup at "))
    assert where.split()[2].startswith(venv_site) and where.split()[3].startswith(venv_site), where
    check_ran(solutions, executed)


def test_pack_refuses_a_bad_out_before_building(tmp_path, monkeypatch, capsys):
    def forbidden(*args, **kwargs):
        raise AssertionError("the wheel was built before the output was checked")

    monkeypatch.setattr(course, "build_wheel", forbidden)
    existing = tmp_path / "class.zip"
    existing.write_bytes(b"a teacher's zip")
    for argv, word, status in [
        (["--out", str(existing)], "--overwrite", 1),  # a result that exists: a runtime refusal
        (["--out", str(tmp_path / "class.tar")], ".zip", 2),  # a bad value: a usage error
        (["--out", str(tmp_path)], "out", 2),
    ]:
        assert main(["lessons", "pack", *argv]) == status
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and word in err, err
    assert existing.read_bytes() == b"a teacher's zip"


def test_every_package_is_listed_for_the_wheel():
    """pyproject.toml lists the packages (the course is mapped from lessons/), so a new subpackage of toysup/ must
    be added there or the wheel would lack it."""
    setuptools = pytest.importorskip("setuptools")
    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = setuptools.find_packages(str(root), include=["toysup", "toysup.*"])
    assert sorted(config["packages"]) == sorted([*found, "toysup.course"])
    assert config["package-dir"] == {"toysup.course": "lessons"}
