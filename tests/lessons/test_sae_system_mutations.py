"""The mutation table of the checks of lessons 6–7 that build SAE systems (``toysup.lessons.sae_system_checks``) and of
the relative-reconstruction-bias exercise: every check accepts the reference solution and other correct ways to
write it, and rejects at least three plausible wrong answers ("mutants") with an AssertionError naming the
exercise. ``CHECKS`` has the structure of ``test_check_mutations.CHECKS``: check name -> ((lesson, solution
name), [other correct answers], [mutants]).

The training mutants are written like the solutions with one thing changed; each costs one small compilation.

The tests themselves (accept the solution and the other correct answers, reject every mutant, at least three
mutants per check) run over every table in ``test_check_mutations.py``.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
from mutants import Mutant, solution


def _unit_rows(rows, axis=1):
    return rows / jnp.linalg.norm(rows, axis=axis, keepdims=True)


# ---------------------------------------------------------------- lesson 6


def _init(*, draw="normal", normalise=1, encoder="decoder", key_used=True, biases="zero"):
    """init_sae with one thing changed."""

    def init_sae(key, n_latents, n_inputs):
        key = key if key_used else jax.random.key(0)
        shape = (n_latents, n_inputs)
        raw = jax.random.uniform(key, shape) if draw == "uniform" else jax.random.normal(key, shape)
        directions = raw if normalise is None else _unit_rows(raw, normalise)
        W_enc = {
            "decoder": directions,
            "another draw": _unit_rows(jax.random.normal(jax.random.fold_in(key, 1), shape)),
        }[encoder]
        b_enc = jnp.zeros(n_latents) if biases == "zero" else jax.random.normal(key, (n_latents,))
        return {"W_enc": W_enc, "b_enc": b_enc, "W_dec": directions, "b_dec": jnp.zeros(n_inputs)}

    return init_sae


def _init_features_first(key, n_latents, n_inputs):
    directions = _unit_rows(jax.random.normal(key, (n_inputs, n_latents)), 0).T  # another draw, still isotropic
    return {"W_enc": directions, "b_enc": jnp.zeros(n_latents), "W_dec": directions, "b_dec": jnp.zeros(n_inputs)}


def _train_step(*, loss_after=False, old_state=False, sign=1.0, own_optimizer=False, l1_used=True):
    """sae_train_step with one thing changed."""

    def sae_train_step(params, opt_state, x, l1_coefficient, optimizer):
        sae_loss = solution(6, "sae_loss")
        optimizer = optax.adam(1e-3) if own_optimizer else optimizer
        loss, grads = jax.value_and_grad(sae_loss)(params, x, l1_coefficient if l1_used else 0.0)
        updates, new_state = optimizer.update(grads, opt_state, params)
        new_params = jax.tree.map(lambda p, u: p + sign * u, params, updates)
        loss = sae_loss(new_params, x, l1_coefficient) if loss_after else loss
        return new_params, opt_state if old_state else new_state, loss

    return sae_train_step


def _train_step_by_hand(params, opt_state, x, l1_coefficient, optimizer):
    loss, grads = jax.value_and_grad(solution(6, "sae_loss"))(params, x, l1_coefficient)
    updates, opt_state = optimizer.update(grads, opt_state)
    return {name: params[name] + updates[name] for name in params}, opt_state, loss


def _loop(*, batch_key="fold_in", fresh_state=False, last_loss_only=False):
    """train_sae_loop with one thing changed."""

    def train_sae_loop(params, key, draw, l1_coefficient, learning_rate, n_steps, batch_size):
        optimizer = optax.adam(learning_rate)
        step_function = solution(6, "sae_train_step")

        def step(carry, t):
            params, opt_state = carry
            step_key = {"fold_in": jax.random.fold_in(key, t), "the same key": key}[batch_key]
            opt_state = optimizer.init(params) if fresh_state else opt_state
            params, opt_state, loss = step_function(
                params, opt_state, draw(step_key, batch_size), l1_coefficient, optimizer
            )
            return (params, opt_state), loss

        (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), jnp.arange(n_steps))
        return params, losses[-1] if last_loss_only else losses

    return train_sae_loop


def _loop_in_python(params, key, draw, l1_coefficient, learning_rate, n_steps, batch_size):
    optimizer = optax.adam(learning_rate)
    opt_state, losses = optimizer.init(params), []
    for t in range(n_steps):
        x = draw(jax.random.fold_in(key, t), batch_size)
        params, opt_state, loss = solution(6, "sae_train_step")(params, opt_state, x, l1_coefficient, optimizer)
        losses.append(loss)
    return params, jnp.stack(losses)


def _loop_with_fori(params, key, draw, l1_coefficient, learning_rate, n_steps, batch_size):
    """A correct loop written with fori_loop and an array of losses (also one compiled loop)."""
    optimizer = optax.adam(learning_rate)

    def body(t, carry):
        params, opt_state, losses = carry
        x = draw(jax.random.fold_in(key, t), batch_size)
        params, opt_state, loss = solution(6, "sae_train_step")(params, opt_state, x, l1_coefficient, optimizer)
        return params, opt_state, losses.at[t].set(loss)

    params, _, losses = jax.lax.fori_loop(0, n_steps, body, (params, optimizer.init(params), jnp.zeros(n_steps)))
    return params, losses


def _resampling_loop(*, due="every", dead="window", mask="dead", use_cond=False, key_offset=1):
    """train_sae_with_resampling with one thing changed."""

    def train_sae_with_resampling(
        params, key, draw, l1_coefficient, learning_rate, n_steps, batch_size, resample_every, resample
    ):
        optimizer = optax.adam(learning_rate)
        encode, step_function = solution(6, "sae_encode"), solution(6, "sae_train_step")

        def step(carry, t):
            params, opt_state, since = carry
            step_key = jax.random.fold_in(key, t)
            x = draw(step_key, batch_size)
            fired = jnp.any(encode(params, x) > 0, axis=0)
            params, opt_state, loss = step_function(params, opt_state, x, l1_coefficient, optimizer)
            since = jnp.where(fired, 0, since + 1)
            now_dead = {
                "window": since >= resample_every,
                "this batch": ~fired,
            }[dead]
            now_due = {"every": (t + 1) % resample_every == 0, "never": False, "each step": True}[due]
            chosen = now_dead if mask == "dead" else ~now_dead
            if use_cond:
                resample_key = jax.random.fold_in(step_key, key_offset)  # the check's resampler ignores its key
                params = jax.lax.cond(now_due, lambda p: resample(p, chosen, x, resample_key), lambda p: p, params)
            else:
                resampled = resample(params, chosen, x, jax.random.fold_in(step_key, 1))
                params = jax.tree.map(lambda new, old: jnp.where(now_due, new, old), resampled, params)
            return (params, opt_state, since), loss

        carry = (params, optimizer.init(params), jnp.zeros(params["b_enc"].shape[0], jnp.int32))
        (params, _, _), losses = jax.lax.scan(step, carry, jnp.arange(n_steps))
        return params, losses

    return train_sae_with_resampling


# ---------------------------------------------------------------- lesson 7


def _relu_code(params, x):
    return jax.nn.relu((x - params["b_dec"]) @ params["W_enc"].T + params["b_enc"])


def _gated(*, aux=True, frozen=True, sparsity_on="gate", norms=True):
    """gated_loss with one thing changed."""

    def gated_loss(params, x, l1_coefficient):
        codes = solution(7, "gated_encode")(params, x)
        gate = _relu_code(params, x)
        reconstruction = codes @ params["W_dec"] + params["b_dec"]
        weights = jnp.linalg.norm(params["W_dec"], axis=1) if norms else 1.0
        sparsity = jnp.sum({"gate": gate, "code": codes}[sparsity_on] * weights, axis=1)
        W_dec, b_dec = params["W_dec"], params["b_dec"]
        if frozen:
            W_dec, b_dec = jax.lax.stop_gradient(W_dec), jax.lax.stop_gradient(b_dec)
        aux_reconstruction = gate @ W_dec + b_dec
        total = jnp.sum((x - reconstruction) ** 2, axis=1) + l1_coefficient * sparsity
        if aux:
            total = total + jnp.sum((x - aux_reconstruction) ** 2, axis=1)
        return jnp.mean(total)

    return gated_loss


def _gated_with_cotangent_sum(params, x, l1_coefficient):
    """A correct gated loss written term by term, with the frozen decoder as a second params dict."""
    frozen = jax.lax.stop_gradient(params)
    gate = _relu_code(params, x)
    mse = jnp.mean(jnp.sum((x - solution(7, "gated_encode")(params, x) @ params["W_dec"] - params["b_dec"]) ** 2, 1))
    aux = jnp.mean(jnp.sum((x - gate @ frozen["W_dec"] - frozen["b_dec"]) ** 2, axis=1))
    return mse + l1_coefficient * jnp.mean(gate @ jnp.linalg.norm(params["W_dec"], axis=1)) + aux


def _jump(*, threshold_gradient="jumprelu", z_gradient="step", use_g=True, summed=True, custom=True):
    """jumprelu_st with one thing changed."""

    def jumprelu_st(pre_activations, threshold, bandwidth):
        if not custom:
            return jnp.where(pre_activations > threshold, pre_activations, 0.0)

        @jax.custom_vjp
        def forward(z, theta):
            return jnp.where(z > theta, z, 0.0)

        def forward_saving(z, theta):
            return forward(z, theta), (z, theta)

        def backward(saved, g):
            z, theta = saved
            window = jnp.abs((z - theta) / bandwidth) < 0.5
            pseudo = {"jumprelu": -(theta / bandwidth) * window, "step": -(1.0 / bandwidth) * window}[
                threshold_gradient
            ]
            g = g if use_g else jnp.ones_like(g)
            grad_theta = g * pseudo
            grad_z = g * (z > theta) if z_gradient == "step" else g
            return grad_z, jnp.sum(grad_theta, axis=0) if summed else grad_theta

        forward.defvjp(forward_saving, backward)
        return forward(pre_activations, threshold)

    return jumprelu_st


def _jump_with_nondiff_bandwidth(pre_activations, threshold, bandwidth):
    return _jump_nondiff(pre_activations, threshold, bandwidth)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _jump_nondiff(z, theta, bandwidth):
    return z * (z > theta)


def _jump_nondiff_fwd(z, theta, bandwidth):
    return _jump_nondiff(z, theta, bandwidth), (z, theta)


def _jump_nondiff_bwd(bandwidth, saved, g):
    z, theta = saved
    inside = (z > theta - bandwidth / 2) & (z < theta + bandwidth / 2)
    return g * (z > theta), jnp.sum(g * jnp.where(inside, -theta / bandwidth, 0.0), axis=0)


_jump_nondiff.defvjp(_jump_nondiff_fwd, _jump_nondiff_bwd)


def _l0(*, step="straight-through", penalty="l0", exp=True, codes="straight-through", reduce="mean"):
    """jumprelu_loss with one thing changed."""

    def jumprelu_loss(params, x, l0_coefficient, bandwidth):
        pre = (x - params["b_dec"]) @ params["W_enc"].T + params["b_enc"]
        threshold = jnp.exp(params["log_threshold"]) if exp else params["log_threshold"]
        if codes == "straight-through":
            f = solution(7, "jumprelu_st")(pre, threshold, bandwidth)
        else:
            f = jnp.where(pre > threshold, pre, 0.0)
        if penalty == "l1":
            active = f
        elif step == "straight-through":
            active = _step(pre, threshold, bandwidth)
        else:
            active = (pre > threshold).astype(pre.dtype)
        error = jnp.sum((x - f @ params["W_dec"] - params["b_dec"]) ** 2, axis=1)
        total = error + l0_coefficient * jnp.sum(active, axis=1)
        return jnp.sum(total) if reduce == "sum" else jnp.mean(total)

    return jumprelu_loss


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _step(z, theta, bandwidth):
    return (z > theta).astype(z.dtype)


def _step_fwd(z, theta, bandwidth):
    return _step(z, theta, bandwidth), (z, theta)


def _step_bwd(bandwidth, saved, g):
    z, theta = saved
    return jnp.zeros_like(z), jnp.sum(-g / bandwidth * (jnp.abs((z - theta) / bandwidth) < 0.5), axis=0)


_step.defvjp(_step_fwd, _step_bwd)


def _end_to_end(*, normalise="rows after", python_loop=False):
    """train_end_to_end with one thing changed."""

    def renormalise(params, how):
        if how == "rows after":
            return {**params, "W_dec": _unit_rows(params["W_dec"])}
        return params

    def train_end_to_end(loss, params, key, draw, learning_rate, n_steps, batch_size):
        optimizer = optax.adam(learning_rate)

        def step(carry, t):
            params, opt_state = carry
            if normalise == "rows before":
                params = renormalise(params, "rows after")
            x = draw(jax.random.fold_in(key, t), batch_size)
            value, grads = jax.value_and_grad(loss)(params, x)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return (renormalise(optax.apply_updates(params, updates), normalise), opt_state), value

        carry = (params, optimizer.init(params))
        if python_loop:
            losses = []
            for t in range(n_steps):
                carry, value = step(carry, t)
                losses.append(value)
            return carry[0], jnp.stack(losses)
        (params, _), losses = jax.lax.scan(step, carry, jnp.arange(n_steps))
        return params, losses

    return train_end_to_end


# ---------------------------------------------------------------- the table

# check name -> ((lesson, solution name), [other correct answers], [mutants])
CHECKS: dict[str, tuple[tuple[int, str], list, list[Mutant]]] = {
    "check_init_sae": (
        (6, "init_sae"),
        [_init_features_first],
        [
            Mutant("columns normalised", _init(normalise=0), "normalise each row"),
            Mutant("not normalised", _init(normalise=None), "unit norm"),
            Mutant("uniform on [0, 1), then normalised", _init(draw="uniform"), "spread evenly"),
            Mutant("encoder drawn separately", _init(encoder="another draw"), "W_enc must start equal"),
            Mutant("random encoder biases", _init(biases="random"), "b_enc must start at 0"),
            Mutant("ignores the key", _init(key_used=False), "different keys"),
        ],
    ),
    "check_sae_train_step": (
        (6, "sae_train_step"),
        [_train_step_by_hand],
        [
            Mutant("the loss after the update", _train_step(loss_after=True), "before the update"),
            Mutant("the old optimiser state returned", _train_step(old_state=True), "new optimiser state"),
            Mutant("gradient ascent", _train_step(sign=-1.0)),
            Mutant("its own optimiser (ignores the argument)", _train_step(own_optimizer=True)),
            Mutant("the penalty left out of the gradient", _train_step(l1_used=False)),
        ],
    ),
    "check_train_sae_loop": (
        (6, "train_sae_loop"),
        [_loop_with_fori],
        [
            Mutant("a Python loop", _loop_in_python, "jax.lax.scan"),
            Mutant("the same batch every step", _loop(batch_key="the same key"), "fold_in"),
            Mutant("a fresh optimiser state every step", _loop(fresh_state=True)),
            Mutant("only the last loss", _loop(last_loss_only=True), "one loss per step"),
        ],
    ),
    "check_train_sae_with_resampling": (
        (6, "train_sae_with_resampling"),
        [_resampling_loop(use_cond=True, key_offset=5)],
        [
            Mutant("never resamples", _resampling_loop(due="never")),
            Mutant("resamples after every step", _resampling_loop(due="each step")),
            Mutant("dead when silent on one batch", _resampling_loop(dead="this batch")),
            Mutant("resamples the live latents", _resampling_loop(mask="live")),
        ],
    ),
    "check_relative_reconstruction_bias": (
        (7, "relative_reconstruction_bias"),
        [lambda x, x_hat: np.mean(np.sum(x_hat**2, axis=1)) / np.mean(np.sum(x_hat * x, axis=1))],
        [
            Mutant("inverted", lambda x, x_hat: np.sum(x_hat * x) / np.sum(x_hat**2)),
            Mutant("the L2 ratio ‖x̂‖ / ‖x‖", lambda x, x_hat: np.linalg.norm(x_hat) / np.linalg.norm(x)),
            Mutant("‖x̂‖² / ‖x‖²", lambda x, x_hat: np.sum(x_hat**2) / np.sum(x**2)),
            Mutant("the regression slope E[x̂·x] / E‖x‖²", lambda x, x_hat: np.sum(x_hat * x) / np.sum(x**2)),
            Mutant(
                "mean of per-sample ratios",
                lambda x, x_hat: np.mean(np.sum(x_hat**2, axis=1) / np.sum(x_hat * x, axis=1)),
            ),
        ],
    ),
    "check_gated_loss": (
        (7, "gated_loss"),
        [_gated_with_cotangent_sum],
        [
            Mutant("no auxiliary loss", _gated(aux=False)),
            Mutant("the decoder not frozen in the auxiliary loss", _gated(frozen=False), "d/dW_dec"),
            Mutant("L1 on the gated code f", _gated(sparsity_on="code")),
            Mutant("L1 without the decoder norms", _gated(norms=False)),
        ],
    ),
    "check_jumprelu_st": (
        (7, "jumprelu_st"),
        [_jump_with_nondiff_bandwidth],
        [
            Mutant("no custom_vjp", _jump(custom=False), "custom_vjp"),
            Mutant("H's pseudo-derivative for θ", _jump(threshold_gradient="step"), "gradient of θ"),
            Mutant("z's gradient 1 everywhere", _jump(z_gradient="identity"), "gradient of z"),
            Mutant("the incoming gradient ignored", _jump(use_g=False)),
            Mutant("θ's gradient not summed over the batch", _jump(summed=False), "sum over the batch"),
        ],
    ),
    "check_jumprelu_loss": (
        (7, "jumprelu_loss"),
        [],
        [
            Mutant("L0 through a plain step (no gradient to θ)", _l0(step="plain"), "d/dlog_threshold"),
            Mutant("an L1 penalty instead of L0", _l0(penalty="l1")),
            Mutant("threshold = log_threshold", _l0(exp=False)),
            Mutant("codes through a plain JumpReLU", _l0(codes="plain"), "d/dlog_threshold"),
            Mutant("summed over the batch", _l0(reduce="sum")),
        ],
    ),
    "check_train_end_to_end": (
        (7, "train_end_to_end"),
        [],
        [
            Mutant("decoder not renormalised", _end_to_end(normalise="none"), "normalise each row"),
            Mutant("renormalised before the update", _end_to_end(normalise="rows before"), "normalise each row"),
            Mutant("a Python loop", _end_to_end(python_loop=True), "jax.lax.scan"),
        ],
    ),
}
