"""Figure 9: superposition makes models vulnerable to adversarial inputs (Elhage et al. 2022, Sec. 9 "Superposition
and Adversarial Examples").

The models of figure 4 (uniform importance, across sparsity). For feature i the attack adds
δ_i = λ (WᵀW)_i / ‖(WᵀW)_i‖ to the input — the direction that raises output i's pre-activation most per unit of L2
norm — with budget λ = 0.1 × the mean input norm ‖x‖; per input the attack that most harms the model (raises the
loss most) is taken. Vulnerability is the mean rise of the error ‖x' − x‖ it causes, per unit of budget. Without
superposition an attack moves the output by at most its own size (vulnerability ≤ 1); with superposition WᵀW
amplifies it. Claim: vulnerability rises sharply as superposition forms (the paper: more than 3×) and closely
tracks 1/D*, the number of features per dimension.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import metrics
from . import uniform_superposition
from ._common import train_once

NAME = "adversarial"
TITLE = "Adversarial vulnerability tracks superposition"
SECTION = "Sec. 9, Superposition and Adversarial Examples"
CAPTION = (
    "Rise of the error ‖x'−x‖ per unit of attack under the most harmful analytic attack λ(WᵀW)_i/‖(WᵀW)_i‖ "
    "(budget λ = 0.1 × mean input norm), for the figure-4 models across sparsity, beside 1/D* (features per "
    "dimension)."
)
BUDGET_FRACTION = 0.1
SAMPLES = 256


def attack_vulnerability(
    W: np.ndarray,
    b: np.ndarray,
    feature_probability: float,
    samples: int = SAMPLES,
    budget_fraction: float = BUDGET_FRACTION,
    seed: int = 0,
) -> tuple[float, float]:
    """(vulnerability, budget λ) of one ReLU-output model x' = ReLU(WᵀWx + b), importance 1.

    Inputs are drawn as in training: each feature is U[0, 1] with probability ``feature_probability``, else 0. For
    each input the attack that most raises the loss ‖x' − x‖² is taken; vulnerability is the mean rise of the error
    ‖x' − x‖ it causes, per unit of budget.
    """
    W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
    n_features = W.shape[1]
    rng = np.random.default_rng(seed)
    x = np.where(rng.random((samples, n_features)) < feature_probability, rng.random((samples, n_features)), 0.0)
    budget = budget_fraction * float(np.linalg.norm(x, axis=1).mean())
    gram = W.T @ W
    row_norms = np.linalg.norm(gram, axis=1)
    directions = gram / np.where(row_norms > 1e-9, row_norms, 1.0)[:, None]  # δ_i / λ, one per row
    shifts = budget * directions @ gram  # pre-activation change of every output under each attack (WᵀW symmetric)
    pre = x @ gram + b
    clean_error = np.linalg.norm(np.maximum(pre, 0.0) - x, axis=1)
    worst_error = clean_error.copy()
    for start in range(0, n_features, 64):  # attacks in blocks keep memory at samples × 64 × features
        attacked = np.maximum(pre[:, None, :] + shifts[None, start : start + 64, :], 0.0)
        worst_error = np.maximum(worst_error, np.linalg.norm(attacked - x[:, None, :], axis=2).max(axis=1))
    return float((worst_error - clean_error).mean() / budget), budget


def run(quick: bool, out: Path) -> dict:
    config = uniform_superposition.experiment(quick)
    result = train_once(config)
    probability = config.feature_probability_array()[:, 0]
    attacks = [attack_vulnerability(W, b, p) for W, b, p in zip(result.W, result.b, probability)]
    return {
        "inverse_probability": 1.0 / probability,
        "vulnerability": [v for v, _ in attacks],
        "budget": [budget for _, budget in attacks],
        "dims_per_feature": np.asarray(metrics.dimensions_per_feature(result.W)),
    }


def plot(data: dict) -> Figure:
    x = np.asarray(data["inverse_probability"])
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    ax.plot(x, data["vulnerability"], "o-", color="tab:red", ms=3.5, lw=1, label="vulnerability: error rise / λ")
    ax.plot(
        x,
        1.0 / np.asarray(data["dims_per_feature"]),
        "s--",
        color="k",
        ms=3,
        lw=1,
        label="1 / D*  (features per dimension)",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("1 / (1 − S)")
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def check(data: dict) -> dict:
    """Vulnerability at the sparsest model is more than 3× the densest's (the paper's "increasing by >3x"), and it
    tracks 1/D*: the correlation of log vulnerability with log(1/D*) across sparsities is at least 0.9."""
    vulnerability = np.asarray(data["vulnerability"])
    inverse_dims = 1.0 / np.asarray(data["dims_per_feature"])
    rise = float(vulnerability[-1] / vulnerability[0])
    correlation = float(np.corrcoef(np.log(vulnerability), np.log(inverse_dims))[0, 1])
    ratio = vulnerability / inverse_dims
    return {
        "holds": bool(rise > 3.0 and correlation >= 0.9),
        "vulnerability_sparsest_over_densest": rise,
        "log_correlation_with_inverse_dims_per_feature": correlation,
        "vulnerability_over_inverse_dims_range": [float(ratio.min()), float(ratio.max())],
        "vulnerability": np.round(vulnerability, 3).tolist(),
    }
