"""The paper's toy models as Flax modules acting on one instance; ``jax.vmap`` makes the instance axis.

Inputs and outputs are laid out (features, batch). Weights are initialised as in the reference notebook:
Xavier-normal W (std = sqrt(2 / (n + m))), zero bias.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

xavier_normal = nn.initializers.variance_scaling(1.0, "fan_avg", "normal")


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


def target_of(kind: str, x: jax.Array) -> jax.Array:
    """What the model must reproduce: x itself, or |x| for the absolute-value task."""
    return jnp.abs(x) if kind == "abs" else x


def importance_weighted_loss(output: jax.Array, target: jax.Array, importance: jax.Array) -> jax.Array:
    """One instance's loss: mean over the batch of Σ_i I_i (x_i − x'_i)² (the paper's eq. for L)."""
    return jnp.mean(jnp.sum(importance[:, None] * (target - output) ** 2, axis=0))
