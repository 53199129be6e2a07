"""The paper's toy models, and the registry of model kinds: the one place that knows how the kinds differ.

Each kind is a :class:`ModelKind`: its parameters and their shapes, what the output must reproduce, whether
inputs are signed, and which weight holds the feature directions that the geometry metrics analyse. Code
elsewhere asks the registry (``kind(config.model)``) instead of testing the kind's name.

The forward passes are Flax modules acting on one instance; ``jax.vmap`` makes the instance axis. Parameters
are plain dicts (``{"W": …, "b": …}``): :func:`build` unwraps Flax's ``{"params": …}`` nesting here, once.
Inputs and outputs are laid out (features, batch). Weights are initialised as in the reference notebook:
Xavier-normal W (std = sqrt(2 / (n + m))), zero bias.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp

xavier_normal = nn.initializers.variance_scaling(1.0, "fan_avg", "normal")


class ModelKind(NamedTuple):
    """What distinguishes one kind of toy model.

    Attributes:
      name: the ``model`` value of a config.
      formula: the model in one line.
      param_shapes: ``(n_features, n_hidden) -> {name: shape}`` of one instance's parameters.
      embedding: the parameter holding the feature directions W (hidden, features) that the geometry metrics
        (norms, interference, dimensionality) analyse.
      signed_inputs: inputs are uniform on [−1, 1] when non-zero, instead of [0, 1].
      target: ``x -> what the output must reproduce`` (x itself, or |x|).
    """

    name: str
    formula: str
    param_shapes: Callable[[int, int], dict[str, tuple[int, ...]]]
    embedding: str
    signed_inputs: bool
    target: Callable[[jax.Array], jax.Array]


def _tied_shapes(n_features: int, n_hidden: int) -> dict[str, tuple[int, ...]]:
    return {"W": (n_hidden, n_features), "b": (n_features,)}


def _two_layer_shapes(n_features: int, n_hidden: int) -> dict[str, tuple[int, ...]]:
    return {"W1": (n_hidden, n_features), "W2": (n_features, n_hidden), "b": (n_features,)}


def _identity(x: jax.Array) -> jax.Array:
    return x


KINDS: dict[str, ModelKind] = {
    kind.name: kind
    for kind in (
        ModelKind("linear", "x' = WᵀWx + b", _tied_shapes, "W", False, _identity),
        ModelKind("relu_output", "x' = ReLU(WᵀWx + b)", _tied_shapes, "W", False, _identity),
        ModelKind("relu_hidden", "h = ReLU(Wx), x' = ReLU(Wᵀh + b)", _tied_shapes, "W", False, _identity),
        ModelKind("abs", "h = ReLU(W₁x), y' = ReLU(W₂h + b), target |x|", _two_layer_shapes, "W1", True, jnp.abs),
    )
}
MODEL_KINDS = tuple(KINDS)


def kind(name: str) -> ModelKind:
    """The registered kind called ``name``."""
    if name not in KINDS:
        raise ValueError(f"model: must be one of {', '.join(MODEL_KINDS)}, got {name!r}")
    return KINDS[name]


class ToyModel(nn.Module):
    """One toy model (Elhage et al. 2022, sections "Demonstrating superposition", "Privileged basis",
    "Computation in superposition").

    Attributes:
      n_features: n.
      n_hidden: m.
      kind: ``linear``: x' = WᵀWx + b; ``relu_output``: x' = ReLU(WᵀWx + b); ``relu_hidden``:
        h = ReLU(Wx), x' = ReLU(Wᵀh + b); ``abs``: h = ReLU(W₁x), y' = ReLU(W₂h + b).
        W has shape (hidden, features); W₁ (hidden, features); W₂ (features, hidden); b (features,).
    """

    n_features: int
    n_hidden: int
    kind: str = "relu_output"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        """x: (features, batch) -> x' (features, batch)."""
        b = self.param("b", nn.initializers.zeros, (self.n_features,))
        if self.kind == "abs":
            W1 = self.param("W1", xavier_normal, (self.n_hidden, self.n_features))
            W2 = self.param("W2", xavier_normal, (self.n_features, self.n_hidden))
            return jax.nn.relu(W2 @ jax.nn.relu(W1 @ x) + b[:, None])
        W = self.param("W", xavier_normal, (self.n_hidden, self.n_features))
        h = W @ x
        if self.kind == "relu_hidden":
            h = jax.nn.relu(h)
        out = W.T @ h + b[:, None]
        return out if self.kind == "linear" else jax.nn.relu(out)


class Model(NamedTuple):
    """One instance's model as pure functions over a plain params dict."""

    init: Callable[[jax.Array], dict[str, jax.Array]]  # key -> params
    forward: Callable[[dict[str, jax.Array], jax.Array], jax.Array]  # (params, x (features, batch)) -> x'


def build(model: str, n_features: int, n_hidden: int) -> Model:
    """The ``model`` kind with n features and m hidden dimensions as (init, forward)."""
    module = ToyModel(n_features=n_features, n_hidden=n_hidden, kind=kind(model).name)
    dummy = jnp.zeros((n_features, 1), jnp.float32)

    def init(key: jax.Array) -> dict[str, jax.Array]:
        return dict(module.init(key, dummy)["params"])

    def forward(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
        return module.apply({"params": params}, x)

    return Model(init, forward)


def importance_weighted_loss(output: jax.Array, target: jax.Array, importance: jax.Array) -> jax.Array:
    """One instance's loss: mean over the batch of Σ_i I_i (x_i − x'_i)² (the paper's eq. for L)."""
    return jnp.mean(jnp.sum(importance[:, None] * (target - output) ** 2, axis=0))


__all__ = ["KINDS", "MODEL_KINDS", "Model", "ModelKind", "ToyModel", "build", "importance_weighted_loss", "kind"]
