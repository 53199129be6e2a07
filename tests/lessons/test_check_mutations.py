"""Mutation tests of the lessons' checks: every ``check_*`` accepts the reference solution (and other correct
ways to write it) and rejects at least three plausible wrong answers ("mutants") with an AssertionError naming
the exercise. A new check cannot be added without its mutants (``test_every_check_has_three_mutants``).

Mutants are written in numpy where the exercise allows it (no compile time); those that need jax reuse the
shapes of the solutions, so the whole suite stays quick.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import toysup
from toysup import lessons, theory
from toysup.lessons.course import lesson_paths, load_solutions

LESSONS = lesson_paths()


@functools.lru_cache
def _solutions(lesson_number: int) -> dict:
    return load_solutions(LESSONS[lesson_number - 1])


def _solution(lesson_number: int, name: str):
    return _solutions(lesson_number)[name]


class Mutant(NamedTuple):
    label: str
    function: object
    match: str | None = None  # what the message must say, beyond the exercise's name


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
        u = jax.random.uniform(mask_key, (n, batch))
        if mask == "own":
            active = u < p
        elif mask == "shared after the first":  # features 1…n−1 share one firing mask
            active = jnp.concatenate([u[:1], jnp.broadcast_to(u[1:2], (n - 1, batch))]) < p
        elif mask == "one for all":
            active = jnp.broadcast_to(u[:1], (n, batch)) < p
        v = jax.random.uniform(value_key, (n, batch))
        if values == "constant 0.5":
            v = jnp.full((n, batch), 0.5)
        elif values == "uniform on [0.25, 0.75]":
            v = 0.25 + 0.5 * v
        elif values == "shared by all features":
            v = jnp.broadcast_to(v[:1], (n, batch))
        return jnp.where(active, v, 0.0)

    return draw


def _draw_with_numpy(key, p, n, batch):
    rng = np.random.default_rng(_seed(key))  # keyed, but numpy cannot run inside jax.jit
    return np.where(rng.uniform(size=(n, batch)) < p, rng.uniform(size=(n, batch)), 0.0)


def _draw_with_bernoulli(key, p, n, batch):
    keys = jax.random.split(key, 2)
    return jax.random.bernoulli(keys[0], p, (n, batch)) * jax.random.uniform(keys[1], (n, batch))


def _draw_pattern_without_key(key, p, n, batch):
    active = jax.random.uniform(jax.random.key(0), (n, batch)) < p  # the pattern from a fixed key
    return jnp.where(active, jax.random.uniform(key, (n, batch)), 0.0)


def _draw_values_without_key(key, p, n, batch):
    active = jax.random.uniform(key, (n, batch)) < p
    return jnp.where(active, jax.random.uniform(jax.random.key(0), (n, batch)), 0.0)  # values from a fixed key


def _quiet(function):
    """``function`` with numpy's division warnings silenced (the wrong answers that divide by zero)."""

    @functools.wraps(function)
    def quiet(*args):
        with np.errstate(divide="ignore", invalid="ignore"):
            return function(*args)

    return quiet


def _numpy_weighted_loss(x, x_reconstructed, importance):
    x, x_reconstructed, importance = (np.asarray(a) for a in (x, x_reconstructed, importance))
    return np.mean(np.sum(importance[:, None] * (x - x_reconstructed) ** 2, axis=0))


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
    W1, W2 = _solution(5, "exact_abs_weights")(n)
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


# ---------------------------------------------------------------- the table

# check name -> ((lesson, solution name), [other correct answers], [mutants])
CHECKS: dict[str, tuple[tuple[int, str], list, list[Mutant]]] = {
    "check_draw_sparse_features": (
        (1, "draw_sparse_features"),
        [_draw_with_bernoulli, lambda key, p, n, batch: toysup.sample_features(key, jnp.full(n, p), batch)],
        [
            Mutant("never zero", lambda key, p, n, batch: jax.random.uniform(key, (n, batch))),
            Mutant("active value always 1", lambda key, p, n, batch: (jax.random.uniform(key, (n, batch)) < p) * 1.0),
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
        [],
        [
            Mutant("no ReLU", lambda W, b, x: W.T @ W @ x + b[:, None]),
            Mutant("bias outside the ReLU", lambda W, b, x: jax.nn.relu(W.T @ W @ x) + b[:, None]),
            Mutant("forgot the bias", lambda W, b, x: jax.nn.relu(W.T @ W @ x)),
            Mutant(
                "a ReLU on the hidden layer too", lambda W, b, x: jax.nn.relu(W.T @ jax.nn.relu(W @ x) + b[:, None])
            ),
            Mutant("transposed (W Wᵀ)", lambda W, b, x: jax.nn.relu(W @ W.T @ x + b[:, None])),
            Mutant("numpy (not differentiable)", lambda W, b, x: np.maximum(W.T @ W @ x + b[:, None], 0), "jnp"),
        ],
    ),
    "check_weighted_loss": (
        (1, "weighted_loss"),
        [],
        [
            Mutant("sum over the batch", lambda x, y, i: np.sum(i[:, None] * (x - y) ** 2)),
            Mutant("importance ignored", lambda x, y, i: np.mean(np.sum((x - y) ** 2, axis=0))),
            Mutant("mean over features too", lambda x, y, i: np.mean(i[:, None] * (x - y) ** 2)),
            Mutant("absolute error", lambda x, y, i: np.mean(np.sum(i[:, None] * np.abs(x - y), axis=0))),
            Mutant("importance squared", lambda x, y, i: np.mean(np.sum((i[:, None] * (x - y)) ** 2, axis=0))),
            Mutant("per-sample losses, no mean", lambda x, y, i: np.sum(i[:, None] * (x - y) ** 2, axis=0)),
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
            Mutant("k + 1 in the denominator", lambda k: _solution(4, "regular_polygon")(k + 1)[:, :k]),
            Mutant("not unit vectors", lambda k: 2 * _solution(4, "regular_polygon")(k)),
            Mutant("transposed", lambda k: _solution(4, "regular_polygon")(k).T),
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
            Mutant("absolute values", lambda W: np.abs(_solution(5, "cosine_similarities")(W))),
            Mutant("transposed (rows of W)", lambda W: _solution(5, "cosine_similarities")(W.T)),
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
            Mutant("swapped", lambda n: _solution(5, "exact_abs_weights")(n)[::-1]),
            Mutant(
                "W2 = [I, −I] (gives ReLU(x))",
                lambda n: (np.concatenate([np.eye(n), -np.eye(n)]), np.concatenate([np.eye(n), -np.eye(n)], axis=1)),
            ),
            Mutant("halved", lambda n: tuple(w / 2 for w in _solution(5, "exact_abs_weights")(n))),
            Mutant("W1 only, no pair", lambda n: _solution(5, "exact_abs_weights")(n)[0]),
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
                lambda decoder, truth: _solution(6, "mean_max_cosine_similarity")(truth, decoder),
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
    "check_shrinkage": (
        (7, "shrinkage"),
        [lambda x, x_hat: np.mean(np.sum(x_hat**2, axis=1)) / np.mean(np.sum(x_hat * x, axis=1))],
        [
            Mutant("inverted", lambda x, x_hat: np.sum(x_hat * x) / np.sum(x_hat**2)),
            Mutant("a ratio of norms", lambda x, x_hat: np.linalg.norm(x_hat) / np.linalg.norm(x)),
            Mutant("‖x̂‖² / ‖x‖²", lambda x, x_hat: np.sum(x_hat**2) / np.sum(x**2)),
            Mutant("the regression slope E[x̂·x] / E‖x‖²", lambda x, x_hat: np.sum(x_hat * x) / np.sum(x**2)),
            Mutant(
                "mean of per-sample ratios",
                lambda x, x_hat: np.mean(np.sum(x_hat**2, axis=1) / np.sum(x_hat * x, axis=1)),
            ),
        ],
    ),
}


MUTANT_CASES = [
    pytest.param(check_name, mutant, id=f"{check_name}-{mutant.label}")
    for check_name, (_, _, mutants) in CHECKS.items()
    for mutant in mutants
]
CORRECT_CASES = [
    pytest.param(check_name, index, id=f"{check_name}-{index}")
    for check_name, (_, correct, _) in CHECKS.items()
    for index in range(len(correct) + 1)
]


def test_every_check_has_three_mutants():
    checks = {name for name in dir(lessons) if name.startswith("check_")}
    assert checks == set(CHECKS), "every check_* of toysup.lessons needs an entry in CHECKS"
    few = {name: len(mutants) for name, (_, _, mutants) in CHECKS.items() if len(mutants) < 3}
    assert not few, f"checks with fewer than three mutants: {few}"
    for name, (_, _, mutants) in CHECKS.items():
        labels = [mutant.label for mutant in mutants]
        assert len(set(labels)) == len(labels), f"{name}: mutant labels must be unique"


@pytest.mark.parametrize(("check_name", "index"), CORRECT_CASES)
def test_check_accepts_a_correct_answer(check_name, index, capsys):
    (lesson_number, function_name), correct, _ = CHECKS[check_name]
    answer = _solution(lesson_number, function_name) if index == 0 else correct[index - 1]
    getattr(lessons, check_name)(answer)
    assert capsys.readouterr().out.startswith(f"✓ {function_name}: all ")


@pytest.mark.parametrize(("check_name", "mutant"), MUTANT_CASES)
def test_check_rejects_a_mutant(check_name, mutant, capsys):
    (_, function_name), _, _ = CHECKS[check_name]
    with pytest.raises(AssertionError, match=function_name) as error:
        getattr(lessons, check_name)(mutant.function)
    if mutant.match is not None:
        assert mutant.match in str(error.value), f"the message should say {mutant.match!r}: {error.value}"
    assert "✓" not in capsys.readouterr().out
