"""Figure 9's check on hand-made vulnerabilities: one proportional to 1/D* passes; one that merely rises with
sparsity too (correlated in log, not proportional), too little, or on failed models fails."""

import numpy as np

from toysup import theory
from toysup.figures import adversarial

PROBABILITY = 20.0 ** -np.linspace(0, 1, 12)
DIMS = np.array([1.0, 1.0, 0.9, 0.6, 0.5, 0.5, 0.45, 0.38, 0.3, 0.25, 0.2, 0.15])


def data(vulnerability: np.ndarray, ratios=None) -> dict:
    baseline = theory.dedicated_baseline_loss(PROBABILITY[:, None] * np.ones(400), 1.0, 30)
    if ratios is None:
        ratios = np.where(DIMS <= 0.53, 0.95, 1.0)
    return {
        "inverse_probability": 1.0 / PROBABILITY,
        "vulnerability": vulnerability,
        "budget": np.full(12, 0.1),
        "dims_per_feature": DIMS,
        "loss": baseline * ratios,
        "baseline_loss": baseline,
    }


WOBBLE = 1.0 + 0.08 * np.sin(np.arange(12))  # ±8% around proportional


def test_vulnerability_proportional_to_features_per_dimension_passes():
    result = adversarial.check(data(0.1 / DIMS * WOBBLE))
    assert result["holds"], result
    assert result["cv_of_vulnerability_times_dims_per_feature"] < 0.1


def test_a_vulnerability_that_only_rises_with_sparsity_fails():
    # Rises ~44× with 1/D* squared: its log is perfectly correlated with log(1/D*), but it does not track 1/D*.
    squared = 0.1 / DIMS**2
    result = adversarial.check(data(squared))
    assert result["log_correlation_with_inverse_dims_per_feature_(not_required)"] > 0.99
    assert not result["holds"]
    # Nor does one that stays flat while D* falls and jumps 10× at the sparsest models only.
    late = np.array([0.1] * 9 + [0.3, 0.6, 1.0])
    assert not adversarial.check(data(late))["holds"]


def test_a_rise_under_three_times_fails():
    flat = 0.1 * DIMS[0] / DIMS**0.4  # tracks 1/D* loosely, rises only 2.1×
    assert not adversarial.check(data(flat))["holds"]


def test_a_failed_optimisation_fails():
    assert not adversarial.check(data(0.1 / DIMS, ratios=np.full(12, 1.081)))["holds"]
