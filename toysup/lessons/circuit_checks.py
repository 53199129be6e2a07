"""Checks of the exercises of lesson 8 (from features to circuits): the direct effects of an attribution graph,
pruning it, and steering a ReLU-output model along a feature's direction, measured and predicted.

The references are the library's own (:mod:`toysup.circuits.attribution`, :mod:`toysup.circuits.steering`), run on
small hand-made and random cases in numpy, so no check compiles anything. Conventions follow the library: batch-first
arrays, x (batch, n), E (inputs, n), codes f (batch, latents), ``W_enc`` (latents, inputs), ``W_dec``
(latents, outputs); the toy model's W (m, n) and b (n,).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..circuits import attribution, steering
from ._harness import as_array, assert_close, call, passed


def _close_with_hints(
    name: str, case: str, got: Any, expected: Any, hints: Sequence[tuple[Callable[[], Any], str]] = ()
) -> None:
    """``assert_close``, and when it fails, a hint for each known wrong answer that ``got`` matches."""
    try:
        assert_close(name, case, got, expected)
    except AssertionError as error:
        got = as_array(name, case, got)
        for wrong, hint in hints:
            try:
                value = np.asarray(wrong(), dtype=np.float64)
            except (ValueError, IndexError):  # a wrong answer that does not even apply to this case
                continue
            if value.shape == got.shape and np.allclose(got, value, atol=1e-5, rtol=1e-4):
                raise AssertionError(f"{error} — {hint}") from None
        raise


# ---------------------------------------------------------------- exercise 8.1: the direct effects


def _attribution_cases() -> list[tuple[str, tuple[np.ndarray, ...]]]:
    rng = np.random.default_rng(81)

    def case(batch: int, n: int, inputs: int, latents: int, outputs: int, E: np.ndarray | None = None):
        x = np.where(rng.uniform(size=(batch, n)) < 0.5, rng.normal(size=(batch, n)), 0.0).astype(np.float32)
        E = rng.normal(size=(inputs, n)).astype(np.float32) if E is None else E
        W_enc = rng.normal(size=(latents, inputs)).astype(np.float32)
        f = np.maximum(rng.normal(size=(batch, latents)), 0.0).astype(np.float32)  # about half the latents active
        W_dec = rng.normal(size=(latents, outputs)).astype(np.float32)
        return x, E, f, W_enc, W_dec

    x, E, f, W_enc, W_dec = case(1, 3, 2, 4, 3)
    return [
        ("a square embedding E (4 features, 4 inputs) that is not the identity", case(5, 4, 4, 6, 4)),
        ("random: 6 samples, n = 5 features embedded in 4 inputs, 7 latents, 3 outputs", case(6, 5, 4, 7, 3)),
        ("the identity embedding (the |x| model: the transcoder reads x itself)", case(8, 4, 4, 8, 4, np.eye(4))),
        ("one sample whose latents are all inactive (f = 0)", (x, E, np.zeros_like(f), W_enc, W_dec)),
    ]


def _attribution_hints(x, E, f, W_enc, W_dec, part: int) -> list[tuple[Callable[[], Any], str]]:
    active = (f != 0).astype(np.float64)
    if part == 0:
        return [
            (lambda: x[:, :, None] * (W_enc @ E).T[None], "forgot to zero the edges into inactive latents (f = 0)?"),
            (
                lambda: x[:, :, None] * W_enc.T[None] * active[:, None, :],
                "latent j reads feature i through the embedding: (W_enc E)[j, i], not W_enc[j, i]",
            ),
            (
                lambda: (x @ E.T)[:, :, None] * W_enc.T[None] * active[:, None, :],
                "the edge starts at the feature x_i, not at the embedded input a = x Eᵀ",
            ),
        ]
    return [
        (lambda: active[:, :, None] * W_dec[None], "the edge carries the latent's code f_j, not just whether it fired"),
        (lambda: np.broadcast_to(W_dec[None], (len(f), *W_dec.shape)), "the edge is f_j · W_dec[j, k], per sample"),
    ]


def check_attribution_edges(attribution_edges) -> None:
    """``attribution_edges(x, E, f, W_enc, W_dec)`` -> (input → latent edges (batch, n, latents), latent → output
    edges (batch, latents, outputs)): x_i · (W_enc E)[j, i] where f_j ≠ 0 (else 0), and f_j · W_dec[j, k]."""
    name = "attribution_edges"
    cases = _attribution_cases()
    for case, args in cases:
        result = call(name, case, attribution_edges, *args)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise AssertionError(
                f"{name} on {case}: must return a pair (input → latent edges, latent → output edges), "
                f"got {type(result).__name__}"
            )
        x, E, f, W_enc, W_dec = args
        expected = attribution.effects(x, E, f, W_enc, W_dec, np.zeros(W_dec.shape[1], np.float32))
        for part, (got, want, label) in enumerate(
            zip(result, (expected.input_latent, expected.latent_output), ("input → latent", "latent → output"))
        ):
            hints = _attribution_hints(*(a.astype(np.float64) for a in args), part)
            _close_with_hints(name, f"{case} ({label} edges)", got, want, hints)
    passed(name, len(cases))


# ---------------------------------------------------------------- exercise 8.2: pruning


def _pruning_cases() -> list[tuple[str, tuple[np.ndarray, float]]]:
    rng = np.random.default_rng(82)
    # Two samples; edge (0, 0) is +1 in one and −1 in the other: its signed mean is 0, its mean |effect| is 1.
    opposite = np.array(
        [
            [[1.0, 0.5, 0.0], [0.25, 1.0, 0.0], [0.0, 0.0, 1.0]],
            [[-1.0, 0.5, 0.0], [0.25, 1.0, 0.0], [0.0, 0.0, 1.0]],
        ],
        np.float32,
    )
    # Output 2 is hardly reached (total 0.03 against 2): the node rule drops it, though its strongest edge is its own.
    weak_output = np.array([[[1.0, 0.0, 0.02], [0.0, 2.0, 0.01], [1.0, 0.0, 0.0]]], np.float32)
    # Output 0's edges are ten times output 1's: each output's edges are compared with its own strongest.
    scales = np.array([[[10.0, 0.9], [0.5, 0.6], [0.0, 0.05]]], np.float32)
    zeros = np.array([[[1.0, 0.0], [0.0, 0.5], [0.0, 0.0]]], np.float32)
    at_threshold = np.array([[[1.0, 0.5], [0.5, 1.0], [0.25, 0.0]]], np.float32)
    random = (rng.normal(size=(16, 6, 4)) * rng.uniform(0.0, 1.0, size=(6, 4))).astype(np.float32)
    return [
        ("effects whose sign varies between samples, θ = 0.3", (opposite, 0.3)),
        ("an output the inputs hardly reach, θ = 0.1", (weak_output, 0.1)),
        ("outputs on different scales, θ = 0.1", (scales, 0.1)),
        ("θ = 0 (keep every edge that has an effect) with some zero edges", (zeros, 0.0)),
        ("an edge at exactly θ times the strongest into its output, θ = 0.5", (at_threshold, 0.5)),
        ("random effects: 16 samples, 6 sources, 4 targets, θ = 0.1", (random, 0.1)),
    ]


def _pruning_hints(effects: np.ndarray, threshold: float) -> list[tuple[Callable[[], Any], str]]:
    weight = np.abs(effects).mean(axis=0)

    def edges_only(weight: np.ndarray) -> np.ndarray:
        return (weight >= threshold * weight.max(axis=0, keepdims=True)) & (weight > 0)

    return [
        (
            lambda: attribution.prune(np.abs(effects.mean(axis=0)), threshold),
            "rank edges by their mean *absolute* effect: effects of opposite sign in different samples cancel in "
            "a signed mean",
        ),
        (
            lambda: edges_only(weight),
            "forgot the node rule? An output whose total weight is under θ times the largest output's is dropped",
        ),
        (
            lambda: (weight >= threshold * weight.max()) & (weight > 0),
            "compare each edge with the strongest edge *into its own output* (axis 0), not the strongest overall",
        ),
    ]


def check_prune_edges(prune_edges) -> None:
    """``prune_edges(effects, threshold)`` -> kept (sources, targets), boolean, from per-sample effects (batch,
    sources, targets): weight = mean |effect| over the batch; an output is kept when its total weight is at least θ
    times the largest output's; a kept output keeps its edges with weight at least θ times its strongest, and
    never an edge of weight 0."""
    name = "prune_edges"
    cases = _pruning_cases()
    for case, (effects, threshold) in cases:
        got = call(name, case, prune_edges, effects.copy(), threshold)
        expected = attribution.prune(np.abs(effects).mean(axis=0), threshold)
        _close_with_hints(name, case, got, expected.astype(np.float64), _pruning_hints(effects, threshold))
    passed(name, len(cases))


# ---------------------------------------------------------------- exercises 8.3 and 8.4: steering


def _pentagon() -> tuple[np.ndarray, np.ndarray]:
    """A regular pentagon W (2, 5) with columns of norm 1.1 and b = −0.25: the trained toy model of lesson 1."""
    angles = 2 * np.pi * np.arange(5) / 5
    return (1.1 * np.stack([np.cos(angles), np.sin(angles)])).astype(np.float32), np.full(5, -0.25, np.float32)


def _steering_cases(with_inputs: bool) -> list[tuple[str, tuple]]:
    rng = np.random.default_rng(83)
    W, b = _pentagon()
    square = rng.normal(size=(3, 3)).astype(np.float32)  # not symmetric: its rows are not its columns
    square_b = np.array([0.3, -0.2, -0.6], np.float32)  # one output on at x = 0, two off
    wide = rng.normal(size=(3, 6)).astype(np.float32)
    wide_b = rng.normal(scale=0.3, size=6).astype(np.float32)
    alphas = np.linspace(-1.0, 2.0, 7).astype(np.float32)

    def sparse(batch: int, n: int) -> np.ndarray:
        return np.where(rng.uniform(size=(batch, n)) < 0.2, rng.uniform(size=(batch, n)), 0.0).astype(np.float32)

    if not with_inputs:
        return [
            ("a square W (3, 3) that is not symmetric, feature 1", (square, square_b, 1, alphas)),
            ("the pentagon, feature 0", (W, b, 0, alphas)),
            ("W of shape (3, 6), feature 4", (wide, wide_b, 4, alphas)),
        ]
    return [
        ("a square W (3, 3) that is not symmetric, feature 1", (square, square_b, sparse(32, 3), 1, alphas)),
        ("the pentagon, feature 0, a batch of 64 sparse inputs", (W, b, sparse(64, 5), 0, alphas)),
        ("W of shape (3, 6), feature 4, a batch of 48", (wide, wide_b, sparse(48, 6), 4, alphas)),
        ("the pentagon at x = 0 (one sample of zeros), feature 2", (W, b, np.zeros((1, 5), np.float32), 2, alphas)),
    ]


def _relu_output(W: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    return {"W": W, "b": b}


def check_steer_feature(steer_feature) -> None:
    """``steer_feature(W, b, x, feature, alphas)`` -> (alphas, n): for each α, the mean over the batch of the
    change of every output of the ReLU-output model x' = ReLU(h W + b), h = x Wᵀ, when α W[:, feature] is added
    to h."""
    name = "steer_feature"
    cases = _steering_cases(with_inputs=True)
    for case, (W, b, x, feature, alphas) in cases:
        got = call(name, case, steer_feature, W.copy(), b.copy(), x.copy(), feature, alphas.copy())
        expected = steering.steer_hidden("relu_output", _relu_output(W, b), x, W[:, feature], alphas)
        h = x.astype(np.float64) @ W.T
        base = np.maximum(h @ W + b, 0).mean(axis=0)
        column = W[:, feature]
        hints = [
            (
                lambda h=h, W=W, b=b, alphas=alphas, feature=feature: (
                    np.stack([np.maximum((h + a * W[feature]) @ W + b, 0).mean(axis=0) for a in alphas])
                    - np.maximum(h @ W + b, 0).mean(axis=0)
                ),
                "feature i's direction is its column W[:, i] (what a lone x_i = 1 writes into h), not the row W[i]",
            ),
            (
                lambda h=h, W=W, b=b, alphas=alphas, column=column: np.stack(
                    [((h + a * column) @ W + b).mean(axis=0) - (h @ W + b).mean(axis=0) for a in alphas]
                ),
                "the outputs are ReLU(h W + b): measure the change after the ReLU",
            ),
            (
                lambda h=h, W=W, b=b, alphas=alphas, column=column: np.stack(
                    [np.maximum((h + a * column) @ W + b, 0).mean(axis=0) for a in alphas]
                ),
                "return the *change*: subtract the unsteered outputs' mean",
            ),
            (
                lambda h=h, W=W, b=b, alphas=alphas, column=column, base=base: (
                    np.stack(
                        [np.maximum((h + a * column / np.linalg.norm(column)) @ W + b, 0).mean(axis=0) for a in alphas]
                    )
                    - base
                ),
                "add α times the column itself, not the unit vector: α is then in units of the feature's own value",
            ),
        ]
        _close_with_hints(name, case, got, expected, hints)
    passed(name, len(cases))


def check_predicted_steering(predicted_steering) -> None:
    """``predicted_steering(W, b, feature, alphas)`` -> (alphas, n): ReLU(b + α (WᵀW)[:, feature]) − ReLU(b), the
    change of every output when α W[:, feature] is added to h at x = 0."""
    name = "predicted_steering"
    cases = _steering_cases(with_inputs=False)
    for case, (W, b, feature, alphas) in cases:
        got = call(name, case, predicted_steering, W.copy(), b.copy(), feature, alphas.copy())
        expected = steering.predicted_change("relu_output", _relu_output(W, b), W[:, feature], alphas)
        response = (W.T @ W)[:, feature].astype(np.float64)
        pre = b[None, :] + alphas[:, None] * response[None, :]
        hints = [
            (lambda pre=pre, b=b: pre - b[None, :], "the outputs pass a ReLU: ReLU(b + α P_ji) − ReLU(b)"),
            (lambda pre=pre: np.maximum(pre, 0), "return the *change*: subtract the unsteered output ReLU(b)"),
            (lambda pre=pre, b=b: np.maximum(pre, 0) - b[None, :], "the unsteered output is ReLU(b), not b"),
        ]
        _close_with_hints(name, case, got, expected, hints)
    passed(name, len(cases))
