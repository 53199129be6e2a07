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
    for name in ("mmcs", "mcc", "matched_cosine", "recovered_0.9", "recovered_0.99", "uniqueness"):
        assert scores[name] == pytest.approx(1.0), name
    assert scores["duplicate_rate"] == 0.0


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
    assert metrics.matched_cosine(decoder, truth) < mmcs  # one-to-one matching can only do worse than best matches
    assert metrics.summary(decoder, truth)["recovered_0.9"] == 0.0


def test_unmatched_features_count_zero_in_matched_cosine_but_not_in_mcc(truth):
    matched, cosines = metrics.hungarian_match(truth[:16], truth)
    assert np.sum(matched >= 0) == 16 and metrics.matched_cosine(truth[:16], truth) == pytest.approx(16 / 64)
    assert metrics.mcc(truth[:16], truth) == pytest.approx(1.0)  # SAELens: the mean over matched pairs only


def test_mcc_takes_the_absolute_cosine_and_matched_cosine_the_signed_one(truth):
    flipped = truth.copy()
    flipped[:8] *= -1  # eight latents point against their features: they cannot add them back
    assert metrics.mcc(flipped, truth) == pytest.approx(1.0)
    assert metrics.matched_cosine(flipped, truth) < (56 + 8 * 0.5) / 64  # the eight match only weakly
    assert metrics.summary(flipped, truth)["recovered_0.9"] == pytest.approx(56 / 64)


def test_uniqueness_does_not_depend_on_the_width_and_duplicates_are_counted(truth):
    # Twice as many latents, each feature held by two copies of its direction (one slightly off): every feature
    # still has a latent of its own as its best, and half the latents duplicate another.
    rng = np.random.default_rng(4)
    copies = truth + 0.05 * rng.standard_normal(truth.shape)
    doubled = np.concatenate([truth, copies])
    assert metrics.uniqueness(doubled, truth) == pytest.approx(1.0)
    assert metrics.duplicate_rate(doubled, truth) == pytest.approx(0.5)
    # Half the features share one latent (the first half's directions averaged in pairs): uniqueness drops.
    merged = np.concatenate([truth[0:32:2] + truth[1:32:2], truth[32:]])
    assert metrics.uniqueness(merged, truth) == pytest.approx(32 / 64)
    assert metrics.duplicate_rate(merged, truth) == 0.0


def test_every_summary_metric_has_a_label_and_a_definition(truth):
    x = np.random.default_rng(5).standard_normal((50, 32))
    codes = np.abs(np.random.default_rng(6).standard_normal((50, 64)))
    scores = metrics.summary(truth, truth, x=x, x_hat=x, codes=codes, true_codes=codes)
    assert set(scores) == set(metrics.METRICS)
    assert all(label and definition for label, definition in metrics.METRICS.values())


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
    half = metrics.reconstruction_scores(x, 0.5 * x)
    assert half["relative_reconstruction_bias"] == pytest.approx(0.5) and half["l2_ratio"] == pytest.approx(0.5)
    assert perfect["relative_reconstruction_bias"] == pytest.approx(1.0) and perfect["l2_ratio"] == pytest.approx(1.0)


def absorbing_case():
    """Parent 0 with children 1 and 2 (orthonormal directions in 3 dimensions); four samples: the parent alone, the
    parent with child 1, the parent with child 2, nothing."""
    truth = np.eye(3)
    true_codes = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    return truth, true_codes, metrics.hierarchy_pairs(1, 2)


def test_hierarchy_pairs_follow_the_synthetic_layout():
    np.testing.assert_array_equal(metrics.hierarchy_pairs(2, 2), [[0, 1], [0, 2], [3, 4], [3, 5]])
    assert metrics.hierarchy_pairs(0, 0).shape == (0, 2)


def test_absorption_counts_a_silent_parent_whose_direction_the_child_latent_took():
    truth, true_codes, pairs = absorbing_case()
    # Each child's latent is child + parent (it reconstructs both); the parent's latent fires only alone.
    decoder = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0]]) / np.array([[1.0], [2**0.5], [2**0.5]])
    codes = np.array([[1.0, 0.0, 0.0], [0.0, 1.4, 0.0], [0.0, 0.0, 1.4], [0.0, 0.0, 0.0]])
    result = metrics.absorption(codes, true_codes, decoder, truth, pairs)
    assert result["absorption"] == pytest.approx(1.0)
    np.testing.assert_allclose(result["per_pair"], [1.0, 1.0])
    assert result["parent_recall_alone"] == 1.0 and result["parent_recall_with_child"] == 0.0
    assert result["child_parent_cosine"] == pytest.approx(2**-0.5)
    # Half absorbed: only child 1's latent took the parent.
    decoder[2] = [0.0, 0.0, 1.0]
    codes[2] = [1.0, 0.0, 1.0]
    assert metrics.absorption(codes, true_codes, decoder, truth, pairs)["absorption"] == pytest.approx(0.5)


def test_a_clean_sae_or_a_dead_parent_latent_is_no_absorption():
    truth, true_codes, pairs = absorbing_case()
    clean = metrics.absorption(true_codes, true_codes, truth, truth, pairs)  # the true dictionary and codes
    assert clean["absorption"] == 0.0 and clean["parent_recall_with_child"] == 1.0
    # The parent's latent never fires, but the children's decoder rows are their own directions: not absorbed.
    dead_parent = true_codes * [0.0, 1.0, 1.0]
    assert metrics.absorption(dead_parent, true_codes, truth, truth, pairs)["absorption"] == 0.0
    # Absorbing decoder rows, but the parent's latent still fires beside the child's: not absorbed either.
    decoder = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    assert metrics.absorption(true_codes, true_codes, decoder, truth, pairs)["absorption"] == 0.0
    # A child never active has no rate.
    quiet = true_codes * [1.0, 1.0, 0.0]
    per_pair = metrics.absorption(quiet, quiet, truth, truth, pairs)["per_pair"]
    assert per_pair[0] == 0.0 and np.isnan(per_pair[1])


def test_at_matched_l0_interpolates_between_the_bracketing_settings():
    l0 = np.array([[8.0, 6.0], [4.0, 5.0], [2.0, 4.5]])  # (settings, seeds); seed 1 never reaches L0 = 3
    values = np.array([[0.5, 0.5], [0.7, 0.6], [0.9, 0.8]])
    matched, bracketed = metrics.at_matched_l0(l0, values, 3.0)
    np.testing.assert_allclose(matched, [0.8, 0.8])  # seed 0 halfway from L0 4 to 2; seed 1 the nearest (4.5)
    np.testing.assert_array_equal(bracketed, [True, False])
