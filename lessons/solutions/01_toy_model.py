"""Solutions to the exercises of lesson 1 (the toy model)."""

import jax
import jax.numpy as jnp


def draw_sparse_features(key, feature_probability, n_features, batch_size):
    """(n_features, batch_size) array: each entry 0 with probability 1 − p, else uniform on [0, 1]."""
    active_key, value_key = jax.random.split(key)
    active = jax.random.uniform(active_key, (n_features, batch_size)) < feature_probability
    value = jax.random.uniform(value_key, (n_features, batch_size))
    return jnp.where(active, value, 0.0)


def forward(W, b, x):
    """x' = ReLU(Wᵀ W x + b), shape (features, batch)."""
    hidden = W @ x
    return jax.nn.relu(W.T @ hidden + b[:, None])


def weighted_loss(x, x_reconstructed, importance):
    """Mean over the batch of Σ_i I_i (x_i − x'_i)²."""
    per_sample = jnp.sum(importance[:, None] * (x - x_reconstructed) ** 2, axis=0)
    return jnp.mean(per_sample)


def angle_gaps(W):
    """Sorted angles in degrees between neighbouring directions W[:, i] around the circle (sum 360)."""
    angles = jnp.sort(jnp.degrees(jnp.arctan2(W[1], W[0])) % 360)
    gaps = jnp.diff(jnp.concatenate([angles, angles[:1] + 360]))
    return jnp.sort(gaps)
