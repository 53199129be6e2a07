"""Checks of the exercises of lesson 0 (the JAX primer): immutable updates, a gradient step on a pytree, vmap over
instances, and a training loop in ``lax.scan`` with one batch key per step.

Each ``check_<function>(student_function)`` runs the student's function on small inputs, compares it with the
reference below, prints ✓ or raises ``AssertionError`` saying what went wrong. Data are batch-first:
``x`` has shape (batch, features).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ._harness import as_array, assert_close, call, passed

# ---------------------------------------------------------------- exercise 0.1: arrays are immutable


def _zero_feature(x, i):
    zeroed = np.array(x, dtype=np.float64)
    zeroed[:, i] = 0.0
    return zeroed


def _call_immutable(name: str, case: str, function, *args):
    """``call``, with JAX's "arrays are immutable" error turned into the hint the exercise is about."""
    try:
        return call(name, case, function, *args)
    except AssertionError as error:
        if "immutable" in str(error) or "does not support item assignment" in str(error):
            raise AssertionError(
                f"{name} on {case}: JAX arrays are immutable, so `x[:, i] = 0.0` fails — "
                f"write `x.at[:, i].set(0.0)`, which returns a new array"
            ) from error
        raise


def check_zero_feature(zero_feature) -> None:
    """``zero_feature(x, i)`` with x (batch, features) -> a new array equal to x with feature (column) i set to 0;
    works on jax arrays (immutable: assignment fails) and inside jax.jit with i traced."""
    name = "zero_feature"
    rng = np.random.default_rng(0)
    cases = []
    for batch, n_features, i in ((4, 6, 3), (3, 7, 0), (5, 2, 1), (1, 5, 4), (5, 5, 2)):
        x = rng.uniform(0.1, 1.0, size=(batch, n_features)).astype(np.float32)
        cases.append((f"x {x.shape}, i={i}", x, i))
    for case, x, i in cases:
        got = _call_immutable(name, case, zero_feature, jnp.asarray(x), i)
        got_array = as_array(name, case, got)
        if got_array.shape == x.shape[::-1] and x.shape[0] != x.shape[1]:
            raise AssertionError(
                f"{name} on {case}: returned shape {got_array.shape}, expected {x.shape} — transposed? x is "
                f"(batch, features) and feature i is column i"
            )
        if got_array.shape != x.shape:
            raise AssertionError(
                f"{name} on {case}: returned shape {got_array.shape}, expected {x.shape} — keep every feature, "
                f"set column i to 0"
            )
        expected = _zero_feature(x, i)
        if np.allclose(got_array, np.where(np.arange(x.shape[1]) == i, x, 0.0)):
            raise AssertionError(f"{name} on {case}: you kept only feature {i}; set feature {i} to 0 and keep the rest")
        if not np.allclose(got_array[:, i], 0.0):
            raise AssertionError(f"{name} on {case}: column {i} (feature {i}) must be all 0, got {got_array[:, i]}")
        assert_close(name, f"{case} (the other features must be unchanged)", got_array, expected)
    case, x, i = cases[0]
    case = f"inside jax.jit, with i traced ({case})"
    try:
        traced = jax.jit(zero_feature)(jnp.asarray(x), jnp.asarray(i))
    except (jax.errors.TracerIntegerConversionError, jax.errors.ConcretizationTypeError, TypeError, IndexError):
        raise AssertionError(
            f"{name}: it must also work inside jax.jit, where i is a traced value, not a Python int — "
            f"use x.at[:, i].set(0.0) or jnp.where"
        ) from None
    except Exception as error:
        raise AssertionError(f"{name} raised {type(error).__name__} on {case}: {error}") from error
    assert_close(name, case, traced, _zero_feature(x, i))
    passed(name, len(cases) + 1)


# ---------------------------------------------------------------- exercise 0.2: a gradient step on a pytree


def _gradient_step(loss_fn, params, batch, learning_rate):
    loss, grads = jax.value_and_grad(loss_fn)(params, batch)
    return loss, jax.tree.map(lambda p, g: p - learning_rate * g, params, grads)


def _linear_loss(w, batch):
    x, y = batch
    return jnp.mean((x @ w - y) ** 2)


def _autoencoder_loss(params, x):
    """The toy model, batch-first: x' = ReLU(x Wᵀ W + b), summed over features, averaged over the batch."""
    reconstructed = jax.nn.relu(x @ params["W"].T @ params["W"] + params["b"])
    return jnp.mean(jnp.sum((x - reconstructed) ** 2, axis=1))


def _nested_loss(params, x):
    hidden = jnp.tanh(x @ params["encoder"]["W"].T + params["encoder"]["b"])
    return jnp.mean((hidden @ params["readout"][0] + params["readout"][1] - 1.0) ** 2)


def _assert_same_tree(name: str, case: str, got, expected, what: str) -> None:
    """Same pytree structure as ``expected``, every leaf close."""
    try:
        got_structure = jax.tree.structure(got)
    except Exception:  # not a pytree jax can read
        got_structure = None
    if got_structure != jax.tree.structure(expected):
        raise AssertionError(
            f"{name} on {case}: {what} should have the structure of params, {jax.tree.structure(expected)}, "
            f"got {got_structure} — map over every leaf with jax.tree.map"
        )
    for (path, got_leaf), expected_leaf in zip(
        jax.tree_util.tree_flatten_with_path(got)[0], jax.tree.leaves(expected), strict=True
    ):
        assert_close(name, f"{case}, {what}{jax.tree_util.keystr(path)}", got_leaf, expected_leaf)


def _pair(name: str, case: str, result, pair: str) -> tuple:
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise AssertionError(f"{name} on {case}: return a pair {pair}, got {type(result).__name__}")
    return tuple(result)


@functools.cache
def _gradient_cases() -> list[tuple]:
    """(case, loss_fn, params, batch, learning_rate, expected loss, expected params, loss after), computed once."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 3)).astype(np.float32)
    linear = (jnp.asarray(rng.normal(size=3), jnp.float32), (jnp.asarray(x), jnp.asarray(x @ [1.0, -2.0, 0.5])))
    toy = (
        {"W": jnp.asarray(rng.normal(size=(2, 5)), jnp.float32), "b": jnp.full(5, -0.1, jnp.float32)},
        jnp.asarray(rng.uniform(size=(32, 5)), jnp.float32),
    )
    nested = (
        {
            "encoder": {"W": jnp.asarray(rng.normal(size=(4, 3)), jnp.float32), "b": jnp.zeros(4, jnp.float32)},
            "readout": (jnp.asarray(rng.normal(size=4), jnp.float32), jnp.asarray(0.3, jnp.float32)),
        },
        jnp.asarray(x),
    )
    cases = [
        ("params one array (linear regression)", _linear_loss, *linear, 0.1),
        ('params {"W", "b"} (the toy model, batch-first)', _autoencoder_loss, *toy, 0.05),
        ("params nested dicts and a tuple", _nested_loss, *nested, 0.2),
        ("learning_rate=0 (params unchanged)", _autoencoder_loss, *toy, 0.0),
    ]
    completed = []
    for case, loss_fn, params, batch, learning_rate in cases:
        loss, new_params = _gradient_step(loss_fn, params, batch, learning_rate)
        completed.append((case, loss_fn, params, batch, learning_rate, loss, new_params, loss_fn(new_params, batch)))
    return completed


def check_gradient_step(gradient_step) -> None:
    """``gradient_step(loss_fn, params, batch, learning_rate)`` -> (loss, new_params): the loss at params (before
    the step) and params − learning_rate · ∇loss, with the structure of params (an array, a dict, nested)."""
    name = "gradient_step"
    cases = _gradient_cases()
    for case, loss_fn, params, batch, learning_rate, expected_loss, expected_params, loss_after in cases:
        before = jax.tree.map(np.array, params)
        result = call(name, case, gradient_step, loss_fn, params, batch, learning_rate)
        loss, new_params = _pair(name, case, result, "(loss, new_params)")
        loss_array = as_array(name, case, loss)
        if loss_array.shape != ():
            raise AssertionError(f"{name} on {case}: the loss should be one number, got shape {loss_array.shape}")
        if not np.isclose(loss_array, expected_loss, rtol=1e-4, atol=1e-6):
            after = np.isclose(loss_array, loss_after, rtol=1e-4, atol=1e-6)
            hint = " — that is the loss after the step; return the one at params" if after else ""
            raise AssertionError(f"{name} on {case}: loss {float(loss):.6g}, expected {float(expected_loss):.6g}{hint}")
        if learning_rate > 0 and jax.tree.structure(new_params) == jax.tree.structure(params):
            uphill = jax.tree.map(lambda old, new: 2 * old - np.asarray(new), before, expected_params)
            leaves = zip(jax.tree.leaves(new_params), jax.tree.leaves(uphill), strict=True)
            if all(np.allclose(got, ascent, rtol=1e-4, atol=1e-6) for got, ascent in leaves):
                raise AssertionError(
                    f"{name} on {case}: the step goes uphill — subtract learning_rate × gradient, do not add it"
                )
        _assert_same_tree(name, case, new_params, expected_params, "new_params")
    passed(name, len(cases))


# ---------------------------------------------------------------- exercise 0.3: vmap over instances


def _toy_loss(W, x, xp=jnp):
    """One toy model's loss on a batch: W (hidden, features), x (batch, features)."""
    reconstructed = xp.maximum(x @ W.T @ W - 0.1, 0.0)
    return xp.mean(xp.sum((x - reconstructed) ** 2, axis=-1))


def _norm_loss(W, x, xp=jnp):
    """Another loss, so that a function that ignores loss_fn cannot pass."""
    return xp.mean(xp.abs(x @ W.T)) + xp.sum(W**2)


def _instance_losses(loss_fn, W, x):
    """The reference in numpy (no compilation per shape)."""
    W, x = np.asarray(W, np.float64), np.asarray(x, np.float64)
    return np.array([loss_fn(w, x, np) for w in W])


@functools.cache
def _ensemble_cases() -> list[tuple]:
    """(case, loss_fn, W, x, expected losses, losses if instance k saw only sample k), computed once."""
    rng = np.random.default_rng(3)
    cases = []
    for label, loss_fn, (n_instances, n_hidden, n_features, batch) in (
        # As many instances as samples: mapping over x too would not fail on shapes.
        ("the toy model's loss", _toy_loss, (4, 3, 4, 4)),
        ("the toy model's loss", _toy_loss, (3, 2, 5, 8)),
        ("another loss", _norm_loss, (5, 2, 3, 6)),
        ("the toy model's loss, one instance", _toy_loss, (1, 2, 5, 8)),
    ):
        W = rng.normal(size=(n_instances, n_hidden, n_features)).astype(np.float32)
        x = rng.uniform(size=(batch, n_features)).astype(np.float32)
        per_sample = (
            [loss_fn(w, sample[None], np) for w, sample in zip(W, x, strict=False)] if len(W) == len(x) else None
        )
        case = f"{label}, W {W.shape}, x {x.shape}"
        cases.append((case, loss_fn, jnp.asarray(W), jnp.asarray(x), _instance_losses(loss_fn, W, x), per_sample))
    return cases


def check_ensemble_losses(ensemble_losses) -> None:
    """``ensemble_losses(loss_fn, W, x)`` with W (instances, hidden, features) and one batch x (batch, features)
    shared by every instance -> (instances,): entry k is loss_fn(W[k], x)."""
    name = "ensemble_losses"
    cases = _ensemble_cases()
    for case, loss_fn, W, x, expected, per_sample in cases:
        got = as_array(name, case, call(name, case, ensemble_losses, loss_fn, W, x))
        if got.shape != expected.shape:
            hint = (
                " — one loss per instance, not their mean"
                if got.shape == ()
                else " — map over W's first axis only: jax.vmap(loss_fn, in_axes=(0, None))"
            )
            raise AssertionError(f"{name} on {case}: returned shape {got.shape}, expected {expected.shape}{hint}")
        if per_sample is not None and np.allclose(got, per_sample):
            raise AssertionError(
                f"{name} on {case}: instance k got only sample k of x — every instance sees the whole batch: "
                f"in_axes=(0, None)"
            )
        assert_close(name, case, got, expected)
    passed(name, len(cases))


# ---------------------------------------------------------------- exercise 0.4: a training loop in lax.scan


def _train(loss_fn, params, key, n_steps, learning_rate):
    def step(params, t):
        loss, grads = jax.value_and_grad(loss_fn)(params, jax.random.fold_in(key, t))
        return jax.tree.map(lambda p, g: p - learning_rate * g, params, grads), loss

    return jax.lax.scan(step, params, jnp.arange(n_steps))


def _toy_batch_loss(params, key):
    """The toy model on a fresh sparse batch drawn from ``key`` (batch-first)."""
    active_key, value_key = jax.random.split(key)
    x = jnp.where(jax.random.uniform(active_key, (64, 5)) < 0.2, jax.random.uniform(value_key, (64, 5)), 0.0)
    return _autoencoder_loss(params, x)


@functools.cache
def _train_cases() -> list[tuple]:
    """(case, loss_fn, params, key, n_steps, learning_rate, expected params, expected losses), computed once."""
    rng = np.random.default_rng(4)
    params = {"W": jnp.asarray(rng.normal(size=(2, 5)), jnp.float32), "b": jnp.zeros(5)}
    # One case: each costs a compilation of the student's scan.
    cases = [("the toy model on sparse batches, 5 steps", _toy_batch_loss, params, 5, 0.05)]
    completed = []
    for index, (case, loss_fn, params, n_steps, learning_rate) in enumerate(cases):
        key = jax.random.key(index + 10)
        expected = _train(loss_fn, params, key, n_steps, learning_rate)
        completed.append((case, loss_fn, params, key, n_steps, learning_rate, *expected))
    return completed


def check_train(train) -> None:
    """``train(loss_fn, params, key, n_steps, learning_rate)`` -> (params, losses): n_steps gradient steps, step t
    on loss_fn(params, jax.random.fold_in(key, t)); losses (n_steps,) holds each step's loss before its update."""
    name = "train"
    cases = _train_cases()
    for case, loss_fn, params, key, n_steps, learning_rate, expected_params, expected_losses in cases:
        result = call(name, case, train, loss_fn, params, key, n_steps, learning_rate)
        new_params, losses = _pair(name, case, result, "(params, losses)")
        losses = as_array(name, case, losses)
        if losses.shape != (n_steps,):
            raise AssertionError(f"{name} on {case}: losses has shape {losses.shape}, expected ({n_steps},)")
        wrong = ~np.isclose(losses, expected_losses, rtol=1e-4, atol=1e-6)
        if np.any(wrong):
            t = int(np.argmax(wrong))
            at_start = [float(loss_fn(params, jax.random.fold_in(key, step))) for step in range(n_steps)]
            if np.isclose(losses[0], float(loss_fn(params, key)), rtol=1e-4, atol=1e-6):
                hint = "step 0's batch came from `key` itself; step t's batch key is jax.random.fold_in(key, t)"
            elif np.isclose(losses[0], at_start[1], rtol=1e-4, atol=1e-6):
                hint = "one off: step 0's batch key is jax.random.fold_in(key, 0)"
            elif t == 0:
                hint = "step 0's loss is loss_fn(params, fold_in(key, 0)) at the initial params, before any update"
            elif np.allclose(losses, at_start, rtol=1e-4, atol=1e-6):
                hint = "every step used the initial params — carry the updated params from one step to the next"
            else:
                hint = (
                    "is step t's batch drawn from jax.random.fold_in(key, t), its loss taken before the update, "
                    "and are the updated params carried to the next step?"
                )
            raise AssertionError(
                f"{name} on {case}: losses[{t}] = {losses[t]:.6g}, expected {float(expected_losses[t]):.6g} — {hint}"
            )
        _assert_same_tree(name, case, new_params, expected_params, "the final params")
    passed(name, 2 * len(cases))  # the losses and the final params
