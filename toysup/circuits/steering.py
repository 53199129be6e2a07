"""Steering: add α times a direction to a toy model's hidden activation and watch every output move.

Every kind of toy model splits into an encoder x → h and a readout h → x' (:func:`hidden`, :func:`readout`): h = Wx
(``linear``, ``relu_output``), ReLU(Wx) (``relu_hidden``) or ReLU(W₁x) (``abs``), and x' = Rh + b, with R = Wᵀ or
W₂, followed by a ReLU for every kind but ``linear``. Steering adds α d to h, after the hidden ReLU, so every
output's pre-activation moves by exactly α (R d)_j. Feature i's direction d_i is the hidden activation that a lone
x_i = 1 produces: its embedding column W_i for ``linear`` and ``relu_output``, ReLU(W_i) or ReLU(W₁_i) after a
hidden ReLU (for ``abs`` the neurons that read +x_i; :func:`feature_direction` with ``value`` −1 gives those that
read −x_i; the column W₁_i itself would raise one half and lower the other, and its effects on |x_i| cancel). It is
unnormalised, so α is in units of the feature's own value: at x = 0, steering by α is feeding x_i = α. The pre-
activation of output j then moves by α P_ji, with the steering matrix P = R D (D's columns the directions; WᵀW for
``relu_output``, W₂ ReLU(W₁) for ``abs``): the intended output by α P_ii and every other output j by the
interference α P_ji that the superposition geometry predicts.

The prediction (:func:`predicted_change`) is exact at x = 0, where h = 0 for every kind:

    Δx'_j(α) = ReLU(b_j + α P_ji) − ReLU(b_j)        (α P_ji for ``linear``)

and equal to α P_ji wherever the output's ReLU stays active. Over the data the ReLU gates it: an output that is
off (its pre-activation below 0) moves only once α P_ji lifts it above 0, and an output that is on moves down
only until it reaches 0. The measured curve (:func:`steering_curve`) averages the change of every output over a
batch drawn from the model's own data distribution (:func:`model_inputs`), and :func:`prediction_error` says how
far it is from the prediction, relative to the intended output's largest predicted change.

Steering with a latent of an SAE trained on the hidden activations is the same with d = the latent's decoder row
(:func:`steer_hidden`); a transcoder's latent writes the outputs directly, so clamping it changes the decoded
output by exactly (value − f_j) W_dec[j] (:func:`steer_latent`).

Arrays are batch-major, as the SAEs' (``toysup.sae``): x (batch, n), h (batch, m). Everything is float32.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..config import ToyConfig
from ..data import sample_features
from ..models import KINDS, kind
from ..validation import integer, real

STEERABLE = tuple(KINDS)


def _params(model: str, params: dict[str, Any]) -> dict[str, np.ndarray]:
    """One instance's params of ``model`` as float32 arrays, shapes checked against the kind's."""
    spec = kind(model)
    if not isinstance(params, dict):
        raise ValueError(f"params: must be a dict of one instance's arrays, got {type(params).__name__}")
    embedding = np.asarray(params.get(spec.embedding, np.zeros((0, 0))))
    if embedding.ndim != 2:
        raise ValueError(f"params: {spec.embedding} must be one instance's (hidden, features), got {embedding.shape}")
    shapes = spec.param_shapes(embedding.shape[1], embedding.shape[0])
    out = {}
    for name, shape in shapes.items():
        if name not in params:
            raise ValueError(f"params: must hold {', '.join(shapes)} for model {model!r}, got {', '.join(params)}")
        value = np.asarray(params[name], dtype=np.float32)
        if value.shape != shape:
            raise ValueError(f"params: {name} must have shape {shape} (one instance), got {value.shape}")
        if not np.isfinite(value).all():
            raise ValueError(f"params: {name} must be finite")
        out[name] = value
    return out


def _inputs(name: str, value: Any, columns: int) -> np.ndarray:
    array = np.asarray(value, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != columns or array.shape[0] < 1:
        raise ValueError(f"{name}: must have shape (batch >= 1, {columns}), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: must be finite")
    return array


def _readout_matrix(model: str, params: dict[str, np.ndarray]) -> np.ndarray:
    """R (features, hidden): the output pre-activations are h Rᵀ + b."""
    return params["W2"] if model == "abs" else params["W"].T


def hidden(model: str, params: dict[str, Any], x: Any) -> np.ndarray:
    """The hidden activation h of inputs x (batch, n): Wx, ReLU(Wx) or ReLU(W₁x) by kind; (batch, m)."""
    params = _params(model, params)
    embedding = params[kind(model).embedding]
    h = _inputs("x", x, embedding.shape[1]) @ embedding.T
    return np.maximum(h, 0) if model in ("relu_hidden", "abs") else h


def readout(model: str, params: dict[str, Any], h: Any) -> np.ndarray:
    """The outputs x' of hidden activations h (batch, m): Rh + b, with a ReLU for every kind but ``linear``;
    (batch, n)."""
    params = _params(model, params)
    R = _readout_matrix(model, params)
    pre = _inputs("h", h, R.shape[1]) @ R.T + params["b"]
    return pre if model == "linear" else np.maximum(pre, 0)


def feature_direction(model: str, params: dict[str, Any], feature: int, value: float = 1.0) -> np.ndarray:
    """Feature i's direction in the hidden space: the hidden activation of a lone x_i = ``value``, divided by
    |value| (W_i for ``linear`` and ``relu_output``; ReLU(±W_i) after a hidden ReLU, the sign of ``value``); (m,)."""
    checked = _params(model, params)
    n_features = checked["b"].shape[0]
    integer("feature", feature, 0, n_features - 1)
    value = real("value", value)
    if value == 0:
        raise ValueError("value: must be a non-zero number (the lone feature's value), got 0")
    lone = np.zeros((1, n_features), np.float32)
    lone[0, feature] = value
    return hidden(model, checked, lone)[0] / abs(value)


def steering_matrix(model: str, params: dict[str, Any]) -> np.ndarray:
    """P = R D (n, n): P[j, i] is how much output j's pre-activation moves per unit α along feature i's direction
    (:func:`feature_direction`); WᵀW for ``linear`` and ``relu_output``, W₂ ReLU(W₁) for ``abs``."""
    checked = _params(model, params)
    directions = hidden(model, checked, np.eye(checked["b"].shape[0], dtype=np.float32)).T  # (m, n)
    return _readout_matrix(model, checked) @ directions


def _alphas(alphas: Any) -> np.ndarray:
    values = np.asarray(alphas, dtype=np.float32)
    if values.ndim != 1 or values.size < 1 or not np.isfinite(values).all():
        raise ValueError(f"alphas: must be a non-empty 1-d array of finite numbers, got shape {values.shape}")
    return values


def steer_hidden(model: str, params: dict[str, Any], x: Any, direction: Any, alphas: Any) -> np.ndarray:
    """The mean change of every output over the batch x (batch, n) when α · ``direction`` (m,) is added to the
    hidden activation, for each α; (alphas, n). ``direction`` may be a feature's (:func:`feature_direction`) or an
    SAE latent's decoder row."""
    alphas = _alphas(alphas)
    h = hidden(model, params, x)
    direction = np.asarray(direction, dtype=np.float32)
    if direction.shape != (h.shape[1],) or not np.isfinite(direction).all():
        raise ValueError(f"direction: must be a finite vector of shape ({h.shape[1]},), got {direction.shape}")
    base = readout(model, params, h).mean(axis=0)
    return np.stack([readout(model, params, h + alpha * direction).mean(axis=0) - base for alpha in alphas])


def predicted_change(model: str, params: dict[str, Any], direction: Any, alphas: Any) -> np.ndarray:
    """The geometry's prediction of every output's change when α · ``direction`` is added to h, exact at x = 0:
    ReLU(b + α R d) − ReLU(b) (α R d for ``linear``); (alphas, n)."""
    alphas = _alphas(alphas)
    checked = _params(model, params)
    response = _readout_matrix(model, checked) @ np.asarray(direction, dtype=np.float32)
    pre = checked["b"][None, :] + alphas[:, None] * response[None, :]
    if model == "linear":
        return pre - checked["b"][None, :]
    return np.maximum(pre, 0) - np.maximum(checked["b"], 0)[None, :]


class SteeringCurve(NamedTuple):
    """Steering one feature of one model over a range of α.

    Attributes:
      feature: i, the feature steered.
      alphas: (alphas,).
      measured: (alphas, n) mean change of every output over the batch.
      predicted: (alphas, n) :func:`predicted_change` (exact at x = 0).
      interference: (n,) P[:, i], the pre-activation change per unit α (the column of WᵀW).
      zero_inputs: the batch was x = 0 (else the model's data distribution).
    """

    feature: int
    alphas: np.ndarray
    measured: np.ndarray
    predicted: np.ndarray
    interference: np.ndarray
    zero_inputs: bool

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "feature": int(self.feature),
            "alphas": self.alphas.tolist(),
            "measured": self.measured.tolist(),
            "predicted": self.predicted.tolist(),
            "interference": self.interference.tolist(),
            "zero_inputs": bool(self.zero_inputs),
        }


def steering_curve(model: str, params: dict[str, Any], x: Any, feature: int, alphas: Any) -> SteeringCurve:
    """Steer feature ``feature`` of one instance's ``params`` over ``alphas`` on the batch x (batch, n): measured
    against predicted (see the module docstring)."""
    direction = feature_direction(model, params, feature)
    x = _inputs("x", x, _params(model, params)["b"].shape[0])
    return SteeringCurve(
        int(feature),
        _alphas(alphas),
        steer_hidden(model, params, x, direction, alphas),
        predicted_change(model, params, direction, alphas),
        steering_matrix(model, params)[:, feature],
        bool((x == 0).all()),
    )


def prediction_error(curve: SteeringCurve) -> float:
    """max over α and outputs of |measured − predicted|, divided by the intended output's largest predicted change
    |predicted[:, i]| (0: the prediction is exact)."""
    scale = float(np.abs(curve.predicted[:, curve.feature]).max())
    if scale == 0:
        raise ValueError(f"feature: the steered feature {curve.feature} has no predicted effect on its own output")
    return float(np.abs(curve.measured - curve.predicted).max()) / scale


def spillover(curve: SteeringCurve) -> np.ndarray:
    """Every output's measured change at the largest |α| as a share of the intended output's change there; (n,),
    1 at the steered feature."""
    last = int(np.argmax(np.abs(curve.alphas)))
    intended = float(curve.measured[last, curve.feature])
    if intended == 0:
        raise ValueError(f"feature: steering feature {curve.feature} did not move its own output")
    return curve.measured[last] / intended


def model_inputs(config: ToyConfig, key: jax.Array, batch_size: int, instance: int = 0) -> np.ndarray:
    """A batch (batch, n) from the data distribution of ``config``'s instance ``instance``, drawn with
    :func:`toysup.data.sample_features` (signed for ``abs``)."""
    integer("batch_size", batch_size, 1, 2**24)
    integer("instance", instance, 0, config.n_instances - 1)
    x = sample_features(
        key,
        jnp.asarray(config.feature_probability_array()[instance]),
        batch_size,
        correlated_sets=config.correlated_sets,
        anticorrelated_sets=config.anticorrelated_sets,
        signed=kind(config.model).signed_inputs,
        rng=config.rng,
    )
    return np.asarray(x).T


def steer_latent(f: Any, W_dec: Any, latent: int, values: Any, *, clamp: bool = False) -> np.ndarray:
    """The mean change of a replacement's decoded output when latent j's code is raised by each value (or, with
    ``clamp``, set to it) on the codes f (batch, latents); (values, outputs). The decoder is linear, so the change is
    (value − mean f_j) W_dec[j] when clamping, value · W_dec[j] when adding; b_dec cancels."""
    f = _inputs("f", f, np.asarray(W_dec).shape[0])
    W_dec = np.asarray(W_dec, dtype=np.float32)
    if W_dec.ndim != 2 or not np.isfinite(W_dec).all():
        raise ValueError(f"W_dec: must be a finite (latents, outputs) matrix, got shape {W_dec.shape}")
    integer("latent", latent, 0, W_dec.shape[0] - 1)
    values = _alphas(values)
    base = f @ W_dec
    changes = []
    for value in values:
        steered = f.copy()
        steered[:, latent] = value if clamp else steered[:, latent] + value
        changes.append((steered @ W_dec - base).mean(axis=0))
    return np.stack(changes)


__all__ = [
    "STEERABLE",
    "SteeringCurve",
    "feature_direction",
    "hidden",
    "model_inputs",
    "predicted_change",
    "prediction_error",
    "readout",
    "spillover",
    "steer_hidden",
    "steer_latent",
    "steering_curve",
    "steering_matrix",
]
