"""Solutions to the exercises of lesson 6 (sparse autoencoders), and answers to its questions."""

import jax
import jax.numpy as jnp
import optax


def init_sae(key, n_latents, n_inputs):
    """Params of an SAE: W_dec rows random unit directions, W_enc = W_dec, b_enc and b_dec zero."""
    directions = jax.random.normal(key, (n_latents, n_inputs))
    directions = directions / jnp.linalg.norm(directions, axis=1, keepdims=True)
    return {"W_enc": directions, "b_enc": jnp.zeros(n_latents), "W_dec": directions, "b_dec": jnp.zeros(n_inputs)}


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


def sae_train_step(params, opt_state, x, l1_coefficient, optimizer):
    """One optimiser step on sae_loss: (new params, new optimiser state, the loss before the update)."""
    loss, grads = jax.value_and_grad(sae_loss)(params, x, l1_coefficient)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss


def train_sae_loop(params, key, draw, l1_coefficient, learning_rate, n_steps, batch_size):
    """n_steps Adam steps in one jax.lax.scan, step t on draw(fold_in(key, t), batch_size): (params, losses)."""
    optimizer = optax.adam(learning_rate)

    def step(carry, t):
        params, opt_state = carry
        x = draw(jax.random.fold_in(key, t), batch_size)
        params, opt_state, loss = sae_train_step(params, opt_state, x, l1_coefficient, optimizer)
        return (params, opt_state), loss

    (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), jnp.arange(n_steps))
    return params, losses


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


def train_sae_with_resampling(
    params, key, draw, l1_coefficient, learning_rate, n_steps, batch_size, resample_every, resample
):
    """train_sae_loop that resamples, after every resample_every-th step, the latents that have not fired for
    resample_every steps: (params, losses)."""
    optimizer = optax.adam(learning_rate)

    def step(carry, t):
        params, opt_state, steps_since_fired = carry
        step_key = jax.random.fold_in(key, t)
        x = draw(step_key, batch_size)
        fired = jnp.any(sae_encode(params, x) > 0, axis=0)
        params, opt_state, loss = sae_train_step(params, opt_state, x, l1_coefficient, optimizer)
        steps_since_fired = jnp.where(fired, 0, steps_since_fired + 1)
        dead = steps_since_fired >= resample_every
        due = (t + 1) % resample_every == 0
        # Both branches are computed and one is kept: simple, and cheap at this size (jax.lax.cond also works).
        resampled = resample(params, dead, x, jax.random.fold_in(step_key, 1))
        params = jax.tree.map(lambda new, old: jnp.where(due, new, old), resampled, params)
        steps_since_fired = jnp.where(due & dead, 0, steps_since_fired)
        return (params, opt_state, steps_since_fired), loss

    carry = (params, optimizer.init(params), jnp.zeros(params["b_enc"].shape[0], jnp.int32))
    (params, _, _), losses = jax.lax.scan(step, carry, jnp.arange(n_steps))
    return params, losses


ANSWERS = {
    1: (
        "Expect 8 to do best or as well as 16, and 5 to be the least reliable. With 5 latents every latent must "
        "land on its own feature: one dead latent or two latents on the same feature leaves a feature without a "
        "good match, which pulls MCC down (and matched_cosine further). With 8 there is slack: a spare latent can "
        "die or duplicate a feature without costing a match. With 16 the Hungarian matching still finds a good "
        "latent per feature, so MCC stays high, but more latents are duplicates or dead and, at small λ, L0 rises "
        "as features are split between nearby latents. The ranking varies with λ and the seed: run each a few "
        "times before concluding."
    ),
    2: (
        "Any two linearly independent decoder rows span R², so with b_dec = 0 and suitable codes every h is "
        "reconstructed exactly: the reconstruction loss alone does not identify the features. The codes must also "
        "be non-negative and sparse, but with 5 features and 2 latents the best compromise is two directions "
        "between features, each explaining several of them with mixed codes; at most two of the five features "
        "can be matched, and those only roughly. Recovery needs at least as many latents as features and a "
        "penalty that makes explaining each h by one active latent cheaper than by a mixture."
    ),
    3: (
        "The L1 penalty λ Σ_j f_j charges a latent for its size, not for being active. To lower it the SAE "
        "shrinks every active code below its true value (the reconstruction comes out too small, γ < 1: "
        "shrinkage), and it prefers spreading a feature over several small activations when that costs less "
        "than one large one. What we want to penalise is the number of active latents, L0 = Σ_j 1[f_j > 0], "
        "which is not differentiable; lesson 7's TopK fixes L0 directly, JumpReLU trains an L0 penalty with "
        "straight-through gradients, and Gated SAEs put the L1 on a separate gate so it decides which latents "
        "fire without shrinking how much."
    ),
}
