"""Figure 6's check on hand-made m=2 models: a pentagon that deforms as the fifth feature gets sparser and collapses
into two digons passes; no deformation, no collapse or a failed optimisation fails; the collapse threshold is
compared with the paper's ~2.5× and a mismatch is reported."""

import numpy as np
import pytest

from toysup import theory
from toysup.figures import perturb_one_feature
from toysup.figures.perturb_one_feature import BASE_PROBABILITY, VARIED, neighbour_angle, solution_crossing

SPARSER = np.array([6.0, 4.0, 3.0, 2.4, 2.0, 1.5, 1.0, 0.5, 0.1])  # how many times sparser the fifth feature is


def pentagon(theta: float) -> np.ndarray:
    """Five unit features, the fifth at 0°, its neighbours at ±theta and the other two evenly between."""
    far = theta + (360.0 - 2 * theta) / 3
    angles = np.radians([theta, -theta, far, -far, 0.0])
    return np.stack([np.cos(angles), np.sin(angles)])


def two_digons() -> np.ndarray:
    W = np.zeros((2, 5))
    W[:, 0], W[:, 1], W[:, 2], W[:, 3] = [1, 0], [-1, 0], [0, 1], [0, -1]
    return W


def model(sparser: float, collapse_at: float, deform_per_step: float) -> np.ndarray:
    if sparser > collapse_at:
        return two_digons()
    return pentagon(72.0 - deform_per_step * np.log2(max(sparser, 1.0)) * 4)


def data(models: list[np.ndarray], ratios=None, other_seed: list[np.ndarray] | None = None, other_ratios=None) -> dict:
    relative = 1.0 / SPARSER
    probability = np.full((len(SPARSER), 5), BASE_PROBABILITY)
    probability[:, VARIED] = BASE_PROBABILITY * relative
    baseline = theory.dedicated_baseline_loss(probability, 1.0, 2)
    loss = [baseline * (0.3 if ratios is None else np.asarray(ratios))]
    W = [models]
    if other_seed is not None:
        W.append(other_seed)
        loss.append(baseline * np.asarray(other_ratios))
    return {
        "relative_probability": relative,
        "varied_probability": BASE_PROBABILITY * relative,
        "base_probability": BASE_PROBABILITY,
        "W": np.array(W),
        "loss": np.array(loss),
        "baseline_loss": baseline,
    }


def test_neighbour_angle():
    assert neighbour_angle(pentagon(72.0)) == pytest.approx(72.0)
    assert neighbour_angle(pentagon(60.0)) == pytest.approx(60.0)
    assert np.isnan(neighbour_angle(two_digons()))


def test_deforming_then_collapsing_at_the_papers_ratio_passes():
    result = perturb_one_feature.check(data([model(s, 2.5, 1.0) for s in SPARSER]))
    assert result["holds"], result
    assert (result["last_pentagon_times_sparser"], result["first_two_digons_times_sparser"]) == (2.4, 3.0)
    assert result["collapse_threshold_matches_paper"] and "not_reproduced" not in result
    assert result["deformation_deg_before_collapse"] == pytest.approx(4 * np.log2(2.4))


def test_a_collapse_far_from_the_papers_ratio_fails_and_says_where_it_was():
    result = perturb_one_feature.check(data([model(s, 4.5, 1.0) for s in SPARSER]))
    assert not result["holds"] and not result["collapse_threshold_matches_paper"]
    assert "between 4× and 6× sparser" in result["not_reproduced"][0]


def test_no_deformation_or_no_collapse_fails():
    rigid = [model(s, 2.5, 0.0) for s in SPARSER]  # a regular pentagon right up to the collapse
    assert not perturb_one_feature.check(data(rigid))["holds"]
    opening = [model(s, 2.5, -1.0) for s in SPARSER]  # the neighbours move away instead
    assert not perturb_one_feature.check(data(opening))["holds"]
    never = [model(s, 100.0, 1.0) for s in SPARSER]  # still a pentagon at 6× sparser
    assert not perturb_one_feature.check(data(never))["holds"]
    bounce = [model(s, 2.5, 1.0) for s in SPARSER]
    bounce[0] = pentagon(60.0)  # digons at 3× and 4×, a pentagon again at 6×
    assert not perturb_one_feature.check(data(bounce))["holds"]


def test_a_failed_optimisation_fails():
    models = [model(s, 2.5, 1.0) for s in SPARSER]
    assert not perturb_one_feature.check(data(models, ratios=np.full(len(SPARSER), 0.95)))["holds"]


def test_the_seeds_tell_where_the_digons_become_the_better_solution():
    models = [model(s, 100.0, 1.0) for s in SPARSER]  # one seed stays a pentagon throughout
    # A second seed ends as two digons everywhere: worse than the pentagon up to 2.4×, better from 3× on.
    digons = [two_digons() for _ in SPARSER]
    digon_ratios = np.where(SPARSER >= 3.0, 0.2, 0.4)
    crossing, pentagon_losses, digon_losses = solution_crossing(data(models, None, digons, digon_ratios))
    assert crossing == pytest.approx(np.sqrt(2.4 * 3.0))
    assert len(pentagon_losses) == len(digon_losses) == 7  # the ratios from equal probability to 6× sparser
    only_pentagons = solution_crossing(data(models))
    assert only_pentagons[0] is None and only_pentagons[2] == [None] * 7
