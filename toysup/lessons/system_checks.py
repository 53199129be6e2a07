"""Checks of the exercises that build systems in lessons 1 and 5: the toy model's initialisation, its training
step, the whole run as one ``jax.lax.scan``, many instances with ``jax.vmap``; the correlated and
anticorrelated feature generators; the hidden-ReLU and |x| models.

A training check runs tiny models for a few dozen steps and compares the student's losses and parameters with
the run that the student's own pieces (``init_params``, ``draw_sparse_features``, ``train_step`` as defined in
the notebook, else the references below) give when put together as the lesson says: the same key split, a
fresh batch from ``fold_in(data_key, step)`` every step. A run that draws the same batch twice, forgets the
optimiser's state or maps the wrong axis cannot match it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import scipy.stats

from ._harness import as_array, assert_close, call, compare, passed, shapes
from .checks import NOT_TRACEABLE, assert_differentiable, most_correlated

# ---------------------------------------------------------------- lesson 1: the trainer


def _init_params(key, n_features, n_hidden):
    scale = jnp.sqrt(2 / (n_features + n_hidden))
    return {"W": scale * jax.random.normal(key, (n_hidden, n_features)), "b": jnp.zeros(n_features)}


def _draw_sparse_features(key, feature_probability, n_features, batch_size):
    active_key, value_key = jax.random.split(key)
    active = jax.random.uniform(active_key, (batch_size, n_features)) < feature_probability
    return jnp.where(active, jax.random.uniform(value_key, (batch_size, n_features)), 0.0)


def _loss(params, x, importance):
    reconstructed = jax.nn.relu((x @ params["W"].T) @ params["W"] + params["b"])
    return jnp.mean(jnp.sum(importance * (x - reconstructed) ** 2, axis=1))


def _train_step(params, optimizer_state, x, importance, optimizer):
    loss, grads = jax.value_and_grad(_loss)(params, x, importance)
    updates, optimizer_state = optimizer.update(grads, optimizer_state, params)
    return optax.apply_updates(params, updates), optimizer_state, loss


_REFERENCES: dict[str, Callable] = {
    "init_params": _init_params,
    "draw_sparse_features": _draw_sparse_features,
    "train_step": _train_step,
}


def _pieces(student: Any, names: tuple[str, ...]) -> dict[str, Callable]:
    """The functions called ``names`` in the namespace where ``student`` was defined (the notebook), or the
    references: the run the student's own pieces give is the one their training function must reproduce."""
    namespace = getattr(student, "__globals__", {})
    found = {}
    for name in names:
        value = namespace.get(name)
        found[name] = value if callable(value) else _REFERENCES[name]
    return found


def _train_model(pieces, key, feature_probability, importance, n_hidden, optimizer, steps, batch_size):
    init_key, data_key = jax.random.split(key)
    n_features = importance.shape[0]
    params = pieces["init_params"](init_key, n_features, n_hidden)

    def step(carry, index):
        params, optimizer_state = carry
        x = pieces["draw_sparse_features"](
            jax.random.fold_in(data_key, index), feature_probability, n_features, batch_size
        )
        params, optimizer_state, loss = pieces["train_step"](params, optimizer_state, x, importance, optimizer)
        return (params, optimizer_state), loss

    (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), jnp.arange(steps))
    return params, losses


def _params(name: str, case: str, value: Any, shapes_expected: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """``value`` as a dict of arrays with exactly the expected keys and shapes, or an AssertionError."""
    if not isinstance(value, dict) or set(value) != set(shapes_expected):
        keys = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise AssertionError(f"{name} on {case}: expected a dict with keys {sorted(shapes_expected)}, got {keys}")
    arrays = {key: as_array(name, case, value[key]) for key in shapes_expected}
    for key, shape in shapes_expected.items():
        if arrays[key].shape != shape:
            hint = " — transposed?" if arrays[key].shape == shape[::-1] and len(shape) == 2 else ""
            raise AssertionError(f"{name} on {case}: {key} has shape {arrays[key].shape}, expected {shape}{hint}")
    return arrays


def check_init_params(init_params) -> None:
    """``init_params(key, n_features, n_hidden)`` -> {"W": (n_hidden, n_features), "b": (n_features,)}: W
    Xavier-normal (independent normals, mean 0, standard deviation √(2 / (n + m))) drawn from ``key``, b zero."""
    name, n_tests = "init_params", 0
    for n_features, n_hidden in ((5, 2), (1, 1), (20, 5)):
        case = f"n_features={n_features}, n_hidden={n_hidden}"
        params = _params(
            name,
            case,
            call(name, case, init_params, jax.random.key(n_tests), n_features, n_hidden),
            {"W": (n_hidden, n_features), "b": (n_features,)},
        )
        if np.any(params["b"] != 0):
            raise AssertionError(f"{name} on {case}: the bias b should start at 0, got {params['b']}")
        n_tests += 1
    # The distribution, on enough values for a precise test: 60,000 weights.
    n_features, n_hidden = 400, 150
    case = f"n_features={n_features}, n_hidden={n_hidden}"
    W = _params(
        name,
        case,
        call(name, case, init_params, jax.random.key(3), n_features, n_hidden),
        {"W": (150, 400), "b": (400,)},
    )["W"]
    rows, _, _ = most_correlated(W.T)
    columns, _, _ = most_correlated(W)
    if max(rows, columns) > 0.6:  # independent: below 0.4 (5 standard errors) for every pair
        raise AssertionError(
            f"{name} on {case}: the weights should be independent draws, but rows or columns repeat "
            f"(correlation {max(rows, columns):.2f}) — draw the whole (n_hidden, n_features) array at once"
        )
    scale = np.sqrt(2 / (n_features + n_hidden))
    if abs(W.std() - scale) > 0.02 * scale or abs(W.mean()) > 0.02 * scale:
        raise AssertionError(
            f"{name} on {case}: W should have mean 0 and standard deviation √(2 / (n + m)) = {scale:.4f} "
            f"(Xavier-normal), got mean {W.mean():.4f} and standard deviation {W.std():.4f}"
        )
    test = scipy.stats.kstest(W.ravel() / scale, "norm")
    if test.pvalue < 1e-6:
        raise AssertionError(
            f"{name} on {case}: W should be drawn from a normal distribution (jax.random.normal); yours is "
            f"{test.statistic:.3f} away from normal (Kolmogorov–Smirnov distance)"
        )
    n_tests += 1
    first, second, other = (
        call(name, "three keys", init_params, jax.random.key(seed), 5, 2)["W"] for seed in (7, 7, 8)
    )
    if not np.array_equal(np.asarray(first), np.asarray(second)):
        raise AssertionError(f"{name}: the same key must give the same W — draw it from `key`")
    if np.array_equal(np.asarray(first), np.asarray(other)):
        raise AssertionError(f"{name}: two different keys gave the same W — draw it with the `key` you are given")
    passed(name, n_tests + 2)


def _step_cases() -> list[tuple[str, optax.GradientTransformation, int]]:
    return [
        ("three steps of optax.adam(0.05)", optax.adam(0.05), 3),
        ("one step of optax.sgd(0.1)", optax.sgd(0.1), 1),
        (
            "two steps of optax.adamw(0.05, weight_decay=0.5) (it needs params in optimizer.update)",
            optax.adamw(0.05, weight_decay=0.5),
            2,
        ),
    ]


def check_train_step(train_step) -> None:
    """``train_step(params, optimizer_state, x, importance, optimizer)`` -> (params, optimizer_state, loss):
    the loss at the given params and its gradient by ``jax.value_and_grad``, the optimiser's update
    (``optimizer.update(grads, optimizer_state, params)``) applied with ``optax.apply_updates``."""
    name, n_tests = "train_step", 0
    rng = np.random.default_rng(11)
    n_features, n_hidden, batch = 5, 2, 32
    importance = jnp.asarray(0.8 ** np.arange(n_features), jnp.float32)
    x = jnp.asarray(
        np.where(rng.uniform(size=(batch, n_features)) < 0.4, rng.uniform(size=(batch, n_features)), 0.0), jnp.float32
    )
    start = {
        "W": jnp.asarray(rng.normal(size=(n_hidden, n_features)) * 0.6, jnp.float32),
        "b": jnp.asarray(rng.normal(size=n_features) * 0.1, jnp.float32),
    }
    for label, optimizer, steps in _step_cases():
        params, state = start, optimizer.init(start)
        expected_params, expected_state = start, optimizer.init(start)
        for step in range(steps):
            case = f"step {step + 1} of {label}"
            result = call(name, case, train_step, params, state, x, importance, optimizer)
            if not isinstance(result, tuple) or len(result) != 3:
                raise AssertionError(f"{name} on {case}: return the triple (params, optimizer_state, loss)")
            params, state, loss = result
            expected_params, expected_state, expected_loss = _train_step(
                expected_params, expected_state, x, importance, optimizer
            )
            loss = as_array(name, case, loss)
            if loss.shape != ():
                raise AssertionError(f"{name} on {case}: the loss should be one number, got shape {loss.shape}")
            assert_close(name, f"{case} (the loss, at the params before the update)", loss, expected_loss)
            got = _params(name, case, params, {"W": (n_hidden, n_features), "b": (n_features,)})
            for key in ("W", "b"):
                assert_close(name, f"{case} (the updated {key})", got[key], expected_params[key], atol=1e-5, rtol=1e-3)
        n_tests += 1
    passed(name, n_tests)


_SETTINGS = {"n_hidden": 2, "steps": 25, "batch_size": 64}
_ADAM = optax.adam(0.05)  # one optimiser object for every check, so the compiled reference runs are reused


@functools.lru_cache(maxsize=8)
def _trainer(pieces: tuple[tuple[str, Callable], ...]) -> Callable:
    """``train_model`` put together from ``pieces`` as the lesson says (one function per set of pieces)."""
    return functools.partial(_train_model, dict(pieces))


@functools.lru_cache(maxsize=8)
def _compiled_run(train_model: Callable, steps: int) -> Callable:
    """``train_model`` with the checks' settings, compiled once and reused by every later check."""
    return jax.jit(
        lambda key, probability, importance: train_model(
            key, probability, importance, _SETTINGS["n_hidden"], _ADAM, steps, _SETTINGS["batch_size"]
        )
    )


def check_train_model(train_model) -> None:
    """``train_model(key, feature_probability, importance, n_hidden, optimizer, steps, batch_size)`` ->
    (params, losses of shape (steps,)): ``init_key, data_key = jax.random.split(key)``, params from
    ``init_params(init_key, …)``, then ``steps`` calls of ``train_step`` inside ``jax.lax.scan``, step t on a
    fresh batch ``draw_sparse_features(jax.random.fold_in(data_key, t), …)``; the loss decreases."""
    name, n_tests = "train_model", 0
    pieces = _pieces(train_model, ("init_params", "draw_sparse_features", "train_step"))
    n_features = 5
    importance = jnp.asarray(0.9 ** np.arange(n_features), jnp.float32)
    n_hidden, steps, batch_size = _SETTINGS["n_hidden"], _SETTINGS["steps"], _SETTINGS["batch_size"]
    for seed, probability in ((0, 0.2),):
        optimizer = _ADAM
        case = f"key {seed}, p = {probability}, n = {n_features}, m = {n_hidden}, {steps} steps of Adam"
        args = (jax.random.key(seed), probability, importance, n_hidden, optimizer, steps, batch_size)
        result = call(name, case, train_model, *args)
        if not isinstance(result, tuple) or len(result) != 2:
            raise AssertionError(f"{name} on {case}: return the pair (params, losses)")
        params, losses = result
        losses = as_array(name, case, losses)
        if losses.shape != (steps,):
            raise AssertionError(
                f"{name} on {case}: losses should hold the loss of every step, shape ({steps},), got {losses.shape}"
                " — return the per-step losses that jax.lax.scan stacks"
            )
        if not losses[-5:].mean() < 0.9 * losses[:5].mean():
            raise AssertionError(
                f"{name} on {case}: the loss should decrease, but it went from {losses[:5].mean():.4g} (first 5 "
                f"steps) to {losses[-5:].mean():.4g} (last 5)"
            )
        expected_params, expected_losses = _compiled_run(_trainer(tuple(pieces.items())), steps)(
            args[0], jnp.float32(probability), importance
        )
        for step in range(steps):
            if not np.isclose(losses[step], expected_losses[step], rtol=1e-3, atol=1e-6):
                raise AssertionError(
                    f"{name} on {case}: the loss of step {step} is {losses[step]:.6g}, expected "
                    f"{expected_losses[step]:.6g}{_train_hint(step)}"
                )
        got = _params(name, case, params, {"W": (n_hidden, n_features), "b": (n_features,)})
        for key in ("W", "b"):
            assert_close(
                name,
                f"{case} (the trained {key}: return the params after the last step)",
                got[key],
                expected_params[key],
                atol=1e-4,
                rtol=1e-3,
            )
        n_tests += 1
    passed(name, n_tests + 3)


def _train_hint(step: int) -> str:
    if step == 0:
        return (
            " — split the key with `init_key, data_key = jax.random.split(key)`, initialise with "
            "init_params(init_key, …) and draw step t's batch from jax.random.fold_in(data_key, t)"
        )
    return (
        " — each step needs a fresh batch, jax.random.fold_in(data_key, t), and the params and optimizer "
        "state that the previous step returned (carry them through jax.lax.scan)"
    )


def check_train_instances(train_instances) -> None:
    """``train_instances(keys, feature_probabilities, importance, n_hidden, optimizer, steps, batch_size)`` ->
    (params with a leading instance axis: W (instances, hidden, features), b (instances, features); losses
    (instances, steps)): ``train_model`` for instance i with ``keys[i]`` and ``feature_probabilities[i]``, all
    instances at once with ``jax.vmap``."""
    name = "train_instances"
    # The run of each instance is compared with the one the student's pieces give (check_train_model has shown
    # that their train_model gives it too): the compiled reference of check_train_model is reused.
    pieces = _pieces(train_instances, ("init_params", "draw_sparse_features", "train_step"))
    n_features, n_hidden, steps, batch_size = 5, _SETTINGS["n_hidden"], _SETTINGS["steps"], _SETTINGS["batch_size"]
    importance = jnp.asarray(0.9 ** np.arange(n_features), jnp.float32)
    keys = jax.random.split(jax.random.key(4), 3)
    probabilities = jnp.array([1.0, 0.3, 0.05])
    optimizer = _ADAM
    case = f"3 instances (p = 1, 0.3, 0.05), n = {n_features}, m = {n_hidden}, {steps} steps"
    result = call(name, case, train_instances, keys, probabilities, importance, n_hidden, optimizer, steps, batch_size)
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(f"{name} on {case}: return the pair (params, losses), each with a leading instance axis")
    params, losses = result
    losses = as_array(name, case, losses)
    if losses.shape != (3, steps):
        hint = " — transposed? Instances go on the first axis" if losses.shape == (steps, 3) else ""
        raise AssertionError(
            f"{name} on {case}: losses should have shape (instances, steps) = {(3, steps)}, got {losses.shape}{hint}"
        )
    got = _params(name, case, params, {"W": (3, n_hidden, n_features), "b": (3, n_features)})
    one = _compiled_run(_trainer(tuple(pieces.items())), steps)
    for index in range(3):
        expected_params, expected_losses = one(keys[index], probabilities[index], importance)
        instance = f"{case}, instance {index} (keys[{index}], p = {float(probabilities[index]):g})"
        assert_close(
            name,
            f"{instance}: its losses, as train_model gives them",
            losses[index],
            expected_losses,
            atol=1e-5,
            rtol=1e-3,
        )
        for key in ("W", "b"):
            assert_close(name, f"{instance}: its {key}", got[key][index], expected_params[key], atol=1e-4, rtol=1e-3)
    if np.allclose(losses[0], losses[1]):
        raise AssertionError(
            f"{name} on {case}: instances 0 and 1 trained identically — map over keys and probabilities"
        )
    passed(name, 4)


# ---------------------------------------------------------------- lesson 5: correlated and anticorrelated sets


def _set_batch(name: str, case: str, draw, key, probability, n_sets: int, set_size: int, batch_size: int) -> np.ndarray:
    x = as_array(name, case, call(name, case, draw, key, probability, n_sets, set_size, batch_size))
    expected = (batch_size, n_sets * set_size)
    if x.shape != expected:
        hint = " — transposed? The batch goes on the first axis" if x.shape == expected[::-1] else ""
        raise AssertionError(
            f"{name} on {case}: returned shape {x.shape}, expected (batch, features) = {expected}{hint}"
        )
    return x


def _check_sets(name: str, draw, anticorrelated: bool) -> None:
    """The statistics of a generator of ``n_sets`` sets of ``set_size`` features, batch-first."""
    n_tests = 0
    n_sets, set_size, batch_size = 3, 3, 20_000
    for seed, probability in enumerate((0.3, 0.05, 1.0)):
        case = f"feature_probability={probability}, {n_sets} sets of {set_size}, {batch_size} samples"
        x = _set_batch(name, case, draw, jax.random.key(seed + 1), probability, n_sets, set_size, batch_size)
        if x.min() < 0 or x.max() > 1:
            raise AssertionError(f"{name} on {case}: values must lie in [0, 1], found {x.min():.3g} … {x.max():.3g}")
        active = (x != 0).reshape(batch_size, n_sets, set_size)
        set_active = active.any(axis=2)
        if anticorrelated:
            together = active.sum(axis=2) > 1
            if together.any():
                raise AssertionError(
                    f"{name} on {case}: at most one feature of a set may be non-zero, but "
                    f"{together.mean():.1%} of the (sample, set) pairs have several — choose one member per active set"
                )
            share = probability / set_size  # each member equally likely
            member = active.mean(axis=0)
            member_spread = 6 * np.sqrt(share * (1 - share) / batch_size) + 1e-3
            if np.any(np.abs(member - share) > member_spread):
                s, m = np.unravel_index(int(np.argmax(np.abs(member - share))), member.shape)
                raise AssertionError(
                    f"{name} on {case}: the active member should be chosen uniformly, so each feature is non-zero "
                    f"with probability p / set_size = {share:.4f}; member {m} of set {s} is non-zero in "
                    f"{member[s, m]:.4f} of the samples"
                )
        elif np.any(active != set_active[:, :, None]):
            raise AssertionError(
                f"{name} on {case}: the features of a set should fire together (all non-zero or all zero), but "
                f"{np.mean(np.any(active != set_active[:, :, None], axis=2)):.1%} of the (sample, set) pairs are "
                f"mixed — draw one random number per set and sample"
            )
        spread = 6 * np.sqrt(probability * (1 - probability) / batch_size) + 1e-3
        worst = int(np.argmax(np.abs(set_active.mean(axis=0) - probability)))
        if abs(set_active.mean(axis=0)[worst] - probability) > spread:
            raise AssertionError(
                f"{name} on {case}: each set should be active (some feature of it non-zero) with probability "
                f"{probability}; set {worst} is active in {set_active.mean(axis=0)[worst]:.3f} of the samples"
            )
        if probability < 1:
            activity = active.reshape(batch_size, -1).astype(np.float64)
            limit = 0.05
            for s in range(n_sets):  # features of different sets: independent
                mine = slice(s * set_size, (s + 1) * set_size)
                others = np.delete(np.arange(n_sets * set_size), np.arange(s * set_size, (s + 1) * set_size))
                joint = np.concatenate([activity[:, mine], activity[:, others]], axis=1)
                correlation = np.abs(np.corrcoef(joint.T)[:set_size, set_size:])
                if np.nanmax(correlation) > limit:
                    raise AssertionError(
                        f"{name} on {case}: different sets should fire independently, but a feature of set {s} and "
                        f"one of another set have correlation {np.nanmax(correlation):.2f} — draw each set's "
                        f"random numbers separately"
                    )
        values = x[x != 0]
        test = scipy.stats.kstest(values, "uniform")
        if test.pvalue < 1e-6:
            raise AssertionError(
                f"{name} on {case}: non-zero values should be uniform on [0, 1]; yours have mean "
                f"{values.mean():.3f} and lie in {values.min():.3f} … {values.max():.3f} (Kolmogorov–Smirnov "
                f"distance {test.statistic:.3f}) — draw the values from their own key"
            )
        if not anticorrelated:  # the values of a set's members: independent uniforms
            within = x.reshape(batch_size, n_sets, set_size)[set_active[:, 0]][:, 0, :]
            related, i, j = most_correlated(within)
            if related > 6 / np.sqrt(len(within)):
                raise AssertionError(
                    f"{name} on {case}: when a set fires, its features' values should be independent, but "
                    f"features {i} and {j} of set 0 have correlation {related:.2f} — one value per feature and sample"
                )
        n_tests += 1
    # The same sizes as above, so that jax compiles the student's function once.
    first, second, other = (
        _set_batch(name, "three keys", draw, jax.random.key(seed), 0.5, n_sets, set_size, batch_size)
        for seed in (7, 7, 8)
    )
    if not np.array_equal(first, second):
        raise AssertionError(f"{name}: the same key must give the same batch — draw every random number from `key`")
    if np.mean((first != 0) == (other != 0)) > 0.9 or np.array_equal(first, other):
        raise AssertionError(f"{name}: two different keys gave the same batch — draw it with the `key` you are given")
    try:
        traced = jax.eval_shape(lambda key: draw(key, 0.5, n_sets, set_size, batch_size), jax.random.key(7))
    except NOT_TRACEABLE:
        raise AssertionError(
            f"{name}: it must work inside jax.jit, as in a training loop — draw with jax.random and jnp, not numpy"
        ) from None
    except Exception as error:
        raise AssertionError(f"{name} raised {type(error).__name__} inside jax.jit: {error}") from error
    if getattr(traced, "shape", None) != first.shape:
        raise AssertionError(
            f"{name} inside jax.jit: returned {traced!r:.80}, expected an array of shape {first.shape}"
        )
    passed(name, n_tests + 3)


def check_draw_correlated_features(draw_correlated_features) -> None:
    """``draw_correlated_features(key, feature_probability, n_sets, set_size, batch_size)`` -> (batch,
    n_sets·set_size), features of set s in columns s·set_size … (s+1)·set_size − 1: each set active with
    probability p, independently of the others; an active set's features all non-zero, each with its own
    uniform value on [0, 1]; an inactive set's all 0."""
    _check_sets("draw_correlated_features", draw_correlated_features, anticorrelated=False)


def check_draw_anticorrelated_features(draw_anticorrelated_features) -> None:
    """``draw_anticorrelated_features(key, feature_probability, n_sets, set_size, batch_size)`` -> (batch,
    n_sets·set_size): each set active with probability p, independently of the others; in an active set
    exactly one member, chosen uniformly, is non-zero (uniform on [0, 1]); at most one feature of a set fires."""
    _check_sets("draw_anticorrelated_features", draw_anticorrelated_features, anticorrelated=True)


# ---------------------------------------------------------------- lesson 5: the hidden-ReLU and |x| models


def _relu_hidden(W, b, x, xp=jnp):
    relu = jax.nn.relu if xp is jnp else (lambda v: np.maximum(v, 0.0))
    return relu(relu(x @ W.T) @ W + b)


def check_relu_hidden_forward(relu_hidden_forward) -> None:
    """``relu_hidden_forward(W, b, x)``, W (hidden, features), b (features,), x (batch, features) -> x' of shape
    (batch, features): h = ReLU(x Wᵀ), x' = ReLU(h W + b) (row by row h = ReLU(W x), x' = ReLU(Wᵀ h + b))."""
    rng = np.random.default_rng(12)
    cases = []
    for n_hidden, n_features, batch in ((2, 5, 64), (1, 2, 3), (5, 20, 1), (3, 3, 16)):
        W = rng.normal(size=(n_hidden, n_features)).astype(np.float32)
        b = rng.normal(size=n_features).astype(np.float32)
        x = rng.uniform(size=(batch, n_features)).astype(np.float32)
        cases.append((f"random inputs, {shapes(W, b, x)}", (W, b, x)))
    W, b, x = cases[0][1]
    cases.append(("W = I (every hidden value kept)", (np.eye(3, dtype=np.float32), np.zeros(3, np.float32), x[:, :3])))
    cases.append(
        (
            "W = −I (every hidden value cut by the ReLU)",
            (-np.eye(3, dtype=np.float32), np.ones(3, np.float32), x[:, :3]),
        )
    )
    n_tests = compare("relu_hidden_forward", relu_hidden_forward, lambda W, b, x: _relu_hidden(W, b, x, np), cases)
    for argnum, what in ((0, "W"), (1, "b")):
        assert_differentiable(
            "relu_hidden_forward", f"d/d{what} of random inputs", relu_hidden_forward, _relu_hidden, cases[0][1], argnum
        )
    passed("relu_hidden_forward", n_tests + 2)


def _abs_forward(params, x, xp=jnp):
    relu = jax.nn.relu if xp is jnp else (lambda v: np.maximum(v, 0.0))
    return relu(relu(x @ params["W1"].T) @ params["W2"].T + params["b"])


def check_abs_forward(abs_forward) -> None:
    """``abs_forward(params, x)``, params {"W1": (hidden, features), "W2": (features, hidden), "b": (features,)},
    x (batch, features) signed -> y' of shape (batch, features): h = ReLU(x W₁ᵀ), y' = ReLU(h W₂ᵀ + b)."""
    rng = np.random.default_rng(13)
    cases = []
    for n_hidden, n_features, batch in ((6, 10, 32), (2, 1, 5), (3, 3, 8), (4, 2, 1)):
        params = {
            "W1": rng.normal(size=(n_hidden, n_features)).astype(np.float32),
            "W2": rng.normal(size=(n_features, n_hidden)).astype(np.float32),
            "b": rng.normal(size=n_features).astype(np.float32) * 0.3,
        }
        x = rng.uniform(-1, 1, size=(batch, n_features)).astype(np.float32)
        cases.append(
            (f"random signed inputs, W1 {params['W1'].shape}, W2 {params['W2'].shape}, x {x.shape}", (params, x))
        )
    identity = np.eye(2, dtype=np.float32)
    exact = {
        "W1": np.concatenate([identity, -identity]),
        "W2": np.concatenate([identity, identity], axis=1),
        "b": np.zeros(2, np.float32),
    }
    cases.append(
        (
            "the exact |x| network of exercise 5.3 (output |x|)",
            (exact, rng.uniform(-1, 1, size=(7, 2)).astype(np.float32)),
        )
    )
    n_tests = compare("abs_forward", abs_forward, lambda params, x: _abs_forward(params, x, np), cases)
    params, x = cases[0][1]
    for argnum, what in ((0, "W1"), (1, "W2"), (2, "b")):
        assert_differentiable(
            "abs_forward",
            f"d/d{what} of random signed inputs",
            lambda W1, W2, b, x: abs_forward({"W1": W1, "W2": W2, "b": b}, x),
            lambda W1, W2, b, x: _abs_forward({"W1": W1, "W2": W2, "b": b}, x),
            (params["W1"], params["W2"], params["b"], x),
            argnum,
        )
    passed("abs_forward", n_tests + 3)
