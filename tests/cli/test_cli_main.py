"""The ``toysup`` parser: every command registered, one-line usage errors, the shared number-list flags."""

import argparse
import contextlib
import io

import pytest

from toysup import cli
from toysup.cli import flags, main

COMMANDS = ["train", "demo", "sweep", "phase", "info", "lessons", "sae", "circuit", "animate", "app", "figures"]


def test_every_command_module_is_registered_in_order(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--help"])
    assert exit.value.code == 0 and "{" + ",".join(COMMANDS) + "}" in capsys.readouterr().out
    assert [module.__name__ for module in cli.COMMANDS] == [f"toysup.cli.{name}" for name in COMMANDS]
    for module in cli.COMMANDS:
        with pytest.raises(SystemExit):
            main([module.__name__.rsplit(".", 1)[1], "--help"])


def test_a_usage_error_is_one_line_and_exit_2(capsys):
    assert main(["train", "--no-such-flag"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("toysup: error: ") and "--no-such-flag" in err and "\n" not in err
    assert main([]) == 2


@pytest.mark.parametrize("text, values", [("0.1", [0.1]), ("0.1,0.05", [0.1, 0.05]), ("1 2, 3", [1, 2, 3])])
def test_number_list_reads_commas_and_spaces(text, values):
    assert flags.number_list("p")(text) == values


@pytest.mark.parametrize("text, message", [("0.1,abc", "expected numbers"), (" , ", "expected at least one number")])
def test_number_list_names_the_field(text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=f"feature_probability: {message}"):
        flags.number_list("feature_probability")(text)


@pytest.mark.parametrize(
    "module, name, argv, returned",
    [
        ("toysup.train", "train", ["train", "--out", "{tmp}/run"], None),
        ("toysup.train", "train", ["demo", "--out", "{tmp}/demo"], None),
        ("toysup.snapshots", "train_with_snapshots", ["animate", "--out", "{tmp}/a.gif"], "pair"),
        ("toysup.sae.train", "train_sae", ["sae", "--synthetic", "--out", "{tmp}/sae"], None),
    ],
)
def test_ctrl_c_before_the_first_step_exits_130_and_writes_nothing(module, name, argv, returned, tmp_path, monkeypatch):
    import importlib
    from types import SimpleNamespace

    nothing = SimpleNamespace(steps_done=0)
    result = (nothing, None) if returned == "pair" else nothing
    monkeypatch.setattr(importlib.import_module(module), name, lambda *args, **options: result)
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main([*argv, "--quiet"]) == 130
    assert err.getvalue().strip().endswith("steps; nothing was written") and "interrupted after 0 of" in err.getvalue()
    assert not any(tmp_path.iterdir())
