"""Solutions to the exercises of lesson 5 (correlation, privileged basis, computation in superposition)."""

import numpy as np


def cosine_similarities(W):
    """(features, features) matrix of cosines between the columns of W; 0 for zero columns."""
    W = np.asarray(W, dtype=np.float64)
    norms = np.linalg.norm(W, axis=0)
    represented = norms > 1e-6
    unit = np.where(represented, W / np.where(represented, norms, 1.0), 0.0)
    return unit.T @ unit


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
