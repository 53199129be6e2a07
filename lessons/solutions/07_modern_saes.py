"""Solutions to the exercises of lesson 7 (modern SAEs), and answers to its questions."""

import jax
import jax.numpy as jnp
import optax


def relative_reconstruction_bias(x, x_reconstructed):
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


def jumprelu_st(pre_activations, threshold, bandwidth):
    """JumpReLU z · H(z − θ) with a custom backward pass: z gets g · H(z − θ), θ (latents,) gets the
    straight-through pseudo-derivative Σ_batch g · (−θ/ε) K((z − θ)/ε)."""

    @jax.custom_vjp
    def forward(z, theta):
        return jumprelu(z, theta)

    def forward_saving_inputs(z, theta):
        return forward(z, theta), (z, theta)

    def backward(saved, g):
        z, theta = saved
        # θ was broadcast over the batch, so its gradient sums the batch's contributions.
        return g * (z > theta), jnp.sum(g * jumprelu_threshold_gradient(z, theta, bandwidth), axis=0)

    forward.defvjp(forward_saving_inputs, backward)
    return forward(pre_activations, threshold)


def jumprelu_loss(params, x, l0_coefficient, bandwidth):
    """Mean over the batch of ‖x − x̂‖² + λ Σ_j H(z_j − θ_j), θ = exp(log_threshold), x̂ = JumpReLU_θ(z) W_dec + b_dec,
    with the straight-through pseudo-derivatives for θ in both terms."""

    @jax.custom_vjp
    def step(z, theta):
        return (z > theta).astype(z.dtype)

    def step_saving_inputs(z, theta):
        return step(z, theta), (z, theta)

    def step_backward(saved, g):
        z, theta = saved
        window = jnp.abs((z - theta) / bandwidth) < 0.5
        return jnp.zeros_like(z), jnp.sum(-g / bandwidth * window, axis=0)

    step.defvjp(step_saving_inputs, step_backward)
    pre = (x - params["b_dec"]) @ params["W_enc"].T + params["b_enc"]
    threshold = jnp.exp(params["log_threshold"])
    codes = jumprelu_st(pre, threshold, bandwidth)
    squared_error = jnp.sum((x - codes @ params["W_dec"] - params["b_dec"]) ** 2, axis=1)
    return jnp.mean(squared_error + l0_coefficient * jnp.sum(step(pre, threshold), axis=1))


def gated_encode(params, x):
    """f = 1[π_gate > 0] ⊙ ReLU(π_mag): π_gate = (x − b_dec) W_encᵀ + b_enc, π_mag = exp(r_mag) ⊙ (x − b_dec) W_encᵀ
    + b_mag."""
    projected = (x - params["b_dec"]) @ params["W_enc"].T
    gate = projected + params["b_enc"]
    magnitude = jnp.exp(params["r_mag"]) * projected + params["b_mag"]
    return jnp.where(gate > 0, jax.nn.relu(magnitude), 0.0)


def gated_loss(params, x, l1_coefficient):
    """Mean over the batch of ‖x − x̂‖² + λ Σ_j ReLU(π_gate)_j ‖d_j‖ + ‖x − x̂_frozen(ReLU(π_gate))‖²."""
    reconstruction = gated_encode(params, x) @ params["W_dec"] + params["b_dec"]
    gate = jax.nn.relu((x - params["b_dec"]) @ params["W_enc"].T + params["b_enc"])
    sparsity = gate @ jnp.linalg.norm(params["W_dec"], axis=1)
    # The auxiliary loss trains the gate path to reconstruct on its own; it must not move the decoder.
    frozen_W_dec = jax.lax.stop_gradient(params["W_dec"])
    frozen_b_dec = jax.lax.stop_gradient(params["b_dec"])
    aux_reconstruction = gate @ frozen_W_dec + frozen_b_dec
    squared_error = jnp.sum((x - reconstruction) ** 2, axis=1)
    aux_error = jnp.sum((x - aux_reconstruction) ** 2, axis=1)
    return jnp.mean(squared_error + l1_coefficient * sparsity + aux_error)


def train_end_to_end(loss, params, key, draw, learning_rate, n_steps, batch_size):
    """n_steps Adam steps on loss(params, x) in one jax.lax.scan, step t on draw(fold_in(key, t), batch_size),
    each followed by renormalising the rows of W_dec: (params, losses)."""
    optimizer = optax.adam(learning_rate)

    def step(carry, t):
        params, opt_state = carry
        x = draw(jax.random.fold_in(key, t), batch_size)
        value, grads = jax.value_and_grad(loss)(params, x)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        params = {**params, "W_dec": params["W_dec"] / jnp.linalg.norm(params["W_dec"], axis=1, keepdims=True)}
        return (params, opt_state), value

    (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), jnp.arange(n_steps))
    return params, losses


ANSWERS = {
    1: (
        "BatchTopK's k is a mean number of active latents per sample: the k·B largest activations of the whole "
        "batch are kept, so a sample with three active features can use three latents while an empty one uses "
        "none. Bussmann et al. report a better reconstruction than TopK at the same mean L0 for that reason. On "
        "this small problem compare the rows at equal L0: reconstruction (explained variance) should be similar or "
        "better, recovery (MCC) similar; watch the dead column, since BatchTopK can lose latents in few dimensions "
        "(see toysup.sae.models). At inference it uses a learned global threshold instead of a per-sample top k, so "
        "its L0 on fresh data is close to, not exactly, k."
    ),
    2: (
        "Broadly yes: recovery fails where the features are too dense (4 of 16 features active in 8 dimensions) "
        "whatever the penalty, and improves with a larger dictionary. The difference is in the sparsity axis: "
        "TopK fixes L0 = k exactly, while JumpReLU's λ is a price of firing, so the L0 a given λ produces depends "
        "on the data. Where λ is too small L0 overshoots the true L0 and latents split or mix features; where it "
        "is too large features are merged or dropped. The cells therefore line up by price for JumpReLU and by "
        "sparsity for TopK."
    ),
    3: (
        "It should help only partly. With k = 2, a sample with a parent and one child can keep two latents, and "
        "folding the parent into the child's latent frees a slot; a larger k leaves room for the parent's own "
        "latent to fire beside the child's, so the parents' matched cosine can rise towards the independent "
        "features'. But the SAE then has more active latents than most samples need, which splits other features, "
        "and absorption does not vanish: it comes from the sparsity objective itself, which rewards any code with "
        "fewer active latents (Chanin et al. 2024). Compare the three printed cosines for k = 2, 3, 4."
    ),
    4: (
        "The bandwidth ε sets which samples move a threshold: only those with a pre-activation within ε/2 of it. "
        "With ε = 0.005 almost no sample falls in the window, so the pseudo-derivative is rarely non-zero and, "
        "when it is, large (θ/ε): thresholds barely move, or jump. With ε = 0.5 most pre-activations fall in the "
        "window and the estimate is smooth but biased: samples far from θ push it as if they were at the "
        "threshold, so L0 and reconstruction settle at the wrong trade-off. An intermediate ε (toysup's default "
        "0.05, about a tenth of a typical active code here) balances bias against variance."
    ),
    5: (
        "Without the stop_gradient the auxiliary loss also trains W_dec and b_dec, pulling the decoder towards "
        "reconstructing x from the gate's codes ReLU(π_gate), which the L1 penalty shrinks. The decoder then "
        "serves two different codes: the main reconstruction through f can get worse (lower explained variance), "
        "and decoder rows can drift away from the features to compensate for the gate's shrunk values, "
        "reintroducing the coupling between sparsity and magnitude that the Gated SAE was built to remove. "
        "Freezing the decoder lets the auxiliary loss train only the gate. Compare explained variance, γ and MCC "
        "with and without it."
    ),
}
