"""``toysup demo``: the figure and the saved run, and a one-line error for bad input."""

import toysup
from toysup.cli import main


def test_bad_input_is_one_line_naming_the_field(capsys):
    assert main(["demo", "--steps", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "steps" in err and "Traceback" not in err


def test_demo_writes_the_figure(tmp_path, capsys):
    assert main(["demo", "--steps", "200", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "demo.png").stat().st_size > 10_000
    assert toysup.load(tmp_path / "run").W.shape == (8, 2, 5)
