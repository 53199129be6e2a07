"""Solutions to the exercises of lesson 6 (sparse autoencoders)."""

import jax
import jax.numpy as jnp


def sae_encode(params, x):
    """Latent codes f = ReLU((x − b_dec) W_encᵀ + b_enc), shape (batch, latents)."""
    return jax.nn.relu((x - params["b_dec"]) @ params["W_enc"].T + params["b_enc"])


def sae_loss(params, x, l1_coefficient):
    """Mean over the batch of ‖x − x̂‖² + λ Σ_j f_j ‖W_dec,j‖, with x̂ = f W_dec + b_dec."""
    codes = sae_encode(params, x)
    reconstruction = codes @ params["W_dec"] + params["b_dec"]
    squared_error = jnp.sum((x - reconstruction) ** 2, axis=1)
    sparsity = codes @ jnp.linalg.norm(params["W_dec"], axis=1)
    return jnp.mean(squared_error + l1_coefficient * sparsity)


def mean_max_cosine_similarity(decoder, truth):
    """(1/N) Σ_i max_j cos(truth_i, decoder_j) for decoder (latents, inputs) and truth (features, inputs)."""
    decoder_unit = decoder / jnp.linalg.norm(decoder, axis=1, keepdims=True)
    truth_unit = truth / jnp.linalg.norm(truth, axis=1, keepdims=True)
    return jnp.mean(jnp.max(truth_unit @ decoder_unit.T, axis=1))


def dead_latents(codes):
    """Boolean mask (latents,): True for latents that are zero on every sample of codes (batch, latents)."""
    return jnp.all(codes == 0, axis=0)


def resample_dead_latents(params, dead, x, key):
    """New params: each dead latent points at a random input of the batch, its decoder row the unit vector
    (x − b_dec) / ‖x − b_dec‖, its encoder row 0.2 × that vector, its encoder bias 0; live latents unchanged."""
    # Sample only among inputs that differ from b_dec: a zero direction has no unit vector.
    usable = jnp.linalg.norm(x - params["b_dec"], axis=1) > 1e-6
    chosen = jax.random.choice(key, x.shape[0], shape=dead.shape, p=usable / usable.sum())
    direction = x[chosen] - params["b_dec"]
    direction = direction / jnp.linalg.norm(direction, axis=1, keepdims=True)
    rows = dead[:, None]
    return {
        **params,
        "W_dec": jnp.where(rows, direction, params["W_dec"]),
        "W_enc": jnp.where(rows, 0.2 * direction, params["W_enc"]),
        "b_enc": jnp.where(dead, 0.0, params["b_enc"]),
    }
