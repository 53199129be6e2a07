"""Tests for toysup.theory: closed forms vs Monte Carlo, optimal biases, and phase-diagram limits."""

import numpy as np
import pytest

from toysup import theory

N_SAMPLES = 200_000
N_SIGMA = 4.0
POINTS = [(0.05, 0.3), (0.3, 1.0), (0.7, 3.0), (1.0, 0.5)]  # (p, I)


def _sample_x(p, n_features, n_samples=N_SAMPLES, seed=0):
    rng = np.random.default_rng(seed)
    active = rng.random((n_samples, n_features)) < p
    return np.where(active, rng.random((n_samples, n_features)), 0.0)


def _per_sample_loss(x, W, b, importances):
    """sum_i I_i (x_i - ReLU((W^T W x)_i + b_i))^2 for every sample."""
    x_hat = np.maximum(x @ (W.T @ W) + b, 0.0)  # W^T W is symmetric
    return np.sum(np.asarray(importances) * (x - x_hat) ** 2, axis=-1)


def _mc_loss(p, W, b, importances, seed=0):
    loss = _per_sample_loss(_sample_x(p, W.shape[-1], seed=seed), W, b, importances)
    return loss.mean(), loss.std(ddof=1) / np.sqrt(loss.size)


@pytest.mark.parametrize("p,imp", POINTS)
def test_candidate_losses_2_match_monte_carlo(p, imp):
    closed = theory.candidate_losses_2(p, imp)
    weights, biases = theory.candidate_weights_2(), theory.candidate_biases_2(p)
    assert closed.shape == (3,) and weights.shape == (3, 1, 2) and biases.shape == (3, 2)
    for label in range(3):
        mean, se = _mc_loss(p, weights[label], biases[label], [1.0, imp], seed=label)
        assert abs(closed[label] - mean) <= N_SIGMA * se + 1e-12, (label, closed[label], mean, se)


@pytest.mark.parametrize("p,imp", POINTS)
def test_candidate_losses_3_match_monte_carlo(p, imp):
    closed = theory.candidate_losses_3(p, imp)
    weights, biases = theory.candidate_weights_3(), theory.candidate_biases_3(p)
    assert closed.shape == (4,) and weights.shape == (4, 2, 3) and biases.shape == (4, 3)
    null_vectors = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 1], [1, 1, 0]], dtype=float)
    np.testing.assert_allclose(np.einsum("lhf,lf->lh", weights, null_vectors), 0.0)
    for label in range(4):
        mean, se = _mc_loss(p, weights[label], biases[label], [1.0, 1.0, imp], seed=10 + label)
        assert abs(closed[label] - mean) <= N_SIGMA * se + 1e-12, (label, closed[label], mean, se)


@pytest.mark.parametrize("p", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("b", [-1.3, -0.6, -0.1, 0.0, 0.2, 0.7, 1.4])
def test_antipodal_loss_every_piece_matches_monte_carlo(p, b):
    W = np.array([[1.0, -1.0]])
    mean, se = _mc_loss(p, W, np.array([b, 0.0]), [1.0, 0.0], seed=3)
    assert abs(theory.antipodal_loss(p, b) - mean) <= N_SIGMA * se + 1e-12


def test_antipodal_loss_special_values():
    p = np.linspace(0.0, 1.0, 11)
    np.testing.assert_allclose(theory.antipodal_loss(p, 0.0), p**2 / 6)
    np.testing.assert_allclose(theory.antipodal_loss(p, -2.0), p / 3)  # output always 0: E[x^2]
    for knot in (-1.0, 0.0, 1.0):  # continuity across the piece boundaries
        left, right = theory.antipodal_loss(p, knot - 1e-9), theory.antipodal_loss(p, knot + 1e-9)
        np.testing.assert_allclose(left, right, atol=1e-8)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.7, 1.0])
def test_optimal_bias_is_optimal_monte_carlo(p):
    b_opt = float(theory.optimal_bias_antipodal(p))
    x = _sample_x(p, 2, seed=7)
    W = np.array([[1.0, -1.0]])
    at_opt = _per_sample_loss(x, W, np.array([b_opt, 0.0]), [1.0, 0.0])
    for delta in (-0.05, 0.05):
        diff = _per_sample_loss(x, W, np.array([b_opt + delta, 0.0]), [1.0, 0.0]) - at_opt
        se = diff.std(ddof=1) / np.sqrt(diff.size)
        assert diff.mean() > -3.0 * se  # not lower beyond noise (common random numbers)


def test_optimal_bias_closed_form_properties():
    p = np.linspace(0.0, 1.0, 41)
    b_opt = theory.optimal_bias_antipodal(p)
    assert b_opt.shape == p.shape and np.all(b_opt >= 0) and np.all(b_opt < 1)
    assert np.all(np.diff(b_opt) >= -1e-12)  # grows with density
    grid = np.linspace(-1.5, 1.5, 30001)
    f_grid = theory.antipodal_loss(p[:, None], grid[None, :])
    assert np.all(theory.antipodal_loss(p, b_opt) <= f_grid.min(axis=1) + 1e-12)
    # stationary point of the cubic f'(b) = -(2/3)p^2 b^3 + p(1+p) b^2 + 2(1-p) b - p^2/3
    fprime = -(2 / 3) * p**2 * b_opt**3 + p * (1 + p) * b_opt**2 + 2 * (1 - p) * b_opt - p**2 / 3
    np.testing.assert_allclose(fprime, 0.0, atol=1e-12)
    np.testing.assert_allclose(theory.optimal_bias_antipodal(1.0), 0.4421253, atol=1e-6)
    np.testing.assert_allclose(theory.optimal_bias_antipodal(0.01), 0.01**2 / (6 * 0.99), rtol=0.01)


def test_optimal_bias_independent_of_importance():
    grid = np.linspace(-0.5, 1.0, 15001)
    for p in (0.2, 0.8):
        f = theory.antipodal_loss(p, grid)
        for imp in (0.1, 1.0, 10.0):
            assert np.argmin(imp * f) == np.argmin(f)
        assert abs(grid[np.argmin(f)] - theory.optimal_bias_antipodal(p)) < 2e-4


def test_dense_limits():
    assert theory.theoretical_phase(1.0, 3.0) == 1
    assert theory.theoretical_phase(1.0, 0.3) == 0
    assert theory.theoretical_phase(1.0, 3.0, n_features=3) == 1
    assert theory.theoretical_phase(1.0, 0.3, n_features=3) == 0


def test_sparse_limits():
    assert theory.theoretical_phase(0.01, 1.0) == 2
    assert theory.theoretical_phase(0.01, 0.1) == 2  # boundary is near I / (1 + I) = f*/Var ~ p/2
    assert theory.theoretical_phase(0.01, 10.0) == 2
    # sparse-ish but an unimportant extra feature: dropping it is cheaper than superposition
    losses = theory.candidate_losses_2(0.3, 0.1)
    assert losses[0] < losses[2] < losses[1]
    assert theory.theoretical_phase(0.3, 0.1) == 0
    assert theory.theoretical_phase(0.3, 0.1, n_features=3) == 0
    assert theory.theoretical_phase(0.01, 0.5, n_features=3) == 2  # less important feature shares
    assert theory.theoretical_phase(0.01, 2.0, n_features=3) == 3  # the two important ones share


def test_equal_importance_ties():
    p = np.logspace(-2, 0, 9)
    losses = theory.candidate_losses_2(p, 1.0)
    np.testing.assert_array_equal(losses[..., 0], losses[..., 1])
    losses3 = theory.candidate_losses_3(p, 1.0)
    np.testing.assert_array_equal(losses3[..., 2], losses3[..., 3])


def test_grids_contain_expected_labels():
    P, Imp = np.meshgrid(np.logspace(-2, 0, 20), np.logspace(-1, 1, 20), indexing="ij")
    phase2 = theory.theoretical_phase(P, Imp)
    assert phase2.shape == (20, 20) and np.issubdtype(phase2.dtype, np.integer)
    assert set(np.unique(phase2)) == {0, 1, 2}
    phase3 = theory.theoretical_phase(P, Imp, n_features=3)
    labels3 = set(np.unique(phase3))
    assert {0, 1} <= labels3 and labels3 & {2, 3} and labels3 <= {0, 1, 2, 3}
    assert theory.candidate_losses_2(P, Imp).shape == (20, 20, 3)
    assert theory.candidate_losses_3(P[:, :1], Imp[:1, :]).shape == (20, 20, 4)  # broadcasting


def test_labels_and_validation():
    assert theory.PHASE_LABELS_2 == ("not represented", "dedicated", "superposition")
    assert len(theory.PHASE_LABELS_3) == 4 and theory.PHASE_LABELS_3[0] == "W ⊥ [0,0,1]"
    with pytest.raises(ValueError, match="n_features"):
        theory.theoretical_phase(0.5, 1.0, n_features=4)
    with pytest.raises(ValueError, match="feature_probability"):
        theory.candidate_losses_2(1.5, 1.0)
    with pytest.raises(ValueError, match="importance"):
        theory.candidate_losses_3(0.5, -1.0)


def test_agreement():
    a = np.array([[0, 1, 2], [2, 1, 0]])
    assert theory.agreement(a, a.copy()) == 1.0
    assert theory.agreement(a, (a + 1) % 3) == 0.0
    assert theory.agreement(a, np.array([[0, 1, 2], [0, 0, 0]])) == pytest.approx(4 / 6)
    with pytest.raises(ValueError):
        theory.agreement(a, a[:1])


def test_dedicated_baseline_loss_keeps_the_costliest_features():
    # Importances 1, 0.5, 0.25 at p = 1 (V = 1/12): two dedicated, the least important dropped.
    assert theory.dedicated_baseline_loss(1.0, [0.25, 1.0, 0.5], 2) == pytest.approx(0.25 / 12)
    assert theory.dedicated_baseline_loss(1.0, [1.0, 0.5], 5) == 0.0
    assert theory.dedicated_baseline_loss(1.0, [1.0, 0.5], 0) == pytest.approx(1.5 / 12)
    # Per-feature probabilities: a very sparse important feature costs less to drop than a dense one.
    p = np.array([0.01, 1.0])
    assert theory.dedicated_baseline_loss(p, [1.0, 0.6], 1) == pytest.approx(float(theory.feature_variance(0.01)))
    # Batched over instances: shape (...,).
    assert theory.dedicated_baseline_loss(np.array([[1.0], [0.1]]), np.ones(3), 1).shape == (2,)
    with pytest.raises(ValueError, match="n_hidden"):
        theory.dedicated_baseline_loss(1.0, [1.0], -1)


@pytest.mark.parametrize("p", [1.0, 0.3, 0.05])
def test_abs_monosemantic_baseline_loss_matches_monte_carlo_of_its_definition(p):
    # |x| is 0 with probability 1 − p, else U[0, 1]: the floor(m/2) costliest features exact, the rest predicted by
    # their best constant p/2. Importances unsorted, so which features are kept matters.
    importance = np.array([0.2, 1.0, 0.05, 0.6, 0.4])
    abs_x = np.abs(_sample_x(p, 5, seed=1))
    kept = np.argsort(-importance)[:2]  # m = 5 neurons: two features computed
    error = (abs_x - p / 2) ** 2
    error[:, kept] = 0.0
    loss = np.sum(importance * error, axis=1)
    closed = theory.abs_monosemantic_baseline_loss(p, importance, 5)
    assert abs(closed - loss.mean()) <= N_SIGMA * loss.std(ddof=1) / np.sqrt(loss.size)
    # A constant predictor is exactly what it costs: nothing is computed with one neuron.
    assert theory.abs_monosemantic_baseline_loss(p, importance, 1) == pytest.approx(
        float(np.sum(importance * theory.feature_variance(p)))
    )


@pytest.mark.parametrize("p", [1.0, 0.1, 0.01])
def test_abs_monosemantic_weights_reach_the_baseline_in_the_models_forward_pass(p):
    import jax
    import jax.numpy as jnp

    from toysup.data import sample_features
    from toysup.models import build, importance_weighted_loss

    n_features, n_hidden = 30, 10
    importance = 0.8 ** np.arange(n_features)
    weights = theory.abs_monosemantic_weights(p, importance, n_hidden)
    model = build("abs", n_features, n_hidden)
    x = sample_features(jax.random.PRNGKey(3), jnp.full(n_features, p, jnp.float32), 400_000, signed=True)
    assert float(jnp.min(x)) < -0.9 and float(jnp.max(x)) > 0.9  # signed inputs, as the abs model trains on
    params = {name: jnp.asarray(value) for name, value in weights.items()}
    output = model.forward(params, x)
    per_sample = jnp.sum(jnp.asarray(importance, jnp.float32)[:, None] * (jnp.abs(x) - output) ** 2, axis=0)
    mean, se = float(per_sample.mean()), float(per_sample.std() / np.sqrt(per_sample.size))
    assert mean == pytest.approx(float(importance_weighted_loss(output, jnp.abs(x), jnp.asarray(importance))), rel=1e-4)
    baseline = float(theory.abs_monosemantic_baseline_loss(p, importance, n_hidden))
    assert abs(mean - baseline) <= N_SIGMA * se
    # The computed features are exact: their outputs equal |x| on every sample.
    assert np.allclose(np.asarray(output[:5]), np.abs(np.asarray(x[:5])), atol=1e-6)
    # The baseline is not trivial: dropping every feature to its constant costs more.
    assert baseline < 0.5 * float(np.sum(importance * theory.feature_variance(p)))


def test_abs_monosemantic_baseline_loss_validation_and_shape():
    assert theory.abs_monosemantic_baseline_loss(np.array([[1.0], [0.1]]), np.ones(4), 3).shape == (2,)
    # m = 3 computes one feature, as m = 2 does.
    assert theory.abs_monosemantic_baseline_loss(1.0, np.ones(4), 3) == theory.abs_monosemantic_baseline_loss(
        1.0, np.ones(4), 2
    )
    with pytest.raises(ValueError, match="n_hidden"):
        theory.abs_monosemantic_baseline_loss(1.0, [1.0], -2)
    with pytest.raises(ValueError, match="n_hidden"):
        theory.abs_monosemantic_weights(1.0, [1.0], 1.5)
