"""Figure 2: linear and ReLU-output models across sparsity (Elhage et al. 2022, Sec. 2 "Demonstrating
Superposition", "Basic Results").

n = 20 features of importance 0.7^i in m = 5 dimensions. A linear model (dense features) beside ReLU-output models at
feature probability p = 1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001 (the paper's sparsity S = 1 − p = 0, 0.7, …, 0.999). Each
column shows WᵀW, the bias b and the feature norms ‖W_i‖ coloured by interference. Claim: the linear model keeps exactly
the m most important features, orthogonally; the ReLU model represents more features as sparsity rises; the features
that enter superposition are the less important ones (the most important stay dedicated), and they enter it first as
antipodal pairs.

Every sparsity is trained with several seeds (extra instances of the same run): the spread of the represented count
over seeds is the noise a fall in the count must exceed to count as a fall. Every loss is compared with the best
model without superposition (``theory.dedicated_baseline_loss``), which for the linear model on dense features is its
known optimum, so a failed optimisation cannot pass.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import metrics, plots, theory
from ..config import ToyConfig
from ..metrics import cosines, represented
from ._common import BEATS_BASELINE, MATCHES_BASELINE, sparsity_label, train_once

NAME = "basic_results"
TITLE = "Linear and ReLU models across sparsity"
SECTION = "Sec. 2, Demonstrating Superposition"
CAPTION = (
    "n=20 features (importance 0.7^i) in m=5 dimensions. Left: a linear model; then ReLU-output models "
    "from dense to 99.9% sparse. Rows: WᵀW (red +, blue −), the bias, and ‖W_i‖ coloured by interference "
    "(dark: dedicated, bright: in superposition). One of the seeds trained per sparsity is shown."
)
SPARSITIES = (0.0, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999)
# Independent models per sparsity (seed-major instances). Quick mode trains one: no noise is measured then, so any
# fall of the count fails; with more, 2000 steps leave one seed's p = 0.3 model with feature 2 superposed and
# feature 3 or 4 dedicated, which the full 10,000 steps resolve.
SEEDS = 4
DEDICATED_INTERFERENCE = 0.1  # a represented feature with less interference than this has its own dimension
# Losses against theory.dedicated_baseline_loss: the linear model (its known optimum) and the dense ReLU model (no
# superposition) within MATCHES_BASELINE (5%) of it, every ReLU model with a superposed feature at most BEATS_BASELINE
# (90%) of it. A failed optimisation (every feature dropped to its best constant) is 1/0.7⁵ ≈ 6× the baseline.
NOISE_STANDARD_ERRORS = 2.0  # a fall of the mean count counts only when larger than this many standard errors


def experiment(quick: bool) -> dict[str, ToyConfig]:
    """The ReLU sweep over the paper's sparsities, ``SEEDS`` independent instances each (seed-major: instance
    s·7 + j is seed s at sparsity j), and the linear model on dense features."""
    seeds = 1 if quick else SEEDS
    relu = ToyConfig(
        n_features=20,
        n_hidden=5,
        n_instances=len(SPARSITIES) * seeds,
        importance_decay=0.7,
        feature_probability=tuple(1.0 - s for s in SPARSITIES) * seeds,
        model="relu_output",
        steps=2000 if quick else 10_000,
        batch_size=512,
        learning_rate=1e-2 if quick else 3e-3,
        seed=0,
    )
    linear = relu.replace(model="linear", n_instances=1, feature_probability=1.0)
    return {"linear": linear, "relu": relu}


def run(quick: bool, out: Path) -> dict:
    configs = experiment(quick)
    linear, relu = train_once(configs["linear"]), train_once(configs["relu"])
    count = len(SPARSITIES)
    seeds = configs["relu"].n_instances // count
    importance = configs["relu"].importance_array()[0].astype(np.float64)
    probability = 1.0 - np.asarray(SPARSITIES)
    n_hidden = configs["relu"].n_hidden
    return {
        "sparsity": SPARSITIES,
        "importance": importance,
        "linear_W": linear.W[0],
        "linear_b": linear.b[0],
        "linear_loss": float(linear.final_loss[0]),
        "linear_baseline_loss": float(theory.dedicated_baseline_loss(1.0, importance, n_hidden)),
        "relu_W": relu.W.reshape(seeds, count, *relu.W.shape[1:]),
        "relu_b": relu.b.reshape(seeds, count, -1),
        "relu_loss": relu.final_loss.reshape(seeds, count),
        "relu_baseline_loss": theory.dedicated_baseline_loss(probability[:, None], importance, n_hidden),
    }


def plot(data: dict) -> Figure:
    W = np.concatenate([np.asarray(data["linear_W"])[None], np.asarray(data["relu_W"])[0]])
    b = np.concatenate([np.asarray(data["linear_b"])[None], np.asarray(data["relu_b"])[0]])
    titles = ["linear, p = 1"] + [f"ReLU, {sparsity_label(1 - s)}" for s in data["sparsity"]]
    return plots.gram_and_bias(W, b, titles=titles)


def _superposed_and_dedicated(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Represented features in superposition (interference ≥ 0.1) and with a dimension of their own."""
    keep = represented(W)
    interference = np.asarray(metrics.interference(W))
    return keep & (interference >= DEDICATED_INTERFERENCE), keep & (interference < DEDICATED_INTERFERENCE)


def count_falls(counts: np.ndarray, standard_errors: float = NOISE_STANDARD_ERRORS) -> tuple[np.ndarray, float]:
    """Falls of the mean represented count from each sparsity to the next, and the fall seed noise allows.

    ``counts`` is (seeds, sparsities). The noise is the pooled standard deviation σ of the count over seeds; the mean
    of k seeds then has standard error σ/√k and a difference of two such means σ·√(2/k): a fall counts only beyond
    ``standard_errors`` of those. Returns (falls (sparsities − 1,), allowed fall)."""
    counts = np.asarray(counts, dtype=float)
    seeds = counts.shape[0]
    sigma = float(np.sqrt(counts.var(axis=0, ddof=1).mean())) if seeds > 1 else 0.0
    means = counts.mean(axis=0)
    return means[:-1] - means[1:], standard_errors * sigma * np.sqrt(2.0 / seeds)


def check(data: dict) -> dict:
    """All must hold, over every trained model (every seed): losses — the linear model within 5% of its known optimum
    (the m most important features kept, the rest dropped to their mean: theory.dedicated_baseline_loss), every ReLU
    model within 5% of that baseline and every one with a superposed feature at most 90% of it; linear: represented
    features are exactly 0…m−1 and mutually orthogonal (|cos| < 0.1); ReLU: the mean represented count over seeds
    never falls from one sparsity to the next by more than two standard errors of the seed noise, rises by more than
    that overall, and reaches at least 2m at the sparsest; in every ReLU model each dedicated feature is more
    important than each superposed one; at the least sparse sparsity with superposition, every superposed feature of
    every seed has an antipodal partner (cos < −0.9).
    """
    linear_W, relu_W = np.asarray(data["linear_W"]), np.asarray(data["relu_W"])
    sparsity = np.asarray(data["sparsity"])
    n_hidden = linear_W.shape[0]
    linear_loss_ratio = float(data["linear_loss"]) / float(data["linear_baseline_loss"])
    relu_loss_ratio = np.asarray(data["relu_loss"], dtype=float) / np.asarray(data["relu_baseline_loss"])[None, :]
    superposition = np.array([[bool(_superposed_and_dedicated(W)[0].any()) for W in seed] for seed in relu_W])
    losses_hold = (
        1.0 / MATCHES_BASELINE <= linear_loss_ratio <= MATCHES_BASELINE
        and bool(np.all(relu_loss_ratio <= MATCHES_BASELINE))
        and bool(np.all(relu_loss_ratio[superposition] <= BEATS_BASELINE))
    )

    linear_features = np.flatnonzero(represented(linear_W))
    linear_cos = cosines(linear_W)[np.ix_(linear_features, linear_features)] - np.eye(len(linear_features))
    linear_max_cos = float(np.abs(linear_cos).max()) if len(linear_features) else 0.0
    linear_holds = linear_features.tolist() == list(range(n_hidden)) and linear_max_cos < 0.1

    counts = np.array([[int(represented(W).sum()) for W in seed] for seed in relu_W])
    falls, allowed = count_falls(counts)
    mean_counts = counts.mean(axis=0)
    more_holds = (
        bool(np.all(falls <= allowed))
        and mean_counts[-1] - mean_counts[0] > allowed
        and mean_counts[-1] >= 2 * n_hidden
    )

    order_violations, first_superposition = 0, None
    for index in range(relu_W.shape[1]):
        for W in relu_W[:, index]:
            superposed, dedicated = _superposed_and_dedicated(W)
            if superposed.any() and dedicated.any():
                order_violations += int(np.flatnonzero(dedicated).max() > np.flatnonzero(superposed).min())
            if superposed.any() and first_superposition is None:
                first_superposition = index
    antipodal_cos = []
    if first_superposition is not None:
        for W in relu_W[:, first_superposition]:
            superposed = _superposed_and_dedicated(W)[0]
            cos = cosines(W)
            cos[:, ~represented(W)] = 1.0  # partners must be represented features
            np.fill_diagonal(cos, 1.0)
            antipodal_cos += cos[superposed].min(axis=1).tolist()
    antipodal_holds = bool(antipodal_cos) and max(antipodal_cos) < -0.9
    return {
        "holds": bool(losses_hold and linear_holds and more_holds and order_violations == 0 and antipodal_holds),
        "linear_loss_over_optimum": linear_loss_ratio,
        "relu_loss_over_dedicated_baseline_worst_seed": relu_loss_ratio.max(axis=0),
        "linear_represented_features": linear_features.tolist(),
        "linear_max_abs_cosine": linear_max_cos,
        "seeds": int(counts.shape[0]),
        "relu_represented_per_seed_and_sparsity": counts.tolist(),
        "relu_mean_represented_per_sparsity": mean_counts,
        "largest_fall_of_the_mean_count": float(max(falls.max(), 0.0)),
        "fall_allowed_by_seed_noise": float(allowed),
        "models_where_a_superposed_feature_outranks_a_dedicated_one": order_violations,
        "first_sparsity_with_superposition": None
        if first_superposition is None
        else float(sparsity[first_superposition]),
        "worst_antipodal_partner_cosine_there": max(antipodal_cos) if antipodal_cos else None,
    }
