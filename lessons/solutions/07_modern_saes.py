"""Solutions to the exercises of lesson 7 (modern SAEs)."""

import jax
import jax.numpy as jnp


def shrinkage(x, x_reconstructed):
    """γ = E‖x̂‖² / E[x̂ · x] over the batch: 1 when unbiased, below 1 when reconstructions are shrunk."""
    return jnp.sum(x_reconstructed**2) / jnp.sum(x_reconstructed * x)


def topk_activation(pre_activations, k):
    """ReLU of the k largest pre-activations of each row (batch, latents); every other entry 0."""
    kth_largest = jax.lax.top_k(pre_activations, k)[0][:, -1:]
    return jnp.where(pre_activations >= kth_largest, jax.nn.relu(pre_activations), 0.0)


def jumprelu(pre_activations, threshold):
    """z · H(z − θ): each pre-activation where it exceeds its latent's threshold θ, else 0."""
    return jnp.where(pre_activations > threshold, pre_activations, 0.0)


def jumprelu_threshold_gradient(pre_activations, threshold, bandwidth):
    """Pseudo-derivative ∂JumpReLU/∂θ = −(θ/ε) K((z − θ)/ε) with the rectangle kernel K(u) = 1{|u| < 1/2}."""
    inside = jnp.abs((pre_activations - threshold) / bandwidth) < 0.5
    return -(threshold / bandwidth) * inside


def gated_encode(params, x):
    """f = 1[π_gate > 0] ⊙ ReLU(π_mag): π_gate = (x − b_dec) W_encᵀ + b_enc, π_mag = exp(r_mag) ⊙ (x − b_dec) W_encᵀ
    + b_mag."""
    projected = (x - params["b_dec"]) @ params["W_enc"].T
    gate = projected + params["b_enc"]
    magnitude = jnp.exp(params["r_mag"]) * projected + params["b_mag"]
    return jnp.where(gate > 0, jax.nn.relu(magnitude), 0.0)
