"""Figure 2's check on hand-made weights: a count that rises with sparsity passes, a fall beyond the seed noise and a
failed optimisation fail."""

import numpy as np
import pytest

from toysup import theory
from toysup.figures import basic_results
from toysup.figures.basic_results import SPARSITIES, count_falls

N_FEATURES, N_HIDDEN = 20, 5
IMPORTANCE = 0.7 ** np.arange(N_FEATURES)


def model(pairs: int) -> np.ndarray:
    """5 − pairs dedicated features (the most important) on their own axes, then ``pairs`` antipodal pairs of the
    next features on the remaining axes: 5 + pairs represented features."""
    W = np.zeros((N_HIDDEN, N_FEATURES))
    dedicated = N_HIDDEN - pairs
    for axis in range(dedicated):
        W[axis, axis] = 1.0
    for k in range(pairs):
        W[dedicated + k, dedicated + 2 * k] = 1.0
        W[dedicated + k, dedicated + 2 * k + 1] = -1.0
    return W


def data(pairs_per_seed: list[list[int]], superposed_loss_ratio: float = 0.5, dense_ratio: float = 1.0) -> dict:
    probability = 1.0 - np.asarray(SPARSITIES)
    baseline = theory.dedicated_baseline_loss(probability[:, None], IMPORTANCE, N_HIDDEN)
    ratios = np.where(np.asarray(pairs_per_seed) > 0, superposed_loss_ratio, dense_ratio)
    linear_baseline = float(theory.dedicated_baseline_loss(1.0, IMPORTANCE, N_HIDDEN))
    return {
        "sparsity": SPARSITIES,
        "importance": IMPORTANCE,
        "linear_W": model(0),
        "linear_b": np.zeros(N_FEATURES),
        "linear_loss": linear_baseline,
        "linear_baseline_loss": linear_baseline,
        "relu_W": np.array([[model(pairs) for pairs in seed] for seed in pairs_per_seed]),
        "relu_b": np.zeros((len(pairs_per_seed), len(SPARSITIES), N_FEATURES)),
        "relu_loss": baseline[None, :] * ratios,
        "relu_baseline_loss": baseline,
    }


RISING = [[0, 1, 2, 3, 4, 5, 5]] * 3  # 5, 6, …, 10, 10 represented features


def test_a_count_rising_with_sparsity_passes():
    result = basic_results.check(data(RISING))
    assert result["holds"], result
    assert result["relu_mean_represented_per_sparsity"].tolist() == [5, 6, 7, 8, 9, 10, 10]
    assert result["first_sparsity_with_superposition"] == SPARSITIES[1]


def test_a_fall_at_the_sparsest_fails_unless_seed_noise_covers_it():
    fall = [[0, 1, 2, 3, 4, 5, 4]] * 3  # identical seeds: no noise, and the count falls 10 → 9
    assert not basic_results.check(data(fall))["holds"]
    # A fall of the mean by 1/3 (9.67 → 9.33) between seeds that differ by a pair at most sparsities is noise.
    noisy = [[0, 1, 2, 3, 5, 4, 5], [0, 2, 3, 4, 5, 4, 5], [0, 1, 2, 3, 4, 5, 5]]
    falls, allowed = count_falls(np.array([[5 + p for p in seed] for seed in noisy]))
    assert falls.max() == pytest.approx(1 / 3) and allowed > 1 / 3
    assert basic_results.check(data(noisy))["holds"]


def test_count_falls_measures_the_spread_over_seeds():
    counts = np.array([[5, 7], [5, 9]])  # σ² = 0 and 2 at the two sparsities: pooled σ = 1
    falls, allowed = count_falls(counts)
    assert falls.tolist() == [-3.0]
    assert allowed == pytest.approx(2.0 * 1.0 * np.sqrt(2 / 2))


def test_a_failed_optimisation_fails():
    assert not basic_results.check(data(RISING, superposed_loss_ratio=0.95))["holds"]  # superposition, no gain
    assert not basic_results.check(data(RISING, dense_ratio=1.3))["holds"]  # dense model worse than dedicated
    bad_linear = data(RISING)
    bad_linear["linear_loss"] = 2.0 * bad_linear["linear_baseline_loss"]
    assert not basic_results.check(bad_linear)["holds"]


def test_a_superposed_feature_outranking_a_dedicated_one_fails():
    bad = data(RISING)
    W = bad["relu_W"][0, 3].copy()
    W[:, [0, N_FEATURES - 1]] = W[:, [N_FEATURES - 1, 0]]  # the most important feature dropped, the least kept
    bad["relu_W"][0, 3] = W
    result = basic_results.check(bad)
    assert result["models_where_a_superposed_feature_outranks_a_dedicated_one"] == 1
    assert not result["holds"]
