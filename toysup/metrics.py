"""Geometry metrics of a toy model's weight matrix W (Elhage et al. 2022, "Toy Models of Superposition").

Column i of W (shape (..., hidden, features)) is feature i's embedding W_i. Its norm says whether the
feature is represented, its interference measures overlap with other features, and its "feature
dimensionality" D_i is the fraction of a hidden dimension it occupies; D* = m / ||W||_F^2 is the average
number of hidden dimensions per learned feature. All functions accept any number of leading instance axes.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

_EPS = 1e-6  # features with norm below this count as zero (no division by ~0)
_RANK_TOL = 1e-3  # relative eigenvalue tolerance for rank deficiency of the Gram matrix


def _gram(W: jax.Array) -> jax.Array:
    """W^T W with shape (..., features, features); entry (i, j) is W_i . W_j."""
    return jnp.einsum("...hi,...hj->...ij", W, W)


def feature_norms(W: jax.Array) -> jax.Array:
    """||W_i|| for every feature (paper Sec. 2, "feature norm"). (..., hidden, features) -> (..., features)."""
    W = jnp.asarray(W)
    return jnp.sqrt(jnp.sum(W**2, axis=-2))


def interference(W: jax.Array) -> jax.Array:
    """sum_{j != i} (Ŵ_i . W_j)^2 with Ŵ_i = W_i / ||W_i|| (paper Sec. 2, "superposition" visualisation).

    Zero for a zero-norm feature. (..., hidden, features) -> (..., features).
    """
    W = jnp.asarray(W)
    G = _gram(W)
    sq_norm = jnp.diagonal(G, axis1=-2, axis2=-1)
    off = jnp.sum(G**2, axis=-1) - sq_norm**2  # sum_{j != i} (W_i . W_j)^2
    nonzero = sq_norm > _EPS**2
    return jnp.where(nonzero, off / jnp.where(nonzero, sq_norm, 1.0), 0.0)


def feature_dimensionality(W: jax.Array) -> jax.Array:
    """D_i = ||W_i||^2 / sum_j (Ŵ_i . W_j)^2, sum including j = i (paper Sec. 7, "Feature Dimensionality").

    Equivalently ||W_i||^4 / sum_j (W_i . W_j)^2. Defined as 0 for features with ||W_i|| < 1e-6.
    (..., hidden, features) -> (..., features).
    """
    W = jnp.asarray(W)
    G = _gram(W)
    sq_norm = jnp.diagonal(G, axis1=-2, axis2=-1)
    denom = jnp.sum(G**2, axis=-1)  # >= sq_norm^2
    nonzero = sq_norm > _EPS**2
    return jnp.where(nonzero, sq_norm**2 / jnp.where(nonzero, denom, 1.0), 0.0)


def dimensions_per_feature(W: jax.Array) -> jax.Array:
    """D* = m / ||W||_F^2 with m the hidden size (paper Sec. 7, "dimensions per feature").

    Defined as 0 for an all-zero W (no learned features). (..., hidden, features) -> (...).
    """
    W = jnp.asarray(W)
    m = W.shape[-2]
    frob2 = jnp.sum(W**2, axis=(-2, -1))
    nonzero = frob2 > _EPS**2
    return jnp.where(nonzero, m / jnp.where(nonzero, frob2, 1.0), 0.0)


def n_represented(W: jax.Array, threshold: float = 0.5) -> jax.Array:
    """Number of features with ||W_i|| > threshold (paper Sec. 2). (..., hidden, features) -> (...) int."""
    return jnp.sum(feature_norms(W) > threshold, axis=-1).astype(jnp.int32)


def in_superposition(W: jax.Array, threshold: float = 0.5) -> jax.Array:
    """Whether the represented features (||W_i|| > threshold) are in superposition (paper Sec. 2).

    True when n_represented > m, or when the Gram matrix W^T W restricted to the represented features
    is not invertible: lambda_min < 1e-3 * lambda_max. Unrepresented rows/cols are masked to the
    largest represented squared norm on the diagonal and 0 elsewhere, which leaves lambda_min and
    lambda_max of the restricted block unchanged, so no Python loop is needed (jit/vmap safe).
    (..., hidden, features) -> (...) bool.
    """
    W = jnp.asarray(W)
    G = _gram(W)
    rep = feature_norms(W) > threshold  # (..., f)
    pair = rep[..., :, None] & rep[..., None, :]
    sq_norm = jnp.diagonal(G, axis1=-2, axis2=-1)
    fill = jnp.max(jnp.where(rep, sq_norm, 0.0), axis=-1)
    fill = jnp.where(fill > 0, fill, 1.0)[..., None, None]
    eye = jnp.eye(G.shape[-1], dtype=bool)
    Gm = jnp.where(pair, G, jnp.where(eye, fill, 0.0))
    eig = jnp.linalg.eigvalsh(Gm)  # ascending
    singular = eig[..., 0] < _RANK_TOL * eig[..., -1]
    return (jnp.sum(rep, axis=-1) > W.shape[-2]) | singular


def summary(W: jax.Array) -> dict[str, np.ndarray]:
    """All metrics above as numpy arrays (for metrics.json). Keys are the function names."""
    fns = (feature_norms, interference, feature_dimensionality,
           dimensions_per_feature, n_represented, in_superposition)
    return {fn.__name__: np.asarray(fn(W)) for fn in fns}
