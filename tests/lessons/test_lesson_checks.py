"""The lessons' checks: every check passes the reference solution and fails wrong answers a student might
write, with a friendly message for an unwritten stub, a crash or a missing return."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import toysup
from toysup import lessons
from toysup.lessons.course import lesson_paths, load_solutions

LESSONS = lesson_paths()


def test_an_unwritten_stub_gets_a_friendly_failure():
    def forward(W, b, x):
        raise NotImplementedError("Exercise 1.2")

    with pytest.raises(AssertionError, match="not written yet"):
        lessons.check_forward(forward)


def test_a_crashing_answer_names_the_case():
    with pytest.raises(AssertionError, match="forward raised .*Error on random inputs"):
        lessons.check_forward(lambda W, b, x: W @ W @ x)


def test_a_missing_return_is_named():
    with pytest.raises(AssertionError, match="returned None"):
        lessons.check_feature_norms(lambda W: None)


@functools.lru_cache
def _solutions(lesson_number: int) -> dict:
    return load_solutions(LESSONS[lesson_number - 1])


def _solution(lesson_number: int, name: str):
    return _solutions(lesson_number)[name]


def _cosines_without_guard(W):
    with np.errstate(invalid="ignore"):
        unit = W / np.linalg.norm(W, axis=0)
    return unit.T @ unit


def _sae_loss_without_decoder_norms(params, x, l1_coefficient):
    codes = _solution(6, "sae_encode")(params, x)
    error = jnp.sum((x - codes @ params["W_dec"] - params["b_dec"]) ** 2, axis=1)
    return jnp.mean(error + l1_coefficient * jnp.sum(codes, axis=1))


def _resample_everything(params, dead, x, key):
    return _solution(6, "resample_dead_latents")(params, jnp.ones_like(dead), x, key)


def _numpy_forward(W, b, x):
    return np.maximum(W.T @ W @ x + b[:, None], 0)


# Each check: (lesson, solution name) and wrong answers a student might write.
WRONG_ANSWERS = {
    "check_draw_sparse_features": (
        (1, "draw_sparse_features"),
        [
            lambda key, p, n, batch: jax.random.uniform(key, (n, batch)),  # never zero
            lambda key, p, n, batch: jnp.where(
                jax.random.uniform(key, (1, batch)) < p,  # one mask for all features
                jax.random.uniform(jax.random.fold_in(key, 1), (n, batch)),
                0.0,
            ),
            lambda key, p, n, batch: (jax.random.uniform(key, (n, batch)) < p).astype(float),  # active value is 1
        ],
    ),
    "check_forward": (
        (1, "forward"),
        [
            lambda W, b, x: W.T @ W @ x + b[:, None],  # no ReLU
            lambda W, b, x: jax.nn.relu(W.T @ W @ x) + b[:, None],  # bias outside the ReLU
            _numpy_forward,  # right values, but numpy: not differentiable
        ],
    ),
    "check_weighted_loss": (
        (1, "weighted_loss"),
        [
            lambda x, y, importance: jnp.sum(importance[:, None] * (x - y) ** 2),  # sum over the batch
            lambda x, y, importance: jnp.mean(jnp.sum((x - y) ** 2, axis=0)),  # importance ignored
        ],
    ),
    "check_angle_gaps": (
        (1, "angle_gaps"),
        [
            lambda W: np.diff(np.sort(np.degrees(np.arctan2(W[1], W[0])) % 360)),  # no wrap-around gap
            lambda W: np.sort(
                np.diff(
                    np.concatenate(
                        [
                            np.sort(np.arctan2(W[1], W[0]) % (2 * np.pi)),
                            [np.sort(np.arctan2(W[1], W[0]) % (2 * np.pi))[0] + 2 * np.pi],
                        ]
                    )
                )
            ),
        ],
    ),
    "check_feature_norms": (
        (2, "feature_norms"),
        [
            lambda W: np.sum(W**2, axis=0),  # squared
            lambda W: np.linalg.norm(W, axis=1),  # rows, not columns
        ],
    ),
    "check_interference": (
        (2, "interference"),
        [
            lambda W: np.sum((W.T @ W) ** 2, axis=1) / np.maximum(np.sum(W**2, axis=0), 1e-12),  # includes j = i
            lambda W: np.sum((W.T @ W) ** 2, axis=1) - np.sum(W**2, axis=0) ** 2,  # not normalised by ‖W_i‖²
        ],
    ),
    "check_linear_model_loss": (
        (2, "linear_model_loss"),
        [
            lambda importance, p, m: np.sum(np.asarray(importance)[m:]) * (p / 3 - p**2 / 4),  # assumes sorted
            lambda importance, p, m: np.sum(np.sort(importance)[::-1][m:]) * p / 3,  # bias forgotten
        ],
    ),
    "check_dropped_feature_loss": (
        (3, "dropped_feature_loss"),
        [
            lambda p: np.asarray(p) / 3,
            lambda p: np.asarray(p) / 12,
        ],
    ),
    "check_antipodal_loss_without_bias": (
        (3, "antipodal_loss_without_bias"),
        [
            lambda p: np.asarray(p) ** 2 / 3,
            lambda p: np.asarray(p) / 6,
        ],
    ),
    "check_candidate_losses": (
        (3, "candidate_losses"),
        [
            lambda p, i: toysup.theory.candidate_losses_2(p, i)[..., ::-1],  # wrong order
            lambda p, i: np.stack(
                np.broadcast_arrays(
                    i * toysup.theory.feature_variance(p),
                    toysup.theory.feature_variance(p),
                    2 * toysup.theory.optimal_antipodal_loss(p),
                ),
                axis=-1,
            ),
        ],
    ),
    "check_monte_carlo_loss": (
        (3, "monte_carlo_loss"),
        [
            lambda W, b, importance, p, key, n: _solution(3, "monte_carlo_loss")(W, 0 * b, importance, p, key, n),
            lambda W, b, importance, p, key, n: _solution(3, "monte_carlo_loss")(W, b, np.ones(2), p, key, n),
        ],
    ),
    "check_feature_dimensionality": (
        (4, "feature_dimensionality"),
        [
            lambda W: (
                np.sum(W**2, axis=0) ** 2
                / np.maximum(np.sum((W.T @ W) ** 2, axis=1) - np.sum(W**2, axis=0) ** 2, 1e-12)
            ),  # j = i left out
            lambda W: np.sum(W**2, axis=0) / np.maximum(np.sum((W.T @ W) ** 2, axis=1), 1e-12),  # ‖W_i‖² on top
        ],
    ),
    "check_dimensions_per_feature": (
        (4, "dimensions_per_feature"),
        [
            lambda W: W.shape[1] / max(np.sum(W**2), 1e-12),  # n instead of m
            lambda W: W.shape[0] / max(np.linalg.norm(W), 1e-12),  # not squared
        ],
    ),
    "check_regular_polygon": (
        (4, "regular_polygon"),
        [
            lambda k: np.stack(
                [np.cos(2 * np.pi * np.arange(k) / (k + 1)), np.sin(2 * np.pi * np.arange(k) / (k + 1))]
            ),
            lambda k: 2 * _solution(4, "regular_polygon")(k),  # not unit vectors
            lambda k: _solution(4, "regular_polygon")(k).T,  # transposed
        ],
    ),
    "check_cosine_similarities": (
        (5, "cosine_similarities"),
        [
            lambda W: W.T @ W,  # not normalised
            _cosines_without_guard,  # NaN for a zero feature
        ],
    ),
    "check_neuron_alignment": (
        (5, "neuron_alignment"),
        [
            lambda W: np.abs(W).max(axis=0) / np.maximum(np.linalg.norm(W, axis=0), 1e-12),  # not squared
            lambda W: (W**2).min(axis=0) / np.maximum(np.sum(W**2, axis=0), 1e-12),  # min, not max
        ],
    ),
    "check_exact_abs_weights": (
        (5, "exact_abs_weights"),
        [
            lambda n: (np.concatenate([np.eye(n), np.eye(n)]), np.concatenate([np.eye(n), np.eye(n)], axis=1)),
            lambda n: _solution(5, "exact_abs_weights")(n)[::-1],  # swapped
        ],
    ),
    "check_sae_encode": (
        (6, "sae_encode"),
        [
            lambda params, x: jax.nn.relu(x @ params["W_enc"].T + params["b_enc"]),  # b_dec not subtracted
            lambda params, x: (x - params["b_dec"]) @ params["W_enc"].T + params["b_enc"],  # no ReLU
        ],
    ),
    "check_sae_loss": (
        (6, "sae_loss"),
        [
            _sae_loss_without_decoder_norms,
            lambda params, x, l1: _solution(6, "sae_loss")(params, x, 0.0),  # penalty forgotten
        ],
    ),
    "check_mean_max_cosine_similarity": (
        (6, "mean_max_cosine_similarity"),
        [
            lambda decoder, truth: np.mean(np.max(truth @ decoder.T, axis=1)),  # not normalised
            lambda decoder, truth: _solution(6, "mean_max_cosine_similarity")(truth, decoder),  # max over features
        ],
    ),
    "check_dead_latents": (
        (6, "dead_latents"),
        [
            lambda codes: np.all(codes == 0, axis=1),  # per sample, not per latent
            lambda codes: np.any(codes == 0, axis=0),  # zero once is not dead
        ],
    ),
    "check_resample_dead_latents": (
        (6, "resample_dead_latents"),
        [
            lambda params, dead, x, key: params,  # nothing resampled
            _resample_everything,  # live latents changed too
            lambda params, dead, x, key: {
                **_solution(6, "resample_dead_latents")(params, dead, x, key),
                "b_enc": params["b_enc"],
            },  # encoder bias kept
        ],
    ),
    "check_shrinkage": (
        (7, "shrinkage"),
        [
            lambda x, x_hat: np.sum(x_hat * x) / np.sum(x_hat**2),  # inverted
            lambda x, x_hat: np.linalg.norm(x_hat) / np.linalg.norm(x),  # a ratio of norms
        ],
    ),
    "check_topk_activation": (
        (7, "topk_activation"),
        [
            lambda pre, k: jnp.where(pre >= jax.lax.top_k(pre, k)[0][:, -1:], pre, 0.0),  # no ReLU
            lambda pre, k: jnp.where(pre > jax.lax.top_k(pre, k)[0][:, -1:], jax.nn.relu(pre), 0.0),  # keeps k − 1
        ],
    ),
    "check_jumprelu": (
        (7, "jumprelu"),
        [
            lambda pre, threshold: np.where(pre > threshold, pre - threshold, 0.0),  # shifted like a ReLU
            lambda pre, threshold: np.where(pre >= threshold, pre, 0.0),  # keeps z = θ
        ],
    ),
    "check_jumprelu_threshold_gradient": (
        (7, "jumprelu_threshold_gradient"),
        [
            lambda pre, threshold, eps: -(1 / eps) * (np.abs((pre - threshold) / eps) < 0.5),  # H's, not JumpReLU's
            lambda pre, threshold, eps: -(threshold / eps) * (np.abs(pre - threshold) < 0.5),  # window not scaled by ε
        ],
    ),
    "check_gated_encode": (
        (7, "gated_encode"),
        [
            lambda params, x: _solution(6, "sae_encode")(params, x),  # a plain ReLU SAE
            lambda params, x: _solution(7, "gated_encode")({**params, "r_mag": 0 * params["r_mag"]}, x),  # no e^r_mag
        ],
    ),
}


def test_every_check_has_wrong_answers():
    checks = {name for name in dir(lessons) if name.startswith("check_")}
    assert checks == set(WRONG_ANSWERS)


@pytest.mark.parametrize("check_name", sorted(WRONG_ANSWERS))
def test_check_passes_the_solution_and_fails_wrong_answers(check_name, capsys):
    check = getattr(lessons, check_name)
    (lesson_number, function_name), wrong_answers = WRONG_ANSWERS[check_name]
    check(_solution(lesson_number, function_name))
    assert capsys.readouterr().out.startswith(f"✓ {function_name}: all ")
    for wrong in wrong_answers:
        with pytest.raises(AssertionError, match=function_name):
            check(wrong)
    assert "✓" not in capsys.readouterr().out
