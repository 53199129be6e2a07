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


# --- the settings derived from the data ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def five_active():
    """128 random directions in 64 dims, 5 active on average, magnitudes U[0, 1]: L = 5, e ≈ 1/3."""
    return sae.synthetic_activations(128, 64, mean_active=5.0, seed=0)


def test_the_sparsity_is_derived_from_the_expected_true_l0(five_active):
    from toysup.sae.config import DEFAULT_STEPS, derive_settings

    topk = derive_settings("topk", five_active)
    assert topk.fields["k"] == 5 and topk.fields["n_latents"] == 256 and topk.fields["n_instances"] == 1
    # BatchTopK's budget sits a little below L (the pair of latents on either side of a feature must cost)
    assert derive_settings("batchtopk", five_active).fields["k"] == pytest.approx(0.8 * 5.0)
    assert derive_settings("topk", sae.synthetic_activations(16, 8, mean_active=0.25)).fields["k"] == 1
    relu = derive_settings("relu", five_active)
    # e = E‖x‖² / L: 1/3 for one unit direction with a U[0, 1] code, plus the random directions' cross terms
    assert 0.3 < relu.fields["l1_coefficient"] ** 2 < 0.4
    assert relu.fields["penalty_warmup_steps"] == DEFAULT_STEPS // 5
    jump = derive_settings("jumprelu", five_active)
    assert jump.fields["jumprelu_initial_threshold"] == pytest.approx(jump.fields["l0_coefficient"] ** 0.5, rel=0.01)
    assert jump.fields["resampling"] == "inputs"
    gated = derive_settings("gated", five_active)
    assert gated.fields["l1_coefficient"] > relu.fields["l1_coefficient"]
    for derived in (topk, relu, jump, gated):
        sae.SAEConfig(**derived.fields)  # valid as derived
        assert len(derived.lines()) == len(derived.reasons) and all(" = " in line for line in derived.lines())


def test_the_derived_l1_scales_with_the_features_size():
    from toysup.sae.config import derive_settings

    small = sae.synthetic_activations(64, 32, mean_active=2.0, seed=1)
    large = sae.synthetic_activations(64, 32, mean_active=2.0, magnitude=(0.0, 10.0), seed=1)
    small_l1 = derive_settings("relu", small).fields["l1_coefficient"]
    assert derive_settings("relu", large).fields["l1_coefficient"] == pytest.approx(10 * small_l1, rel=0.02)
    small_l0 = derive_settings("jumprelu", small).fields["l0_coefficient"]
    assert derive_settings("jumprelu", large).fields["l0_coefficient"] == pytest.approx(100 * small_l0, rel=0.02)


def test_explicit_settings_win_and_are_not_reported_as_derived(five_active):
    from toysup.sae.config import derive_settings

    derived = derive_settings("topk", five_active, k=2, n_latents=64, steps=100, dead_window=7)
    assert derived.fields["k"] == 2 and derived.fields["n_latents"] == 64 and derived.fields["dead_window"] == 7
    assert not {"k", "n_latents", "dead_window"} & set(derived.reasons)
    relu = derive_settings("relu", five_active, steps=100)
    assert relu.fields["penalty_warmup_steps"] == 20 and "20% of the 100 steps" in relu.reasons["penalty_warmup_steps"]
    assert derive_settings("relu", five_active, l1_coefficient=0.1, resampling="none").fields["l1_coefficient"] == 0.1


def test_instances_with_different_sparsity_get_one_value_each():
    from toysup.sae.config import derive_settings

    data = sae.stack([sae.synthetic_activations(64, 32, mean_active=m, seed=0) for m in (1.0, 4.0)])
    derived = derive_settings("topk", data)
    assert derived.fields["n_instances"] == 2 and derived.fields["k"] == (1, 4)
    # resampled dead latents: p = 1/64 fires 16 times a step at batch 1024, so the window is the minimum
    assert derive_settings("jumprelu", data).fields["dead_window"] == 10
    assert derive_settings("jumprelu", data, batch_size=16).fields["dead_window"] == 200  # 50 / (16 / 64)


def test_the_expected_l0_of_a_hierarchy_is_estimated_from_samples():
    from toysup.sae.data import sparsity_statistics

    plain = sparsity_statistics(sae.synthetic_activations(64, 32, mean_active=4.0, seed=0))
    assert plain.l0_source == "Σ p_i" and plain.expected_l0[0] == pytest.approx(4.0)
    # 8 parents with p = 1/16, each with one of its 3 children whenever it fires: L = 2 · 8/16 + 32 plain · 1/16
    tree = sparsity_statistics(
        sae.synthetic_activations(64, 32, mean_active=4.0, n_parents=8, children_per_parent=3, seed=0)
    )
    assert tree.l0_source == "estimated" and tree.expected_l0[0] == pytest.approx(1.0 + 32 / 16, rel=0.05)
    # children's magnitudes are U[0, 1] like every other feature's: the energy of an active feature stays ≈ 1/3
    assert 0.25 < tree.energy[0] < 0.45
