"""Tests for toysup.orthogonality against known results: Welch's bound and kissing numbers for the most
directions that fit, the probability that two random directions are close to orthogonal, planted and pentagon
combinations for the confusion finder, and a Monte Carlo estimate from the data generator for the interference."""

import math

import jax
import numpy as np
import pytest

from toysup import metrics, orthogonality, sample_features
from toysup.orthogonality import (
    confusions,
    expected_squared_interference,
    feature_moments,
    interference_terms,
    johnson_lindenstrauss_count,
    max_abs_cosine,
    optimise_directions,
    optimised_counts,
    random_counts,
    welch_count,
)

KEY = jax.random.key(0)
SMALL = {"max_count": 64}  # one compiled optimiser (64 directions in 16 padded dimensions), the app's too
GOLDEN_RATIO = (1 + math.sqrt(5)) / 2


def pentagon() -> np.ndarray:
    angle = 2 * np.pi * np.arange(5) / 5
    return np.stack([np.cos(angle), np.sin(angle)])  # (2, 5): W_k at 72k degrees


def test_the_johnson_lindenstrauss_count_and_its_guarantee():
    assert johnson_lindenstrauss_count(16, 0.5) == pytest.approx(math.e)
    assert johnson_lindenstrauss_count(100, 0.2) == pytest.approx(math.e)
    np.testing.assert_allclose(johnson_lindenstrauss_count(np.array([1, 50]), 0.0), [1.0, 1.0])
    np.testing.assert_allclose(johnson_lindenstrauss_count(8, 0.5, constant=0.5), math.e)
    # The union bound behind c = 1/4: N = exp(ε² m / 4) random directions have fewer than one expected bad pair.
    for m, epsilon in ((100, 0.3), (400, 0.2), (64, 0.5)):
        n = math.floor(johnson_lindenstrauss_count(m, epsilon))
        assert n * (n - 1) / 2 * 2 * math.exp(-m * epsilon**2 / 2) < 1
    with pytest.raises(ValueError, match="epsilon"):
        johnson_lindenstrauss_count(10, 1.0)


def test_welchs_bound():
    assert [welch_count(m, 0.0) for m in (1, 2, 7)] == [1, 2, 7]  # only m exactly orthogonal directions
    assert welch_count(4, 0.3) == 5  # 4 · 0.91 / 0.64 = 5.69
    assert welch_count(10, 0.1) == 11  # a regular simplex: m + 1 directions at |cos| = 1/m exactly
    assert welch_count(12, 0.3) == math.inf  # m ε² ≥ 1: no bound


def test_max_abs_cosine():
    assert max_abs_cosine(np.eye(3)) == 0.0
    assert max_abs_cosine(pentagon().T) == pytest.approx(np.cos(np.pi / 5))  # 144° apart: |cos| = cos 36°
    assert max_abs_cosine(np.ones((1, 4))) == 0.0


def test_exactly_m_directions_fit_at_epsilon_zero():
    dims = [1, 2, 3, 4, 6, 8]
    optimised = optimised_counts(KEY, dims, 0.0, **SMALL)
    np.testing.assert_array_equal(optimised.counts, dims)
    random = random_counts(KEY, dims, 0.0, n_seeds=3, max_count=128)
    assert np.all(random.counts <= np.array(dims))
    np.testing.assert_array_equal(random.counts, 1)  # random directions are never exactly orthogonal


def test_the_optimiser_reaches_the_known_largest_packings():
    # ε = 0.3: 2 and 3 directions in 2 and 3 dimensions (Welch), 5 in 4 (a regular simplex, at Welch's bound).
    np.testing.assert_array_equal(optimised_counts(KEY, [2, 3, 4], 0.3, **SMALL).counts, [2, 3, 5])
    # ε = 0.5 (lines at least 60° apart): half the kissing numbers 6, 12, 24 of dimensions 2, 3, 4 — the
    # hexagon, the icosahedron's six diagonals and the D4 root system's twelve lines.
    counts = optimised_counts(KEY, [2, 3, 4], 0.5, **SMALL).counts
    np.testing.assert_array_equal(counts, [3, 6, 12])
    directions, largest = optimise_directions(KEY, 6, 3, 0.5)
    assert directions.shape == (6, 3) and largest <= 0.5 + orthogonality.TOLERANCE
    assert largest == pytest.approx(max_abs_cosine(directions))


def test_optimised_directions_beat_random_ones_and_random_ones_beat_m_in_many_dimensions():
    dims = [2, 3, 4, 5, 6, 8]
    optimised = optimised_counts(KEY, dims, 0.3, **SMALL)
    random = random_counts(KEY, dims, 0.3, n_seeds=3, max_count=128)
    assert np.all(optimised.counts >= random.counts)
    assert np.all(optimised.counts >= np.array(dims))
    assert optimised.counts[-1] > 8 and not optimised.at_cap[-1]
    capped = optimised_counts(KEY, [12], 0.5, **SMALL)  # 12 dimensions hold more than 64 lines 60° apart
    assert capped.at_cap[0] and capped.counts[0] == 64
    many = random_counts(KEY, [256], 0.3, n_seeds=3, max_count=1024)
    assert many.counts[0] > 256  # exp(ε² m / 4) ≈ 317 at m = 256


def test_random_counts_follow_the_chance_that_two_random_directions_are_close_to_orthogonal():
    """Two uniform directions in R^3 have cos uniform on [−1, 1] (Archimedes), so P(|cos| ≤ ε) = ε; in R^2 the
    angle is uniform, so P = 1 − 2 arccos(ε) / π. The count is at least 2 exactly when the first pair passes."""
    seeds = 101
    for m, chance in ((3, 0.5), (2, 1 - 2 * np.arccos(0.5) / np.pi)):
        per_seed = random_counts(KEY, [m], 0.5, n_seeds=seeds, max_count=128).per_seed[0]
        assert abs(np.mean(per_seed >= 2) - chance) < 4 * np.sqrt(chance * (1 - chance) / seeds)
    np.testing.assert_array_equal(random_counts(KEY, [1], 0.9, n_seeds=3, max_count=128).counts, [1])


def test_counts_reject_bad_input():
    with pytest.raises(ValueError, match="n_dims"):
        random_counts(KEY, [4, 2], 0.3)
    with pytest.raises(ValueError, match="epsilon"):
        optimised_counts(KEY, [2], -0.1)
    with pytest.raises(ValueError, match="n_dims"):
        optimised_counts(KEY, [0], 0.1)


def test_interference_terms_of_a_pentagon():
    terms = interference_terms(pentagon(), 0)
    np.testing.assert_allclose(terms, np.cos(2 * np.pi * np.arange(5) / 5), atol=1e-12)
    W = np.random.default_rng(0).normal(size=(3, 7))
    for i in range(7):
        spill = np.delete(interference_terms(W, i), i)
        assert np.sum(spill**2) == pytest.approx(float(metrics.interference(W.astype(np.float32))[i]), rel=1e-4)


@pytest.mark.parametrize(
    "sets",
    [{}, {"correlated_sets": (3,), "anticorrelated_sets": (2,)}, {"signed": True}],
    ids=["independent", "correlated and anticorrelated", "signed"],
)
def test_expected_interference_matches_monte_carlo_from_the_data_generator(sets):
    rng = np.random.default_rng(1)
    W = rng.normal(size=(3, 8))
    p = np.array([0.2, 0.2, 0.2, 0.3, 0.3, 0.1, 0.05, 0.5], np.float32)
    x = np.asarray(sample_features(jax.random.key(2), p, 200_000, **sets), dtype=np.float64)  # (features, batch)
    mean, second = feature_moments(p, **sets)
    np.testing.assert_allclose(x.mean(axis=1), mean, atol=5e-3)
    np.testing.assert_allclose(x @ x.T / x.shape[1], second, atol=5e-3)
    for feature in (0, 5):
        spill = np.delete(interference_terms(W, feature), feature) @ np.delete(x, feature, axis=0)
        squares = spill**2
        error = squares.std() / np.sqrt(len(squares))
        expected = expected_squared_interference(W, feature, second)
        assert abs(squares.mean() - expected) < 4 * error, (squares.mean(), expected, error)


def test_the_confusion_finder_recovers_a_planted_combination():
    W = np.random.default_rng(3).normal(size=(6, 12))
    W[:, 3] = (W[:, 5] + W[:, 7]) / np.linalg.norm(W[:, 5] + W[:, 7])
    best = confusions(W, 3)[0]
    assert best.support == (5, 7)
    assert best.cosine == pytest.approx(1.0, abs=1e-9) and best.residual == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(best.coefficients, 1 / np.linalg.norm(W[:, 5] + W[:, 7]), rtol=1e-9)
    found = confusions(W, 3, top=50)
    assert [c.cosine for c in found] == sorted((c.cosine for c in found), reverse=True)
    assert all(min(c.coefficients) > 0 and 3 not in c.support for c in found)


def test_a_pentagon_feature_is_its_neighbours_times_the_golden_ratio():
    found = confusions(pentagon(), 0, max_support=3)  # triples in 2 dimensions are dependent and skipped
    assert found[0].support == (1, 4)
    np.testing.assert_allclose(found[0].coefficients, GOLDEN_RATIO)
    assert found[0].cosine == pytest.approx(1.0)
    assert {c.support for c in found[1:]} == {(1,), (4,)}  # alone, a neighbour points 72° away
    assert found[1].cosine == pytest.approx(np.cos(2 * np.pi / 5))


def test_nearly_cancelling_features_imitate_anything_only_with_huge_values():
    W = np.array([[1.0, 0.0, 1e-3], [0.0, 1.0, -1.0]])  # features 1 and 2 almost an antipodal pair
    assert confusions(W, 0)[0].support == (1, 2)
    assert max(confusions(W, 0)[0].coefficients) > 100
    assert all(c.support != (1, 2) for c in confusions(W, 0, max_coefficient=4))


def test_confusions_reject_bad_input():
    W = np.array([[1.0, 0.0, 0.5], [0.0, 0.0, 0.5]])
    with pytest.raises(ValueError, match="feature 1"):
        confusions(W, 1)
    with pytest.raises(ValueError, match="feature"):
        interference_terms(W, 3)
    with pytest.raises(ValueError, match="max_support"):
        confusions(np.ones((2, 200)), 0, max_support=4)
