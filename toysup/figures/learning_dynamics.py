"""Figure 8: learning dynamics — feature dimensionality jumps between discrete levels (Elhage et al. 2022, Sec. 7
"Learning Dynamics").

One model of the uniform-superposition setting (n = 400 features of importance 1 in m = 30 dimensions), trained
until it has converged, with snapshots of W spaced geometrically in step so that the whole run reads on a log-time
axis, as in the paper. Every feature's dimensionality D_i = ‖W_i‖⁴ / Σ_j (W_i·W_j)² is followed through training.
Claim: D_i sits on plateaus at fractional levels (1/2, 2/3, …, or 0) and moves between them in short jumps — a
feature on a triangle (2/3) drops to a digon (1/2), a feature that had died (0) jumps onto a triangle, a feature
gives way to another and falls to 0 — and the loss falls in steps.

The check compares the trajectories with a stated null, a smooth collective drift: every feature moving
monotonically, along a logistic in log-time, between the same start and end values (or between the same two
plateaus, for a jump). The plateau and jump detector (``toysup.metrics.level_plateaus``) is the same for both.

The snapshots come from ``toysup.snapshots.train_with_snapshots`` with ``at = log_spaced_steps(...)``: the same
compiled training as ``toysup.train``, chunks of ``SNAPSHOT_EVERY`` steps, keeping only geometrically spaced chunk
ends.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import metrics, plots
from ..config import ToyConfig
from ..snapshots import log_spaced_steps, train_with_snapshots

NAME = "learning_dynamics"
TITLE = "Feature dimensionality during training"
SECTION = "Sec. 7, Learning Dynamics"
CAPTION = (
    "Dimensionality D_i of every feature (one line each) of a uniform-superposition model (n=400, m=30, "
    "p = 1/2, Adam at lr 3e-3) through training on a log-time axis, above its loss: features sit at fractional "
    "levels (1/2, 2/3, 0) and jump between them; triangles (2/3) break into digons (1/2) and some features that "
    "died early jump back onto a level."
)
LOG_EVERY = 10  # steps per block of the loss curve
LEVEL_FRACTIONS = ((1, 1), (3, 4), (2, 3), (1, 2), (2, 5), (1, 3))  # metrics.DIMENSION_LEVELS above 0, drawn
SNAPSHOT_EVERY = 10  # steps per compiled chunk: the finest spacing of snapshots (early in training)
SNAPSHOTS_PER_DECADE = 100  # later snapshots are spaced geometrically, this many per factor of ten in step

ACTIVE_DIMENSIONALITY = 0.3  # a feature takes part when its D_i reaches this (the band of the lowest level, 1/3)
START_FRACTION = 0.1  # the window opens when the active features' median D_i has moved this far to its final value
NULL_MIDDLE = 0.5  # the null's logistic makes its 10–90% move over this middle share of its span (log-time)
CONVERGED_LOSS_CHANGE = 1e-3  # converged: the mean loss moves less than this (relative) over the last 10% of steps
CONVERGED_FRACTION = 0.9  # … and no feature's D_i moves more than the level tolerance after this share of steps
MIN_JUMPS = 3  # jumps between plateaus (after the first rise) needed to call the dynamics discrete
JUMP_RATIO = 0.5  # a jump takes at most this share of the null's time between the same two plateaus
SHARE_MARGIN = 0.2  # the features spend at least this much more of their log-time on plateaus than the null does
FINAL_ON_LEVEL = 0.9  # share of learned features that must end on a fractional level


def experiment(quick: bool) -> ToyConfig:
    """Uniform importance at feature probability p = 1/2: most learned features end as digons (D = 1/2), a few as
    triangles (2/3), and on the way features sit at both levels and at 0 and jump between them. (At p = 1/3, where
    every learned feature ends as a digon, the features rise together from the random start to 1/2 with almost no
    jump between levels; sparser settings of n = 400, m = 30 end off the fractional levels.) Adam at lr 3e-3, 3×
    the paper's 1e-3, so that the run converges in 40,000 steps (about a minute on 2 cores); at lr 5e-3 the
    triangles sit at D ≈ 0.61, below the band of 2/3. The quick mode (n = 100, m = 8, 8,000 steps) converges but has
    too few features for three jumps: its check is not expected to hold."""
    return ToyConfig(
        n_features=100 if quick else 400,
        n_hidden=8 if quick else 30,
        feature_probability=0.5,
        steps=8000 if quick else 40_000,
        batch_size=512,
        learning_rate=3e-3,
        seed=0,
    )


def run(quick: bool, out: Path) -> dict:
    config = experiment(quick)
    at = log_spaced_steps(config.steps, SNAPSHOT_EVERY, SNAPSHOTS_PER_DECADE)
    result, snapshots = train_with_snapshots(config, every=SNAPSHOT_EVERY, at=at, log_every=LOG_EVERY)
    return {
        "feature_probability": float(config.feature_probability_array()[0, 0]),
        "n_features": config.n_features,
        "n_hidden": config.n_hidden,
        "learning_rate": config.learning_rate,
        "total_steps": config.steps,
        "steps": at[: len(snapshots)],
        "dimensionality": np.asarray(metrics.feature_dimensionality(snapshots[:, 0])),
        "loss_steps": np.minimum((np.arange(len(result.loss_history)) + 1) * LOG_EVERY, result.steps_done),
        "loss": result.loss_history[:, 0],
        "final_norms": np.linalg.norm(result.W[0], axis=0),
    }


def plot(data: dict) -> Figure:
    return plots.dimensionality_over_training(
        np.asarray(data["steps"]),
        np.asarray(data["dimensionality"]),
        np.asarray(data["loss_steps"]),
        np.asarray(data["loss"]),
        fractions=LEVEL_FRACTIONS,
        log_time=True,
    )


def logistic_path(start_value: float, end_value: float, start: float, end: float, steps: np.ndarray) -> np.ndarray:
    """The null: a smooth monotone move from ``start_value`` (at and before step ``start``) to ``end_value`` (at and
    after step ``end``) along a logistic in log10(step), centred in the span, whose 10–90% part takes the middle
    ``NULL_MIDDLE`` of it; the logistic is rescaled to reach both values exactly at the span's ends."""
    x = np.log10(np.maximum(np.asarray(steps, dtype=float), 1.0))
    lo, hi = np.log10(start), np.log10(end)
    rate = 2 * np.log(9) / (NULL_MIDDLE * (hi - lo))  # 10% to 90% over NULL_MIDDLE of the span
    sigmoid = 1 / (1 + np.exp(-rate * (np.clip(x, lo, hi) - (lo + hi) / 2)))
    at_ends = 1 / (1 + np.exp(-rate * (np.array([lo, hi]) - (lo + hi) / 2)))
    fraction = (sigmoid - at_ends[0]) / (at_ends[1] - at_ends[0])
    return start_value + (end_value - start_value) * fraction


def _final_values(dimensionality: np.ndarray) -> np.ndarray:
    """Each feature's D_i at the end: the median of the last three snapshots (against the minibatch noise)."""
    return np.median(dimensionality[-3:], axis=0)


def convergence(data: dict) -> dict:
    """Whether the run has converged: the mean loss of the last 5% of steps differs from that of the 5% before by
    less than ``CONVERGED_LOSS_CHANGE`` (relative), and no feature's D_i (median of three snapshots) changes by more
    than the level tolerance from ``CONVERGED_FRACTION`` of the run to its end."""
    loss, loss_steps = np.asarray(data["loss"], dtype=float), np.asarray(data["loss_steps"])
    dimensionality, steps = np.asarray(data["dimensionality"], dtype=float), np.asarray(data["steps"])
    total = float(steps[-1])
    last = loss[loss_steps > 0.95 * total].mean()
    before = loss[(loss_steps > 0.9 * total) & (loss_steps <= 0.95 * total)].mean()
    loss_change = float(abs(last - before) / abs(last))
    late = int(np.argmin(np.abs(steps - CONVERGED_FRACTION * total)))
    at_late = np.median(dimensionality[max(0, late - 1) : late + 2], axis=0)
    movement = np.abs(_final_values(dimensionality) - at_late)
    moving = int(np.sum(movement > metrics.LEVEL_TOLERANCE))
    return {
        "converged": bool(loss_change < CONVERGED_LOSS_CHANGE and moving == 0 and late < len(steps) - 3),
        "loss_relative_change_last_10pct": loss_change,
        "features_moving_in_last_10pct": moving,
        "largest_dimensionality_change_in_last_10pct": float(movement.max()),
    }


def analyse(
    dimensionality: np.ndarray, steps: np.ndarray, active: np.ndarray | None = None, window_start: float | None = None
) -> dict:
    """Plateaus, jumps and swaps of the active features (by default those whose D_i reaches
    ``ACTIVE_DIMENSIONALITY``) over the window from ``window_start`` (by default the start of their collective
    rise) to the end, for trajectories (snapshots, features)."""
    dimensionality, steps = np.asarray(dimensionality, dtype=float), np.asarray(steps, dtype=float)
    if active is None:
        active = np.flatnonzero(dimensionality.max(axis=0) >= ACTIVE_DIMENSIONALITY)
    if len(active) == 0:
        return {"active": np.array([], int), "window_start": float("nan"), "plateaus": {}, "jumps": [], "share": 0.0}
    if window_start is None:
        median = np.median(dimensionality[:, active], axis=1)
        threshold = median[0] + START_FRACTION * (np.median(dimensionality[-3:, active]) - median[0])
        moved = np.flatnonzero((median - threshold) * np.sign(median[-1] - median[0]) >= 0)
        window_start = float(max(steps[moved[0]] if len(moved) else steps[-1], steps[steps > 0][0]))
    end = float(steps[-1])
    plateaus, jumps, shares = {}, [], []
    for feature in active:
        found = metrics.level_plateaus(dimensionality[:, feature], steps)
        plateaus[int(feature)] = found
        jumps += [jump for jump in metrics.level_transitions(found) if jump.start >= window_start]
        shares.append(metrics.plateau_share(found, window_start, end))
    gave_way = 0  # rose to D >= ACTIVE_DIMENSIONALITY, then fell back onto the plateau at 0
    for feature, found in plateaus.items():
        risen = steps[np.argmax(dimensionality[:, feature] >= ACTIVE_DIMENSIONALITY)]
        gave_way += any(plateau.level == 0.0 and plateau.start > risen for plateau in found)
    return {
        "active": active,
        "window_start": window_start,
        "plateaus": plateaus,
        "jumps": jumps,
        "share": float(np.mean(shares)),
        "swaps": gave_way,
        "took_over": sum(
            any(jump.before == 0.0 and jump.after > 0 for jump in metrics.level_transitions(found))
            for found in plateaus.values()
        ),
    }


def null_dimensionality(dimensionality: np.ndarray, steps: np.ndarray, window_start: float) -> np.ndarray:
    """The smooth-drift null of a whole run: each feature moves from its D_i at ``window_start`` to its final D_i
    along :func:`logistic_path` over the window to the end."""
    dimensionality, steps = np.asarray(dimensionality, dtype=float), np.asarray(steps, dtype=float)
    first = int(np.searchsorted(steps, window_start))
    begin, final = dimensionality[first], _final_values(dimensionality)
    return np.stack(
        [logistic_path(b, f, window_start, steps[-1], steps) for b, f in zip(begin, final)],
        axis=1,
    )


def null_jump_decades(jump: metrics.Transition, before: metrics.Plateau, after: metrics.Plateau) -> float:
    """How long the null takes for the same move: a logistic from ``before.level`` to ``after.level`` over the span
    of the two plateaus, timed by the same detector (from the end of its first plateau to the start of its next);
    the whole span when it finds no two plateaus."""
    steps = np.unique(np.geomspace(before.start, after.end, 400))
    path = logistic_path(jump.before, jump.after, before.start, after.end, steps)
    moves = metrics.level_transitions(metrics.level_plateaus(path, steps))
    return moves[0].decades if moves else float(np.log10(after.end / before.start))


def check(data: dict) -> dict:
    """The dynamics are discrete and the run has converged. Converged: the mean loss moves by less than 0.1% over
    the last 10% of steps and no feature's D_i moves by more than the level tolerance (0.04) there. Discrete,
    against a smooth-drift null (each feature moving along a logistic in log-time between the same start and end
    values, or between the same two plateaus): the active features (D_i ≥ 0.3 at some time) spend at least 0.2
    more of their log-time (from the start of their collective rise) on plateaus than the null does — a plateau:
    D_i within 0.04 of 0, 1/3, 2/5, 1/2, 2/3, 3/4 or 1 (less where levels are closer) and moving by less than 0.2
    per decade of step, for at least 0.1 decades; at least 3 jumps from one plateau to a different one after the
    first rise, the median jump taking at most half the log-time the null takes between the same two plateaus;
    and at least 90% of the learned features (final ‖W_i‖ > 0.5) end on a level. Swaps (features that rose to
    D ≥ 0.3 and fell back to 0), features that rose again from 0, and the loss's plateaus are reported."""
    dimensionality, steps = np.asarray(data["dimensionality"], dtype=float), np.asarray(data["steps"], dtype=float)
    converged = convergence(data)
    real = analyse(dimensionality, steps)
    if len(real["active"]) == 0:
        return {"holds": False, "not_reproduced": ["no feature's dimensionality reached 0.3"], **converged}
    null = analyse(
        null_dimensionality(dimensionality, steps, real["window_start"]), steps, real["active"], real["window_start"]
    )
    jumps = real["jumps"]
    jump_decades = [jump.decades for jump in jumps]
    null_decades = []
    for found in real["plateaus"].values():
        for before, after in zip(found, found[1:]):
            if before.level != after.level and before.end >= real["window_start"]:
                null_decades.append(null_jump_decades(metrics.level_transitions([before, after])[0], before, after))
    median_jump = float(np.median(jump_decades)) if jumps else float("nan")
    median_null = float(np.median(null_decades)) if null_decades else float("nan")
    learned = np.asarray(data["final_norms"]) > metrics.REPRESENTED_NORM
    final = _final_values(dimensionality)[learned]
    levels, tolerances = np.asarray(metrics.DIMENSION_LEVELS), metrics.level_tolerances()
    nearest = np.argmin(np.abs(final[:, None] - levels[None, :]), axis=1)
    on_level = np.abs(final - levels[nearest]) <= tolerances[nearest]
    final_levels = {f"{level:.3g}": int(np.sum(on_level & (nearest == i))) for i, level in enumerate(levels)}
    loss, loss_steps = np.asarray(data["loss"], dtype=float), np.asarray(data["loss_steps"], dtype=float)
    scaled_loss = (loss - loss.min()) / max(loss[0] - loss.min(), 1e-12)
    loss_plateaus = metrics.flat_stretches(scaled_loss, loss_steps)
    conditions = {
        "converged": converged["converged"],
        "plateau share above the null": real["share"] >= null["share"] + SHARE_MARGIN,
        f"at least {MIN_JUMPS} jumps between plateaus": len(jumps) >= MIN_JUMPS,
        f"median jump at most {JUMP_RATIO} of the null's": bool(jumps) and median_jump <= JUMP_RATIO * median_null,
        "learned features end on a level": bool(len(final)) and float(np.mean(on_level)) >= FINAL_ON_LEVEL,
    }
    failed = [name for name, met in conditions.items() if not met]
    notes = [f"the check's conditions not met: {'; '.join(failed)}."] if failed else []
    if real["swaps"] == 0:
        notes.append(
            "No feature rose to a level and then fell back to 0 (the paper's features that swap places); the "
            "features that give way die from the random start"
            + (
                f", and {real['took_over']} dead feature(s) later rose onto a level instead."
                if real["took_over"]
                else "."
            )
        )
    return {
        "holds": not failed,
        "not_reproduced": notes,
        **converged,
        "active_features": len(real["active"]),
        "window_start_step": real["window_start"],
        "plateau_share_of_log_time": real["share"],
        "null_plateau_share_of_log_time": null["share"],
        "jumps_between_plateaus": len(jumps),
        "jumps_by_levels": _count_jumps(jumps),
        "median_jump_decades": median_jump,
        "null_median_jump_decades": median_null,
        "swaps_rose_to_0.3_then_fell_to_0": real["swaps"],
        "features_that_rose_from_0_after_dying": real["took_over"],
        "learned_features": int(learned.sum()),
        "learned_features_by_final_level": final_levels,
        "share_of_learned_features_ending_on_a_level": float(np.mean(on_level)) if len(final) else 0.0,
        "loss_plateaus_steps": [[round(a), round(b)] for a, b in loss_plateaus],
    }


def _count_jumps(jumps: list[metrics.Transition]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for jump in jumps:
        key = f"{jump.before:.3g}->{jump.after:.3g}"
        counts[key] = counts.get(key, 0) + 1
    return counts
