"""Solutions to the exercises of lesson 5 (correlation, privileged basis, computation in superposition), and
answers to its questions."""

import jax
import jax.numpy as jnp
import numpy as np


def draw_correlated_features(key, feature_probability, n_sets, set_size, batch_size):
    """(batch, n_sets · set_size): each set fires with probability p, all its features together."""
    set_key, value_key = jax.random.split(key)
    fires = jax.random.uniform(set_key, (batch_size, n_sets, 1)) < feature_probability  # one draw per set
    values = jax.random.uniform(value_key, (batch_size, n_sets, set_size))
    return jnp.where(fires, values, 0.0).reshape(batch_size, n_sets * set_size)


def draw_anticorrelated_features(key, feature_probability, n_sets, set_size, batch_size):
    """(batch, n_sets · set_size): each set fires with probability p, and then exactly one member, at random."""
    set_key, member_key, value_key = jax.random.split(key, 3)
    fires = jax.random.uniform(set_key, (batch_size, n_sets, 1)) < feature_probability
    member = jax.random.randint(member_key, (batch_size, n_sets, 1), 0, set_size)
    chosen = jnp.arange(set_size) == member  # (batch, n_sets, set_size): one True per set
    values = jax.random.uniform(value_key, (batch_size, n_sets, set_size))
    return jnp.where(fires & chosen, values, 0.0).reshape(batch_size, n_sets * set_size)


def cosine_similarities(W):
    """(features, features) matrix of cosines between the columns of W; 0 for zero columns."""
    W = np.asarray(W, dtype=np.float64)
    norms = np.linalg.norm(W, axis=0)
    represented = norms > 1e-6
    unit = np.where(represented, W / np.where(represented, norms, 1.0), 0.0)
    return unit.T @ unit


def relu_hidden_forward(W, b, x):
    """x' = ReLU(ReLU(x Wᵀ) W + b) for x of shape (batch, features)."""
    hidden = jax.nn.relu(x @ W.T)  # (batch, neurons): each row is h = ReLU(W x)
    return jax.nn.relu(hidden @ W + b)


def neuron_alignment(W):
    """max_k W_ki² / Σ_k W_ki² for every feature i (0 for a zero feature), shape (features,)."""
    squared = np.asarray(W, dtype=np.float64) ** 2
    total = squared.sum(axis=0)
    represented = total > 1e-12
    return np.where(represented, squared.max(axis=0) / np.where(represented, total, 1.0), 0.0)


def exact_abs_weights(n_features):
    """(W1, W2) of shapes (2n, n) and (n, 2n) with ReLU(W2 ReLU(W1 x)) = |x| for every x."""
    identity = np.eye(n_features)
    W1 = np.concatenate([identity, -identity])  # neurons ReLU(x_i) and ReLU(−x_i)
    W2 = np.concatenate([identity, identity], axis=1)  # |x_i| = ReLU(x_i) + ReLU(−x_i)
    return W1, W2


def abs_forward(params, x):
    """y' = ReLU(ReLU(x W1ᵀ) W2ᵀ + b) for signed x of shape (batch, features)."""
    hidden = jax.nn.relu(x @ params["W1"].T)  # (batch, neurons)
    return jax.nn.relu(hidden @ params["W2"].T + params["b"])


ANSWERS = {
    1: "Three features that always fire together would like to be mutually orthogonal, which two dimensions do "
    "not allow. The trained models (p from 0.3 to 0.03, best of 4 restarts) give up orthogonality in two ways: "
    "at moderate p the three directions spread out with unequal norms and positive cosines (around +0.5 and "
    "+0.75 between neighbours), and at p = 0.03 two of them collapse onto one direction (cosine ≈ 0.99), each "
    "with norm ≈ 1/√2, while the third keeps an orthogonal direction. A collapsed pair represents the pair's sum, "
    "its principal component: the paper's 'collapse' of correlated features, a PCA-like representation.",
    2: "An exact network on the 3 most important features spends its 6 neurons on them and outputs the best "
    "constant for the other 7. A dropped |x_i| is 0 with probability 1 − p, else uniform on [0, 1], so its "
    "best constant leaves the variance p/3 − p²/4 (lesson 2's formula). At p = 0.03 with I_i = 0.8^i that is "
    "(0.01 − 0.000225) · Σ_{i=3}^{9} 0.8^i ≈ 0.009775 · 2.023 ≈ 0.0198. The lesson's full run (4,000 steps, "
    "best of 2 restarts) ends at about 0.023 at p = 0.03: slightly worse than the exact network, because so "
    "sparse a feature is present in few samples of a batch and training has not converged. At p = 0.1 and "
    "p = 0.3 the trained model does beat the exact network on 3 features (about 0.042 against 0.062, and 0.149 "
    "against 0.157): there, computing |x| for more features in superposition pays. A fair comparison trains "
    "longer (or with larger batches) at small p; at p = 1 the exact construction is the better solution "
    "(0.169), which training does not always find.",
}
