"""Training quality, the claims of issue 5 about recovering known features: the pentagon, and synthetic
dictionaries."""

import numpy as np
import pytest

import toysup
from toysup import sae
from toysup.sae.config import derive_settings


@pytest.fixture(scope="module")
def pentagon():
    """Four pentagons (five features at p = 0.05 in two dimensions), as ``toysup train --features 5 --hidden 2
    --feature-probability 0.05 --instances 4 --restarts 4`` makes them, in fewer steps."""
    config = toysup.ToyConfig(
        n_features=5, n_hidden=2, n_instances=4, feature_probability=0.05, restarts=4, steps=3000, learning_rate=1e-2
    )
    return sae.toy_activations(toysup.train(config, progress=False))


@pytest.mark.parametrize("arch", sae.ARCHITECTURES)
def test_every_architecture_recovers_the_pentagon_with_the_derived_settings(pentagon, arch):
    """Issue 13: with nothing but the architecture (``toysup sae --run RUN --arch A``), every SAE finds all five."""
    assert pentagon.n_features == 5
    derived = derive_settings(arch, pentagon)
    config = sae.SAEConfig(**derived.fields)
    assert config.n_instances == 4  # one SAE per toy instance
    result = sae.train_sae(config, pentagon, progress=False)
    scores = sae.evaluate(result, pentagon, n_samples=8192)
    print(arch, scores["mmcs"], scores["l0"], scores["dead_share"])
    assert np.all(scores["mmcs"] >= 0.99), scores["mmcs"]


# (true features, dimensions) of the test-scale synthetic set. BatchTopK needs twice the size: at 64 directions in 32
# dimensions it reaches MCC 0.93–0.97 only (data seeds 0–3, with k = 0.8 L or L, 2 or 4 latents per feature), a
# small-scale shortfall; at 128 in 64 it reached 0.990 and 0.9995 (seeds 0, 1) and at 512 in 256 1.000.
SYNTHETIC_SIZE = {"batchtopk": (128, 64)}


@pytest.mark.parametrize("arch", sae.ARCHITECTURES)
def test_every_architecture_recovers_a_synthetic_dictionary_with_the_derived_settings(arch):
    """Issue 13 at test scale (``toysup sae --synthetic --arch A`` on 512 directions in 256 dimensions takes minutes;
    it was run by hand): 64 random directions in 32 dimensions (BatchTopK: 128 in 64, see ``SYNTHETIC_SIZE``), 5
    active on average, every setting derived."""
    n_features, n_inputs = SYNTHETIC_SIZE.get(arch, (64, 32))
    data = sae.synthetic_activations(n_features, n_inputs, mean_active=5.0, seed=0)
    config = sae.SAEConfig(**derive_settings(arch, data).fields)
    scores = sae.evaluate(sae.train_sae(config, data, progress=False), data, n_samples=8192)
    print(arch, scores["mcc"], scores["l0"], scores["dead_share"])
    assert scores["mcc"][0] >= 0.97, scores["mcc"]


# Synthetic, easy, at CPU-test scale: 128 random directions in 64 dims, 5 active on average, magnitudes
# U[0, 1], 256 latents, batch 512, 500 steps (the 512-in-256 setting of the issue runs in bench_sae.py).
EASY = dict(
    n_inputs=64, n_latents=256, batch_size=512, steps=500, learning_rate=3e-3, schedule="cosine", dead_window=50
)


@pytest.fixture(scope="module")
def easy():
    return sae.synthetic_activations(128, 64, firing="uniform", mean_active=5.0, seed=0)


@pytest.fixture(scope="module")
def easy_topk(easy):
    result = sae.train_sae(sae.SAEConfig(arch="topk", k=5, **EASY), easy, progress=False)
    return sae.evaluate(result, easy, n_samples=8192)


@pytest.fixture(scope="module")
def easy_relu(easy):
    """λ = 0.6 and 1.0 with a λ warm-up over the first 100 steps, and λ = 1.0 without one."""
    warm = sae.SAEConfig(arch="relu", l1_coefficient=(0.6, 1.0), n_instances=2, penalty_warmup_steps=100, **EASY)
    cold = warm.replace(l1_coefficient=1.0, n_instances=1, penalty_warmup_steps=0)
    return (
        sae.evaluate(sae.train_sae(warm, easy, progress=False), easy, n_samples=8192),
        sae.evaluate(sae.train_sae(cold, easy, progress=False), easy, n_samples=8192),
    )


def test_topk_and_l1_recover_the_easy_synthetic_dictionary(easy_topk, easy_relu):
    warm, _ = easy_relu
    assert easy_topk["mcc"][0] >= 0.97
    assert np.all(warm["mcc"] >= 0.97), warm["mcc"]


def test_topk_explains_more_variance_than_l1_at_a_similar_l0(easy_topk, easy_relu):
    warm, _ = easy_relu
    # λ = 0.6: L0 within ~30% of TopK's k = 5; the L1 SAE shrinks its activations (γ < 1), TopK does not.
    assert abs(warm["l0"][0] - easy_topk["l0"][0]) < 0.35 * easy_topk["l0"][0]
    assert easy_topk["explained_variance"][0] > warm["explained_variance"][0] + 0.05
    assert warm["relative_reconstruction_bias"][0] < 0.9 < easy_topk["relative_reconstruction_bias"][0]


def test_l1_without_warmup_collapses_where_the_warmup_recovers(easy_relu):
    warm, cold = easy_relu
    assert warm["mcc"][1] >= 0.97 and warm["l0"][1] > 2.5
    assert cold["l0"][0] < 0.5 and cold["mcc"][0] < 0.7


def test_auxk_recovers_more_rare_features_than_plain_topk():
    """Zipf-like firing (p_i ∝ 1/(i+1), 5 active on average): AuxK revives dead latents onto rare features."""
    zipf = sae.synthetic_activations(128, 64, firing="zipf", mean_active=5.0, zipf_exponent=1.0, seed=0)
    config = sae.SAEConfig(arch="topk", k=5, **{**EASY, "steps": 1000})
    with_aux = sae.evaluate(sae.train_sae(config, zipf, progress=False), zipf, n_samples=8192)
    without = sae.evaluate(
        sae.train_sae(config.replace(aux_coefficient=0.0), zipf, progress=False), zipf, n_samples=8192
    )
    assert np.all(with_aux["mcc"] > without["mcc"] + 0.02), (with_aux["mcc"], without["mcc"])
    assert np.all(with_aux["recovered_0.9"] > without["recovered_0.9"])
