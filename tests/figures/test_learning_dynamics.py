"""Figure 8's detector and check on hand-made trajectories: plateaus at fractional levels joined by short jumps pass;
a smooth collective drift between the same levels (the null), or a run that has not converged, fails."""

import numpy as np
import pytest

from toysup import metrics
from toysup.figures import learning_dynamics
from toysup.figures.learning_dynamics import analyse, check, logistic_path
from toysup.snapshots import log_spaced_steps

STEPS = log_spaced_steps(40_000, 10, 100).astype(float)


def jump(before: float, after: float, at: float, decades: float = 0.04) -> np.ndarray:
    """D moving from ``before`` to ``after`` around step ``at`` along a logistic in log-time whose 10–90% part takes
    ``decades`` (a jump when short)."""
    x = np.log10(np.maximum(STEPS, 1.0))
    return before + (after - before) / (1 + np.exp(-2 * np.log(9) / decades * (x - np.log10(at))))


def steplike(n_features: int = 40, seed: int = 0) -> np.ndarray:
    """(snapshots, features): every feature leaves the random start (0.1) for 1/2 at its own time between steps
    500 and 2,000; every fifth stops at 2/3 first and drops to 1/2 later (4,000–15,000 steps); every seventh
    dies (to 0) instead, and every fourteenth of those rises again to 1/2 at 12,000 steps. Minibatch-like noise."""
    rng = np.random.default_rng(seed)
    columns = []
    for feature in range(n_features):
        rise = 10 ** rng.uniform(np.log10(500), np.log10(2000))
        if feature % 7 == 6:
            path = jump(0.1, 0.45, rise) + jump(0.0, -0.45, rise * 1.8)  # rises past 1/3, then gives way to 0
            if feature % 14 == 13:
                path += jump(0.0, 0.5, 12_000)
        elif feature % 5 == 4:
            path = jump(0.1, 2 / 3, rise) + jump(0.0, 0.5 - 2 / 3, 10 ** rng.uniform(np.log10(4000), np.log10(15_000)))
        else:
            path = jump(0.1, 0.5, rise)
        columns.append(path)
    return np.clip(np.stack(columns, axis=1) + rng.normal(0, 0.008, (len(STEPS), n_features)), 0, 1)


def drift_like(dimensionality: np.ndarray) -> np.ndarray:
    """The same features moving smoothly: each from its start (0.1) to its end value along one logistic in
    log-time over steps 300–40,000 — a collective drift with the same start and end levels."""
    return np.stack([logistic_path(0.1, column[-1], 300, 40_000, STEPS) for column in dimensionality.T], axis=1)


def data(dimensionality: np.ndarray, loss_still_falling: bool = False) -> dict:
    loss_steps = np.arange(1, 4001) * 10.0
    loss = 38 + 2 * np.exp(-loss_steps / 1500)  # flat at the end
    if loss_still_falling:
        loss = 38 + 2 * (1 - loss_steps / 40_000)  # falls steadily to the last step
    return {
        "steps": STEPS,
        "dimensionality": dimensionality,
        "loss_steps": loss_steps,
        "loss": loss,
        "final_norms": np.where(dimensionality[-1] > 0.2, 1.0, 0.05),
    }


def test_the_detector_finds_plateaus_and_a_short_jump_between_them():
    path = jump(0.1, 2 / 3, 1000) + jump(0.0, 0.5 - 2 / 3, 8000)
    path += np.random.default_rng(1).normal(0, 0.008, len(STEPS))
    plateaus = metrics.level_plateaus(path, STEPS)
    assert [plateau.level for plateau in plateaus] == pytest.approx([2 / 3, 1 / 2])
    assert plateaus[0].start < 2000 and plateaus[0].end > 5000 and plateaus[1].start < 12_000
    (move,) = metrics.level_transitions(plateaus)
    assert (move.before, move.after) == pytest.approx((2 / 3, 1 / 2))
    assert move.start < 8000 < move.end and move.decades < 0.2


def test_a_smooth_drift_has_no_plateau_on_the_way():
    """The null: a logistic from the random start to 1/2 over steps 300–40,000 passes through the bands of 1/3
    and 2/5 without stopping, so its only plateau is the end; from 2/3 to 1/2 over the same span, its move takes
    most of the span, far longer than a jump."""
    drift = logistic_path(0.1, 0.5, 300, 40_000, STEPS)
    plateaus = metrics.level_plateaus(drift, STEPS)
    assert [plateau.level for plateau in plateaus] == [0.5] and plateaus[0].start > 10_000
    assert metrics.level_transitions(plateaus) == []
    slow = metrics.level_transitions(metrics.level_plateaus(logistic_path(2 / 3, 0.5, 300, 40_000, STEPS), STEPS))
    fast = metrics.level_transitions(metrics.level_plateaus(jump(2 / 3, 0.5, 3000), STEPS))
    assert len(slow) == len(fast) == 1
    assert slow[0].decades > 0.5 and fast[0].decades < 0.2


def test_swaps_are_features_that_rose_past_a_level_and_fell_back():
    rose_and_fell = jump(0.1, 0.5, 1000) + jump(0.0, -0.5, 3000)
    rose_fell_rose = rose_and_fell + jump(0.0, 2 / 3, 15_000)
    too_low = jump(0.1, 0.25, 1000) + jump(0.0, -0.25, 3000)  # never reached a level: not a swap
    stayed = jump(0.1, 0.5, 1000)
    result = analyse(np.stack([rose_and_fell, rose_fell_rose, too_low, stayed], axis=1), STEPS)
    assert list(result["active"]) == [0, 1, 3]
    assert result["swaps"] == 2 and result["took_over"] == 1


def test_the_check_holds_on_step_like_trajectories():
    result = check(data(steplike()))
    assert result["holds"], result["not_reproduced"]
    assert result["converged"] and result["jumps_between_plateaus"] >= 5
    assert result["median_jump_decades"] < 0.5 * result["null_median_jump_decades"]
    assert result["plateau_share_of_log_time"] > result["null_plateau_share_of_log_time"] + 0.2
    assert result["swaps_rose_to_0.3_then_fell_to_0"] == 5  # features 6, 13, 20, 27, 34


def test_the_check_fails_on_a_smooth_collective_drift():
    result = check(data(drift_like(steplike())))
    assert result["converged"] and not result["holds"]
    assert "jumps between plateaus" in result["not_reproduced"][0] and result["jumps_between_plateaus"] == 0


def test_the_check_fails_on_an_unconverged_run():
    late = steplike()
    late[:, 0] = jump(0.1, 0.5, 700) + jump(0.0, 2 / 3 - 0.5, 38_000)  # still moving in the last 10% of steps
    result = check(data(late))
    assert not result["holds"] and not result["converged"] and "converged" in result["not_reproduced"][0]
    assert result["features_moving_in_last_10pct"] == 1
    falling = check(data(steplike(), loss_still_falling=True))
    assert not falling["holds"] and falling["loss_relative_change_last_10pct"] > learning_dynamics.CONVERGED_LOSS_CHANGE
