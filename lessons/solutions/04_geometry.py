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


ANSWERS = {
    1: "W = np.array([[1, 1, -1, -1], [1, -1, 1, -1], [1, -1, -1, 1]]) / np.sqrt(3): four of the cube's corners, "
    "unit columns with pairwise dot products −1/3. Then Σ_j (W_i · W_j)² = 1 + 3 · (1/9) = 4/3 and "
    "D_i = 1 / (4/3) = 3/4 for every feature, which feature_dimensionality(W) confirms.",
    2: "Σ_j (W_i · W_j)² = Σ_j W_iᵀ W_j W_jᵀ W_i = W_iᵀ (Σ_j W_j W_jᵀ) W_i = W_iᵀ W Wᵀ W_i. With W Wᵀ = (k/d) I "
    "this is (k/d) ‖W_i‖² = k/d for unit vectors, so D_i = ‖W_i‖⁴ / (k/d) = d/k. (Taking the trace of "
    "W Wᵀ = (k/d) I shows the condition is consistent: Σ_i ‖W_i‖² = k = (k/d) · d.)",
    3: "Mostly yes: with more steps and restarts more models reach the optimum instead of stopping in a "
    "less regular arrangement, so D* stays on the 1/2 plateau over a wider range of 1/p and the features' D_i "
    "cluster more tightly on the polytope fractions. Plateaus that are only marginally better than their "
    "neighbours (2/5) sharpen the least, and runs near a transition between two arrangements stay noisy.",
}
