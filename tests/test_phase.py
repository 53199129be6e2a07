import json

import numpy as np
import pytest

from toysup import theory
from toysup.phase import IMPORTANCE_RANGE, PROBABILITY_RANGE, classify_2, classify_3, phase_axes, phase_spec, run_phase


def test_classification_rule_n2():
    W = np.array([[[1.0, 0.0]], [[0.0, 1.0]], [[1.0, -1.0]], [[0.9, 0.3]], [[0.2, -0.6]]])
    np.testing.assert_array_equal(classify_2(W), [0, 1, 2, 0, 1])
    # The theory's candidates are classified as themselves.
    np.testing.assert_array_equal(classify_2(theory.candidate_weights_2()), [0, 1, 2])


def test_classification_rule_n3():
    np.testing.assert_array_equal(classify_3(theory.candidate_weights_3()), [0, 1, 2, 3])
    mirror = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]])  # features 1 and 3 antipodal: mirror of label 2
    dropped_2 = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # an importance-1 feature dropped: label 1
    lonely = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(classify_3(np.stack([mirror, dropped_2, lonely])), [2, 1, -1])


def test_phase_axes_span_the_ranges_evenly_in_the_exponent():
    probability, importance = phase_axes(5)
    # p from 10^-2 to 1 and I from 10^-1 to 10, one decade per two steps (half a decade apart).
    np.testing.assert_allclose(probability, [0.01, 10**-1.5, 0.1, 10**-0.5, 1.0])
    np.testing.assert_allclose(importance, [0.1, 10**-0.5, 1.0, 10**0.5, 10.0])
    np.testing.assert_allclose(np.log10(phase_axes(3)[0])[[0, -1]], PROBABILITY_RANGE)
    np.testing.assert_allclose(np.log10(phase_axes(3)[1])[[0, -1]], IMPORTANCE_RANGE)
    # The sweep runs on exactly these axes: importance of the extra feature (rows), then probability (columns).
    spec = phase_spec(3, 2, grid=4)
    assert spec.axes[0].name == "importance[2]" and spec.axes[1].name == "feature_probability"
    np.testing.assert_array_equal(spec.axes[0].values, phase_axes(4)[1])
    np.testing.assert_array_equal(spec.axes[1].values, phase_axes(4)[0])


@pytest.fixture(scope="module")
def coarse_n2(tmp_path_factory):
    out = tmp_path_factory.mktemp("phase2")
    return out, run_phase(phase_spec(2, 1, grid=8, restarts=4, steps=400), out, progress=False)


def test_empirical_n2_diagram_agrees_with_theory(coarse_n2):
    out, result = coarse_n2
    empirical = np.array(result["empirical"])
    assert set(np.unique(empirical)) == {0, 1, 2}
    assert result["agreement"] >= 0.85
    assert json.loads((out / "phase.json").read_text())["agreement"] == result["agreement"]
    # Orientation: rows are importance (low to high), columns probability (sparse to dense).
    assert empirical[-1, -1] == 1 and empirical[0, -1] == 0 and empirical[4, 0] == 2


def test_trained_losses_reach_the_theoretical_optimum(coarse_n2):
    # Each cell's best fit against the lowest closed-form candidate loss: the trained models reach it in most
    # cells (the candidates fix ‖W‖ = 1, so a fit may do slightly better), while dropping both features is at
    # least twice as bad everywhere.
    out, result = coarse_n2
    loss, best = np.array(result["loss"], dtype=float), np.array(result["theoretical_loss"])
    assert loss.shape == best.shape == (8, 8) and np.all(np.isfinite(loss))
    ratio = loss / best  # noisy where the loss is tiny (sparse cells: few samples with two active features)
    assert 0.9 < np.median(ratio) < 1.1 and np.mean(ratio <= 1.1) >= 0.8
    importance = np.array(result["importance"])[:, None]
    probability = np.array(result["feature_probability"])[None, :]
    dropped = (1 + importance) * theory.feature_variance(probability)
    assert np.all(dropped / best > 1.9)
    stored = json.loads((out / "phase.json").read_text())
    np.testing.assert_allclose(stored["theoretical_loss"], best)
