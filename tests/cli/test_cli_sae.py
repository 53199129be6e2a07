"""``toysup sae``: an SAE on a saved run, the recovery diagram (``--recovery``), one-line errors, how the
training loop runs, passed to the training calls, not put into the SAEConfig, and ``--out`` checked before
training (never the toy run's folder; an SAE result replaced only with ``--overwrite``)."""

import importlib
import json

import numpy as np
import pytest

import toysup
from toysup.cli import main
from toysup.sae.recovery import load_recovery

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


def test_cli_trains_on_a_saved_run_and_writes_json_and_npz(tmp_path, capsys):
    assert (
        main(
            [
                "train",
                "--features",
                "5",
                "--hidden",
                "2",
                "--feature-probability",
                "0.05",
                "--steps",
                "300",
                "--lr",
                "0.01",
                "--out",
                str(tmp_path / "run"),
                "--quiet",
            ]
        )
        == 0
    )
    out = tmp_path / "sae"
    assert (
        main(
            [
                "sae",
                "--run",
                str(tmp_path / "run"),
                "--arch",
                "topk",
                "--latents",
                "8",
                "--k",
                "1",
                "--steps",
                "100",
                "--batch-size",
                "256",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["arch"] == "topk" and config["config"]["n_latents"] == 8
    scores = json.loads((out / "metrics.json").read_text())
    for name in (
        "mcc",
        "mmcs",
        "recovered_0.9",
        "uniqueness",
        "f1",
        "l0",
        "true_l0",
        "explained_variance",
        "mse",
        "relative_reconstruction_bias",
        "l2_ratio",
        "matched_cosine",
        "duplicate_rate",
        "dead_share",
    ):
        assert len(scores[name]) == 1
    with np.load(out / "params.npz", allow_pickle=False) as params:
        assert params["W_dec"].shape == (1, 8, 2) and params["W_enc"].shape == (1, 8, 2)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["sae", "--synthetic", "--arch", "lasso"], "argument --arch: invalid choice: 'lasso'"),
        (["sae", "--synthetic", "--k", "0", "--latents", "64"], "k: must be in [1, n_latents=64], got 0"),
        (["sae", "--synthetic", "--firing", "pareto"], "argument --firing: invalid choice: 'pareto'"),
        (["sae"], "run: give --run DIR or --synthetic"),
        (["sae", "--synthetic", "--steps", "0"], "steps: must be >= 1"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("toysup: error: ") and message in err and "\n" not in err


def test_cli_recovery_writes_the_dataset_and_its_heat_maps(tmp_path, capsys, recovery_training_flags):
    """The training flags are those of the ``recovery_grid`` fixture: the library test's ratio-1 programs."""
    out = tmp_path / "diagram"
    assert (
        main(
            [
                "sae",
                "--recovery",
                "--arch",
                "topk",
                *recovery_training_flags,
                "--mean-active",
                "2,4",
                "--ratios",
                "1",
                "--penalties",
                "2,4",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    assert "topk: MCC" in capsys.readouterr().out
    diagram = load_recovery(out)
    assert dict(diagram.sizes) == {"mean_active": 2, "ratio": 1, "penalty": 2, "seed": 1}
    assert diagram.attrs["arch"] == "topk" and (out / "recovery.png").stat().st_size > 0
    np.testing.assert_allclose(diagram.l0.values.reshape(2, 2), [[2, 4], [2, 4]], atol=0.05)


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--ratios", "0.5,-1"], "ratios: every value must be > 0, got -1"),
        (["--mean-active", "2,x"], "mean_active: expected numbers separated by commas"),
        (["--mean-active", "0"], "mean_active: every value must be in (0, 32], got 0"),
        (["--penalties", "0"], "penalties: at ratio 0.5, k: must be in [1, n_latents=16], got 0"),
        (["--seeds", "0"], "seeds: must be >= 1, got 0"),
        (["--k", "2"], "k: not with --recovery"),
        (["--run", "somewhere"], "not allowed with argument --recovery"),
    ],
)
def test_cli_bad_grid_value_is_one_line_and_exit_2(tmp_path, capsys, flags, message):
    argv = [
        "sae",
        "--recovery",
        "--arch",
        "topk",
        "--true-features",
        "32",
        "--dim",
        "16",
        "--penalties",
        "2",
        "--out",
        str(tmp_path / "out"),
        *flags,
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("toysup: error: ") and message in err and "\n" not in err
    assert not (tmp_path / "out").exists()


@pytest.fixture
def toy_run(tmp_path):
    """A small saved toy run (the ``--run`` of these tests)."""
    result = toysup.train(
        toysup.ToyConfig(n_features=4, n_hidden=2, feature_probability=0.1, steps=20, batch_size=64),
        chunk_steps=20,
        progress=False,
    )
    return toysup.save(result, tmp_path / "run")


SAE_FLAGS = ["--arch", "topk", "--latents", "8", "--k", "1", "--steps", "20", "--batch-size", "64", "--quiet"]


def test_the_toy_runs_folder_is_never_an_sae_output(toy_run, monkeypatch, capsys):
    monkeypatch.setattr(train, "train_sae", lambda *a, **k: pytest.fail("trained"))
    before = {path.name: path.read_bytes() for path in toy_run.iterdir()}
    for out in (toy_run, toy_run / "sae"):
        for overwrite in ([], ["--overwrite"]):
            assert main(["sae", "--run", str(toy_run), "--out", str(out), *SAE_FLAGS, *overwrite]) == 1
            err = capsys.readouterr().err.strip()
            assert len(err.splitlines()) == 1 and "is the toy run's folder" in err
    assert {path.name: path.read_bytes() for path in toy_run.iterdir()} == before
    assert toysup.load(toy_run).W.shape == (1, 2, 4)


def test_a_bad_sae_out_is_refused_before_training(toy_run, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(train, "train_sae", lambda *a, **k: pytest.fail("trained"))
    monkeypatch.setattr(recovery, "recovery_diagram", lambda *a, **k: pytest.fail("trained"))
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    (tmp_path / "a-file").write_text("x")
    grid = ["--recovery", "--penalties", "1", "--steps", "20", "--quiet"]
    cases = [
        (["--synthetic", *SAE_FLAGS, "--out", str(foreign)], "toysup did not write"),
        (["--synthetic", *SAE_FLAGS, "--out", str(toy_run)], "holds a toysup run result, not a sae"),
        (["--synthetic", *SAE_FLAGS, "--out", str(tmp_path / "a-file")], "is a file"),
        ([*grid, "--out", str(toy_run)], "holds a toysup run result, not a recovery"),
        ([*grid, "--out", str(foreign), "--overwrite"], "toysup did not write"),
    ]
    for flags, words in cases:
        assert main(["sae", *flags]) == 1, flags  # the command line is right, the folder is not
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and words in err, (flags, err)


def test_an_sae_result_is_replaced_only_with_overwrite(toy_run, tmp_path, capsys):
    out = tmp_path / "sae"
    argv = ["sae", "--run", str(toy_run), "--out", str(out), *SAE_FLAGS]
    assert main(argv) == 0
    assert json.loads((out / "toysup.json").read_text()) == {"kind": "sae"}
    assert json.loads((out / "config.json").read_text())["data"]["run"] == str(toy_run)
    assert main(argv) == 1 and "pass --overwrite" in capsys.readouterr().err
    assert main([*argv, "--seed", "3", "--overwrite"]) == 0
    assert json.loads((out / "config.json").read_text())["config"]["seed"] == 3
    assert toysup.load(toy_run).W.shape == (1, 2, 4)


def test_settings_not_given_are_derived_from_the_run_and_printed(tmp_path, monkeypatch, capsys):
    """One SAE per toy instance; k, latents, warm-up from the run (L = Σ p_i = 4 × 0.1), each on a line of its own
    saying what it came from; an explicit flag wins and is not reported as derived."""
    result = toysup.train(
        toysup.ToyConfig(
            n_features=4, n_hidden=4, n_instances=3, feature_probability=0.1, steps=300, learning_rate=0.03
        ),
        chunk_steps=300,
        progress=False,
    )
    run = toysup.save(result, tmp_path / "run")
    calls = []
    monkeypatch.setattr(train, "train_sae", _interrupt(calls))
    assert main(["sae", "--run", str(run), "--arch", "topk", "--quiet"]) == 130
    (config, _), _ = calls[-1]
    assert config.n_instances == 3 and config.n_latents == 8 and config.k == 1 and config.schedule == "cosine"
    out = capsys.readouterr().out
    assert "derived n_instances = 3 (one SAE per instance" in out and "derived n_latents = 8 (2 × the 4" in out
    assert "derived k = 1 (the expected number of active true features per sample, L = Σ p_i = 0.4" in out
    assert main(["sae", "--run", str(run), "--arch", "relu", "--latents", "5", "--steps", "50", "--quiet"]) == 130
    (config, _), _ = calls[-1]
    out = capsys.readouterr().out
    assert config.n_latents == 5 and config.penalty_warmup_steps == 10 and "derived n_latents" not in out
    assert "derived l1_coefficient = " in out and "derived penalty_warmup_steps = 10 (20% of the 50 steps)" in out
    assert main(["sae", "--run", str(run), "--arch", "batchtopk", "--k", "0.7", "--instances", "3", "--quiet"]) == 130
    (config, _), _ = calls[-1]
    assert config.k == 0.7 and "derived k" not in capsys.readouterr().out
