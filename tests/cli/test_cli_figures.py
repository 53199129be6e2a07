"""``toysup figures``: an unknown figure name is a one-line error naming the figures there are."""

from toysup.cli import main


def test_bad_figure_name_is_a_one_line_error(capsys):
    assert main(["figures", "pentagon", "--quick", "--out", "unused"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pentagon" in err and "intro" in err
