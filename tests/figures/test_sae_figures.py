"""The SAE figures' checks on hand-made results: each passes on the pattern it states and fails on a failed
optimisation (scores at a random dictionary's) or on the pattern's absence, so none can pass by construction. The
figures themselves run in quick mode in tests/figures/test_figures.py."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from toysup.figures import _sae, sae_absorption, sae_architectures, sae_recovery

ARCHS = ("relu", "topk", "batchtopk", "jumprelu", "gated")


def test_t_interval_and_the_random_baseline():
    mean, half = _sae.t_interval([1.0, 2.0, 3.0])
    assert mean == 2.0 and half == pytest.approx(4.3027 / np.sqrt(3), rel=1e-4)  # t(0.975, 2) · s / √n
    truth = np.eye(64)
    assert _sae.random_mcc(truth, 64) < 0.5  # random directions in 64 dimensions match the basis poorly
    assert _sae.random_mcc(np.eye(4), 64) > 0.8  # 64 random latents for 4 features in 4 dims: hence a margin
    fields = _sae.penalty_fields("topk", (2, 4))
    assert fields["k"] == (2, 4) and isinstance(fields["k"][0], int)
    assert _sae.penalty_fields("jumprelu", (0.1,))["l0_coefficient"] == (0.1,)


def recovery_data(low_wide=0.97, high=0.85, half_recovered=0.45, mcc_floor=None) -> dict:
    mcc = np.empty((2, 3, 3))  # (true L0, width, penalty)
    mcc[0] = [[0.8, 0.82, 0.81], [low_wide - 0.1, low_wide, low_wide - 0.05], [low_wide - 0.1, low_wide, 0.9]]
    mcc[1] = [[0.7, 0.72, 0.71], [high - 0.1, high, high - 0.05], [high - 0.1, high, high - 0.2]]
    recovered = np.empty((2, 3, 3))
    recovered[:, 0] = half_recovered
    recovered[:, 1:] = 0.9
    if mcc_floor is not None:
        mcc = np.full_like(mcc, mcc_floor)
    archs = {arch: {"penalties": [1, 2, 3], "mcc": mcc, "l0": mcc, "recovered_0_9": recovered} for arch in ARCHS}
    return {
        "mean_active": [1.0, 4.0],
        "ratios": [0.5, 1.0, 2.0],
        "n_features": 32,
        "random_mcc": [0.7, 0.6, 0.65],
        "archs": archs,
    }


def test_recovery_check_needs_near_one_recovery_degradation_and_a_margin_over_random():
    assert sae_recovery.check(recovery_data())["holds"]
    assert isinstance(sae_recovery.plot(recovery_data()), Figure)
    for failed in (
        recovery_data(mcc_floor=0.62),  # a failed optimisation: every cell at a random dictionary's score
        recovery_data(low_wide=0.8),  # no recovery near 1
        recovery_data(high=0.97),  # no degradation with the true L0
        recovery_data(half_recovered=0.9),  # no degradation with a narrower dictionary
    ):
        result = sae_recovery.check(failed)
        assert not result["holds"] and len(result["not_reproduced"]) == len(ARCHS)


def architectures_data(relu: float, others: float, spread=0.01) -> dict:
    noise = spread * np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    archs = {
        arch: {
            "mcc_at_target": (relu + noise[::-1] if arch == "relu" else others + noise) + 0.001 * i,
            "matched": np.ones(5, bool),
            "l0": np.full((1, 5), 4.0),
            "mcc": np.full((1, 5), relu),
        }
        for i, arch in enumerate(ARCHS)
    }
    return {
        "target_l0": 4.0,
        "seeds": 5,
        "n_features": 64,
        "n_inputs": 24,
        "n_latents": 64,
        "steps": 2000,
        "random_mcc": np.full(5, 0.6),
        "archs": archs,
    }


def test_architecture_check_needs_the_published_ordering_by_more_than_the_seed_spread():
    assert sae_architectures.check(architectures_data(0.8, 0.9))["holds"]
    assert isinstance(sae_architectures.plot(architectures_data(0.8, 0.9)), Figure)
    tied = sae_architectures.check(architectures_data(0.8, 0.81, spread=0.05))
    assert not tied["holds"] and "tied" in tied["topk_minus_relu"] and tied["not_reproduced"]
    behind = sae_architectures.check(architectures_data(0.9, 0.8))
    assert not behind["holds"] and "behind" in behind["jumprelu_minus_relu"]
    # Ahead of ReLU, but everything at a random dictionary's score: a failed optimisation does not pass.
    failed = sae_architectures.check(architectures_data(0.6, 0.65))
    assert not failed["holds"] and "not comparable" in failed["topk_minus_relu"]
    partial = architectures_data(0.8, 0.9)
    partial["archs"] = {arch: partial["archs"][arch] for arch in ("relu", "topk")}  # as a quick run trains
    assert not sae_architectures.check(partial)["holds"]  # BatchTopK and JumpReLU not measured: no claim
    unmatched = architectures_data(0.8, 0.9)
    unmatched["archs"]["topk"]["matched"][0] = False
    assert not sae_architectures.check(unmatched)["holds"]


def absorption_data(rates=(0.1, 0.4, 0.7), mcc=0.85) -> dict:
    per_setting = np.repeat(np.asarray(rates, float)[:, None], 2, axis=1)
    archs = {
        arch: {
            "penalties": (1, 2, 3),
            "l0": np.repeat([[3.0], [2.0], [1.0]], 2, axis=1),
            "mcc": np.full((3, 2), mcc),
            "absorption": per_setting,
            "parent_recall_alone": np.ones((3, 2)),
            "parent_recall_with_child": 1 - per_setting,
        }
        for arch in ARCHS
    }
    return {"seeds": 2, "random_mcc": 0.4, "untrained_absorption": 0.0, "archs": archs}


def test_absorption_check_needs_absorption_rising_with_sparsity_in_a_learned_sae():
    assert sae_absorption.check(absorption_data())["holds"]
    assert isinstance(sae_absorption.plot(absorption_data()), Figure)
    assert not sae_absorption.check(absorption_data(mcc=0.45))["holds"]  # near a random dictionary: not learned
    assert not sae_absorption.check(absorption_data(rates=(0.0, 0.05, 0.1)))["holds"]  # too little absorption
    assert not sae_absorption.check(absorption_data(rates=(0.7, 0.7, 0.7)))["holds"]  # not rising with sparsity
    narrow = absorption_data()
    for result in narrow["archs"].values():
        result["l0"] = np.repeat([[1.2], [1.1], [1.0]], 2, axis=1)
    assert not sae_absorption.check(narrow)["holds"]  # an L0 range too narrow to show a rise with sparsity
    untrained = {**absorption_data(), "untrained_absorption": 0.6}
    assert not sae_absorption.check(untrained)["holds"]  # no more than an untrained SAE shows
