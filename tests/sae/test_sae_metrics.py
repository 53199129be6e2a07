"""Recovery metrics against hand-made dictionaries."""

import numpy as np
import pytest

from toysup.sae import metrics


@pytest.fixture
def truth():
    rows = np.random.default_rng(0).standard_normal((64, 32))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_perfect_dictionary_scores_one(truth):
    scores = metrics.summary(truth * 3.0, truth)  # decoder norms do not matter
    for name in ("mmcs", "mcc", "recovered_0.9", "recovered_0.99", "uniqueness"):
        assert scores[name] == pytest.approx(1.0), name


def test_the_hungarian_step_matches_a_permuted_dictionary_exactly(truth):
    order = np.random.default_rng(1).permutation(64)
    matched, cosines = metrics.hungarian_match(truth[order], truth)
    np.testing.assert_array_equal(order[matched], np.arange(64))
    np.testing.assert_allclose(cosines, 1.0)


def test_a_random_dictionary_scores_near_chance():
    """For random unit vectors in d = 64, a cosine is ≈ N(0, 1/d): the max over L = 64 latents is ≈ √(2 ln L / d)."""
    rng = np.random.default_rng(2)
    d = 64
    truth = rng.standard_normal((64, d))
    decoder = rng.standard_normal((64, d))
    expected_max = np.sqrt(2 * np.log(64) / d)  # ≈ 0.36, an upper estimate of E max
    mmcs = metrics.mmcs(decoder, truth)
    assert 0.6 * expected_max < mmcs < 1.05 * expected_max
    assert metrics.mcc(decoder, truth) < mmcs  # one-to-one matching can only do worse than each best match
    assert metrics.summary(decoder, truth)["recovered_0.9"] == 0.0


def test_unmatched_features_count_zero_when_the_dictionary_is_smaller(truth):
    matched, cosines = metrics.hungarian_match(truth[:16], truth)
    assert np.sum(matched >= 0) == 16 and metrics.mcc(truth[:16], truth) == pytest.approx(16 / 64)


def test_firing_scores_and_reconstruction_on_known_codes():
    true_codes = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    codes = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    scores = metrics.firing_scores(codes, true_codes, np.array([0, 2]))
    np.testing.assert_allclose(scores["precision"], [0.5, 1.0])  # latent 0 fires twice, once rightly
    np.testing.assert_allclose(scores["recall"], [0.5, 1.0])  # feature 0 active twice, caught once
    np.testing.assert_allclose(scores["f1"], [0.5, 1.0])
    x = np.random.default_rng(3).standard_normal((100, 4))
    perfect = metrics.reconstruction_scores(x, x)
    assert perfect["explained_variance"] == pytest.approx(1.0) and perfect["mse"] == 0.0
    assert metrics.reconstruction_scores(x, 0.5 * x)["shrinkage"] == pytest.approx(0.5)
