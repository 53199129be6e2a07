"""Figure 10: a privileged basis — monosemantic to polysemantic neurons (Elhage et al. 2022, Sec. 8 "Superposition
in a Privileged Basis").

n = 10 features of importance 0.75^i, m = 5 hidden neurons with a ReLU (h = ReLU(Wx), x' = ReLU(Wᵀh + b)), across
sparsity. Claim: with dense features each neuron represents one feature (monosemantic, the basis is privileged);
as sparsity rises more features are represented than neurons and neurons become polysemantic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import plots
from ..config import ToyConfig
from ..metrics import MONOSEMANTIC_SHARE, represented, top_feature_share
from ._common import BEATS_BASELINE, MATCHES_BASELINE, baseline_ratio, sparsity_label, train_once

NAME = "privileged_basis"
TITLE = "Neurons go from monosemantic to polysemantic"
SECTION = "Sec. 8, Superposition in a Privileged Basis"
CAPTION = (
    "n=10 features (importance 0.75^i, yellow = most important) and m=5 ReLU neurons, dense to sparse: "
    "each bar is one neuron's input weights, one segment per feature. Dense: one feature per neuron; "
    "sparse: several."
)
SPARSITIES = (0.0, 0.7, 0.9, 0.97, 0.99)


def experiment(quick: bool) -> ToyConfig:
    return ToyConfig(
        n_features=10,
        n_hidden=5,
        model="relu_hidden",
        n_instances=len(SPARSITIES),
        feature_probability=tuple(1.0 - s for s in SPARSITIES),
        importance_decay=0.75,
        steps=3000 if quick else 10_000,
        learning_rate=1e-2 if quick else 3e-3,
        restarts=2 if quick else 3,
        seed=0,
    )


def run(quick: bool, out: Path) -> dict:
    config = experiment(quick)
    result = train_once(config)
    return {
        "sparsity": SPARSITIES,
        "importance": config.importance_array()[0],
        "W": result.W,
        "b": result.b,
        "loss": result.final_loss,
    }


def plot(data: dict) -> Figure:
    return plots.neuron_feature_weights(
        np.asarray(data["W"]), np.asarray(data["importance"]), titles=[sparsity_label(1 - s) for s in data["sparsity"]]
    )


def check(data: dict) -> dict:
    """Dense: every used neuron is monosemantic (top-feature share ≥ 0.9), at most m features are represented and
    the loss is within 5% of the best loss without superposition (m features dedicated, the rest dropped:
    ``theory.dedicated_baseline_loss``). Sparsest: more than m features represented, at least half the neurons
    polysemantic (share < 0.9) and a loss at most 90% of that baseline, so a failed optimisation cannot pass."""
    W = np.asarray(data["W"])
    n_hidden = W.shape[1]
    ratio = baseline_ratio(
        data["loss"], 1 - np.asarray(data["sparsity"], dtype=float)[:, None], np.asarray(data["importance"]), n_hidden
    )
    shares = [top_feature_share(w) for w in W]
    monosemantic = [int(np.sum(s >= MONOSEMANTIC_SHARE)) for s in shares]
    polysemantic = [int(np.sum(s < MONOSEMANTIC_SHARE)) for s in shares]
    counts = [int(represented(w).sum()) for w in W]
    dense_holds = (
        polysemantic[0] == 0 and monosemantic[0] > 0 and counts[0] <= n_hidden and ratio[0] <= MATCHES_BASELINE
    )
    sparse_holds = counts[-1] > n_hidden and polysemantic[-1] >= n_hidden / 2 and ratio[-1] <= BEATS_BASELINE
    return {
        "holds": bool(dense_holds and sparse_holds),
        "monosemantic_neurons_per_sparsity": monosemantic,
        "polysemantic_neurons_per_sparsity": polysemantic,
        "mean_top_feature_share_per_sparsity": [float(np.nanmean(s)) for s in shares],
        "represented_features_per_sparsity": counts,
        "loss_over_no_superposition_baseline_per_sparsity": np.round(ratio, 3).tolist(),
    }
