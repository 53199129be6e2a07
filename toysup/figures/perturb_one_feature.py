"""Figure 6: perturbing one feature's sparsity (Elhage et al. 2022, Sec. 6 "Non-Uniform Superposition").

n = 5 features of importance 1 in m = 2 dimensions; four features have probability 0.05 and the fifth's probability
is varied from 10× rarer to 10× more frequent. Claim: at equal probability the features form a regular pentagon;
as the fifth feature's probability moves away, the pentagon deforms, and eventually it collapses into two digons
(two antipodal pairs on orthogonal axes) with one feature dropped.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..config import ToyConfig
from ..metrics import angle_gaps, is_regular_polygon, is_two_digons, represented
from ._common import train_once

NAME = "perturb_one_feature"
TITLE = "Perturbing one feature's sparsity"
SECTION = "Sec. 6, Non-Uniform Superposition"
CAPTION = (
    "n=5 equally important features in m=2 dimensions; four have probability 0.05 and the fifth (red) is "
    "made rarer (left) or more frequent (right). The pentagon at equal probability deforms, then "
    "collapses into two digons. Bottom: the fifth feature's norm."
)
BASE_PROBABILITY = 0.05
VARIED = 4  # index of the feature whose probability is varied


def experiment(quick: bool) -> ToyConfig:
    """One instance per probability of the fifth feature, from 0.1× to 10× the others', geometrically spaced
    (the middle instance has all five equal)."""
    count = 7 if quick else 13
    varied = BASE_PROBABILITY * np.geomspace(0.1, 10.0, count)
    probability = np.full((count, 5), BASE_PROBABILITY)
    probability[:, VARIED] = varied
    return ToyConfig(
        n_features=5,
        n_hidden=2,
        n_instances=count,
        feature_probability=probability,
        steps=2000 if quick else 10_000,
        learning_rate=1e-2 if quick else 3e-3,
        restarts=2 if quick else 3,
        seed=0,
    )


def run(quick: bool, out: Path) -> dict:
    config = experiment(quick)
    result = train_once(config)
    return {
        "varied_probability": config.feature_probability_array()[:, VARIED],
        "base_probability": BASE_PROBABILITY,
        "W": result.W,
        "loss": result.final_loss,
    }


def plot(data: dict) -> Figure:
    W, varied = np.asarray(data["W"]), np.asarray(data["varied_probability"])
    count = len(W)
    fig = plt.figure(figsize=(1.6 * count, 3.6))
    grid = fig.add_gridspec(2, count, height_ratios=[1.25, 1])
    limit = max(1.2, float(np.abs(W).max()) * 1.1)
    for index in range(count):
        ax = fig.add_subplot(grid[0, index])
        for feature in range(W.shape[2]):
            x, y = W[index, :, feature]
            color = "tab:red" if feature == VARIED else "0.25"
            ax.plot([0, x], [0, y], color=color, lw=1.4)
            ax.scatter([x], [y], color=color, s=12, zorder=3)
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"p₅ = {varied[index]:.3g}", fontsize=8)
    ax = fig.add_subplot(grid[1, :])
    ax.plot(varied, np.linalg.norm(W[:, :, VARIED], axis=1), "o-", color="tab:red", ms=3)
    ax.axvline(float(data["base_probability"]), color="0.6", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("probability of the fifth feature (others 0.05)")
    ax.set_ylabel("‖W₅‖")
    fig.tight_layout()
    return fig


def check(data: dict) -> dict:
    """Equal probabilities: a regular pentagon (adjacent angles 72° ± 12°). Both extremes (0.1× and 10×): two
    digons — four represented features in two antipodal pairs (cos < −0.95) on orthogonal axes (|cos| < 0.2)."""
    W, varied = np.asarray(data["W"]), np.asarray(data["varied_probability"])
    middle = int(np.argmin(np.abs(np.log(varied / float(data["base_probability"])))))
    pentagon = is_regular_polygon(W[middle], 5)
    rare_digons, frequent_digons = is_two_digons(W[0]), is_two_digons(W[-1])
    shapes = [
        "pentagon"
        if is_regular_polygon(w, 5)
        else "two digons"
        if is_two_digons(w)
        else f"{int(represented(w).sum())} features"
        for w in W
    ]
    return {
        "holds": bool(pentagon and rare_digons and frequent_digons),
        "equal_probability_adjacent_angles_deg": np.round(angle_gaps(W[middle]), 1).tolist(),
        "equal_probability_is_pentagon": pentagon,
        "rarest_is_two_digons": rare_digons,
        "most_frequent_is_two_digons": frequent_digons,
        "shape_per_probability": shapes,
        "varied_feature_norm": np.round(np.linalg.norm(W[:, :, VARIED], axis=1), 3).tolist(),
    }
