"""Solutions to the exercises of lesson 4 (the geometry of superposition)."""

import numpy as np


def feature_dimensionality(W):
    """D_i = ‖W_i‖⁴ / Σ_j (W_i · W_j)² for every feature (0 when ‖W_i‖ < 1e-6), shape (features,)."""
    W = np.asarray(W, dtype=np.float64)
    gram = W.T @ W
    squared_norms = np.diagonal(gram)
    represented = squared_norms > 1e-12
    shared = np.sum(gram**2, axis=1)
    return np.where(represented, squared_norms**2 / np.where(represented, shared, 1.0), 0.0)


def dimensions_per_feature(W):
    """D* = m / ‖W‖_F² for W of shape (m, n), one number (0 for an all-zero W)."""
    W = np.asarray(W, dtype=np.float64)
    frobenius_squared = np.sum(W**2)
    return W.shape[0] / frobenius_squared if frobenius_squared > 1e-12 else 0.0


def regular_polygon(n_vertices):
    """W of shape (2, n_vertices): unit vectors 360°/n_vertices apart."""
    angles = 2 * np.pi * np.arange(n_vertices) / n_vertices
    return np.stack([np.cos(angles), np.sin(angles)])
