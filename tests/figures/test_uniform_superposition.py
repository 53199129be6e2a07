"""Figure 4's check on hand-made D* curves: sticky plateaus at 1 and 1/2 pass, a smooth fall or a failed optimisation
fails."""

import numpy as np

from toysup import theory
from toysup.figures import uniform_superposition
from toysup.figures.uniform_superposition import longest_run

PROBABILITY = 20.0 ** -np.linspace(0, 1, 12)
STICKY = np.array([1.0, 1.0, 1.0, 0.8, 0.5, 0.5, 0.5, 0.5, 0.38, 0.3, 0.25, 0.2])


def data(dims: np.ndarray, ratios) -> dict:
    baseline = theory.dedicated_baseline_loss(PROBABILITY[:, None] * np.ones(400), 1.0, 30)
    return {
        "feature_probability": PROBABILITY,
        "inverse_probability": 1.0 / PROBABILITY,
        "dims_per_feature": dims,
        "loss": baseline * np.broadcast_to(ratios, baseline.shape),
        "baseline_loss": baseline,
    }


def gains(dims: np.ndarray) -> np.ndarray:
    """Loss ratios of converged models: the baseline without superposition, 5% below it with."""
    return np.where(dims <= 0.53, 0.95, 1.0)


def test_sticky_plateaus_pass():
    result = uniform_superposition.check(data(STICKY, gains(STICKY)))
    assert result["holds"], result
    assert result["consecutive_models_at_1"] == 3 and result["consecutive_models_at_half"] == 4


def test_a_smooth_fall_fails():
    smooth = np.geomspace(1.0, 0.2, 12)  # no sparsity lingers at 1 or 1/2
    assert not uniform_superposition.check(data(smooth, gains(smooth)))["holds"]


def test_a_failed_optimisation_fails():
    # Dense models 8% above the baseline (every feature dropped) read D* = 1 all the same.
    assert not uniform_superposition.check(data(STICKY, np.where(STICKY >= 0.99, 1.081, 0.95)))["holds"]
    # Digons that do not beat the dedicated model are not a solution superposition explains.
    assert not uniform_superposition.check(data(STICKY, np.where(STICKY <= 0.53, 1.0, 1.0)))["holds"]


def test_longest_run():
    assert longest_run([True, False, True, True, True, False]) == 3
    assert longest_run([]) == 0
