"""Figure 5: feature dimensionality clusters at simple fractions (Elhage et al. 2022, Sec. 7 "The Geometry of
Superposition", "Feature Dimensionality").

The models of figure 4 (n = 400 features of importance 1 in m = 30 dimensions, across sparsity): every feature's
dimensionality D_i = ‖W_i‖⁴ / Σ_j (W_i·W_j)², the fraction of a dimension it occupies. Claim: D_i are not spread
evenly but cluster at the fractions of small uniform polytopes — 1 (dedicated), 3/4 (tetrahedron), 2/3 (triangle),
1/2 (digon), 2/5 (pentagon), 3/8 (square antiprism).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import metrics, plots
from ..metrics import REPRESENTED_NORM
from . import uniform_superposition
from ._common import train_once

NAME = "feature_dimensionality"
TITLE = "Feature dimensionality clusters at simple fractions"
SECTION = "Sec. 7, Feature Dimensionality"
CAPTION = (
    "Dimensionality D_i of every learned feature of the figure-4 models (n=400, m=30), jittered sideways "
    "at each 1/(1−S), over lines at 1, 3/4, 2/3, 1/2, 2/5 and 3/8; red: D* = m/‖W‖²_F."
)
FRACTIONS = plots.DIMENSION_FRACTIONS
WITHIN = 0.03  # a feature is "at" a fraction when |D_i − fraction| is at most this
LOWEST_FRACTION = 3 / 8


def run(quick: bool, out: Path) -> dict:
    config = uniform_superposition.experiment(quick)
    result = train_once(config)
    probability = config.feature_probability_array()[:, 0]
    return {
        "n_features": config.n_features,
        "n_hidden": config.n_hidden,
        "inverse_probability": 1.0 / probability,
        "dimensionality": np.asarray(metrics.feature_dimensionality(result.W)),
        "learned": np.linalg.norm(result.W, axis=1) > REPRESENTED_NORM,
        "dims_per_feature": np.asarray(metrics.dimensions_per_feature(result.W)),
    }


def plot(data: dict) -> Figure:
    return plots.feature_dimensionality_scatter(
        np.asarray(data["inverse_probability"]),
        np.asarray(data["dimensionality"]),
        np.asarray(data["dims_per_feature"]),
        FRACTIONS,
    )


def check(data: dict) -> dict:
    """Among learned features (‖W_i‖ > 0.5) of the models whose D* is at least 3/8 − 0.03 (where the listed
    fractions are the typical values), at least 70% lie within ±0.03 of one of the fractions — well above the
    share the ±0.03 bands would catch of values spread evenly over [3/8 − 0.03, 1 + 0.03]."""
    dimensionality = np.asarray(data["dimensionality"])
    learned = np.asarray(data["learned"], dtype=bool)
    in_range = np.asarray(data["dims_per_feature"]) >= LOWEST_FRACTION - WITHIN
    values = dimensionality[learned & in_range[:, None]]
    fractions = np.array([top / bottom for top, bottom in FRACTIONS])
    near = np.min(np.abs(values[:, None] - fractions[None, :]), axis=1) <= WITHIN if len(values) else np.array([])
    share = float(near.mean()) if len(values) else 0.0
    low, high = LOWEST_FRACTION - WITHIN, 1.0 + WITHIN
    grid = np.linspace(low, high, 10_001)
    chance = float(np.mean(np.min(np.abs(grid[:, None] - fractions[None, :]), axis=1) <= WITHIN))
    all_values = dimensionality[learned]
    share_all = (
        float(np.mean(np.min(np.abs(all_values[:, None] - fractions[None, :]), axis=1) <= WITHIN))
        if len(all_values)
        else 0.0
    )
    return {
        "holds": bool(len(values) >= 20 and share >= 0.7),
        "features_considered": int(len(values)),
        "models_considered": int(in_range.sum()),
        "share_within_0.03_of_a_fraction": share,
        "share_if_spread_evenly": chance,
        "share_over_all_models": share_all,
    }
