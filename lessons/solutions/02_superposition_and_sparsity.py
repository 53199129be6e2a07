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


ANSWERS = {
    1: "Between p ≈ 0.6 and p ≈ 0.5. With probabilities np.geomspace(1, 0.3, 8) and the full 6,000 steps, "
    "counting features with ‖W_i‖ > 0.5 (feature_norms) gives 5 features for p = 1 … 0.6, 6 at p = 0.5 and 0.42, "
    "7 at p = 0.36 and 0.3 (the same with seeds 0 and 1). Superposition starts while features are still far "
    "from sparse; the exact crossing moves a little with the seed and the number of steps, so report it as the "
    "interval between the two probabilities where the count first exceeds 5.",
    2: "The least important ones. The most important features keep a dimension of their own (dark bars, no "
    "interference) the longest; as p falls the model first adds less important features that share dimensions "
    "(yellow bars), because interference with them costs least. Importance decides who keeps a clean "
    "direction, sparsity decides how many features fit.",
    3: "With equal importances no feature is preferred. Dense features: the models still keep m = 5 features "
    "(which five is decided by the initialisation; for the linear model any 5-d projection has the same loss). "
    "Sparse features: the ReLU model represents all 20 features, in superposition, with nearly equal norms and "
    "symmetric arrangements: uniform superposition, the subject of lesson 4.",
}
