"""Figure 4: uniform superposition — dimensions per feature against sparsity (Elhage et al. 2022, Sec. 7 "The
Geometry of Superposition", "Uniform Superposition").

n = 400 features of importance 1 in m = 30 dimensions, ReLU output, one model per feature probability, 1/(1 − S)
from 1 to 20 (the reference notebook's range). D* = m / ‖W‖²_F is the number of hidden dimensions per learned
feature. Claim: D* falls with sparsity but is "sticky": it stays at 1 (no superposition) and then sits on a
plateau at 1/2 (antipodal pairs) before falling further.

The same trained models also make the feature-dimensionality scatter (figure 5) and the adversarial-vulnerability
curve (figure 9).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import metrics, plots
from ..config import ToyConfig
from ._common import train_once

NAME = "uniform_superposition"
TITLE = "Dimensions per feature: sticky at 1 and 1/2"
SECTION = "Sec. 7, Uniform Superposition"
CAPTION = (
    "n=400 equally important features in m=30 dimensions: hidden dimensions per learned feature, "
    "D* = m/‖W‖²_F, against 1/(1−S). D* stays at 1, then sits on a plateau at 1/2 (antipodal pairs) "
    "before falling further."
)
PLATEAU_TOLERANCE = 0.03  # a model is on a level when |D* − level| is at most this


def experiment(quick: bool) -> ToyConfig:
    """One model per 1/(1 − S) = 20^t, t from 0 to 1; a cosine learning-rate decay lets each model settle."""
    if quick:
        return ToyConfig(
            n_features=100,
            n_hidden=10,
            n_instances=24,
            feature_probability=tuple(20.0 ** -np.linspace(0, 1, 24)),
            steps=2000,
            batch_size=256,
            learning_rate=1e-2,
            schedule="cosine",
            seed=0,
        )
    return ToyConfig(
        n_features=400,
        n_hidden=30,
        n_instances=24,
        feature_probability=tuple(20.0 ** -np.linspace(0, 1, 24)),
        steps=4000,
        batch_size=512,
        learning_rate=1e-2,
        schedule="cosine",
        seed=0,
    )


def run(quick: bool, out: Path) -> dict:
    config = experiment(quick)
    result = train_once(config)
    probability = config.feature_probability_array()[:, 0]
    return {
        "n_features": config.n_features,
        "n_hidden": config.n_hidden,
        "feature_probability": probability,
        "inverse_probability": 1.0 / probability,
        "dims_per_feature": np.asarray(metrics.dimensions_per_feature(result.W)),
        "loss": result.final_loss,
    }


def plot(data: dict) -> Figure:
    return plots.dimensions_per_feature_curve(
        np.asarray(data["inverse_probability"]), np.asarray(data["dims_per_feature"]), levels=(1.0, 0.5)
    )


def longest_run(on_level: np.ndarray) -> int:
    """Length of the longest run of consecutive True values."""
    best = current = 0
    for value in np.asarray(on_level, dtype=bool):
        current = current + 1 if value else 0
        best = max(best, current)
    return best


def check(data: dict) -> dict:
    """Sticky plateaus: at least 2 consecutive sparsities with D* within 0.03 of 1, at least 3 consecutive within
    0.03 of 1/2, and D* falls below 0.4 further on (so 1/2 is a plateau, not the end of the range)."""
    dims = np.asarray(data["dims_per_feature"])
    at_one = longest_run(np.abs(dims - 1.0) <= PLATEAU_TOLERANCE)
    at_half = longest_run(np.abs(dims - 0.5) <= PLATEAU_TOLERANCE)
    return {
        "holds": bool(at_one >= 2 and at_half >= 3 and dims.min() < 0.4),
        "consecutive_models_at_1": at_one,
        "consecutive_models_at_half": at_half,
        "lowest_dims_per_feature": float(dims.min()),
        "dims_per_feature": np.round(dims, 3).tolist(),
    }
