"""SAEConfig validation, the data generators, and the ``toysup sae`` command line."""

import json

import numpy as np
import pytest

from toysup import sae
from toysup.cli import main


@pytest.mark.parametrize("changes, message", [
    (dict(k=0, n_latents=64), "k: must be in [1, n_latents=64], got 0"),
    (dict(arch="lasso"), "arch: must be one of relu, topk, batchtopk, jumprelu, gated"),
    (dict(n_latents=0), "n_latents: must be >= 1"),
    (dict(l1_coefficient=-1.0, arch="relu"), "l1_coefficient: must be >= 0"),
    (dict(k=(1, 2), n_instances=3), "k: must be one number or one per instance"),
    (dict(tied=True, arch="topk"), "tied: only the relu architecture"),
    (dict(resampling="sometimes"), "resampling: must be one of none, random, inputs"),
    (dict(penalty_warmup_steps=20, steps=10), "penalty_warmup_steps: must be in [0, 10]"),
    (dict(k=0.0, arch="batchtopk"), "k: must be > 0"),
])
def test_bad_config_names_the_field_and_range(changes, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        sae.SAEConfig(**changes)


def test_synthetic_generator_fires_at_the_asked_rates_and_obeys_the_hierarchy():
    import jax

    data = sae.synthetic_activations(12, 8, firing="uniform", feature_probability=0.2, n_parents=2,
                                     children_per_parent=3, child_probability=1.0, orthogonal=True)
    arrays = {k: v[0] for k, v in data.arrays.items()}
    x, codes = (np.asarray(a) for a in sae.data.draw("synthetic", data.options, arrays, jax.random.key(0), 20_000))
    np.testing.assert_allclose(x, codes @ data.truth[0], atol=1e-5)
    active = codes > 0
    assert abs(active[:, 0].mean() - 0.2) < 0.01 and abs(active[:, 8:].mean() - 0.2) < 0.01
    children = active[:, 1:4]
    assert not np.any(children.any(axis=1) & ~active[:, 0])  # children only with their parent
    assert children.sum(axis=1).max() == 1  # siblings exclude each other
    np.testing.assert_array_equal(children.any(axis=1), active[:, 0])  # child_probability = 1
    np.testing.assert_allclose(data.truth[0][:8] @ data.truth[0][:8].T, np.eye(8), atol=1e-5)  # orthogonalised
    zipf = sae.data.zipf_probabilities(100, 5.0)
    assert zipf.sum() == pytest.approx(5.0) and np.all(np.diff(zipf) < 0)


def test_bad_synthetic_input_names_the_field():
    with pytest.raises(ValueError, match="firing: must be one of"):
        sae.synthetic_activations(10, 4, firing="pareto")
    with pytest.raises(ValueError, match=r"correlation: must be in \[0, 1\)"):
        sae.synthetic_activations(10, 4, correlation=1.0)


def test_cli_trains_on_a_saved_run_and_writes_json_and_npz(tmp_path, capsys):
    assert main(["train", "--features", "5", "--hidden", "2", "--feature-probability", "0.05", "--steps", "300",
                 "--lr", "0.01", "--out", str(tmp_path / "run"), "--quiet"]) == 0
    out = tmp_path / "sae"
    assert main(["sae", "--run", str(tmp_path / "run"), "--arch", "topk", "--latents", "8", "--k", "1",
                 "--steps", "100", "--batch-size", "256", "--out", str(out), "--quiet"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["arch"] == "topk" and config["config"]["n_latents"] == 8
    scores = json.loads((out / "metrics.json").read_text())
    for name in ("mcc", "mmcs", "recovered_0.9", "uniqueness", "f1", "l0", "true_l0", "explained_variance", "mse",
                 "shrinkage", "dead_share"):
        assert len(scores[name]) == 1
    with np.load(out / "params.npz", allow_pickle=False) as params:
        assert params["W_dec"].shape == (1, 8, 2) and params["W_enc"].shape == (1, 8, 2)


@pytest.mark.parametrize("argv, message", [
    (["sae", "--synthetic", "--arch", "lasso"], "arch: must be one of"),
    (["sae", "--synthetic", "--k", "0", "--latents", "64"], "k: must be in [1, n_latents=64], got 0"),
    (["sae", "--synthetic", "--firing", "pareto"], "firing: must be one of"),
    (["sae"], "run: give --run DIR or --synthetic"),
    (["sae", "--synthetic", "--steps", "0"], "steps: must be >= 1"),
])
def test_cli_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("toysup: error: ") and message in err and "\n" not in err
