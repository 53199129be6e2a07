"""``toysup train``: one-line errors naming the field, a saved run that loads, the loop settings it passes, and an
``--out`` checked before training (a run is replaced only with ``--overwrite``)."""

import importlib
import json

import pytest

import toysup
from toysup.cli import main
from toysup.storage import mark


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


def _bad_outs(tmp_path) -> dict[str, tuple[str, str]]:
    """--out values that must be refused before training: name -> (path, words of the one-line error)."""
    (tmp_path / "a-file").write_text("x")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "config.json").write_text('{"mine": true}')
    sweep = mark(tmp_path / "sweep", "sweep")
    (sweep / "sweep.json").write_text("{}")
    return {
        "a file": (str(tmp_path / "a-file"), "is a file"),
        "below a file": (str(tmp_path / "a-file" / "run"), "is a file"),
        "a foreign folder": (str(foreign), "toysup did not write"),
        "another kind": (str(sweep), "holds a toysup sweep result, not a run"),
    }


def test_a_bad_out_is_one_line_and_exit_1_before_training(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(importlib.import_module("toysup.train"), "train", lambda *a, **k: pytest.fail("trained"))
    for name, (out, words) in _bad_outs(tmp_path).items():
        for overwrite in ([], ["--overwrite"]):
            assert main(["train", "--steps", "10", "--out", out, "--quiet", *overwrite]) == 1, name
            err = capsys.readouterr().err.strip()
            assert len(err.splitlines()) == 1 and "out: " in err and words in err, (name, err)
    assert (tmp_path / "foreign" / "config.json").read_text() == '{"mine": true}'


def test_a_run_is_replaced_only_with_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--features", "3", "--steps", "20", "--chunk-steps", "20", "--batch-size", "64", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    calls = []
    train_module = importlib.import_module("toysup.train")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(train_module, "train", lambda *a, **k: calls.append(1) or pytest.fail("trained"))
        assert main([*argv, "--out", str(out)]) == 1 and not calls
    assert "pass --overwrite" in capsys.readouterr().err
    assert main([*argv, "--seed", "7", "--out", str(out), "--overwrite"]) == 0
    assert toysup.load(out).config.seed == 7


def _train_interrupted(monkeypatch, **hook):
    """Make ``toysup train`` run the real training with ``hook`` (an ``observe`` or ``on_chunk`` that raises
    KeyboardInterrupt, as Ctrl-C would stop the loop)."""
    module = importlib.import_module("toysup.train")
    real = module.train
    monkeypatch.setattr(module, "train", lambda config, **options: real(config, **options, **hook))


def _stop(*args):
    raise KeyboardInterrupt


def test_ctrl_c_before_any_step_exits_130_and_writes_nothing(tmp_path, monkeypatch, capsys):
    _train_interrupted(monkeypatch, observe=_stop)  # stops before the first chunk
    out = tmp_path / "run"
    assert main(["train", "--steps", "300", "--chunk-steps", "100", "--out", str(out), "--quiet"]) == 130
    captured = capsys.readouterr()
    assert captured.err.strip() == "toysup: interrupted after 0 of 300 steps; nothing was written"
    assert not out.exists() and "saved" not in captured.out


def test_ctrl_c_after_some_steps_saves_the_partial_run_and_exits_130(tmp_path, monkeypatch, capsys):
    _train_interrupted(monkeypatch, on_chunk=_stop)  # stops after the first chunk
    out = tmp_path / "run"
    argv = ["train", "--steps", "300", "--chunk-steps", "100", "--batch-size", "64", "--out", str(out), "--quiet"]
    assert main(argv) == 130
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines()[-1] == (
        f"toysup: interrupted after 100 of 300 steps; saved the partial run to {out}"
    )
    assert "trained 1 x 1 models for 100 steps" in captured.out
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps_done"] == 100 and metrics["complete"] is False


def test_an_out_without_room_for_the_run_is_refused_before_training(tmp_path, monkeypatch, capsys):
    import shutil

    from toysup import io

    train_module = importlib.import_module("toysup.cli.train")

    def no_training(*args, **kwargs):
        raise AssertionError("trained although --out has no room")

    monkeypatch.setattr(train_module, "train", no_training, raising=False)
    monkeypatch.setattr(importlib.import_module("toysup.train"), "train", no_training)
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=1000))
    config = toysup.ToyConfig(n_features=400, n_hidden=30, n_instances=8)
    assert io.result_bytes(config) > 8 * 400 * 30 * 4  # at least the float32 weights
    argv = ["train", "--features", "400", "--hidden", "30", "--instances", "8", "--out", str(tmp_path / "run")]
    assert main(argv) == 1  # the command line is right; the disk is full
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "MB free" in err and not (tmp_path / "run").exists()
