"""Checks of the exercises of lessons 6–7 that build whole SAE systems: the initialisation, the training step,
the training loop as one ``lax.scan``, resampling inside the loop, the Gated loss, JumpReLU with a custom
backward pass, its L0 loss, and end-to-end training with unit decoder rows.

Training functions are checked on tiny SAEs for a few steps against the reference trajectory: the same key and
the same batches must give the same per-step losses and the same final params, which a loop that draws other
batches, forgets the optimiser state or resamples at other steps cannot match. Conventions follow
``toysup.sae``: x (batch, inputs), codes (batch, latents), params ``W_enc`` (latents, inputs), ``b_enc``
(latents,), ``W_dec`` (latents, inputs), ``b_dec`` (inputs,).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ._harness import as_array, assert_close, call, passed
from .checks import NOT_DIFFERENTIABLE

# The tiny SAE of the training checks: 6 latents for 4 sparse features in 3 dimensions.
_LATENTS, _INPUTS, _BATCH = 6, 3, 16
_FEATURES = np.array(
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.6, 0.8, 0.0]],
    dtype=np.float32,
)


def check_draw(key, batch_size):
    """The checks' data: 4 features, each active with probability 0.3 with a value uniform on [0, 1], mixed into 3
    dimensions, shape (batch_size, 3)."""
    mask_key, value_key = jax.random.split(key)
    active = jax.random.uniform(mask_key, (batch_size, len(_FEATURES))) < 0.3
    values = jax.random.uniform(value_key, (batch_size, len(_FEATURES)))
    return jnp.where(active, values, 0.0) @ jnp.asarray(_FEATURES)


# ---------------------------------------------------------------- references


def _unit_rows(rows):
    return rows / jnp.linalg.norm(rows, axis=1, keepdims=True)


def _init_sae(key, n_latents, n_inputs):
    directions = _unit_rows(jax.random.normal(key, (n_latents, n_inputs)))
    return {"W_enc": directions, "b_enc": jnp.zeros(n_latents), "W_dec": directions, "b_dec": jnp.zeros(n_inputs)}


def _encode(params, x):
    return jax.nn.relu((x - params["b_dec"]) @ params["W_enc"].T + params["b_enc"])


def _sae_loss(params, x, l1_coefficient):
    codes = _encode(params, x)
    error = jnp.sum((x - codes @ params["W_dec"] - params["b_dec"]) ** 2, axis=1)
    return jnp.mean(error + l1_coefficient * codes @ jnp.linalg.norm(params["W_dec"], axis=1))


def _train_step(params, opt_state, x, l1_coefficient, optimizer):
    loss, grads = jax.value_and_grad(_sae_loss)(params, x, l1_coefficient)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss


_jitted_train_step = jax.jit(_train_step, static_argnums=4)
_CHECK_OPTIMIZER = optax.adam(0.05)  # one object, so the reference step compiles once


@functools.partial(jax.jit, static_argnums=(2, 5, 6))
def _train_loop(params, key, draw, l1_coefficient, learning_rate, n_steps, batch_size):
    optimizer = optax.adam(learning_rate)

    def step(carry, t):
        params, opt_state = carry
        x = draw(jax.random.fold_in(key, t), batch_size)
        params, opt_state, loss = _train_step(params, opt_state, x, l1_coefficient, optimizer)
        return (params, opt_state), loss

    (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), jnp.arange(n_steps))
    return params, losses


def _resample(params, dead, x, key):
    """The solution's resampling, as a deterministic function of its arguments."""
    usable = jnp.linalg.norm(x - params["b_dec"], axis=1) > 1e-6
    chosen = jax.random.choice(key, x.shape[0], shape=dead.shape, p=usable / usable.sum())
    direction = _unit_rows(x[chosen] - params["b_dec"])
    rows = dead[:, None]
    return {
        **params,
        "W_dec": jnp.where(rows, direction, params["W_dec"]),
        "W_enc": jnp.where(rows, 0.2 * direction, params["W_enc"]),
        "b_enc": jnp.where(dead, 0.0, params["b_enc"]),
    }


def _resample_with_a_fixed_key(params, dead, x, key):
    """The resampler the check passes in: it ignores the key, so any way of deriving it gives the same result."""
    return _resample(params, dead, x, jax.random.key(7))


@functools.partial(jax.jit, static_argnums=(2, 5, 6, 7, 8))
def _train_with_resampling(
    params, key, draw, l1_coefficient, learning_rate, n_steps, batch_size, resample_every, resample
):
    optimizer = optax.adam(learning_rate)

    def step(carry, t):
        params, opt_state, since = carry
        step_key = jax.random.fold_in(key, t)
        x = draw(step_key, batch_size)
        fired = jnp.any(_encode(params, x) > 0, axis=0)
        params, opt_state, loss = _train_step(params, opt_state, x, l1_coefficient, optimizer)
        since = jnp.where(fired, 0, since + 1)
        dead = since >= resample_every
        due = (t + 1) % resample_every == 0
        resampled = resample(params, dead, x, jax.random.fold_in(step_key, 1))
        params = jax.tree.map(lambda new, old: jnp.where(due, new, old), resampled, params)
        return (params, opt_state, jnp.where(due & dead, 0, since)), loss

    n_latents = params["b_enc"].shape[0]
    carry = (params, optimizer.init(params), jnp.zeros(n_latents, jnp.int32))
    (params, _, _), losses = jax.lax.scan(step, carry, jnp.arange(n_steps))
    return params, losses


def _gated_loss(params, x, l1_coefficient):
    projected = (x - params["b_dec"]) @ params["W_enc"].T
    gate = projected + params["b_enc"]
    magnitude = jnp.exp(params["r_mag"]) * projected + params["b_mag"]
    codes = jnp.where(gate > 0, jax.nn.relu(magnitude), 0.0)
    error = jnp.sum((x - codes @ params["W_dec"] - params["b_dec"]) ** 2, axis=1)
    gate_codes = jax.nn.relu(gate)
    sparsity = gate_codes @ jnp.linalg.norm(params["W_dec"], axis=1)
    frozen_W_dec, frozen_b_dec = jax.lax.stop_gradient((params["W_dec"], params["b_dec"]))
    aux_error = jnp.sum((x - gate_codes @ frozen_W_dec - frozen_b_dec) ** 2, axis=1)
    return jnp.mean(error + l1_coefficient * sparsity + aux_error)


def _rectangle(u):
    return (jnp.abs(u) < 0.5).astype(u.dtype)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _jumprelu_st(z, threshold, bandwidth):
    return jnp.where(z > threshold, z, 0.0)


def _jumprelu_fwd(z, threshold, bandwidth):
    return _jumprelu_st(z, threshold, bandwidth), (z, threshold)


def _jumprelu_bwd(bandwidth, saved, g):
    z, threshold = saved
    pseudo = -(threshold / bandwidth) * _rectangle((z - threshold) / bandwidth)
    return g * (z > threshold), jnp.sum(g * pseudo, axis=0)


_jumprelu_st.defvjp(_jumprelu_fwd, _jumprelu_bwd)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _step_st(z, threshold, bandwidth):
    return (z > threshold).astype(z.dtype)


def _step_fwd(z, threshold, bandwidth):
    return _step_st(z, threshold, bandwidth), (z, threshold)


def _step_bwd(bandwidth, saved, g):
    z, threshold = saved
    return jnp.zeros_like(z), jnp.sum(-g / bandwidth * _rectangle((z - threshold) / bandwidth), axis=0)


_step_st.defvjp(_step_fwd, _step_bwd)


def _jumprelu_loss(params, x, l0_coefficient, bandwidth):
    pre = (x - params["b_dec"]) @ params["W_enc"].T + params["b_enc"]
    threshold = jnp.exp(params["log_threshold"])
    codes = _jumprelu_st(pre, threshold, bandwidth)
    error = jnp.sum((x - codes @ params["W_dec"] - params["b_dec"]) ** 2, axis=1)
    return jnp.mean(error + l0_coefficient * jnp.sum(_step_st(pre, threshold, bandwidth), axis=1))


@functools.partial(jax.jit, static_argnums=(0, 3, 5, 6))
def _train_end_to_end(loss, params, key, draw, learning_rate, n_steps, batch_size):
    optimizer = optax.adam(learning_rate)

    def step(carry, t):
        params, opt_state = carry
        x = draw(jax.random.fold_in(key, t), batch_size)
        value, grads = jax.value_and_grad(loss)(params, x)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        return ({**params, "W_dec": _unit_rows(params["W_dec"])}, opt_state), value

    (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), jnp.arange(n_steps))
    return params, losses


# ---------------------------------------------------------------- shared checks


def _params_dict(name: str, case: str, got, expected: dict) -> dict[str, np.ndarray]:
    if not isinstance(got, dict) or set(got) != set(expected):
        keys = sorted(got) if isinstance(got, dict) else type(got).__name__
        raise AssertionError(f"{name} on {case}: return a params dict with keys {sorted(expected)}, got {keys}")
    got = {key: as_array(name, case, value) for key, value in got.items()}
    for key, value in expected.items():
        if got[key].shape != np.shape(value):
            raise AssertionError(f"{name} on {case}: {key} has shape {got[key].shape}, expected {np.shape(value)}")
    return got


def _trajectory(name: str, case: str, result, expected: tuple, n_steps: int) -> None:
    """``result`` = (params, losses) equals the reference's: per-step losses first, then the final params."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(f"{name} on {case}: return a pair (params, losses)")
    params, losses = result
    expected_params, expected_losses = expected
    losses = as_array(name, case, losses)
    if losses.shape != (n_steps,):
        raise AssertionError(
            f"{name} on {case}: losses has shape {losses.shape}, expected ({n_steps},) — one loss per step, "
            f"the second output of jax.lax.scan"
        )
    expected_losses = np.asarray(expected_losses, np.float64)
    wrong = ~np.isclose(losses, expected_losses, atol=1e-5, rtol=1e-3)
    if wrong.any():
        first = int(np.argmax(wrong))
        if first == 0:
            hint = (
                "the first step's loss should be the loss of the initial params on the batch "
                "draw(jax.random.fold_in(key, 0), batch_size)"
            )
        elif np.allclose(losses[:-1], expected_losses[1:], atol=1e-5, rtol=1e-3):
            hint = "each loss is the next step's: record the loss before the update, as the training step returns it"
        else:
            hint = f"the losses agree for steps 0 to {first - 1}, then drift apart"
        raise AssertionError(
            f"{name} on {case}: the loss of step {first} is {losses[first]:.6g}, expected "
            f"{expected_losses[first]:.6g} — {hint}"
        )
    got = _params_dict(name, case, params, expected_params)
    for key, value in expected_params.items():
        assert_close(name, f"{case}: the final {key}", got[key], value, atol=1e-4, rtol=1e-3)


def _equation_count(jaxpr) -> int:
    """Equations of a jaxpr including every sub-jaxpr (a scan's body once, an unrolled loop once per step)."""
    count = 0
    for equation in jaxpr.eqns:
        count += 1
        for value in equation.params.values():
            for inner in value if isinstance(value, (tuple, list)) else (value,):
                inner = getattr(inner, "jaxpr", inner)  # a ClosedJaxpr holds its Jaxpr
                if hasattr(inner, "eqns"):
                    count += _equation_count(inner)
    return count


def _assert_one_scan(name: str, run, n_steps: tuple[int, int]) -> None:
    """The program traced from ``run(n_steps)`` does not grow with the number of steps: the loop is a scan."""
    sizes = []
    for steps in n_steps:
        try:
            sizes.append(_equation_count(jax.make_jaxpr(lambda steps=steps: run(steps))().jaxpr))
        except NOT_DIFFERENTIABLE:
            raise AssertionError(
                f"{name}: jax cannot trace it — write it with jax.numpy and jax.lax.scan, without numpy or "
                f"Python `if` on array values"
            ) from None
        except Exception as error:
            raise AssertionError(f"{name} raised {type(error).__name__} when traced by jax: {error}") from error
    if sizes[0] != sizes[1]:
        raise AssertionError(
            f"{name}: its program grows with the number of steps ({sizes[0]} operations for {n_steps[0]} steps, "
            f"{sizes[1]} for {n_steps[1]}) — a Python loop is unrolled when compiled; run the steps with "
            f"jax.lax.scan over jnp.arange(n_steps)"
        )


def _tiny_params(seed: int) -> dict[str, jax.Array]:
    return _init_sae(jax.random.key(seed), _LATENTS, _INPUTS)


# ---------------------------------------------------------------- lesson 6: building an SAE


def check_init_sae(init_sae) -> None:
    """``init_sae(key, n_latents, n_inputs)`` -> params: ``W_dec`` rows random unit directions drawn with ``key``
    (isotropic), ``W_enc`` equal to ``W_dec``, ``b_enc`` and ``b_dec`` zero."""
    name, n_tests = "init_sae", 0
    for n_latents, n_inputs in ((8, 2), (5, 7), (2048, 3)):
        case = f"{n_latents} latents, {n_inputs} inputs"
        expected = _init_sae(jax.random.key(0), n_latents, n_inputs)
        params = _params_dict(name, case, call(name, case, init_sae, jax.random.key(0), n_latents, n_inputs), expected)
        norms = np.linalg.norm(params["W_dec"], axis=1)
        if not np.allclose(norms, 1.0, atol=1e-4):
            columns = np.linalg.norm(params["W_dec"], axis=0)
            hint = " — you normalised the columns: normalise each row (axis=1)" if np.allclose(columns, 1.0) else ""
            raise AssertionError(
                f"{name} on {case}: the decoder rows must have unit norm, got norms from {norms.min():.3g} to "
                f"{norms.max():.3g}{hint}"
            )
        assert_close(name, f"{case}: W_enc must start equal to W_dec", params["W_enc"], params["W_dec"])
        assert_close(name, f"{case}: b_enc must start at 0", params["b_enc"], np.zeros(n_latents))
        assert_close(name, f"{case}: b_dec must start at 0", params["b_dec"], np.zeros(n_inputs))
        n_tests += 1
    # 2048 random unit directions in 3 dimensions: their mean is about 0 and each coordinate's mean square 1/3.
    mean = np.linalg.norm(params["W_dec"].mean(axis=0))
    spread = np.mean(params["W_dec"] ** 2, axis=0)
    if mean > 0.1 or np.any(np.abs(spread - 1 / 3) > 0.05):
        raise AssertionError(
            f"{name} on {case}: the directions are not spread evenly over the sphere (their mean has norm "
            f"{mean:.2f}, expected about 0) — draw the rows from a normal distribution (jax.random.normal), then "
            f"normalise"
        )
    again = call(name, case, init_sae, jax.random.key(0), n_latents, n_inputs)
    other = call(name, case, init_sae, jax.random.key(1), n_latents, n_inputs)
    if not np.array_equal(np.asarray(again["W_dec"]), params["W_dec"]):
        raise AssertionError(f"{name}: the same key must give the same params — draw with `key`")
    if np.allclose(np.asarray(other["W_dec"]), params["W_dec"]):
        raise AssertionError(f"{name}: two different keys gave the same directions — draw them with `key`")
    passed(name, n_tests + 3)


def check_sae_train_step(sae_train_step) -> None:
    """``sae_train_step(params, opt_state, x, l1_coefficient, optimizer)`` -> (params, opt_state, loss): one step
    of ``optimizer`` on the gradient of ``sae_loss``; ``loss`` is the loss before the update."""
    name, n_tests = "sae_train_step", 0
    rng = np.random.default_rng(21)
    for label, optimizer in (("optax.adam(0.05)", _CHECK_OPTIMIZER),):
        params = {
            **_tiny_params(3),
            "b_enc": jnp.asarray(rng.normal(scale=0.3, size=_LATENTS), jnp.float32),
            "b_dec": jnp.asarray(rng.normal(scale=0.3, size=_INPUTS), jnp.float32),
        }
        expected_params, opt_state, expected_state = params, optimizer.init(params), optimizer.init(params)
        compiled = jax.jit(sae_train_step, static_argnums=4)  # one compilation for the three steps
        for step in range(3):
            case = f"step {step + 1} of 3 with {label}, l1_coefficient=0.3"
            x = jnp.asarray(rng.normal(size=(_BATCH, _INPUTS)), jnp.float32)
            try:
                result = call(name, case, compiled, params, opt_state, x, 0.3, optimizer)
            except AssertionError as error:
                if isinstance(error.__cause__, NOT_DIFFERENTIABLE):
                    raise AssertionError(
                        f"{name}: jax cannot compile it — write it with jax.numpy (jnp), not numpy, and without "
                        f"Python `if` on array values"
                    ) from None
                raise
            if not isinstance(result, tuple) or len(result) != 3:
                raise AssertionError(f"{name} on {case}: return (params, opt_state, loss)")
            expected = _jitted_train_step(expected_params, expected_state, x, 0.3, optimizer)
            loss = as_array(name, case, result[2])
            if loss.shape == () and np.isclose(loss, _sae_loss(expected[0], x, 0.3), rtol=1e-4):
                raise AssertionError(f"{name} on {case}: return the loss before the update, not after")
            assert_close(name, f"{case}: the loss", loss, expected[2], rtol=1e-4)
            got = _params_dict(name, case, result[0], expected[0])
            for key, value in expected[0].items():
                hint = "" if step == 0 else " (on later steps too: return the new optimiser state)"
                assert_close(name, f"{case}: the new {key}{hint}", got[key], value, atol=1e-5, rtol=1e-3)
            params, opt_state = result[0], result[1]
            expected_params, expected_state = expected[0], expected[1]
            n_tests += 1
    passed(name, n_tests)


def check_train_sae_loop(train_sae_loop) -> None:
    """``train_sae_loop(params, key, draw, l1_coefficient, learning_rate, n_steps, batch_size)`` -> (params,
    losses): ``n_steps`` Adam steps of ``sae_train_step`` in one ``jax.lax.scan``, step t on the batch
    ``draw(jax.random.fold_in(key, t), batch_size)``; losses (n_steps,), each step's loss before its update."""
    name = "train_sae_loop"
    params, key = _tiny_params(0), jax.random.key(10)
    _assert_one_scan(name, lambda steps: train_sae_loop(params, key, check_draw, 0.1, 1e-2, steps, 16), (2, 5))
    # One compiled run (a compilation is most of a check's time) with settings no default matches.
    l1_coefficient, learning_rate, n_steps = 0.3, 2e-2, 8
    case = f"{n_steps} steps, l1_coefficient={l1_coefficient}, learning_rate={learning_rate}, batch_size 16"
    result = call(name, case, train_sae_loop, params, key, check_draw, l1_coefficient, learning_rate, n_steps, 16)
    expected = _train_loop(params, key, check_draw, l1_coefficient, learning_rate, n_steps, 16)
    _trajectory(name, case, result, expected, n_steps)
    passed(name, 2)


def _resampling_params(seed: int) -> dict[str, jax.Array]:
    """Latents 0 and 1 dead from the start (b_enc = −10), latent 2 rare (it fires on a few batches only)."""
    params = _tiny_params(seed)
    b_enc = params["b_enc"].at[:2].set(-10.0).at[2].set(-1.1)
    W_enc = params["W_enc"].at[2].set(jnp.asarray(_FEATURES[3]))
    return {**params, "b_enc": b_enc, "W_enc": W_enc}


def check_train_sae_with_resampling(train_sae_with_resampling) -> None:
    """``train_sae_with_resampling(params, key, draw, l1_coefficient, learning_rate, n_steps, batch_size,
    resample_every, resample)`` -> (params, losses): the loop of ``train_sae_loop`` that also counts, per latent,
    the steps since it last fired (on the step's batch, before the update) and, after the update of every step t
    with (t + 1) % resample_every == 0, replaces params by ``resample(params, dead, x, key)`` with ``dead`` the
    latents that have not fired for ``resample_every`` steps and x the step's batch."""
    name = "train_sae_with_resampling"
    params, key = _resampling_params(0), jax.random.key(20)

    def run(steps):
        return train_sae_with_resampling(params, key, check_draw, 0.1, 1e-2, steps, 16, 3, _resample_with_a_fixed_key)

    _assert_one_scan(name, run, (3, 9))
    n_steps, resample_every = 12, 4
    case = f"{n_steps} steps, resample_every={resample_every}, latents 0 and 1 dead, latent 2 rare"
    args = (params, key, check_draw, 0.1, 1e-2, n_steps, 16, resample_every, _resample_with_a_fixed_key)
    result = call(name, case, train_sae_with_resampling, *args)
    _trajectory(name, case, result, _train_with_resampling(*args), n_steps)
    passed(name, 2)


# ---------------------------------------------------------------- lesson 7: Gated and JumpReLU


def _gated_params(rng: np.random.Generator, n_latents: int, n_inputs: int) -> dict[str, jax.Array]:
    params = {
        "W_enc": rng.normal(size=(n_latents, n_inputs)),
        "b_enc": rng.normal(scale=0.5, size=n_latents),
        "W_dec": rng.normal(size=(n_latents, n_inputs)),  # rows not unit: the norm weighting shows
        "b_dec": rng.normal(scale=0.3, size=n_inputs),
        "r_mag": rng.normal(scale=0.5, size=n_latents),
        "b_mag": rng.normal(scale=0.5, size=n_latents),
    }
    return {key: jnp.asarray(value, jnp.float32) for key, value in params.items()}


def _assert_loss_and_gradient(name: str, student, reference, cases: list[tuple[str, tuple]], static=()) -> int:
    """The value and the gradient with respect to params (the first argument) on every case; all cases share their
    shapes and ``static`` arguments, so each function compiles once."""
    student_grad = jax.jit(jax.value_and_grad(student), static_argnums=static)
    reference_grad = jax.jit(jax.value_and_grad(reference), static_argnums=static)
    for case, args in cases:
        try:
            value, got = student_grad(*args)
        except NOT_DIFFERENTIABLE:
            raise AssertionError(
                f"{name}: jax cannot differentiate it — write it with jax.numpy (jnp), not numpy, and without "
                f"Python `if` on array values"
            ) from None
        except NotImplementedError:
            raise AssertionError(
                f"{name}: not written yet — replace `raise NotImplementedError` with your code"
            ) from None
        except Exception as error:
            raise AssertionError(f"{name} raised {type(error).__name__} on {case}: {error}") from error
        expected_value, expected = reference_grad(*args)
        assert_close(name, case, value, expected_value, rtol=1e-4)
        got = _params_dict(name, f"the gradient on {case}", got, expected)
        for key in expected:
            assert_close(name, f"the gradient on {case} (d/d{key})", got[key], expected[key], atol=1e-4, rtol=1e-3)
    return 2 * len(cases)


def check_gated_loss(gated_loss) -> None:
    """``gated_loss(params, x, l1_coefficient)`` -> the batch mean of ‖x − x̂‖² + λ Σ_j ReLU(π_gate)_j ‖d_j‖ +
    ‖x − x̂_frozen(ReLU(π_gate))‖², with x̂ from ``gated_encode`` and x̂_frozen decoding through a W_dec and b_dec
    that pass no gradient (``jax.lax.stop_gradient``)."""
    rng = np.random.default_rng(22)
    cases = []
    for seed in (1, 2):
        params = _gated_params(rng, 8, 3)
        x = jnp.asarray(rng.normal(size=(16, 3)), jnp.float32)
        for l1_coefficient in (0.0, 0.5):
            case = f"random params {seed}, 8 latents, l1_coefficient={l1_coefficient}"
            cases.append((case, (params, x, l1_coefficient)))
    name = "gated_loss"
    passed(name, _assert_loss_and_gradient(name, gated_loss, _gated_loss, cases))


def _with_bandwidth(function, bandwidth, pre_activations, threshold):
    return function(pre_activations, threshold, bandwidth)


def check_jumprelu_st(jumprelu_st) -> None:
    """``jumprelu_st(pre_activations, threshold, bandwidth)`` -> z · H(z − θ), a ``jax.custom_vjp`` whose backward
    pass gives z the gradient g · H(z − θ) and θ (latents,) the pseudo-derivative Σ_batch g · (−θ/ε) K((z − θ)/ε)
    for the incoming gradient g."""
    name, n_tests = "jumprelu_st", 0
    rng = np.random.default_rng(23)
    threshold = jnp.asarray(rng.uniform(0.2, 1.0, size=5), jnp.float32)
    near = threshold + jnp.asarray(rng.uniform(-0.06, 0.06, size=(20, 5)), jnp.float32)
    mixed = jnp.asarray(rng.normal(scale=0.8, size=(12, 5)), jnp.float32)
    cases = [
        ("pre-activations within ±0.06 of θ, ε = 0.1", near, 0.1),
        ("the same with ε = 0.05 (some outside the window)", near, 0.05),
        ("random pre-activations, ε = 0.5", mixed, 0.5),
    ]
    for case, pre, bandwidth in cases:
        value = call(name, case, jumprelu_st, pre, threshold, bandwidth)
        assert_close(name, case, value, jnp.where(pre > threshold, pre, 0.0))
        g = jnp.asarray(rng.normal(size=pre.shape), jnp.float32)  # an incoming gradient that is not all ones
        try:
            _, backward = jax.vjp(functools.partial(_with_bandwidth, jumprelu_st, bandwidth), pre, threshold)
            grad_z, grad_threshold = backward(g)
        except NOT_DIFFERENTIABLE:
            raise AssertionError(f"{name}: jax cannot differentiate it — write it with jax.numpy (jnp)") from None
        except Exception as error:
            raise AssertionError(
                f"{name} raised {type(error).__name__} in its backward pass on {case}: {error} — the gradient of "
                f"θ must have θ's shape (latents,): sum over the batch"
            ) from error
        _, expected_backward = jax.vjp(functools.partial(_with_bandwidth, _jumprelu_st, bandwidth), pre, threshold)
        expected_z, expected_threshold = expected_backward(g)
        if np.allclose(np.asarray(grad_threshold), 0.0) and not np.allclose(expected_threshold, 0.0):
            raise AssertionError(
                f"{name} on {case}: the threshold gets no gradient — define the backward pass with jax.custom_vjp "
                f"(z · H(z − θ) written with jnp alone has gradient 0 with respect to θ)"
            )
        assert_close(name, f"{case}: the gradient of z", grad_z, expected_z)
        assert_close(name, f"{case}: the gradient of θ", grad_threshold, expected_threshold, atol=1e-4)
        n_tests += 3
    passed(name, n_tests)


def _jumprelu_params(rng: np.random.Generator, n_latents: int, n_inputs: int) -> dict[str, jax.Array]:
    params = {
        "W_enc": rng.normal(size=(n_latents, n_inputs)),
        "b_enc": rng.normal(scale=0.3, size=n_latents),
        "W_dec": rng.normal(size=(n_latents, n_inputs)),
        "b_dec": rng.normal(scale=0.3, size=n_inputs),
        "log_threshold": np.log(rng.uniform(0.2, 0.6, size=n_latents)),
    }
    return {key: jnp.asarray(value, jnp.float32) for key, value in params.items()}


def check_jumprelu_loss(jumprelu_loss) -> None:
    """``jumprelu_loss(params, x, l0_coefficient, bandwidth)`` -> the batch mean of ‖x − x̂‖² + λ Σ_j H(z_j − θ_j),
    θ = exp(log_threshold), x̂ = JumpReLU_θ(z) W_dec + b_dec; the JumpReLU and the step H pass the
    straight-through pseudo-derivatives to θ."""
    rng = np.random.default_rng(24)
    cases = []
    for seed in (1, 2):
        params = _jumprelu_params(rng, 8, 3)
        x = jnp.asarray(rng.normal(scale=0.7, size=(32, 3)), jnp.float32)
        for l0_coefficient in (0.1, 1.0):
            case = f"random params {seed}, 8 latents, l0_coefficient={l0_coefficient}, bandwidth=0.3"
            cases.append((case, (params, x, l0_coefficient, 0.3)))
    name = "jumprelu_loss"
    passed(name, _assert_loss_and_gradient(name, jumprelu_loss, _jumprelu_loss, cases, static=(3,)))


def check_train_end_to_end(train_end_to_end) -> None:
    """``train_end_to_end(loss, params, key, draw, learning_rate, n_steps, batch_size)`` -> (params, losses):
    ``n_steps`` Adam steps on ``loss(params, x)`` in one ``jax.lax.scan``, step t on the batch
    ``draw(jax.random.fold_in(key, t), batch_size)``, each followed by normalising the rows of W_dec to unit norm;
    losses (n_steps,), each step's loss before its update."""
    name = "train_end_to_end"
    params = {**_tiny_params(5), "log_threshold": jnp.full(_LATENTS, jnp.log(0.1))}
    _assert_one_scan(
        name,
        lambda steps: train_end_to_end(_jumprelu_check_loss, params, jax.random.key(0), check_draw, 1e-2, steps, 16),
        (2, 5),
    )
    key, learning_rate, n_steps = jax.random.key(30), 3e-2, 7
    case = f"the JumpReLU loss (l0_coefficient=0.1, bandwidth=0.2), {n_steps} steps, learning_rate={learning_rate}"
    result = call(
        name, case, train_end_to_end, _jumprelu_check_loss, params, key, check_draw, learning_rate, n_steps, 16
    )
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], dict) and "W_dec" in result[0]:
        norms = np.linalg.norm(np.asarray(result[0]["W_dec"]), axis=1)
        if not np.allclose(norms, 1.0, atol=1e-4):
            raise AssertionError(
                f"{name} on {case}: the final decoder rows have norms from {norms.min():.3g} to "
                f"{norms.max():.3g} — normalise each row of W_dec to unit norm after every update"
            )
    expected = _train_end_to_end(_jumprelu_check_loss, params, key, check_draw, learning_rate, n_steps, 16)
    _trajectory(name, case, result, expected, n_steps)
    passed(name, 2)


def _jumprelu_check_loss(params, x):
    return _jumprelu_loss(params, x, 0.1, 0.2)
