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
    # toysup.sample_features returns (features, samples): transposed to the lessons' (samples, features).
    x = toysup.sample_features(key, jnp.full(n_features, feature_probability), n_samples).T
    x_reconstructed = jax.nn.relu(x @ W.T @ W + b)
    return jnp.mean(jnp.sum(jnp.asarray(importance) * (x - x_reconstructed) ** 2, axis=1))


ANSWERS = {
    1: "At I = 1 the dedicated candidate's loss is V(p) and the superposition candidate's is 2 f*(p). Solving "
    "2 f*(p) = V(p) numerically (scipy.optimize.brentq on [0.001, 0.999] with your dropped_feature_loss and "
    "theory.optimal_antipodal_loss) gives p ≈ 0.627: superposition wins for every p below it. A first estimate "
    "with b = 0: 2·p²/6 = p/3 − p²/4 gives p = 4/7 ≈ 0.57; the optimal positive bias lowers f* at large p and "
    "moves the crossing up.",
    2: "n = 3 features in m = 2 dimensions, features 1 and 2 with importance 1 and feature 3 with importance I. "
    "Each label says which direction the rows of W are orthogonal to, i.e. which features are dropped or merged: "
    "'W ⊥ [0,0,1]' drops feature 3 and gives features 1, 2 a dimension each (loss I·V); 'W ⊥ [1,0,0]' drops "
    "feature 1 and keeps 2 and 3 (loss V); 'W ⊥ [0,1,1]' puts features 2 and 3 in an antipodal pair on one "
    "dimension and gives feature 1 the other ((1 + I)·f*); 'W ⊥ [1,1,0]' pairs features 1 and 2 antipodally and "
    "gives feature 3 its own dimension (2·f*). Sparse features favour the two antipodal phases.",
}
