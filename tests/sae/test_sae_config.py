"""SAEConfig validation: a bad value names the field and its range."""

import time

import pytest

from toysup import sae


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(k=0, n_latents=64), "k: must be in [1, n_latents=64], got 0"),
        (dict(arch="lasso"), "arch: must be one of relu, topk, batchtopk, jumprelu, gated"),
        (dict(n_latents=0), "n_latents: must be >= 1"),
        (dict(l1_coefficient=-1.0, arch="relu"), "l1_coefficient: must be >= 0"),
        (dict(k=(1, 2), n_instances=3), "k: must be one number or one per instance"),
        (dict(tied=True, arch="topk"), "tied: only the relu architecture"),
        (dict(resampling="sometimes"), "resampling: must be one of none, random, inputs"),
        (dict(penalty_warmup_steps=20, steps=10), "penalty_warmup_steps: must be in [0, 10]"),
        (dict(k=0.0, arch="batchtopk"), "k: must be > 0"),
    ],
)
def test_bad_config_names_the_field_and_range(changes, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        sae.SAEConfig(**changes)


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(k=float("inf")), "k: must be an integer in [1, n_latents=8], got inf"),
        (dict(k=float("nan")), "k: must be an integer in [1, n_latents=8], got nan"),
        (dict(k=float("inf"), arch="batchtopk"), "k: must be > 0 and finite, got inf"),
        (dict(n_latents=10**12), "n_latents: must be <= 2147483647"),
        (dict(n_latents=2**20, batch_size=2**12), "n_latents × batch_size: must be at most 2147483647"),
        (dict(n_latents=10**6, n_inputs=10**3), "n_instances × n_latents × n_inputs: the run needs about"),
        (dict(n_latents=10**5, batch_size=10**4), "n_instances × n_latents × batch_size: the run needs about"),
        (dict(l1_coefficient=1e31, arch="relu"), "l1_coefficient: must be <= 1e+30"),
        (dict(l0_coefficient=float("inf"), arch="jumprelu"), "l0_coefficient: must be >= 0 and finite"),
        (dict(aux_coefficient=1e40), "aux_coefficient: must be <= 1e+30"),
        (dict(jumprelu_bandwidth=1e31, arch="jumprelu"), "jumprelu_bandwidth: must be <= 1e+30"),
        (dict(learning_rate=1e30), "learning_rate: must be <= 1000"),
        (dict(resampling="inputs", arch="topk"), "resampling: only relu, gated, jumprelu resample dead latents"),
        (dict(steps=2**31), "steps: must be <= 2147483647"),
    ],
)
def test_sizes_and_coefficients_are_refused_at_once(changes, message, monkeypatch):
    monkeypatch.setenv("TOYSUP_MEMORY_GB", "8")
    start = time.perf_counter()
    with pytest.raises(ValueError) as error:
        sae.SAEConfig(**changes)
    assert message in str(error.value) and time.perf_counter() - start < 0.5


def test_the_activations_draws_count_towards_the_memory_budget(monkeypatch):
    monkeypatch.setenv("TOYSUP_MEMORY_GB", "1")
    config = sae.SAEConfig(n_inputs=16, n_latents=32, batch_size=4096)
    config.check_memory(1000)  # 4096 × 1000 codes per step fit
    with pytest.raises(ValueError, match="^n_instances × batch_size × true features: the run needs"):
        config.check_memory(10**6)
    with pytest.raises(ValueError, match="^true_features × dim: the run needs"):
        sae.synthetic_activations(10**6, 10**3)
    with pytest.raises(ValueError, match="^feature_probability: must be >= 2"):
        sae.synthetic_activations(10**6, 2, mean_active=0.01)


def test_numpy_values_become_python_values():
    import numpy as np

    config = sae.SAEConfig(n_latents=np.int64(16), k=np.asarray([2, 3]), n_instances=2, learning_rate=np.float32(1e-3))
    assert type(config.n_latents) is int and config.k == (2, 3) and type(config.learning_rate) is float
