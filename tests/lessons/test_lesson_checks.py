"""The lessons' checks: a friendly message for an unwritten stub, a crash or a missing return, and no false
alarms for correct answers that draw other random numbers. That every check passes the reference solution and
fails plausible wrong answers: test_check_mutations.py."""

import functools

import jax
import pytest

from toysup import lessons
from toysup.lessons.course import lesson_paths, load_solutions

LESSONS = lesson_paths()


@functools.lru_cache
def _solution(lesson_number: int, name: str):
    return load_solutions(LESSONS[lesson_number - 1])[name]


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


def test_an_unwritten_random_exercise_gets_a_friendly_failure():
    def draw_sparse_features(key, feature_probability, n_features, batch_size):
        raise NotImplementedError("Exercise 1.1")

    with pytest.raises(AssertionError, match="not written yet"):
        lessons.check_draw_sparse_features(draw_sparse_features)


# The statistical checks (distribution, independence, distinct resampling targets) must not fail a correct
# answer whose random numbers differ from the solution's: here the solution with its key folded first.
@pytest.mark.parametrize("offset", range(1, 6))
def test_the_random_checks_accept_correct_answers_with_other_random_numbers(offset, capsys):
    draw = _solution(1, "draw_sparse_features")
    lessons.check_draw_sparse_features(lambda key, *args: draw(jax.random.fold_in(key, offset), *args))
    resample = _solution(6, "resample_dead_latents")
    lessons.check_resample_dead_latents(
        lambda params, dead, x, key: resample(params, dead, x, jax.random.fold_in(key, offset))
    )
    assert capsys.readouterr().out.count("✓") == 2


def test_the_monte_carlo_check_accepts_another_stream_of_samples(capsys):
    monte_carlo_loss = _solution(3, "monte_carlo_loss")
    lessons.check_monte_carlo_loss(lambda *args: monte_carlo_loss(*args[:4], jax.random.fold_in(args[4], 1), args[5]))
    assert capsys.readouterr().out.startswith("✓ monte_carlo_loss: all ")
