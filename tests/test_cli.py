import json
import subprocess
import sys

import pytest

import toysup
from toysup.cli import main


@pytest.mark.parametrize("argv, field", [
    (["train", "--features", "-1"], "n_features"),
    (["train", "--hidden", "0"], "n_hidden"),
    (["train", "--feature-probability", "1.5"], "feature_probability"),
    (["train", "--feature-probability", "0.1,abc"], "feature_probability"),
    (["train", "--model", "tanh"], "model"),
    (["train", "--steps", "ten"], "--steps"),
    (["train", "--instances", "2", "--feature-probability", "0.1,0.2,0.3"], "feature_probability"),
    (["demo", "--steps", "0"], "steps"),
])
def test_bad_input_is_one_line_naming_the_field(argv, field, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and field in err and "Traceback" not in err


def test_train_writes_a_run_that_loads(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--features", "5", "--hidden", "2", "--feature-probability", "1,0.1", "--importance-decay",
            "0.9", "--steps", "200", "--chunk-steps", "100", "--batch-size", "128", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    assert "saved run" in capsys.readouterr().out
    run = toysup.load(out)
    assert run.config.n_instances == 2 and run.config.feature_probability == (1.0, 0.1)
    assert run.W.shape == (2, 2, 5)
    assert json.loads((out / "config.json").read_text())["config"]["importance_decay"] == 0.9


def test_demo_writes_the_figure(tmp_path, capsys):
    assert main(["demo", "--steps", "200", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "demo.png").stat().st_size > 10_000
    assert toysup.load(tmp_path / "run").W.shape == (8, 2, 5)


def test_console_script_info_lists_devices():
    done = subprocess.run([sys.executable, "-m", "toysup.cli", "info"], capture_output=True, text=True, check=True)
    assert "jax" in done.stdout and "device 0" in done.stdout
