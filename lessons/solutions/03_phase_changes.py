"""Solutions to the exercises of lesson 3 (superposition as a phase change)."""

import jax
import jax.numpy as jnp
import numpy as np

import toysup
from toysup import theory


def dropped_feature_loss(feature_probability):
    """V(p) = min_b E[(x − b)²] for x = 0 with probability 1 − p, else uniform on [0, 1]."""
    p = np.asarray(feature_probability)
    mean_square, mean = p / 3, p / 2  # E[x²] = p·E[u²], E[x] = p·E[u]
    return mean_square - mean**2


def antipodal_loss_without_bias(feature_probability):
    """f(p, 0) = E[(x₁ − ReLU(x₁ − x₂))²], elementwise."""
    p = np.asarray(feature_probability)
    expected_min_squared = 1 / 6  # ∫ t² · 2(1 − t) dt over [0, 1] = 2 (1/3 − 1/4)
    return p**2 * expected_min_squared


def candidate_losses(feature_probability, importance):
    """Losses of the n=2, m=1 candidates [not represented, dedicated, superposition], shape (..., 3)."""
    p, importance = np.broadcast_arrays(np.asarray(feature_probability, float), np.asarray(importance, float))
    variance = dropped_feature_loss(p)
    pair = theory.optimal_antipodal_loss(p)
    return np.stack([importance * variance, variance, (1 + importance) * pair], axis=-1)


def monte_carlo_loss(W, b, importance, feature_probability, key, n_samples):
    """Mean over n_samples draws of x of Σ_i I_i (x_i − x'_i)², x' = ReLU(WᵀWx + b); one number."""
    n_features = W.shape[1]
    x = toysup.sample_features(key, jnp.full(n_features, feature_probability), n_samples)
    x_reconstructed = jax.nn.relu(W.T @ (W @ x) + b[:, None])
    return jnp.mean(jnp.sum(jnp.asarray(importance)[:, None] * (x - x_reconstructed) ** 2, axis=0))
