"""Solutions to the exercises of lesson 2 (superposition vs sparsity)."""

import jax.numpy as jnp


def feature_norms(W):
    """‖W_i‖ for every feature i, shape (features,)."""
    return jnp.sqrt(jnp.sum(W**2, axis=0))


def interference(W):
    """Σ_{j≠i} (Ŵ_i · W_j)² for every feature i (0 for a zero feature), shape (features,)."""
    gram = W.T @ W
    squared_norms = jnp.diagonal(gram)
    others = jnp.sum(gram**2, axis=1) - squared_norms**2
    represented = squared_norms > 1e-12
    return jnp.where(represented, others / jnp.where(represented, squared_norms, 1.0), 0.0)


def linear_model_loss(importance, feature_probability, n_hidden):
    """(p/3 − p²/4) · Σ of the importances of all but the n_hidden most important features."""
    dropped = jnp.sort(jnp.asarray(importance))[::-1][n_hidden:]
    variance = feature_probability / 3 - feature_probability**2 / 4
    return jnp.sum(dropped) * variance
