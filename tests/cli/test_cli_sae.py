"""``toysup sae``: how the training loop runs is passed to the training calls, not put into the SAEConfig."""

import importlib

import pytest

from toysup.cli import main

recovery = importlib.import_module("toysup.sae.recovery")
train = importlib.import_module("toysup.sae.train")


def _interrupt(calls):
    def record(*args, **options):
        calls.append((args, options))
        raise KeyboardInterrupt

    return record


@pytest.mark.parametrize("steps, chunk_steps", [(100, 100), (1200, 500)])
def test_train_sae_gets_the_loop_settings(monkeypatch, steps, chunk_steps):
    calls = []
    monkeypatch.setattr(train, "train_sae", _interrupt(calls))
    assert main(["sae", "--synthetic", "--true-features", "16", "--dim", "8", "--steps", str(steps), "--quiet"]) == 130
    (config, _), options = calls[0]
    assert options["chunk_steps"] == chunk_steps and options["log_every"] == 1
    assert "chunk_steps" not in config.to_dict() and "log_every" not in config.to_dict()


def test_recovery_diagram_gets_the_loop_settings(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(recovery, "recovery_diagram", _interrupt(calls))
    assert main(["sae", "--recovery", "--penalties", "2", "--steps", "100", "--out", str(tmp_path), "--quiet"]) == 130
    _, options = calls[0]
    assert options["chunk_steps"] == 100 and options["log_every"] == 1 and options["steps"] == 100
