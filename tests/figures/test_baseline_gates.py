"""Checks of figures 1, 7 and 10 refuse a failed optimisation: the same hand-made geometry passes with a loss below
the best loss without superposition and fails at it. (Figure 3's gate: tests/test_phase.py and below.)"""

import numpy as np

from toysup import theory
from toysup.figures import correlated_features, intro, phase_diagrams, privileged_basis


def polygon(corners: int, offset: float = 0.0) -> np.ndarray:
    angles = offset + 2 * np.pi * np.arange(corners) / corners
    return np.stack([np.cos(angles), np.sin(angles)])


def with_loss_ratios(data: dict, probability: np.ndarray, n_hidden: int, ratios) -> dict:
    baseline = theory.dedicated_baseline_loss(probability[:, None], np.asarray(data["importance"]), n_hidden)
    return {**data, "loss": baseline * np.asarray(ratios)}


def test_intro_pentagon_needs_a_loss_below_the_baseline():
    probability = np.array([1.0, 0.05])
    dense = np.zeros((2, 5))
    dense[0, 0] = dense[1, 1] = 1.0
    data = {"feature_probability": probability, "importance": 0.9 ** np.arange(5), "W": np.stack([dense, polygon(5)])}
    assert intro.check(with_loss_ratios(data, probability, 2, [1.0, 0.3]))["holds"]
    assert not intro.check(with_loss_ratios(data, probability, 2, [1.0, 1.0]))["holds"]  # pentagon, baseline loss
    assert not intro.check(with_loss_ratios(data, probability, 2, [1.3, 0.3]))["holds"]  # dense fit worse than PCA


def test_privileged_basis_polysemantic_neurons_need_a_loss_below_the_baseline():
    sparsity = np.array([0.0, 0.99])
    dense = np.hstack([np.eye(5), np.zeros((5, 5))])
    sparse = np.hstack([np.eye(5), np.eye(5)[::-1] * 0.9])  # ten features, two per neuron
    data = {"sparsity": sparsity, "importance": 0.75 ** np.arange(10), "W": np.stack([dense, sparse])}
    assert privileged_basis.check(with_loss_ratios(data, 1 - sparsity, 5, [1.0, 0.3]))["holds"]
    assert not privileged_basis.check(with_loss_ratios(data, 1 - sparsity, 5, [1.0, 0.95]))["holds"]


def test_correlated_features_need_losses_below_the_baseline():
    def part(W, probability, marginal, ratio):
        W, marginal = np.asarray(W)[None], np.asarray(marginal, dtype=float)[None]
        loss = theory.dedicated_baseline_loss(marginal, 1.0, 2) * np.asarray(ratio)
        return {"feature_probability": np.array([probability]), "marginal_probability": marginal, "W": W, "loss": loss}

    correlated = np.array([[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, -1.0]])  # each pair orthogonal
    anticorrelated = np.array([[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]])  # each pair antipodal
    hexagon = polygon(6, offset=0.1)  # consecutive features adjacent
    collapsed = np.repeat(polygon(3), 2, axis=1)  # each pair on one direction

    def data(ratio):
        three = part(hexagon, 0.02, np.full(6, 0.02), ratio)
        dense = part(collapsed, 0.5, np.full(6, 0.5), min(ratio, 1.0))
        three = {key: np.concatenate([dense[key], three[key]]) for key in three}
        return {
            "correlated": part(correlated, 0.05, np.full(4, 0.05), ratio),
            "anticorrelated": part(anticorrelated, 0.05, np.full(4, 0.025), ratio),
            "three_pairs": three,
        }

    assert correlated_features.check(data(0.5))["holds"]
    assert not correlated_features.check(data(1.0))["holds"]


def test_phase_diagram_refuses_failed_fits_even_when_the_phases_agree():
    labels = np.array([[0, 1], [2, 2]])
    best = np.array([[0.1, 0.2], [0.05, 0.01]])

    def data(loss):
        result = {"features": 2, "labels": list(theory.PHASE_LABELS_2), "agreement": 1.0}
        return {"n2_m1": {**result, "empirical": labels, "theoretical": labels, "loss": loss, "theoretical_loss": best}}

    assert phase_diagrams.check(data(best * 1.02))["holds"]
    assert not phase_diagrams.check(data(best * 1.5))["holds"]
    assert not phase_diagrams.check(data(np.where(best > 0.05, np.nan, best)))["holds"]  # diverged cells
