"""Figure 6: perturbing one feature's sparsity (Elhage et al. 2022, Sec. 6 "Non-Uniform Superposition").

n = 5 features of importance 1 in m = 2 dimensions; four features have probability 0.1 and the fifth's probability
is varied from 10× rarer to 10× more frequent, on a finer grid where the fifth is 2× to 5× rarer. Claim: at equal
probability the features form a regular pentagon; as the fifth feature gets sparser the pentagon deforms, and at
about 2.5× sparser it collapses into two digons (two antipodal pairs on orthogonal axes) with the fifth dropped.

Every probability is trained with several seeds (extra instances); the lowest-loss seed is the model shown and
checked, like the best of restarts. The seeds that land in the other solution near the collapse tell whether the
pentagon there is the better solution or only a trap the optimiser does not leave. The deformation is measured as
the angle from the fifth feature to its two neighbours (72° in the regular pentagon).

Where the collapse happens depends on the others' probability. With six seeds per ratio (10,000 steps), two digons
become the lower-loss solution at about 5.6× sparser when the others have probability 0.02, 3.75× at 0.05 and 2.4×
at 0.1: the paper's ~2.5× fits the others at feature probability p = 0.1 (the paper's sparsity S = 1 − p = 0.9),
the setting used here (an earlier version of this figure used p = 0.05 and found the collapse at 3.6–4.0×).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import theory
from ..config import ToyConfig
from ..metrics import angle_gaps, is_regular_polygon, is_two_digons, represented
from ._common import BEATS_BASELINE, train_once

NAME = "perturb_one_feature"
TITLE = "Perturbing one feature's sparsity"
SECTION = "Sec. 6, Non-Uniform Superposition"
CAPTION = (
    "n=5 equally important features in m=2 dimensions; four have probability 0.1 and the fifth (red) is "
    "made rarer (left) or more frequent (right). The pentagon at equal probability deforms as the fifth gets "
    "sparser (its neighbours close in), then collapses into two digons. Bottom, on a finer grid: the angle from "
    "the fifth feature to its neighbours and its norm; red dashed: the measured collapse, blue dotted: the "
    "paper's ~2.5× sparser."
)
BASE_PROBABILITY = 0.1
VARIED = 4  # index of the feature whose probability is varied
SEEDS = 6  # independent models per probability (seed-major instances); the lowest-loss one is kept
COARSE = np.geomspace(0.1, 10.0, 13)  # the fifth's probability relative to the others' (quick: 7 of them)
FINE_SPARSER = np.geomspace(2.0, 5.0, 9)  # and, finer, how many times sparser it is around the collapse
PAPER_COLLAPSE_SPARSER = 2.5  # the paper: the pentagon collapses when the fifth is about 2.5× sparser
# The paper's value is one rounded number read off a figure sampled coarsely in the ratio; ours is bracketed by
# two grid points ~12% apart. A factor of 1.25 on either side of our bracket covers both.
MATCH_FACTOR = 1.25
ANGLE_NOISE_DEGREES = 1.0  # angles of a converged pentagon vary by about ±0.6° between seeds and sparsities
MIN_DEFORMATION_DEGREES = 3.0  # the neighbours must close in by at least this before the collapse


def relative_probabilities(quick: bool) -> np.ndarray:
    """The fifth feature's probability relative to the others', ascending: a geometric grid from 0.1 to 10 and a
    finer one where it is 2× to 5× sparser."""
    coarse = np.geomspace(0.1, 10.0, 7) if quick else COARSE
    fine = 1.0 / (np.geomspace(2.0, 5.0, 4) if quick else FINE_SPARSER)
    return np.unique(np.round(np.concatenate([coarse, fine]), 6))


def experiment(quick: bool) -> ToyConfig:
    """One instance per seed and relative probability of the fifth feature (seed-major: instance s·R + j is seed s
    at ratio j); the others stay at ``BASE_PROBABILITY``."""
    relative = relative_probabilities(quick)
    seeds = 4 if quick else SEEDS
    probability = np.full((seeds * len(relative), 5), BASE_PROBABILITY)
    probability[:, VARIED] = np.tile(BASE_PROBABILITY * relative, seeds)
    return ToyConfig(
        n_features=5,
        n_hidden=2,
        n_instances=len(probability),
        feature_probability=probability,
        steps=2000 if quick else 10_000,
        batch_size=512,
        learning_rate=1e-2 if quick else 3e-3,
        seed=0,
    )


def run(quick: bool, out: Path) -> dict:
    config = experiment(quick)
    result = train_once(config)
    relative = relative_probabilities(quick)
    count = len(relative)
    seeds = config.n_instances // count
    probability = config.feature_probability_array()[:count].astype(np.float64)
    return {
        "relative_probability": relative,
        "varied_probability": BASE_PROBABILITY * relative,
        "base_probability": BASE_PROBABILITY,
        "W": result.W.reshape(seeds, count, *result.W.shape[1:]),
        "loss": result.final_loss.reshape(seeds, count),
        "baseline_loss": theory.dedicated_baseline_loss(probability, 1.0, config.n_hidden),
    }


def kept(data: dict) -> tuple[np.ndarray, np.ndarray]:
    """The lowest-loss seed's W at each probability (ratios, 2, 5) and its loss (ratios,)."""
    W, loss = np.asarray(data["W"]), np.asarray(data["loss"], dtype=float)
    best = np.argmin(np.where(np.isfinite(loss), loss, np.inf), axis=0)
    columns = np.arange(loss.shape[1])
    return W[best, columns], loss[best, columns]


def neighbour_angle(W: np.ndarray, feature: int = VARIED) -> float:
    """Mean angle in degrees from ``feature`` to its two circular neighbours among the represented features of an
    m=2 model (72° in a regular pentagon); NaN when it is not represented."""
    keep = np.flatnonzero(represented(W))
    if feature not in keep or len(keep) < 3:
        return float("nan")
    angles = np.degrees(np.arctan2(W[1, keep], W[0, keep]))
    relative = np.sort((angles - angles[list(keep).index(feature)]) % 360.0)  # 0 first: the feature itself
    return float((relative[1] + (360.0 - relative[-1])) / 2.0)


def shape(W: np.ndarray) -> str:
    if is_regular_polygon(W, 5, tolerance_degrees=36.0):  # five corners in any order; deformed allowed
        return "pentagon"
    if is_two_digons(W):
        return "two digons"
    return f"{int(represented(W).sum())} features"


def plot(data: dict) -> Figure:
    W, _ = kept(data)
    relative = np.asarray(data["relative_probability"])
    shown = [int(np.argmin(np.abs(np.log(relative / r)))) for r in COARSE]
    shown = sorted(set(shown))
    count = len(shown)
    fig = plt.figure(figsize=(1.45 * count, 5.0))
    grid = fig.add_gridspec(2, count, height_ratios=[1.2, 1])
    limit = max(1.2, float(np.abs(W).max()) * 1.1)
    for column, index in enumerate(shown):
        ax = fig.add_subplot(grid[0, column])
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
        ax.set_title(f"p₅/p = {relative[index]:.3g}", fontsize=8)
    angle = fig.add_subplot(grid[1, : count // 2])
    angle.plot(relative, [neighbour_angle(w) for w in W], "o-", color="tab:red", ms=3)
    angle.axhline(72.0, color="0.6", lw=0.8)
    angle.set_ylabel("angle from W₅ to its neighbours (°)", fontsize=8)
    norm = fig.add_subplot(grid[1, count // 2 :], sharex=angle)
    norm.plot(relative, np.linalg.norm(W[:, :, VARIED], axis=1), "o-", color="tab:red", ms=3)
    norm.set_ylabel("‖W₅‖")
    threshold = collapse(W, relative)[2]
    for ax in (angle, norm):
        ax.set_xscale("log")
        ax.set_xlabel(f"p₅ / p (the others' p = {data.get('base_probability', BASE_PROBABILITY):g})")
        ax.axvline(1.0, color="0.6", ls="--", lw=0.8)
        ax.axvline(1.0 / PAPER_COLLAPSE_SPARSER, color="tab:blue", ls=":", lw=1)
        if threshold is not None:
            ax.axvline(1.0 / threshold, color="tab:red", ls="--", lw=1)
    fig.tight_layout()
    return fig


def collapse(W: np.ndarray, relative: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """From equal probability towards sparser: (the sparsest ratio still a pentagon, the least sparse ratio that is
    two digons, their geometric mean — the collapse threshold); None where not found. Ratios are how many times
    sparser the fifth feature is than the others."""
    sparser = 1.0 / np.asarray(relative)
    order = [int(i) for i in np.argsort(sparser) if sparser[i] >= 1.0 - 1e-9]
    last_pentagon = first_digons = None
    for index in order:
        kind = shape(W[index])
        if kind == "two digons":
            first_digons = float(sparser[index])
            break
        if kind == "pentagon":
            last_pentagon = float(sparser[index])
    if last_pentagon is None or first_digons is None:
        return last_pentagon, first_digons, None
    return last_pentagon, first_digons, float(np.sqrt(last_pentagon * first_digons))


def solution_crossing(data: dict) -> tuple[float | None, list, list]:
    """Where two digons become the better solution: at each ratio from equal probability towards sparser, the lowest
    loss among the seeds that ended as a pentagon and among those that ended as two digons (None where no seed did);
    the crossing is the geometric mean of the last ratio where the pentagon is better and the first where the digons
    are (None unless both are seen). Returns (crossing, pentagon losses, digon losses), in order of sparser ratios."""
    W, loss = np.asarray(data["W"]), np.asarray(data["loss"], dtype=float)
    sparser = 1.0 / np.asarray(data["relative_probability"])
    order = [int(i) for i in np.argsort(sparser) if sparser[i] >= 1.0 - 1e-9]
    best = {"pentagon": [], "two digons": []}
    for index in order:
        kinds = [shape(W[seed, index]) for seed in range(W.shape[0])]
        for kind, found in best.items():
            losses = [loss[seed, index] for seed in range(W.shape[0]) if kinds[seed] == kind]
            found.append(float(min(losses)) if losses else None)
    last_pentagon = first_digons = None
    for index, pentagon, digons in zip(order, best["pentagon"], best["two digons"]):
        if pentagon is None or digons is None:
            continue
        if digons < pentagon:
            first_digons = float(sparser[index])
            break
        last_pentagon = float(sparser[index])
    crossing = None if last_pentagon is None or first_digons is None else float(np.sqrt(last_pentagon * first_digons))
    return crossing, best["pentagon"], best["two digons"]


def check(data: dict) -> dict:
    """Over the kept (lowest-loss) model at every probability: each loss at most 90% of the best model without
    superposition (theory.dedicated_baseline_loss: two dedicated features, three dropped); equal probabilities give a
    regular pentagon (adjacent angles 72° ± 12°); making the fifth feature sparser deforms it — every model from
    equal probability up to the collapse is a pentagon, and the angle from the fifth to its neighbours never grows
    (by more than 1° of noise) and falls by at least 3° before the collapse; and it collapses — from some ratio on,
    every sparser model is two digons (two antipodal pairs, cos < −0.95, on orthogonal axes) with the fifth dropped.
    And the collapse comes where the paper puts it: ~2.5× sparser lies within a factor 1.25 of the bracket between
    the last pentagon and the first two digons (a mismatch is also stated in ``not_reproduced``)."""
    W, loss = kept(data)
    relative = np.asarray(data["relative_probability"])
    sparser = 1.0 / relative
    crossing, pentagon_losses, digon_losses = solution_crossing(data)
    loss_ratio = loss / np.asarray(data["baseline_loss"], dtype=float)
    losses_hold = bool(np.all(loss_ratio <= BEATS_BASELINE))  # pentagons and digons are both superposition
    middle = int(np.argmin(np.abs(np.log(relative))))
    pentagon = is_regular_polygon(W[middle], 5)
    shapes = [shape(w) for w in W]
    last_pentagon, first_digons, threshold = collapse(W, relative)

    up_to = [int(i) for i in np.argsort(sparser) if 1.0 - 1e-9 <= sparser[i] <= (last_pentagon or 0.0)]
    angles = np.array([neighbour_angle(W[i]) for i in up_to])
    rises = np.diff(angles) if len(angles) > 1 else np.array([0.0])
    deformation = float(angles[0] - angles[-1]) if len(angles) else 0.0
    deforms = (
        len(angles) >= 2
        and all(shapes[i] == "pentagon" for i in up_to)
        and bool(np.all(np.isfinite(angles)))
        and bool(np.all(rises <= ANGLE_NOISE_DEGREES))
        and deformation >= MIN_DEFORMATION_DEGREES
    )
    beyond = [i for i in range(len(W)) if threshold is not None and sparser[i] > threshold]
    collapses = bool(beyond) and all(shapes[i] == "two digons" and not represented(W[i])[VARIED] for i in beyond)

    matches = threshold is not None and (
        last_pentagon / MATCH_FACTOR <= PAPER_COLLAPSE_SPARSER <= first_digons * MATCH_FACTOR
    )
    result = {
        "holds": bool(losses_hold and pentagon and deforms and collapses and matches),
        "kept_loss_over_dedicated_baseline_range": [float(loss_ratio.min()), float(loss_ratio.max())],
        "equal_probability_adjacent_angles_deg": np.round(angle_gaps(W[middle]), 1).tolist(),
        "equal_probability_is_pentagon": pentagon,
        "times_sparser_up_to_collapse": np.round(sparser[up_to], 3).tolist(),
        "angle_to_neighbours_deg_there": np.round(angles, 1).tolist(),
        "deformation_deg_before_collapse": deformation,
        "last_pentagon_times_sparser": last_pentagon,
        "first_two_digons_times_sparser": first_digons,
        "collapse_threshold_times_sparser": threshold,
        "paper_collapse_threshold_times_sparser": PAPER_COLLAPSE_SPARSER,
        "digons_become_the_lower_loss_solution_at_times_sparser": crossing,
        "best_pentagon_loss_per_sparser_ratio": pentagon_losses,
        "best_two_digons_loss_per_sparser_ratio": digon_losses,
        "collapse_threshold_matches_paper": bool(matches),
        "shape_per_relative_probability": shapes,
        "most_frequent_shape_(not_claimed)": shapes[-1],
        "varied_feature_norm": np.round(np.linalg.norm(W[:, :, VARIED], axis=1), 3).tolist(),
    }
    if not matches:
        if threshold is None:
            found = f"no collapse into two digons is seen up to {sparser.max():.3g}× sparser"
        else:
            found = f"the pentagon collapses between {last_pentagon:.3g}× and {first_digons:.3g}× sparser"
        why = (
            f"; seeds find both solutions, and two digons become the lower-loss one only at {crossing:.3g}× sparser, "
            "so at this setting the optimum itself collapses later than the paper says"
            if crossing is not None and crossing > PAPER_COLLAPSE_SPARSER * MATCH_FACTOR
            else ""
        )
        result["not_reproduced"] = [f"{found}, not at the paper's ~{PAPER_COLLAPSE_SPARSER}×{why}."]
    return result
