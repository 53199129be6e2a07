"""Steering a toy model along a feature's direction: exact at x = 0, and over the data the spill-over onto the
other outputs follows WᵀW: none in the dense model (no superposition), the pentagon's pattern in the sparse one."""

import jax
import numpy as np
import pytest
from matplotlib.figure import Figure

from toysup.circuits import plots as circuit_plots
from toysup.circuits import steering
from toysup.models import KINDS, build

ALPHAS = np.linspace(0.0, 2.0, 9)
TOLERANCE = 0.05  # |measured − predicted| over the data, relative to the intended output's largest change


def instance(run, index: int = 0) -> dict:
    return {name: value[index] for name, value in run.params.items()}


def random_params(model: str, n: int, m: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {name: rng.normal(size=shape).astype(np.float32) for name, shape in KINDS[model].param_shapes(n, m).items()}


@pytest.mark.parametrize("model", sorted(KINDS))
def test_hidden_then_readout_is_the_models_forward_pass(model):
    params = random_params(model, 5, 3, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (16, 5)).astype(np.float32)
    forward = np.asarray(build(model, 5, 3).forward(params, x.T)).T
    np.testing.assert_allclose(steering.readout(model, params, steering.hidden(model, params, x)), forward, atol=1e-6)


@pytest.mark.parametrize("model", ["relu_output", "abs", "linear"])
def test_at_zero_input_the_curve_is_the_closed_form(model):
    params = random_params(model, 5, 2, seed=1)
    feature = 2
    curve = steering.steering_curve(model, params, np.zeros((4, 5)), feature, ALPHAS)
    # The closed form, written out: the pre-activation b + α R d_i, through the ReLU; d_i = W_i, or for abs the
    # neurons a lone x_i = 1 turns on, ReLU(W₁_i), read by R = W₂.
    if model == "abs":
        column = params["W2"] @ np.maximum(params["W1"][:, feature], 0)
    else:
        column = params["W"].T @ params["W"][:, feature]
    pre = params["b"][None, :] + ALPHAS[:, None] * column[None, :]
    expected = pre - params["b"] if model == "linear" else np.maximum(pre, 0) - np.maximum(params["b"], 0)
    assert curve.zero_inputs
    np.testing.assert_allclose(curve.measured, expected, atol=1e-5)
    np.testing.assert_allclose(curve.predicted, expected, atol=1e-5)
    np.testing.assert_allclose(curve.interference, column, atol=1e-5)


@pytest.mark.parametrize("model", sorted(KINDS))
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_at_zero_input_steering_a_feature_is_feeding_it(model, sign):
    """d_i is the hidden activation of a lone x_i = ±1, so steering x = 0 by α along it gives the model's output at
    x_i = ±α, for every kind (for abs, the value −1 picks the neurons that read −x_i)."""
    params = random_params(model, 5, 3, seed=4)
    direction = steering.feature_direction(model, params, 3, value=sign)
    forward = build(model, 5, 3).forward
    lone = np.zeros((5, len(ALPHAS)), np.float32)
    lone[3] = sign * ALPHAS
    fed = np.asarray(forward(params, lone)).T - np.asarray(forward(params, np.zeros((5, 1), np.float32))).T
    np.testing.assert_allclose(
        steering.steer_hidden(model, params, np.zeros((1, 5)), direction, ALPHAS), fed, atol=1e-5
    )


def test_the_dense_model_hardly_spills_and_the_pentagon_spills_as_its_gram_matrix_says(pentagon_run, dense_run):
    key = jax.random.key(7)
    dense = instance(dense_run)
    dense_curve = steering.steering_curve(
        "relu_output", dense, steering.model_inputs(dense_run.config, key, 4096), 0, ALPHAS
    )
    sparse = instance(pentagon_run)
    sparse_curve = steering.steering_curve(
        "relu_output", sparse, steering.model_inputs(pentagon_run.config, key, 4096), 0, ALPHAS
    )
    for curve in (dense_curve, sparse_curve):
        assert np.all(np.diff(curve.measured[:, 0]) > 0)  # the intended output rises with α
        assert steering.prediction_error(curve) < TOLERANCE
    others = np.arange(5) != 0
    dense_spill = steering.spillover(dense_curve)[others]
    sparse_spill = steering.spillover(sparse_curve)[others]
    assert np.abs(dense_spill).max() < 0.05
    # The pentagon: its two neighbours (cos 72° > 0) rise with the steered feature, the two across (cos 144° < 0)
    # are pushed down, and the baseline of no superposition spills an order of magnitude less.
    gram = sparse["W"].T @ sparse["W"]
    assert np.all(np.abs(gram[others, 0]) > 0.2)
    np.testing.assert_array_equal(np.sign(sparse_spill), np.sign(gram[others, 0]))
    assert (sparse_spill[gram[others, 0] > 0] > 0.1).all()
    assert np.abs(sparse_spill).max() > 10 * np.abs(dense_spill).max()


def test_steering_a_latent_moves_the_decoded_output_along_its_decoder_row():
    rng = np.random.default_rng(2)
    f = np.maximum(rng.normal(size=(32, 6)), 0).astype(np.float32)
    W_dec = rng.normal(size=(6, 4)).astype(np.float32)
    values = np.array([0.0, 0.5, 2.0])
    np.testing.assert_allclose(steering.steer_latent(f, W_dec, 3, values), values[:, None] * W_dec[3], atol=1e-5)
    clamped = steering.steer_latent(f, W_dec, 3, values, clamp=True)
    np.testing.assert_allclose(clamped, (values[:, None] - f[:, 3].mean()) * W_dec[3], atol=1e-5)


def test_an_sae_latents_decoder_row_steers_like_the_feature_it_recovered():
    """A latent whose decoder row is feature i's unit direction, added with weight α ‖W_i‖, is feature i."""
    params = random_params("relu_output", 5, 2, seed=3)
    direction = steering.feature_direction("relu_output", params, 1)
    unit = direction / np.linalg.norm(direction)
    x = np.random.default_rng(3).uniform(0, 1, (64, 5)).astype(np.float32)
    np.testing.assert_allclose(
        steering.steer_hidden("relu_output", params, x, unit, ALPHAS * np.linalg.norm(direction)),
        steering.steering_curve("relu_output", params, x, 1, ALPHAS).measured,
        atol=1e-5,
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda p: steering.feature_direction("relu_output", p, 7), "feature: must be in [0, 4], got 7"),
        (lambda p: steering.hidden("softmax", p, np.zeros((1, 5))), "model: must be one of"),
        (lambda p: steering.hidden("relu_output", {"W": p["W"]}, np.zeros((1, 5))), "params: must hold W, b"),
        (lambda p: steering.hidden("relu_output", p, np.zeros((1, 4))), "x: must have shape (batch >= 1, 5)"),
        (lambda p: steering.steer_hidden("relu_output", p, np.zeros((1, 5)), np.ones(2), []), "alphas: must be"),
        (lambda p: steering.steer_hidden("relu_output", p, np.zeros((1, 5)), np.ones(3), [1.0]), "direction: must"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(call, message):
    params = {"W": np.ones((2, 5), np.float32), "b": np.zeros(5, np.float32)}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        call(params)


def test_the_steering_figure_has_a_panel_per_model_and_a_measured_and_predicted_line_per_output():
    params = {"W": np.eye(2, 3, dtype=np.float32), "b": np.zeros(3, np.float32)}
    curve = steering.steering_curve("relu_output", params, np.zeros((1, 3)), 0, ALPHAS)
    fig = circuit_plots.steering_curves([curve, curve], ["dense", "sparse"])
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2 * 3 + 1  # + the zero line
