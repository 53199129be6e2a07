"""``toysup train``: one-line errors naming the field, a saved run that loads, the loop settings it passes."""

import importlib
import json

import pytest

import toysup
from toysup.cli import main


@pytest.mark.parametrize(
    "argv, field",
    [
        (["train", "--features", "-1"], "n_features"),
        (["train", "--hidden", "0"], "n_hidden"),
        (["train", "--feature-probability", "1.5"], "feature_probability"),
        (["train", "--feature-probability", "0.1,abc"], "feature_probability"),
        (["train", "--model", "tanh"], "model"),
        (["train", "--steps", "ten"], "--steps"),
        (["train", "--instances", "2", "--feature-probability", "0.1,0.2,0.3"], "feature_probability"),
        (["train", "--chunk-steps", "0"], "chunk_steps"),
    ],
)
def test_bad_input_is_one_line_naming_the_field(argv, field, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and field in err and "Traceback" not in err


def test_train_writes_a_run_that_loads(tmp_path, capsys):
    out = tmp_path / "run"
    argv = [
        "train",
        "--features",
        "5",
        "--hidden",
        "2",
        "--feature-probability",
        "1,0.1",
        "--importance-decay",
        "0.9",
        "--steps",
        "200",
        "--chunk-steps",
        "100",
        "--batch-size",
        "128",
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(argv) == 0
    assert "saved run" in capsys.readouterr().out
    run = toysup.load(out)
    assert run.config.n_instances == 2 and run.config.feature_probability == (1.0, 0.1)
    assert run.W.shape == (2, 2, 5)
    assert json.loads((out / "config.json").read_text())["config"]["importance_decay"] == 0.9


def test_chunk_steps_is_an_argument_of_the_training_call_not_a_config_field(monkeypatch, capsys):
    calls = []

    def record(config, **options):
        calls.append((config, options))
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module("toysup.train"), "train", record)  # toysup.train is the function
    assert main(["train", "--steps", "300", "--chunk-steps", "75", "--quiet"]) == 130
    assert "interrupted" in capsys.readouterr().err
    config, options = calls[0]
    assert options == {"chunk_steps": 75, "progress": False}
    assert "chunk_steps" not in config.to_dict() and "log_every" not in config.to_dict()
