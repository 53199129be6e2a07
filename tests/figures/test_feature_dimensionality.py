"""Figure 5's check on hand-made feature dimensionalities: clustering at the fractions where D* ≥ 3/8 and sliding
with D* beyond passes; values spread evenly, sparse models described by neither pattern, or failed optimisation
fail."""

import numpy as np

from toysup import theory
from toysup.figures import feature_dimensionality

N_FEATURES, N_HIDDEN = 400, 30
PROBABILITY = 20.0 ** -np.linspace(0, 1, 6)
DIMS = np.array([1.0, 0.75, 0.5, 0.4, 0.25, 0.18])  # four models in the fractions' range, two sparser


def data(dimensionality: np.ndarray, ratios=None) -> dict:
    baseline = theory.dedicated_baseline_loss(PROBABILITY[:, None] * np.ones(N_FEATURES), 1.0, N_HIDDEN)
    if ratios is None:
        ratios = np.where(DIMS <= 0.53, 0.95, 1.0)
    learned = np.zeros((len(DIMS), N_FEATURES), dtype=bool)
    learned[:, :40] = True
    return {
        "n_features": N_FEATURES,
        "n_hidden": N_HIDDEN,
        "inverse_probability": 1.0 / PROBABILITY,
        "dimensionality": np.where(learned, dimensionality, 0.0),
        "learned": learned,
        "dims_per_feature": DIMS,
        "loss": baseline * ratios,
        "baseline_loss": baseline,
    }


def clustered(rng: np.random.Generator) -> np.ndarray:
    """Learned features at the fractions (±0.01) where D* ≥ 3/8, and within 5% of D* in the sparser models."""
    values = np.empty((len(DIMS), N_FEATURES))
    for index, (dims, fraction) in enumerate(zip(DIMS, [1.0, 3 / 4, 1 / 2, 2 / 5, None, None])):
        centre = dims if fraction is None else fraction
        spread = 0.05 * dims if fraction is None else 0.01
        values[index] = centre + rng.uniform(-spread, spread, N_FEATURES)
    return values


def test_clustering_then_sliding_passes():
    result = feature_dimensionality.check(data(clustered(np.random.default_rng(0))))
    assert result["holds"], result
    assert result["share_within_0.03_of_a_fraction_there"] == 1.0
    assert result["sliding_models_at_inverse_probability"] == np.round(1.0 / PROBABILITY[4:], 2).tolist()
    assert result["sparser_models_share_at_a_fraction"] == [0.0, 0.0]


def test_values_spread_evenly_fail():
    values = clustered(np.random.default_rng(1))
    values[:4] = np.random.default_rng(2).uniform(3 / 8 - 0.03, 1.03, (4, N_FEATURES))
    result = feature_dimensionality.check(data(values))
    assert result["share_within_0.03_of_a_fraction_there"] < 0.6
    assert not result["holds"]


def test_a_sparse_model_neither_clustering_nor_sliding_fails():
    values = clustered(np.random.default_rng(3))
    values[5] = np.random.default_rng(4).uniform(0.2, 0.34, N_FEATURES)  # median 0.27: 50% above D* = 0.18
    result = feature_dimensionality.check(data(values))
    assert result["sparser_models_described_(clustering_or_sliding)"] == 1
    assert not result["holds"]


def test_a_failed_optimisation_fails():
    values = clustered(np.random.default_rng(5))
    assert not feature_dimensionality.check(data(values, ratios=np.full(len(DIMS), 1.081)))["holds"]
