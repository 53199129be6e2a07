"""Mutation tests of the lessons' checks: every ``check_*`` accepts the reference solution (and other correct
ways to write it) and rejects at least three plausible wrong answers ("mutants") with an AssertionError naming
the exercise. A new check cannot be added without its mutants (``test_every_check_has_three_mutants``).

Mutants are written in numpy where the exercise allows it (no compile time); those that need jax reuse the
shapes of the solutions, so the whole suite stays quick.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from mutants import Mutant, solution

import toysup
from toysup import lessons, theory


def _seed(key) -> int:
    """A numpy seed from a jax key (the wrong answers below draw with numpy, keyed where they mean to be)."""
    return int(np.asarray(jax.random.key_data(key), dtype=np.uint64).sum() % 2**32)


# ---------------------------------------------------------------- lesson 1


def _draw(*, mask="own", values="uniform", key_used=True, probability=None, split=True):
    """draw_sparse_features with one thing changed: which mask, which values, the key, p, one key for both."""

    def draw(key, p, n, batch):
        key = key if key_used else jax.random.key(0)
        p = p if probability is None else probability(p)
        mask_key, value_key = jax.random.split(key) if split else (key, key)
        u = jax.random.uniform(mask_key, (batch, n))
        if mask == "own":
            active = u < p
        elif mask == "shared after the first":  # features 1…n−1 share one firing mask
            active = jnp.concatenate([u[:, :1], jnp.broadcast_to(u[:, 1:2], (batch, n - 1))], axis=1) < p
        elif mask == "one for all":
            active = jnp.broadcast_to(u[:, :1], (batch, n)) < p
        v = jax.random.uniform(value_key, (batch, n))
        if values == "constant 0.5":
            v = jnp.full((batch, n), 0.5)
        elif values == "uniform on [0.25, 0.75]":
            v = 0.25 + 0.5 * v
        elif values == "shared by all features":
            v = jnp.broadcast_to(v[:, :1], (batch, n))
        return jnp.where(active, v, 0.0)

    return draw


def _draw_with_numpy(key, p, n, batch):
    rng = np.random.default_rng(_seed(key))  # keyed, but numpy cannot run inside jax.jit
    return np.where(rng.uniform(size=(batch, n)) < p, rng.uniform(size=(batch, n)), 0.0)


def _draw_with_bernoulli(key, p, n, batch):
    keys = jax.random.split(key, 2)
    return jax.random.bernoulli(keys[0], p, (batch, n)) * jax.random.uniform(keys[1], (batch, n))


def _draw_pattern_without_key(key, p, n, batch):
    active = jax.random.uniform(jax.random.key(0), (batch, n)) < p  # the pattern from a fixed key
    return jnp.where(active, jax.random.uniform(key, (batch, n)), 0.0)


def _draw_values_without_key(key, p, n, batch):
    active = jax.random.uniform(key, (batch, n)) < p
    return jnp.where(active, jax.random.uniform(jax.random.key(0), (batch, n)), 0.0)  # values from a fixed key


def _quiet(function):
    """``function`` with numpy's division warnings silenced (the wrong answers that divide by zero)."""

    @functools.wraps(function)
    def quiet(*args):
        with np.errstate(divide="ignore", invalid="ignore"):
            return function(*args)

    return quiet


def _numpy_weighted_loss(x, x_reconstructed, importance):
    x, x_reconstructed, importance = (np.asarray(a) for a in (x, x_reconstructed, importance))
    return np.mean(np.sum(importance * (x - x_reconstructed) ** 2, axis=1))


def _unit(rows):
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _angles(W):
    return np.degrees(np.arctan2(W[1], W[0])) % 360


def _gaps(angles, period=360.0):
    angles = np.sort(angles)
    return np.diff(np.concatenate([angles, angles[:1] + period]))


# ---------------------------------------------------------------- lessons 2–5


def _gram(W):
    return np.asarray(W, np.float64).T @ np.asarray(W, np.float64)


def _guarded(numerator, denominator):
    return np.where(denominator > 1e-12, numerator / np.where(denominator > 1e-12, denominator, 1.0), 0.0)


def _monte_carlo(
    *, key_used=True, bias=True, relu=True, importance_used=True, value=None, reduce="mean", n_samples=None
):
    """monte_carlo_loss in numpy, with one thing changed."""

    def monte_carlo_loss(W, b, importance, p, key, n):
        # key_used: True (the key), False (a fixed seed), None (numpy's fresh entropy every call).
        rng = np.random.default_rng({True: _seed(key), False: 0, None: None}[key_used])
        W, b, importance = (np.asarray(a, np.float64) for a in (W, b, importance))
        shape = (W.shape[1], n if n_samples is None else n_samples)
        x = np.where(rng.uniform(size=shape) < p, rng.uniform(size=shape) if value is None else value, 0.0)
        reconstructed = W.T @ (W @ x) + (b[:, None] if bias else 0.0)
        reconstructed = np.maximum(reconstructed, 0.0) if relu else reconstructed
        weights = importance[:, None] if importance_used else 1.0
        squared = weights * (x - reconstructed) ** 2
        return np.mean(squared) if reduce == "all" else np.mean(np.sum(squared, axis=0))

    return monte_carlo_loss


def _abs_weights_permuted(n):
    W1, W2 = solution(5, "exact_abs_weights")(n)
    order = np.random.default_rng(n).permutation(2 * n)
    return W1[order], W2[:, order]


# ---------------------------------------------------------------- lessons 6–7


def _encode(params, x, *, centre=True, encoder_bias=True, relu=True):
    pre = (np.asarray(x) - (params["b_dec"] if centre else 0.0)) @ np.asarray(params["W_enc"]).T
    pre = pre + (params["b_enc"] if encoder_bias else 0.0)
    return np.maximum(pre, 0.0) if relu else pre


def _loss(*, norms="norm", reduce="mean", squared=True, decoder_bias=True):
    """sae_loss in numpy, with one thing changed."""

    def sae_loss(params, x, l1_coefficient):
        codes = _encode(params, x)
        reconstruction = codes @ params["W_dec"] + (params["b_dec"] if decoder_bias else 0.0)
        error = np.sum((x - reconstruction) ** 2, axis=1) / (x.shape[1] if reduce == "mean over inputs" else 1)
        error = error if squared else np.sqrt(error)
        weights = {
            "norm": np.linalg.norm(params["W_dec"], axis=1),
            "squared": np.sum(params["W_dec"] ** 2, axis=1),
            "ones": np.ones(len(params["W_dec"])),
        }
        per_sample = error + l1_coefficient * codes @ weights[norms]
        return np.sum(per_sample) if reduce == "sum" else np.mean(per_sample)

    return sae_loss


def _resampler(*, choose="random", centre=True, skip_b_dec=True, encoder_scale=0.2, zero_bias=True, live=False):
    """resample_dead_latents in numpy, with one thing changed."""

    def resample_dead_latents(params, dead, x, key):
        params = {name: np.asarray(value, np.float64) for name, value in params.items()}
        dead, x = np.asarray(dead), np.asarray(x, np.float64)
        centred = x - params["b_dec"]
        candidates = np.flatnonzero(np.linalg.norm(centred, axis=1) > 1e-6) if skip_b_dec else np.arange(len(x))
        rng = np.random.default_rng(_seed(key))
        chosen = {
            "random": lambda: rng.choice(candidates, size=dead.shape[0]),
            "without replacement": lambda: rng.permutation(np.resize(candidates, max(len(dead), len(candidates)))),
            "one for all": lambda: np.full(dead.shape[0], rng.choice(candidates)),
            "ignoring the key": lambda: np.random.default_rng(0).choice(candidates, size=dead.shape[0]),
            "by latent number": lambda: candidates[np.arange(dead.shape[0]) % len(candidates)],
            "along the inputs axis": lambda: candidates[rng.choice(x.shape[1], size=dead.shape[0])],
        }[choose]()[: dead.shape[0]]
        direction = (centred if centre else x)[chosen]
        with np.errstate(invalid="ignore", divide="ignore"):
            direction = direction / np.linalg.norm(direction, axis=1, keepdims=True)
        rows = (np.ones_like(dead) if live else dead)[:, None]
        return {
            **params,
            "W_dec": np.where(rows, direction, params["W_dec"]),
            "W_enc": np.where(rows, encoder_scale * direction, params["W_enc"]),
            "b_enc": np.where(rows[:, 0], 0.0, params["b_enc"]) if zero_bias else params["b_enc"],
        }

    return resample_dead_latents


def _topk(pre, k, *, axis=1, largest=True, relu=True, key=lambda values: values):
    pre = np.asarray(pre, np.float64)
    order = np.sort(key(pre) if largest else -key(pre), axis=axis)
    kth = np.take(order, [-k], axis=axis)
    kept = (key(pre) if largest else -key(pre)) >= kth
    return np.where(kept, np.maximum(pre, 0.0) if relu else pre, 0.0)


def _gated(params, x, *, exp=True, gate="gate", centre=True, bias_scaled=False):
    projected = (np.asarray(x) - (params["b_dec"] if centre else 0.0)) @ np.asarray(params["W_enc"]).T
    scale = np.exp(params["r_mag"]) if exp else params["r_mag"]
    magnitude = scale * (projected + params["b_mag"]) if bias_scaled else scale * projected + params["b_mag"]
    gate = projected + params["b_enc"] if gate == "gate" else magnitude
    return np.where(gate > 0, np.maximum(magnitude, 0.0), 0.0)


# ---------------------------------------------------------------- the systems of lessons 1 and 5


def _init(*, scale="xavier", shape="paper", bias="zeros", key_used=True, rows="own"):
    """init_params with one thing changed: the scale or distribution of W, its shape, the bias, the key."""

    def init_params(key, n, m):
        key = key if key_used else jax.random.key(0)
        std = {"xavier": np.sqrt(2 / (n + m)), "one": 1.0, "lecun": np.sqrt(1 / n), "uniform": np.sqrt(2 / (n + m))}
        if scale == "uniform":  # the right standard deviation, the wrong distribution
            W = std[scale] * np.sqrt(3) * jax.random.uniform(key, (m, n), minval=-1, maxval=1)
        elif rows == "one repeated":
            W = std[scale] * jnp.broadcast_to(jax.random.normal(key, (1, n)), (m, n))
        else:
            W = std[scale] * jax.random.normal(key, (m, n))
        b = jnp.zeros(n) if bias == "zeros" else jax.random.normal(jax.random.fold_in(key, 1), (n,))
        return {"W": W.T if shape == "transposed" else W, "b": b}

    return init_params


def _step(*, loss_at="before", sign=1.0, new_state=True, use_optimizer=True, pass_params=True, train_b=True):
    """train_step from the lesson's forward and weighted_loss, with one thing changed."""

    def train_step(params, optimizer_state, x, importance, optimizer):
        forward, weighted_loss = solution(1, "forward"), solution(1, "weighted_loss")

        def loss(params):
            return weighted_loss(x, forward(params["W"], params["b"], x), importance)

        value, grads = jax.value_and_grad(loss)(params)
        if not train_b:
            grads = {**grads, "b": jnp.zeros_like(grads["b"])}
        if use_optimizer:
            if pass_params:
                updates, state = optimizer.update(grads, optimizer_state, params)
            else:
                updates, state = optimizer.update(grads, optimizer_state)
        else:
            updates, state = jax.tree.map(lambda g: -0.05 * g, grads), optimizer_state
        new = jax.tree.map(lambda p, u: p + sign * u, params, updates)
        return new, state if new_state else optimizer_state, loss(new) if loss_at == "after" else value

    return train_step


def _train(*, fold=True, split=True, fresh_state=False, result="trained", counter=False):
    """train_model from the lesson's solutions, with one thing changed."""

    def train_model(key, p, importance, m, optimizer, steps, batch_size):
        init_params, draw, train_step = (
            solution(1, name) for name in ("init_params", "draw_sparse_features", "train_step")
        )
        init_key, data_key = jax.random.split(key) if split else (key, key)
        n = importance.shape[0]
        start = init_params(init_key, n, m)

        def step(carry, index):
            if counter:  # the step number in the carry: another correct way
                params, state, index = carry
            else:
                params, state = carry
            batch_key = jax.random.fold_in(data_key, index) if fold else data_key
            x = draw(batch_key, p, n, batch_size)
            state = optimizer.init(params) if fresh_state else state
            params, state, loss = train_step(params, state, x, importance, optimizer)
            return ((params, state, index + 1) if counter else (params, state)), loss

        if counter:
            (params, _, _), losses = jax.lax.scan(step, (start, optimizer.init(start), 0), None, length=steps)
        else:
            (params, _), losses = jax.lax.scan(step, (start, optimizer.init(start)), jnp.arange(steps))
        return params, jnp.mean(losses) if result == "mean loss" else losses

    return train_model


def _instances(*, keys_used="each", probabilities_used="each", layout="stacked"):
    """train_instances from the lesson's train_model, with one thing changed."""

    def train_instances(keys, probabilities, importance, m, optimizer, steps, batch_size):
        train_model = solution(1, "train_model")
        keys = keys if keys_used == "each" else jnp.stack([keys[0]] * len(keys))
        probabilities = (
            probabilities if probabilities_used == "each" else jnp.full_like(probabilities, probabilities[0])
        )
        if layout == "list":
            return [train_model(k, p, importance, m, optimizer, steps, batch_size) for k, p in zip(keys, probabilities)]
        params, losses = jax.vmap(lambda k, p: train_model(k, p, importance, m, optimizer, steps, batch_size))(
            keys, probabilities
        )
        return params, losses.T if layout == "losses transposed" else losses

    return train_instances


def _instances_by_in_axes(keys, probabilities, importance, m, optimizer, steps, batch_size):
    in_axes = (0, 0, None, None, None, None, None)  # map keys and probabilities, share the rest
    return jax.vmap(solution(1, "train_model"), in_axes=in_axes)(
        keys, probabilities, importance, m, optimizer, steps, batch_size
    )


def _correlated(*, sets="own", values="own", probability=None):
    """draw_correlated_features with one thing changed."""

    def draw(key, p, n_sets, set_size, batch):
        p = p if probability is None else probability(p)
        set_key, value_key = jax.random.split(key)
        u = jax.random.uniform(set_key, (batch, n_sets if sets == "own" else 1, 1))
        fires = jnp.broadcast_to(u < p, (batch, n_sets, 1))
        v = jax.random.uniform(value_key, (batch, n_sets, set_size))
        if values == "one per set":
            v = jnp.broadcast_to(v[:, :, :1], v.shape)
        return jnp.where(fires, v, 0.0).reshape(batch, n_sets * set_size)

    return draw


def _anticorrelated(*, member="uniform", p_per="set"):
    """draw_anticorrelated_features with one thing changed."""

    def draw(key, p, n_sets, set_size, batch):
        set_key, member_key, value_key = jax.random.split(key, 3)
        u = jax.random.uniform(set_key, (batch, n_sets, 1))
        if p_per == "member":  # member k fires when k·p ≤ u < (k+1)·p: the set with probability set_size·p
            chosen = jnp.arange(set_size) == jnp.floor(u / p)
            fires = jnp.ones_like(u, bool)
        else:
            fires = u < p
            sets = n_sets if member != "shared by all sets" else 1
            index = jax.random.randint(member_key, (batch, sets, 1), 0, set_size)
            chosen = jnp.arange(set_size) == (0 if member == "always the first" else index)
        values = jax.random.uniform(value_key, (batch, n_sets, set_size))
        return jnp.where(fires & chosen, values, 0.0).reshape(batch, n_sets * set_size)

    return draw


def _independent_sets(key, p, n_sets, set_size, batch):
    return solution(1, "draw_sparse_features")(key, p, n_sets * set_size, batch)


def _two_layer(params, x, *, hidden_relu=True, output_relu=True, readout="W2", target=False):
    if target:
        return jnp.abs(x)
    hidden = x @ params["W1"].T
    hidden = jax.nn.relu(hidden) if hidden_relu else hidden
    out = (
        hidden @ (params["W2"].T if readout == "W2" else params["W1"] if readout == "tied" else params["W2"])
        + params["b"]
    )
    return jax.nn.relu(out) if output_relu else out


# ---------------------------------------------------------------- the table

# check name -> ((lesson, solution name), [other correct answers], [mutants])
CHECKS: dict[str, tuple[tuple[int, str], list, list[Mutant]]] = {
    "check_draw_sparse_features": (
        (1, "draw_sparse_features"),
        # toysup.sample_features returns (features, samples): transposed to batch-first
        [_draw_with_bernoulli, lambda key, p, n, batch: toysup.sample_features(key, jnp.full(n, p), batch).T],
        [
            Mutant("never zero", lambda key, p, n, batch: jax.random.uniform(key, (batch, n))),
            Mutant("active value always 1", lambda key, p, n, batch: (jax.random.uniform(key, (batch, n)) < p) * 1.0),
            Mutant("active values all 0.5 (right mean, wrong distribution)", _draw(values="constant 0.5"), "uniform"),
            Mutant("active values uniform on [0.25, 0.75]", _draw(values="uniform on [0.25, 0.75]"), "uniform"),
            Mutant("features 2…n share one firing mask", _draw(mask="shared after the first"), "independently"),
            Mutant("one firing mask for all features", _draw(mask="one for all"), "independently"),
            Mutant("one value per sample for all features", _draw(values="shared by all features"), "independent"),
            Mutant("mask and values from the same key", _draw(split=False), "same random numbers"),
            Mutant("sparsity S used as the probability", _draw(probability=lambda p: 1 - p), "probability"),
            Mutant("ignores the key", _draw(key_used=False), "different keys"),
            Mutant("ignores the key for the pattern", _draw_pattern_without_key, "same pattern"),
            Mutant("ignores the key for the values", _draw_values_without_key, "same non-zero values"),
            Mutant("numpy (breaks inside jax.jit)", _draw_with_numpy, "jax.jit"),
            Mutant("transposed", lambda key, p, n, batch: _draw()(key, p, n, batch).T, "transposed"),
        ],
    ),
    "check_forward": (
        (1, "forward"),
        [lambda W, b, x: jax.nn.relu(x @ (W.T @ W) + b), lambda W, b, x: jax.nn.relu((W.T @ W @ x.T).T + b)],
        [
            Mutant("no ReLU", lambda W, b, x: x @ W.T @ W + b),
            Mutant("bias outside the ReLU", lambda W, b, x: jax.nn.relu(x @ W.T @ W) + b),
            Mutant("forgot the bias", lambda W, b, x: jax.nn.relu(x @ W.T @ W)),
            Mutant("a ReLU on the hidden layer too", lambda W, b, x: jax.nn.relu(jax.nn.relu(x @ W.T) @ W + b)),
            Mutant("transposed (W Wᵀ)", lambda W, b, x: jax.nn.relu(x @ W @ W.T + b)),
            Mutant("features-first (Wᵀ W x)", lambda W, b, x: jax.nn.relu(W.T @ W @ x + b[:, None])),
            Mutant("numpy (not differentiable)", lambda W, b, x: np.maximum(x @ W.T @ W + b, 0), "jnp"),
        ],
    ),
    "check_weighted_loss": (
        (1, "weighted_loss"),
        [lambda x, y, i: jnp.sum(i * jnp.mean((x - y) ** 2, axis=0))],
        [
            Mutant("sum over the batch", lambda x, y, i: np.sum(i * (x - y) ** 2)),
            Mutant("importance ignored", lambda x, y, i: np.mean(np.sum((x - y) ** 2, axis=1))),
            Mutant("mean over features too", lambda x, y, i: np.mean(i * (x - y) ** 2)),
            Mutant("absolute error", lambda x, y, i: np.mean(np.sum(i * np.abs(x - y), axis=1))),
            Mutant("importance squared", lambda x, y, i: np.mean(np.sum((i * (x - y)) ** 2, axis=1))),
            Mutant("per-sample losses, no mean", lambda x, y, i: np.sum(i * (x - y) ** 2, axis=1)),
            Mutant(
                "summed over the batch axis, averaged over features",
                lambda x, y, i: np.mean(np.sum(i * (x - y) ** 2, axis=0)),
            ),
            Mutant("numpy (not differentiable)", _numpy_weighted_loss, "jnp"),
        ],
    ),
    "check_angle_gaps": (
        (1, "angle_gaps"),
        [lambda W: np.sort(_gaps(np.arctan2(W[1], W[0]), 2 * np.pi)) * 180 / np.pi],
        [
            Mutant("no wrap-around gap", lambda W: np.diff(np.sort(_angles(W)))),
            Mutant("radians", lambda W: np.sort(_gaps(np.arctan2(W[1], W[0]) % (2 * np.pi), 2 * np.pi))),
            Mutant("not sorted", lambda W: _gaps(_angles(W))),
            Mutant("sorted largest first", lambda W: np.sort(_gaps(_angles(W)))[::-1]),
            Mutant("arctan, not arctan2", _quiet(lambda W: np.sort(_gaps(np.degrees(np.arctan(W[1] / W[0])) % 360)))),
            Mutant("transposed (angles of rows)", lambda W: np.sort(_gaps(_angles(W.T)))),
        ],
    ),
    "check_feature_norms": (
        (2, "feature_norms"),
        [lambda W: np.sqrt(np.diagonal(_gram(W)))],
        [
            Mutant("squared", lambda W: np.sum(W**2, axis=0)),
            Mutant("rows, not columns (transposed)", lambda W: np.linalg.norm(W, axis=1)),
            Mutant("sum of absolute values", lambda W: np.sum(np.abs(W), axis=0)),
            Mutant("the largest entry", lambda W: np.max(np.abs(W), axis=0)),
        ],
    ),
    "check_interference": (
        (2, "interference"),
        [lambda W: _guarded(np.sum(_gram(W) ** 2, axis=1) - np.diagonal(_gram(W)) ** 2, np.diagonal(_gram(W)))],
        [
            Mutant("includes j = i", lambda W: _guarded(np.sum(_gram(W) ** 2, axis=1), np.diagonal(_gram(W)))),
            Mutant("not normalised", lambda W: np.sum(_gram(W) ** 2, axis=1) - np.diagonal(_gram(W)) ** 2),
            Mutant(
                "divided by ‖W_i‖, not ‖W_i‖²",
                lambda W: _guarded(
                    np.sum(_gram(W) ** 2, axis=1) - np.diagonal(_gram(W)) ** 2, np.sqrt(np.diagonal(_gram(W)))
                ),
            ),
            Mutant(
                "no guard for a zero feature (NaN)",
                _quiet(lambda W: (np.sum(_gram(W) ** 2, axis=1) - np.diagonal(_gram(W)) ** 2) / np.diagonal(_gram(W))),
            ),
            Mutant(
                "absolute values, not squares",
                lambda W: _guarded(
                    np.sum(np.abs(_gram(W)), axis=1) - np.diagonal(_gram(W)), np.sqrt(np.diagonal(_gram(W)))
                ),
            ),
        ],
    ),
    "check_linear_model_loss": (
        (2, "linear_model_loss"),
        [lambda i, p, m: np.sum(np.sort(i)[: max(len(i) - m, 0)]) * (p / 3 - p**2 / 4)],
        [
            Mutant("assumes sorted importance", lambda i, p, m: np.sum(np.asarray(i)[m:]) * (p / 3 - p**2 / 4)),
            Mutant("forgot the bias (E[x²], not the variance)", lambda i, p, m: np.sum(np.sort(i)[::-1][m:]) * p / 3),
            Mutant("keeps the least important", lambda i, p, m: np.sum(np.sort(i)[m:]) * (p / 3 - p**2 / 4)),
            Mutant("off by one", lambda i, p, m: np.sum(np.sort(i)[::-1][m - 1 :]) * (p / 3 - p**2 / 4)),
        ],
    ),
    "check_dropped_feature_loss": (
        (3, "dropped_feature_loss"),
        [lambda p: np.asarray(p) * (4 - 3 * np.asarray(p)) / 12],
        [
            Mutant("forgot the bias (E[x²])", lambda p: np.asarray(p) / 3),
            Mutant("a uniform's variance", lambda p: np.asarray(p) / 12),
            Mutant("p not squared", lambda p: np.asarray(p) / 3 - np.asarray(p) / 4),
            Mutant("sparsity S for p", lambda p: (1 - np.asarray(p)) / 3 - (1 - np.asarray(p)) ** 2 / 4),
        ],
    ),
    "check_antipodal_loss_without_bias": (
        (3, "antipodal_loss_without_bias"),
        [lambda p: np.asarray(p, float) ** 2 * 2 * (1 / 3 - 1 / 4)],
        [
            Mutant("E[u²] for E[min²]", lambda p: np.asarray(p) ** 2 / 3),
            Mutant("p, not p²", lambda p: np.asarray(p) / 6),
            Mutant("density 1, not 2(1 − t)", lambda p: np.asarray(p) ** 2 / 12),
            Mutant("sparsity S for p", lambda p: (1 - np.asarray(p)) ** 2 / 6),
        ],
    ),
    "check_candidate_losses": (
        (3, "candidate_losses"),
        [
            lambda p, i: np.concatenate(
                [
                    loss[..., None]
                    for loss in np.broadcast_arrays(
                        i * theory.feature_variance(p),
                        theory.feature_variance(p),
                        (1 + i) * theory.optimal_antipodal_loss(p),
                    )
                ],
                axis=-1,
            )
        ],
        [
            Mutant("wrong order", lambda p, i: theory.candidate_losses_2(p, i)[..., ::-1]),
            Mutant(
                "2 f* for (1 + I) f*",
                lambda p, i: np.stack(
                    np.broadcast_arrays(
                        i * theory.feature_variance(p), theory.feature_variance(p), 2 * theory.optimal_antipodal_loss(p)
                    ),
                    axis=-1,
                ),
            ),
            Mutant(
                "forgot the bias (f(p, 0), not f*)",
                lambda p, i: np.stack(
                    np.broadcast_arrays(
                        i * theory.feature_variance(p), theory.feature_variance(p), (1 + i) * np.asarray(p) ** 2 / 6
                    ),
                    axis=-1,
                ),
            ),
            Mutant("stacked on the first axis", lambda p, i: np.moveaxis(theory.candidate_losses_2(p, i), -1, 0)),
            Mutant(
                "importance on the dedicated candidate",
                lambda p, i: theory.candidate_losses_2(p, i)[..., [1, 0, 2]],
            ),
        ],
    ),
    "check_monte_carlo_loss": (
        (3, "monte_carlo_loss"),
        [_monte_carlo()],
        [
            Mutant("ignores the key", _monte_carlo(key_used=False), "different keys"),
            Mutant("numpy's own random numbers, not the key", _monte_carlo(key_used=None), "same key"),
            Mutant("forgot the bias", _monte_carlo(bias=False)),
            Mutant("no ReLU", _monte_carlo(relu=False)),
            Mutant("ignores n_samples (always 200000)", _monte_carlo(n_samples=200_000), "n_samples"),
            Mutant("importance ignored", _monte_carlo(importance_used=False)),
            Mutant("active values all 0.5 (right mean, wrong distribution)", _monte_carlo(value=0.5)),
            Mutant("mean over features too", _monte_carlo(reduce="all")),
        ],
    ),
    "check_feature_dimensionality": (
        (4, "feature_dimensionality"),
        [lambda W: _guarded(np.diagonal(_gram(W)) ** 2, np.sum(_gram(W) ** 2, axis=0))],
        [
            Mutant(
                "j = i left out",
                lambda W: _guarded(
                    np.diagonal(_gram(W)) ** 2, np.sum(_gram(W) ** 2, axis=1) - np.diagonal(_gram(W)) ** 2
                ),
            ),
            Mutant("‖W_i‖² on top", lambda W: _guarded(np.diagonal(_gram(W)), np.sum(_gram(W) ** 2, axis=1))),
            Mutant(
                "no guard for a zero feature (NaN)",
                _quiet(lambda W: np.diagonal(_gram(W)) ** 2 / np.sum(_gram(W) ** 2, axis=1)),
            ),
            Mutant(
                "transposed (rows of W)",
                lambda W: _guarded(np.diagonal(_gram(W.T)) ** 2, np.sum(_gram(W.T) ** 2, axis=1)),
            ),
        ],
    ),
    "check_dimensions_per_feature": (
        (4, "dimensions_per_feature"),
        [lambda W: W.shape[0] / np.linalg.norm(W) ** 2 if np.any(W) else 0.0],
        [
            Mutant("n instead of m", lambda W: W.shape[1] / max(np.sum(W**2), 1e-12)),
            Mutant("not squared", lambda W: W.shape[0] / max(np.linalg.norm(W), 1e-12)),
            Mutant("inverted", lambda W: np.sum(W**2) / W.shape[0]),
            Mutant("no guard for W = 0", _quiet(lambda W: W.shape[0] / np.sum(W**2))),
        ],
    ),
    "check_regular_polygon": (
        (4, "regular_polygon"),
        [
            lambda k: np.stack(
                [np.sin(0.3 + 2 * np.pi * np.arange(k)[::-1] / k), np.cos(0.3 + 2 * np.pi * np.arange(k)[::-1] / k)]
            )
        ],
        [
            Mutant("k + 1 in the denominator", lambda k: solution(4, "regular_polygon")(k + 1)[:, :k]),
            Mutant("not unit vectors", lambda k: 2 * solution(4, "regular_polygon")(k)),
            Mutant("transposed", lambda k: solution(4, "regular_polygon")(k).T),
            Mutant(
                "np.linspace(0, 2π, k) (2π repeats 0)",
                lambda k: np.stack([np.cos(np.linspace(0, 2 * np.pi, k)), np.sin(np.linspace(0, 2 * np.pi, k))]),
            ),
            Mutant(
                "degrees into cos and sin",
                lambda k: np.stack([np.cos(360 * np.arange(k) / k), np.sin(360 * np.arange(k) / k)]),
            ),
        ],
    ),
    "check_cosine_similarities": (
        (5, "cosine_similarities"),
        [lambda W: _guarded(_gram(W), np.sqrt(np.outer(np.diagonal(_gram(W)), np.diagonal(_gram(W)))))],
        [
            Mutant("not normalised", lambda W: W.T @ W),
            Mutant(
                "no guard for a zero feature (NaN)",
                _quiet(lambda W: (W / np.linalg.norm(W, axis=0)).T @ (W / np.linalg.norm(W, axis=0))),
            ),
            Mutant("absolute values", lambda W: np.abs(solution(5, "cosine_similarities")(W))),
            Mutant("transposed (rows of W)", lambda W: solution(5, "cosine_similarities")(W.T)),
        ],
    ),
    "check_neuron_alignment": (
        (5, "neuron_alignment"),
        [lambda W: _guarded(np.max(np.abs(W), axis=0) ** 2, np.diagonal(_gram(W)))],
        [
            Mutant("not squared", lambda W: _guarded(np.abs(W).max(axis=0), np.linalg.norm(W, axis=0))),
            Mutant("min, not max", lambda W: _guarded((W**2).min(axis=0), np.sum(W**2, axis=0))),
            Mutant("max of W, not of |W|", lambda W: _guarded(np.max(W, axis=0) ** 2, np.sum(W**2, axis=0))),
            Mutant("no guard for a zero feature (NaN)", _quiet(lambda W: (W**2).max(axis=0) / np.sum(W**2, axis=0))),
            Mutant("transposed (per neuron)", lambda W: _guarded((W**2).max(axis=1), np.sum(W**2, axis=1))),
        ],
    ),
    "check_exact_abs_weights": (
        (5, "exact_abs_weights"),
        [_abs_weights_permuted],
        [
            Mutant("[I; I] both", lambda n: (np.concatenate([np.eye(n)] * 2), np.concatenate([np.eye(n)] * 2, axis=1))),
            Mutant("swapped", lambda n: solution(5, "exact_abs_weights")(n)[::-1]),
            Mutant(
                "W2 = [I, −I] (gives ReLU(x))",
                lambda n: (np.concatenate([np.eye(n), -np.eye(n)]), np.concatenate([np.eye(n), -np.eye(n)], axis=1)),
            ),
            Mutant("halved", lambda n: tuple(w / 2 for w in solution(5, "exact_abs_weights")(n))),
            Mutant("W1 only, no pair", lambda n: solution(5, "exact_abs_weights")(n)[0]),
        ],
    ),
    "check_sae_encode": (
        (6, "sae_encode"),
        [lambda params, x: _encode(params, x)],
        [
            Mutant("b_dec not subtracted", lambda params, x: _encode(params, x, centre=False)),
            Mutant("no ReLU", lambda params, x: _encode(params, x, relu=False)),
            Mutant("forgot the bias b_enc", lambda params, x: _encode(params, x, encoder_bias=False)),
            Mutant(
                "b_dec added",
                lambda params, x: np.maximum((x + params["b_dec"]) @ params["W_enc"].T + params["b_enc"], 0),
            ),
            Mutant("transposed (latents first)", lambda params, x: _encode(params, x).T),
        ],
    ),
    "check_sae_loss": (
        (6, "sae_loss"),
        [],
        [
            Mutant("L1 without the decoder norms", _loss(norms="ones")),
            Mutant("penalty forgotten", lambda params, x, l1: _loss()(params, x, 0.0)),
            Mutant("squared decoder norms", _loss(norms="squared")),
            Mutant("sum over the batch", _loss(reduce="sum")),
            Mutant("mean, not sum, over the inputs", _loss(reduce="mean over inputs")),
            Mutant("error not squared", _loss(squared=False)),
            Mutant("forgot the bias b_dec in x̂", _loss(decoder_bias=False)),
            Mutant("numpy (not differentiable)", _loss(), "jnp"),
        ],
    ),
    "check_mean_max_cosine_similarity": (
        (6, "mean_max_cosine_similarity"),
        [lambda decoder, truth: np.mean(np.max(_unit(truth) @ _unit(decoder).T, axis=1))],
        [
            Mutant("not normalised", lambda decoder, truth: np.mean(np.max(truth @ decoder.T, axis=1))),
            Mutant(
                "max over features (arguments swapped)",
                lambda decoder, truth: solution(6, "mean_max_cosine_similarity")(truth, decoder),
            ),
            Mutant(
                "absolute cosines",
                lambda decoder, truth: np.mean(np.max(np.abs(_unit(truth) @ _unit(decoder).T), axis=1)),
            ),
            Mutant(
                "columns normalised (transposed)",
                lambda decoder, truth: np.mean(
                    np.max(
                        (truth / np.linalg.norm(truth, axis=0)) @ (decoder / np.linalg.norm(decoder, axis=0)).T, axis=1
                    )
                ),
            ),
            Mutant("mean, not max, over latents", lambda decoder, truth: np.mean(_unit(truth) @ _unit(decoder).T)),
        ],
    ),
    "check_dead_latents": (
        (6, "dead_latents"),
        [lambda codes: ~np.any(codes > 0, axis=0)],
        [
            Mutant("per sample, not per latent", lambda codes: np.all(codes == 0, axis=1)),
            Mutant("zero once is not dead", lambda codes: np.any(codes == 0, axis=0)),
            Mutant("a small mean activation counts as dead", lambda codes: np.mean(codes, axis=0) < 0.01),
            Mutant("zero on most samples", lambda codes: np.mean(codes == 0, axis=0) > 0.5),
            Mutant("0/1 numbers, not booleans", lambda codes: 1 - np.any(codes, axis=0), "boolean"),
        ],
    ),
    "check_resample_dead_latents": (
        (6, "resample_dead_latents"),
        [_resampler(), _resampler(choose="without replacement")],
        [
            Mutant("nothing resampled", lambda params, dead, x, key: params),
            Mutant("live latents changed too", _resampler(live=True), "live latents"),
            Mutant("encoder bias kept", _resampler(zero_bias=False), "biases must be 0"),
            Mutant("every dead latent to the same input", _resampler(choose="one for all"), "different inputs"),
            Mutant("ignores the key", _resampler(choose="ignoring the key"), "different keys"),
            Mutant("latent j to input j (ignores the key)", _resampler(choose="by latent number"), "different keys"),
            Mutant("draws along the inputs axis", _resampler(choose="along the inputs axis"), "different inputs"),
            Mutant("inputs equal to b_dec not skipped", _resampler(skip_b_dec=False), "NaN"),
            Mutant("forgot to subtract b_dec", _resampler(centre=False), "subtract b_dec"),
            Mutant("encoder row = decoder row (no 0.2)", _resampler(encoder_scale=1.0), "0.2"),
        ],
    ),
    "check_topk_activation": (
        (7, "topk_activation"),
        [lambda pre, k: _topk(pre, k)],
        [
            Mutant("no ReLU", lambda pre, k: _topk(pre, k, relu=False)),
            Mutant(
                "keeps k − 1", lambda pre, k: np.where(pre > np.sort(pre, axis=1)[:, [-k]], np.maximum(pre, 0), 0.0)
            ),
            Mutant("top k over the batch (transposed)", lambda pre, k: _topk(pre, min(k, pre.shape[0]), axis=0)),
            Mutant("the k smallest", lambda pre, k: _topk(pre, k, largest=False)),
            Mutant("the k largest |z|", lambda pre, k: _topk(pre, k, key=np.abs)),
        ],
    ),
    "check_jumprelu": (
        (7, "jumprelu"),
        [lambda pre, threshold: pre * (pre > threshold)],
        [
            Mutant("shifted like a ReLU", lambda pre, threshold: np.where(pre > threshold, pre - threshold, 0.0)),
            Mutant("keeps z = θ", lambda pre, threshold: np.where(pre >= threshold, pre, 0.0)),
            Mutant("the step H(z − θ), not z·H", lambda pre, threshold: (pre > threshold) * 1.0),
            Mutant(
                "one threshold for all latents", lambda pre, threshold: np.where(pre > np.mean(threshold), pre, 0.0)
            ),
        ],
    ),
    "check_jumprelu_threshold_gradient": (
        (7, "jumprelu_threshold_gradient"),
        [lambda pre, threshold, eps: np.where(np.abs(pre - threshold) < eps / 2, -threshold / eps, 0.0)],
        [
            Mutant(
                "H's derivative, not JumpReLU's",
                lambda pre, threshold, eps: -(1 / eps) * (np.abs((pre - threshold) / eps) < 0.5),
            ),
            Mutant(
                "window not scaled by ε",
                lambda pre, threshold, eps: -(threshold / eps) * (np.abs(pre - threshold) < 0.5),
            ),
            Mutant(
                "sign flipped", lambda pre, threshold, eps: (threshold / eps) * (np.abs((pre - threshold) / eps) < 0.5)
            ),
            Mutant(
                "window of width 2ε", lambda pre, threshold, eps: -(threshold / eps) * (np.abs(pre - threshold) < eps)
            ),
            Mutant(
                "window closed (|u| ≤ 1/2)",
                lambda pre, threshold, eps: -(threshold / eps) * (np.abs((pre - threshold) / eps) <= 0.5),
            ),
            Mutant(
                "z for θ in the factor",
                lambda pre, threshold, eps: -(pre / eps) * (np.abs((pre - threshold) / eps) < 0.5),
            ),
        ],
    ),
    "check_gated_encode": (
        (7, "gated_encode"),
        [lambda params, x: _gated(params, x)],
        [
            Mutant("a plain ReLU SAE", lambda params, x: _encode(params, x)),
            Mutant("no exp on r_mag", lambda params, x: _gated(params, x, exp=False)),
            Mutant("gate on π_mag", lambda params, x: _gated(params, x, gate="magnitude")),
            Mutant("b_dec not subtracted", lambda params, x: _gated(params, x, centre=False)),
            Mutant("exp(r_mag) scales b_mag too", lambda params, x: _gated(params, x, bias_scaled=True)),
            Mutant("r_mag ignored", lambda params, x: _gated({**params, "r_mag": 0 * params["r_mag"]}, x)),
        ],
    ),
    "check_init_params": (
        (1, "init_params"),
        [
            lambda key, n, m: {
                "W": jax.nn.initializers.variance_scaling(1.0, "fan_avg", "normal")(key, (m, n)),
                "b": jnp.zeros(n),
            }
        ],
        [
            Mutant("standard normal, no scale", _init(scale="one"), "standard deviation"),
            Mutant("uniform with the right standard deviation", _init(scale="uniform"), "normal"),
            Mutant("W transposed", _init(shape="transposed"), "transposed"),
            Mutant("a random bias", _init(bias="random"), "bias"),
            Mutant("ignores the key", _init(key_used=False), "different keys"),
            Mutant("one row repeated", _init(rows="one repeated"), "independent"),
        ],
    ),
    "check_train_step": (
        (1, "train_step"),
        [_step()],
        [
            Mutant("the loss after the update", _step(loss_at="after"), "before the update"),
            Mutant("gradient ascent", _step(sign=-1.0), "updated"),
            Mutant("keeps the old optimizer state", _step(new_state=False), "step 2"),
            Mutant("plain gradient descent, optimizer ignored", _step(use_optimizer=False), "updated"),
            Mutant("optimizer.update without params", _step(pass_params=False), "adamw"),
            Mutant("b never trained", _step(train_b=False), "updated b"),
        ],
    ),
    "check_train_model": (
        (1, "train_model"),
        [_train(counter=True)],
        [
            Mutant("the same batch every step", _train(fold=False), "loss of step"),
            Mutant("one key for initialisation and data", _train(split=False), "loss of step 0"),
            Mutant("a new optimizer state every step", _train(fresh_state=True), "loss of step"),
            Mutant("returns the mean loss", _train(result="mean loss"), "every step"),
        ],
    ),
    "check_train_instances": (
        (1, "train_instances"),
        [_instances_by_in_axes],
        [
            Mutant("one key for every instance", _instances(keys_used="first"), "instance 1"),
            Mutant("one probability for every instance", _instances(probabilities_used="first"), "instance 1"),
            Mutant("losses transposed", _instances(layout="losses transposed"), "transposed"),
        ],
    ),
    "check_draw_correlated_features": (
        (5, "draw_correlated_features"),
        [
            lambda key, p, n_sets, set_size, batch: (
                jnp.repeat(jax.random.uniform(jax.random.fold_in(key, 1), (batch, n_sets)) < p, set_size, axis=1)
                * jax.random.uniform(jax.random.fold_in(key, 2), (batch, n_sets * set_size))
            ),
            # toysup.sample_features returns (features, samples): transposed to batch-first
            lambda key, p, n_sets, set_size, batch: (
                toysup.sample_features(
                    key, jnp.full(n_sets * set_size, p), batch, correlated_sets=(set_size,) * n_sets, rng="threefry"
                ).T
            ),
        ],
        [
            Mutant("independent features", _independent_sets, "fire together"),
            Mutant("one draw for all sets", _correlated(sets="shared"), "independently"),
            Mutant("one value for the whole set", _correlated(values="one per set"), "values should be independent"),
            Mutant("sparsity S used as the probability", _correlated(probability=lambda p: 1 - p), "probability"),
        ],
    ),
    "check_draw_anticorrelated_features": (
        (5, "draw_anticorrelated_features"),
        [
            lambda key, p, n_sets, set_size, batch: (
                toysup.sample_features(
                    key, jnp.full(n_sets * set_size, p), batch, anticorrelated_sets=(set_size,) * n_sets, rng="threefry"
                ).T
            ),
        ],
        [
            Mutant("members fire independently", _independent_sets, "at most one"),
            Mutant("always the first member", _anticorrelated(member="always the first"), "uniformly"),
            Mutant("each member with probability p", _anticorrelated(p_per="member"), "probability"),
            Mutant("one member choice for all sets", _anticorrelated(member="shared by all sets"), "independently"),
        ],
    ),
    "check_relu_hidden_forward": (
        (5, "relu_hidden_forward"),
        [lambda W, b, x: jax.nn.relu(jnp.maximum(W @ x.T, 0).T @ W + b)],
        [
            Mutant("no hidden ReLU (the ReLU-output model)", lambda W, b, x: jax.nn.relu(x @ W.T @ W + b)),
            Mutant("no output ReLU", lambda W, b, x: jax.nn.relu(x @ W.T) @ W + b),
            Mutant("bias inside, on the hidden layer", lambda W, b, x: jax.nn.relu(jax.nn.relu(x @ W.T + b) @ W)),
            Mutant("features-first", lambda W, b, x: jax.nn.relu(W.T @ jax.nn.relu(W @ x) + b[:, None])),
            Mutant("numpy (not differentiable)", lambda W, b, x: np.maximum(np.maximum(x @ W.T, 0) @ W + b, 0), "jnp"),
        ],
    ),
    "check_abs_forward": (
        (5, "abs_forward"),
        [lambda params, x: jax.nn.relu(jax.nn.relu(params["W1"] @ x.T).T @ params["W2"].T + params["b"])],
        [
            Mutant("no hidden ReLU", lambda params, x: _two_layer(params, x, hidden_relu=False)),
            Mutant("no output ReLU", lambda params, x: _two_layer(params, x, output_relu=False)),
            Mutant("tied weights (read out with W1)", lambda params, x: _two_layer(params, x, readout="tied")),
            Mutant("W2 not transposed", lambda params, x: _two_layer(params, x, readout="untransposed")),
            Mutant("returns the target |x|", lambda params, x: _two_layer(params, x, target=True)),
        ],
    ),
}


def _every_table() -> dict[str, tuple]:
    """CHECKS of this module and of every other tests/lessons/test_*mutations.py (the SAE systems, the primer)."""
    tables = dict(CHECKS)
    for path in sorted(Path(__file__).parent.glob("test_*mutations.py")):
        if path.resolve() == Path(__file__).resolve():
            continue
        spec = importlib.util.spec_from_file_location(f"mutation_table_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        overlap = set(tables) & set(module.CHECKS)
        assert not overlap, f"{path.name}: checks already listed in another mutation table: {sorted(overlap)}"
        tables.update(module.CHECKS)
    return tables


TABLES = _every_table()  # every check's (lesson, exercise), other correct answers and mutants
MUTANT_CASES = [
    pytest.param(check_name, mutant, id=f"{check_name}-{mutant.label}")
    for check_name, (_, _, mutants) in TABLES.items()
    for mutant in mutants
]
CORRECT_CASES = [
    pytest.param(check_name, index, id=f"{check_name}-{index}")
    for check_name, (_, correct, _) in TABLES.items()
    for index in range(len(correct) + 1)
]


def test_every_check_has_three_mutants():
    tables = TABLES
    checks = {name for name in dir(lessons) if name.startswith("check_")}
    assert checks == set(tables), (
        "every check_* of toysup.lessons needs an entry in a CHECKS table of tests/lessons/test_*mutations.py: "
        f"missing {sorted(checks - set(tables))}, unknown {sorted(set(tables) - checks)}"
    )
    few = {name: len(mutants) for name, (_, _, mutants) in tables.items() if len(mutants) < 3}
    assert not few, f"checks with fewer than three mutants: {few}"
    for name, (_, _, mutants) in tables.items():
        labels = [mutant.label for mutant in mutants]
        assert len(set(labels)) == len(labels), f"{name}: mutant labels must be unique"


@pytest.mark.parametrize(("check_name", "index"), CORRECT_CASES)
def test_check_accepts_a_correct_answer(check_name, index, capsys):
    (lesson_number, function_name), correct, _ = TABLES[check_name]
    answer = solution(lesson_number, function_name) if index == 0 else correct[index - 1]
    getattr(lessons, check_name)(answer)
    assert capsys.readouterr().out.startswith(f"✓ {function_name}: all ")


@pytest.mark.parametrize(("check_name", "mutant"), MUTANT_CASES)
def test_check_rejects_a_mutant(check_name, mutant, capsys):
    (_, function_name), _, _ = TABLES[check_name]
    with pytest.raises(AssertionError, match=function_name) as error:
        getattr(lessons, check_name)(mutant.function)
    if mutant.match is not None:
        assert mutant.match in str(error.value), f"the message should say {mutant.match!r}: {error.value}"
    assert "✓" not in capsys.readouterr().out
