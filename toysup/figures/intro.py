"""Figure 1: five features in two dimensions, from dense to sparse (Elhage et al. 2022, Sec. 1 "Introduction").

n = 5 features of importance 0.9^i, m = 2 hidden dimensions, ReLU output; the feature probability p (the paper's 1 − S)
falls from 1 to 1/20 across instances (the reference notebook's 20^−t sweep). Claim: with dense features the model keeps
an orthogonal basis of the two most important features and drops the rest (like PCA); with sparse features it keeps all
five in superposition, as a regular pentagon.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import plots
from ..config import ToyConfig
from ..metrics import angle_gaps, cosines, is_regular_polygon, represented
from ._common import BEATS_BASELINE, MATCHES_BASELINE, baseline_ratio, sparsity_label, train_once

NAME = "intro"
TITLE = "Five features in two dimensions"
SECTION = "Sec. 1, Introduction"
CAPTION = (
    "n=5 features (importance 0.9^i, yellow = most important) embedded in m=2 dimensions by a ReLU-output "
    "model, from dense (left) to sparse (right) features: two orthogonal features become a pentagon."
)


def experiment(quick: bool) -> ToyConfig:
    """The paper's intro sweep: 10 instances, feature probability 20^−t for t from 0 to 1, best of k fits."""
    return ToyConfig(
        n_features=5,
        n_hidden=2,
        n_instances=10,
        importance_decay=0.9,
        feature_probability=tuple(20.0 ** -np.linspace(0, 1, 10)),
        steps=2000 if quick else 10_000,
        learning_rate=1e-2 if quick else 3e-3,
        restarts=2 if quick else 4,
        seed=0,
    )


def run(quick: bool, out: Path) -> dict:
    config = experiment(quick)
    result = train_once(config)
    return {
        "feature_probability": config.feature_probability_array()[:, 0],
        "importance": config.importance_array()[0],
        "W": result.W,
        "b": result.b,
        "loss": result.final_loss,
    }


def plot(data: dict) -> Figure:
    probability = np.asarray(data["feature_probability"])
    return plots.feature_directions_2d(
        np.asarray(data["W"]), np.asarray(data["importance"]), titles=[sparsity_label(p) for p in probability]
    )


def check(data: dict) -> dict:
    """Densest instance: exactly features 0 and 1 represented (‖W_i‖ > 0.5), orthogonal (|cos| < 0.1), with a loss
    within 5% of the best loss without superposition (the two most important features dedicated, the rest dropped:
    ``theory.dedicated_baseline_loss``). Sparsest instance: all five represented as a regular pentagon (adjacent
    angles 72° ± 12°), with a loss at most 90% of that baseline, so a failed optimisation cannot pass."""
    W = np.asarray(data["W"])
    dense, sparse = W[0], W[-1]
    ratio = baseline_ratio(
        data["loss"], np.asarray(data["feature_probability"])[:, None], np.asarray(data["importance"]), W.shape[1]
    )
    dense_features = np.flatnonzero(represented(dense)).tolist()
    dense_cosine = float(abs(cosines(dense)[0, 1]))
    sparse_gaps = angle_gaps(sparse)
    dense_holds = dense_features == [0, 1] and dense_cosine < 0.1 and ratio[0] <= MATCHES_BASELINE
    pentagon = is_regular_polygon(sparse, 5)
    return {
        "holds": bool(dense_holds and pentagon and ratio[-1] <= BEATS_BASELINE),
        "dense_represented_features": dense_features,
        "dense_abs_cosine_0_1": dense_cosine,
        "sparse_represented": int(represented(sparse).sum()),
        "sparse_adjacent_angles_deg": np.round(sparse_gaps, 1).tolist(),
        "sparse_is_pentagon": pentagon,
        "loss_over_no_superposition_baseline_per_instance": np.round(ratio, 3).tolist(),
    }
