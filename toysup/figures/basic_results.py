"""Figure 2: linear and ReLU-output models across sparsity (Elhage et al. 2022, Sec. 2 "Demonstrating
Superposition", "Basic Results").

n = 20 features of importance 0.7^i in m = 5 dimensions. A linear model (dense features) beside ReLU-output models
at sparsity S = 0, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999. Each column shows WᵀW, the bias b and the feature norms
‖W_i‖ coloured by interference. Claim: the linear model keeps exactly the m most important features, orthogonally;
the ReLU model represents more features as sparsity rises; the features that enter superposition are the less
important ones (the most important stay dedicated), and they enter it first as antipodal pairs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy.stats import spearmanr

from .. import metrics, plots
from ..config import ToyConfig
from ..metrics import cosines, represented
from ._common import sparsity_label, train_once

NAME = "basic_results"
TITLE = "Linear and ReLU models across sparsity"
SECTION = "Sec. 2, Demonstrating Superposition"
CAPTION = (
    "n=20 features (importance 0.7^i) in m=5 dimensions. Left: a linear model; then ReLU-output models "
    "from dense to 99.9% sparse. Rows: WᵀW (red +, blue −), the bias, and ‖W_i‖ coloured by interference "
    "(dark: dedicated, bright: in superposition)."
)
SPARSITIES = (0.0, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999)
DEDICATED_INTERFERENCE = 0.1  # a represented feature with less interference than this has its own dimension


def experiment(quick: bool) -> dict[str, ToyConfig]:
    """The ReLU sweep over the paper's sparsities, and the linear model on dense features."""
    relu = ToyConfig(
        n_features=20,
        n_hidden=5,
        n_instances=len(SPARSITIES),
        importance_decay=0.7,
        feature_probability=tuple(1.0 - s for s in SPARSITIES),
        model="relu_output",
        steps=2000 if quick else 20_000,
        batch_size=512 if quick else 1024,
        learning_rate=1e-2 if quick else 3e-3,
        seed=0,
    )
    linear = relu.replace(model="linear", n_instances=1, feature_probability=1.0)
    return {"linear": linear, "relu": relu}


def run(quick: bool, out: Path) -> dict:
    configs = experiment(quick)
    linear, relu = train_once(configs["linear"]), train_once(configs["relu"])
    return {
        "sparsity": SPARSITIES,
        "importance": configs["relu"].importance_array()[0],
        "linear_W": linear.W[0],
        "linear_b": linear.b[0],
        "relu_W": relu.W,
        "relu_b": relu.b,
        "relu_loss": relu.final_loss,
    }


def plot(data: dict) -> Figure:
    W = np.concatenate([np.asarray(data["linear_W"])[None], np.asarray(data["relu_W"])])
    b = np.concatenate([np.asarray(data["linear_b"])[None], np.asarray(data["relu_b"])])
    titles = ["linear, S = 0"] + [f"ReLU, {sparsity_label(1 - s)}" for s in data["sparsity"]]
    return plots.gram_and_bias(W, b, titles=titles)


def _superposed_and_dedicated(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Represented features in superposition (interference ≥ 0.1) and with a dimension of their own."""
    keep = represented(W)
    interference = np.asarray(metrics.interference(W))
    return keep & (interference >= DEDICATED_INTERFERENCE), keep & (interference < DEDICATED_INTERFERENCE)


def check(data: dict) -> dict:
    """Four numbers, all of which must hold:
    linear: represented features are exactly 0…m−1 and mutually orthogonal (|cos| < 0.1);
    ReLU: the represented count rises with sparsity (Spearman ρ ≥ 0.9) to at least 2m at the sparsest;
    in every ReLU model each dedicated feature is more important than each superposed one;
    at the least sparse model with superposition, every superposed feature has an antipodal partner (cos < −0.9).
    """
    linear_W, relu_W = np.asarray(data["linear_W"]), np.asarray(data["relu_W"])
    sparsity = np.asarray(data["sparsity"])
    n_hidden = linear_W.shape[0]
    linear_features = np.flatnonzero(represented(linear_W))
    linear_cos = cosines(linear_W)[np.ix_(linear_features, linear_features)] - np.eye(len(linear_features))
    linear_max_cos = float(np.abs(linear_cos).max()) if len(linear_features) else 0.0
    linear_holds = linear_features.tolist() == list(range(n_hidden)) and linear_max_cos < 0.1

    counts = [int(represented(W).sum()) for W in relu_W]
    rho = float(spearmanr(sparsity, counts)[0])
    more_holds = rho >= 0.9 and counts[-1] >= 2 * n_hidden

    order_violations, first_superposition, antipodal_cos = 0, None, []
    for index, W in enumerate(relu_W):
        superposed, dedicated = _superposed_and_dedicated(W)
        if superposed.any() and dedicated.any():
            order_violations += int(np.flatnonzero(dedicated).max() > np.flatnonzero(superposed).min())
        if superposed.any() and first_superposition is None:
            first_superposition = index
            cos = cosines(W)
            cos[:, ~represented(W)] = 1.0  # partners must be represented features
            np.fill_diagonal(cos, 1.0)
            antipodal_cos = cos[superposed].min(axis=1).tolist()
    antipodal_holds = first_superposition is not None and max(antipodal_cos) < -0.9
    return {
        "holds": bool(linear_holds and more_holds and order_violations == 0 and antipodal_holds),
        "linear_represented_features": linear_features.tolist(),
        "linear_max_abs_cosine": linear_max_cos,
        "relu_represented_per_sparsity": counts,
        "relu_spearman_sparsity_vs_represented": rho,
        "models_where_a_superposed_feature_outranks_a_dedicated_one": order_violations,
        "first_sparsity_with_superposition": None
        if first_superposition is None
        else float(sparsity[first_superposition]),
        "worst_antipodal_partner_cosine_there": max(antipodal_cos) if antipodal_cos else None,
    }
