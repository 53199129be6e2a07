"""``toysup lessons``: ``build`` writes valid notebooks paired with their ``.py`` (edits round-trip through jupytext
and are never overwritten unasked), ``list`` prints every lesson, ``open`` really starts JupyterLab at a lesson,
and bad use is one clear line. ``pack``: tests/lessons/test_pack.py."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from toysup.cli import main
from toysup.lessons.course import lesson_number, lesson_paths, lesson_title

LESSONS = lesson_paths()
FIRST = LESSONS[0]
LESSON_1 = next(path for path in LESSONS if lesson_number(path) == 1)


def test_build_writes_paired_notebooks_and_keeps_them(tmp_path, capsys):
    nbformat = pytest.importorskip("nbformat")
    assert main(["lessons", "build", "--out", str(tmp_path)]) == 0
    assert f"wrote {len(LESSONS)} notebooks" in capsys.readouterr().out
    notebooks = sorted(tmp_path.glob("*.ipynb"))
    assert [path.stem for path in notebooks] == [path.stem for path in LESSONS]
    assert sorted(path.stem for path in tmp_path.glob("*.py")) == [path.stem for path in LESSONS]
    for path in notebooks:
        notebook = json.loads(path.read_text())
        assert notebook["nbformat"] == 4
        assert notebook["metadata"]["jupytext"]["formats"] == "ipynb,py:percent"
        assert "formats: ipynb,py:percent" in path.with_suffix(".py").read_text()
        kinds = {cell["cell_type"] for cell in notebook["cells"]}
        assert kinds == {"markdown", "code"}
        assert not any(cell.get("outputs") for cell in notebook["cells"] if cell["cell_type"] == "code")
        code = "".join("".join(cell["source"]) for cell in notebook["cells"])
        assert 'raise NotImplementedError("Exercise' in code  # the student's copy: stubs, not solutions
        nbformat.validate(nbformat.reads(path.read_text(), as_version=4))
        assert path.stat().st_mtime <= path.with_suffix(".py").stat().st_mtime  # jupytext reads the pair as in step
    first = json.loads(notebooks[0].read_text())
    assert "".join(first["cells"][0]["source"]).startswith(f"# Lesson {lesson_number(FIRST)}")

    # A second build keeps every notebook (a student's edits are never lost); --overwrite replaces them.
    edited = notebooks[0]
    edited.write_text(edited.read_text().replace("# Lesson", "# My lesson", 1))
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["lessons", "build", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "wrote 0 notebooks" in printed and f"kept {len(LESSONS)} already there" in printed
    assert "# My lesson" in edited.read_text()
    assert main(["lessons", "build", "--out", str(tmp_path), "--overwrite"]) == 0
    assert f"wrote {len(LESSONS)} notebooks" in capsys.readouterr().out
    assert "# My lesson" not in edited.read_text()
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_edits_round_trip_between_the_notebook_and_its_py(tmp_path, monkeypatch):
    """An edit saved in JupyterLab (jupytext's contents manager) reaches the .py; an edit of the .py reaches the
    notebook when jupytext syncs the pair."""
    jupytext = pytest.importorskip("jupytext")
    from jupytext.cli import jupytext as jupytext_cli

    assert main(["lessons", "build", "--out", str(tmp_path)]) == 0
    name = f"{LESSON_1.stem}.ipynb"
    manager = jupytext.TextFileContentsManager(root_dir=str(tmp_path))
    model = manager.get(name)
    code = next(cell for cell in model["content"]["cells"] if cell["cell_type"] == "code")
    code["source"] += "\nedited_in_jupyter = 1"
    manager.save(model, name)
    assert "edited_in_jupyter = 1" in (tmp_path / f"{LESSON_1.stem}.py").read_text()

    text = tmp_path / f"{LESSON_1.stem}.py"
    text.write_text(text.read_text() + "\n# %%\nedited_as_text = 2\n")
    later = time.time() + 5
    os.utime(text, (later, later))
    monkeypatch.chdir(tmp_path)
    assert jupytext_cli(["--sync", "--quiet", str(text)]) == 0
    cells = json.loads((tmp_path / name).read_text())["cells"]
    assert "edited_as_text = 2" in "".join("".join(cell["source"]) for cell in cells)
    assert "edited_in_jupyter = 1" in "".join("".join(cell["source"]) for cell in cells)


def test_build_with_solutions_fills_the_stubs_in_its_own_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["lessons", "build", "--solutions"]) == 0
    out = tmp_path / "toysup-out" / "lessons-solutions"
    assert str(out.relative_to(tmp_path)) in capsys.readouterr().out
    for lesson in LESSONS:
        text = (out / f"{lesson.stem}.py").read_text()
        assert 'raise NotImplementedError("Exercise' not in text, lesson.name
    assert json.loads((out / "toysup.json").read_text()) == {"kind": "lessons"}


def test_list_prints_every_lesson(capsys):
    assert main(["lessons", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(LESSONS)
    for line, path in zip(lines, LESSONS):
        assert line.startswith(f"{path.stem[:2]}  {lesson_title(path)}")


def test_lessons_needs_a_subcommand(capsys):
    assert main(["lessons"]) == 2
    assert "{list,build,open,pack}" in capsys.readouterr().err


def test_build_into_a_file_or_a_foreign_folder_is_one_clear_line(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("")
    assert main(["lessons", "build", "--out", str(target)]) == 1  # the command line is right, the folder is not
    assert "out: " in capsys.readouterr().err
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("mine")
    assert main(["lessons", "build", "--out", str(foreign)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "did not write" in err
    assert [path.name for path in foreign.iterdir()] == ["thesis.tex"]


def test_open_a_lesson_that_does_not_exist_names_the_range(tmp_path, capsys):
    numbers = [lesson_number(path) for path in LESSONS]
    for bad in (max(numbers) + 1, -1):
        assert main(["lessons", "open", str(bad), "--out", str(tmp_path / "nb")]) == 2
        err = capsys.readouterr().err.strip()
        assert err == f"toysup: error: lesson: must be in [{min(numbers)}, {max(numbers)}], got {bad}"
    assert not (tmp_path / "nb").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_open_starts_jupyterlab_at_the_lesson(tmp_path):
    """``toysup lessons open 1 --no-browser`` builds the notebooks and starts JupyterLab, whose REST API then
    serves lesson 1's notebook, read through jupytext's pairing; Ctrl-C stops both."""
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed (pip install -e '.[lessons]')")
    port, token = _free_port(), "toysup-test-token"
    out = tmp_path / "notebooks"
    env = {**os.environ, "JUPYTER_TOKEN": token, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    command = [sys.executable, "-m", "toysup.cli", "lessons", "open", "1", "--out", str(out), "--no-browser"]
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # As in a terminal, Ctrl-C reaches toysup: a test run started as a background job without job control
        # would otherwise hand its children SIGINT ignored (then only SIGKILL stops the command).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    name = f"{LESSON_1.stem}.ipynb"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/contents/{name}?content=1", headers={"Authorization": f"token {token}"}
    )
    model, deadline = None, time.monotonic() + 120
    try:
        while model is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    model = json.load(response)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)  # Ctrl-C, to toysup alone: it stops JupyterLab
        try:
            output = server.communicate(timeout=60)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output = server.communicate()[0].decode(errors="replace")
    assert model is not None, f"JupyterLab did not serve {name} within the time:\n{output[-3000:]}"
    assert server.returncode == 130, output[-3000:]
    with pytest.raises(urllib.error.URLError):  # JupyterLab stopped with it
        urllib.request.urlopen(request, timeout=5)
    assert model["name"] == name and model["type"] == "notebook"
    assert model["content"]["metadata"]["jupytext"]["formats"] == "ipynb,py:percent"
    assert (out / name).is_file() and (out / f"{LESSON_1.stem}.py").is_file()
    assert f"opening {out / name} in JupyterLab" in output
