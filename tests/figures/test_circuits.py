"""The circuits figure's check on hand-made results: it passes on the pattern it states and fails at the trivial
baseline (the transcoder with random weights scored as if trained), without superposition, and when steering does
not move the intended output or misses WᵀW's prediction. The figure itself runs in quick mode in
tests/figures/test_figures.py."""

import copy

import numpy as np
from matplotlib.figure import Figure

from toysup.circuits import attribution, steering
from toysup.figures import circuits


def _score(f1, explained, precision=1.0, recall=None):
    recall = f1 if recall is None else recall
    return {
        "task": {"f1": f1, "precision": precision, "recall": recall, "explained_variance": explained},
        "model": None,
    }


def _pentagon(bias=-0.25):
    angles = 2 * np.pi * np.arange(5) / 5
    return {"W": np.stack([np.cos(angles), np.sin(angles)]).astype(np.float32), "b": np.full(5, bias, np.float32)}


def _dense():
    W = np.zeros((2, 5), np.float32)
    W[0, 0] = W[1, 1] = 1.0  # two orthogonal features, the others left out
    return {"W": W, "b": np.zeros(5, np.float32)}


def _curve(label, params, p):
    x = np.zeros((64, 5), np.float32)  # x = 0: the prediction is exact
    curve = steering.steering_curve("relu_output", params, x, 0, circuits.ALPHAS)
    return {"label": label, "p": p, "loss_ratio": 0.5 if label == "sparse" else 1.0, **curve._asdict()}


def data() -> dict:
    """Four instances whose graphs recover the identity, beside random transcoders that do not."""
    exact = attribution.exact_abs_transcoder(20)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (256, 20)) * (rng.random((256, 20)) < 0.05)
    codes = np.maximum(x @ exact["W_enc"].T, 0)
    _, graph = attribution.trace(x, np.eye(20), codes, exact["W_enc"], exact["W_dec"], exact["b_dec"])
    return {
        "n_features": 20,
        "n_hidden": 16,
        "arch": "relu",
        "threshold": 0.1,
        "loss": [0.12, 0.11, 0.13, 0.12],
        "monosemantic_loss": 0.19,
        "computed": [13, 12, 14, 14],
        "responding": [19, 20, 20, 19],
        "imitation": [0.92, 0.93, 0.91, 0.92],
        "trained": [_score(0.95, 0.85), _score(0.93, 0.83), _score(0.97, 0.88), _score(0.91, 0.81)],
        "random": [_score(0.1, -0.3, 0.05)] * 4,
        "graph": graph.to_json_dict(),
        "steering": [_curve("dense", _dense(), 0.9), _curve("sparse", _pentagon(), 0.05)],
    }


def test_the_check_holds_on_the_stated_pattern_and_the_figure_draws():
    result = circuits.check(data())
    assert result["holds"] and "not_reproduced" not in result, result
    assert isinstance(circuits.plot(data()), Figure)


def test_the_check_fails_at_the_baseline_and_without_the_pattern():
    at_baseline = data()
    at_baseline["trained"] = copy.deepcopy(at_baseline["random"])  # a failed optimisation: random weights
    low_f1 = data()
    low_f1["trained"][2] = _score(0.82, 0.8, precision=0.7, recall=1.0)
    no_superposition = data()
    no_superposition["computed"] = [8, 8, 7, 8]  # at most m/2 = 8 features: the monosemantic solution
    flat = data()
    flat["steering"][1]["measured"] = np.zeros_like(flat["steering"][1]["measured"])  # steering moves nothing
    off = data()
    off["steering"][1]["measured"] = off["steering"][1]["measured"] * 1.5  # far from WᵀW's prediction
    no_spill = data()
    no_spill["steering"][1] = _curve("sparse", _dense(), 0.05)  # no interference to predict
    for failed in (at_baseline, low_f1, no_superposition, flat, off, no_spill):
        result = circuits.check(failed)
        assert not result["holds"] and result["not_reproduced"], result
