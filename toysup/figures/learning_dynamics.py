"""Figure 8: learning dynamics — feature dimensionality jumps between discrete levels (Elhage et al. 2022, Sec. 7
"Learning Dynamics").

As in the paper, one model of the uniform-superposition setting (n = 400 features of importance 1 in m = 30
dimensions) at a sparsity where all learned features end up in antipodal pairs (digons, D = 1/2), trained with
snapshots of W every few steps; every feature's dimensionality D_i = ‖W_i‖⁴ / Σ_j (W_i·W_j)² is followed through
training. Claim: the dimensionalities move in discrete jumps — each feature jumps to the digon level (or gives way
to another feature) quickly, at its own time, so the loss curve's smooth-looking fall is made of many small jumps.

The snapshots come from ``toysup.snapshots.train_with_snapshots``: the same compiled training as ``toysup.train``,
one short chunk per snapshot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import metrics, plots
from ..config import ToyConfig
from ..snapshots import snapshot_steps, train_with_snapshots

NAME = "learning_dynamics"
TITLE = "Feature dimensionality during training"
SECTION = "Sec. 7, Learning Dynamics"
CAPTION = (
    "Dimensionality D_i of every feature (one line each) of a uniform-superposition model (n=400, m=30, "
    "1/(1−S)=3) through training, above its loss: learned features climb to the digon level D=1/2 one by one "
    "while the others fall to 0."
)
RISE_FROM, RISE_TO = 0.2, 0.45  # a feature's rise to the digon level D = 1/2 is timed between these values
LOG_EVERY = 10  # steps per block of the loss curve


def snapshot_every(quick: bool) -> int:
    """Steps between snapshots of W."""
    return 20 if quick else 40


def experiment(quick: bool) -> ToyConfig:
    """Uniform importance at 1/(1 − S) = 3, where every learned feature ends in an antipodal pair (a digon), at the
    paper's learning rate 1e-3 so the dynamics are slow enough to follow; W is kept every ``snapshot_every`` steps."""
    return ToyConfig(
        n_features=50 if quick else 400,
        n_hidden=5 if quick else 30,
        feature_probability=1 / 3,
        steps=4000,
        batch_size=512,
        learning_rate=1e-3,
        seed=0,
    )


def run(quick: bool, out: Path) -> dict:
    config = experiment(quick)
    every = snapshot_every(quick)
    result, snapshots = train_with_snapshots(config, every=every, log_every=LOG_EVERY)
    return {
        "feature_probability": float(config.feature_probability_array()[0, 0]),
        "n_features": config.n_features,
        "n_hidden": config.n_hidden,
        "steps": snapshot_steps(len(snapshots), every, result.steps_done),
        "dimensionality": np.asarray(metrics.feature_dimensionality(snapshots[:, 0])),
        "loss_steps": (np.arange(len(result.loss_history)) + 1) * LOG_EVERY,
        "loss": result.loss_history[:, 0],
        "final_norms": np.linalg.norm(result.W[0], axis=0),
    }


def plot(data: dict) -> Figure:
    return plots.dimensionality_over_training(
        np.asarray(data["steps"]),
        np.asarray(data["dimensionality"]),
        np.asarray(data["loss_steps"]),
        np.asarray(data["loss"]),
    )


def rise_times(
    trajectory: np.ndarray, steps: np.ndarray, low: float = RISE_FROM, high: float = RISE_TO
) -> tuple[float, float] | None:
    """(start, end): the first steps at which D_i reaches ``low`` and then ``high`` (about 40% and 90% of the
    digon level 1/2), or None when it never does."""
    trajectory, steps = np.asarray(trajectory), np.asarray(steps)
    above_low = np.flatnonzero(trajectory >= low)
    if len(above_low) == 0:
        return None
    above_high = np.flatnonzero(trajectory[above_low[0] :] >= high)
    return None if len(above_high) == 0 else (float(steps[above_low[0]]), float(steps[above_low[0] + above_high[0]]))


def check(data: dict) -> dict:
    """The model converges into digons: at least 90% of learned features (final ‖W_i‖ > 0.5) end within ±0.03 of
    D = 1/2. Features arrive there in jumps: each one's rise from D = 0.2 to 0.45 is short compared with the spread
    of the times at which different features rise — the median rise takes less than half the 10–90% range of the
    rise midpoints (a smooth, collective drift would make the rises as long as their spread)."""
    dimensionality, steps = np.asarray(data["dimensionality"]), np.asarray(data["steps"])
    learned = np.asarray(data["final_norms"]) > metrics.REPRESENTED_NORM
    final = dimensionality[-1, learned]
    digons = float(np.mean(np.abs(final - 0.5) <= 0.03)) if len(final) else 0.0
    rises = [rise_times(dimensionality[:, feature], steps) for feature in np.flatnonzero(learned)]
    rises = np.array([rise for rise in rises if rise is not None]).reshape(-1, 2)
    durations, midpoints = rises[:, 1] - rises[:, 0], rises.mean(axis=1)
    median_duration = float(np.median(durations)) if len(rises) else float("nan")
    spread = float(np.subtract(*np.percentile(midpoints, [90, 10]))) if len(rises) else 0.0
    abandoned = sum(
        rise_times(dimensionality[:, feature], steps) is not None and dimensionality[-1, feature] < 0.1
        for feature in np.flatnonzero(~learned)
    )
    return {
        "holds": bool(digons >= 0.9 and len(rises) >= 5 and median_duration < 0.5 * spread),
        "learned_features": int(learned.sum()),
        "share_of_learned_features_ending_as_digons": digons,
        "median_rise_steps_0.2_to_0.45": median_duration,
        "rise_midpoints_10_to_90pct_range_steps": spread,
        "features_that_rose_then_gave_way": int(abandoned),
    }
