"""The lessons' checks: a friendly message for an unwritten stub, a crash or a missing return, and no false
alarms for correct answers that draw other random numbers. The teacher's layer: every question of every lesson
has an answer in its solutions file, every exercise heading says its time and difficulty. That every check
passes the reference solution and fails plausible wrong answers: test_check_mutations.py."""

import functools
import re

import jax
import pytest

from toysup import lessons
from toysup.lessons.course import lesson_number, lesson_paths, load_answers, load_solutions, read_lesson

LESSONS = lesson_paths()


def _lesson(number: int):
    return next(path for path in LESSONS if path.name.startswith(f"{number:02d}_"))


@functools.lru_cache
def _solution(lesson_number: int, name: str):
    return load_solutions(_lesson(lesson_number))[name]


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


def test_a_training_check_accepts_a_run_built_from_other_correct_pieces(capsys):
    """The trainer's check compares with the run the student's own pieces give: a correct draw with other random
    numbers (Bernoulli masks) must not fail a correct train_model that uses it."""
    namespace = {"jax": jax, "jnp": jax.numpy, **{name: _solution(1, name) for name in ("init_params", "train_step")}}
    namespace["draw_sparse_features"] = lambda key, p, n, batch: (
        jax.random.bernoulli(jax.random.fold_in(key, 1), p, (batch, n))
        * jax.random.uniform(jax.random.fold_in(key, 2), (batch, n))
    )
    train_model = _solution(1, "train_model")
    rebuilt = type(train_model)(train_model.__code__, namespace, "train_model")  # defined in that namespace
    lessons.check_train_model(rebuilt)
    assert capsys.readouterr().out.startswith("✓ train_model: all ")


# ---------------------------------------------------------------- the teacher's layer

_EXERCISE_HEADING = re.compile(r"^### Exercise (\d+)\.(\d+) — .+ \((\d+) min, ([★☆]{3})\)$")


def _markdown(lesson) -> list[str]:
    return [cell.source for cell in read_lesson(lesson).cells if cell.cell_type == "markdown"]


def _questions(lesson) -> set[int]:
    """The numbers (1), (2), … of the questions in the lesson's **Questions.** paragraph."""
    numbers = set()
    for source in _markdown(lesson):
        if "**Questions.**" in source:
            numbers |= {int(number) for number in re.findall(r"\((\d+)\)", source.split("**Questions.**", 1)[1])}
    return numbers


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_every_question_has_an_answer_for_the_teacher(lesson):
    questions, answers = _questions(lesson), load_answers(lesson)
    assert set(answers) == questions, (
        f"{lesson.name}: questions without an answer in ANSWERS: {sorted(questions - set(answers))}; "
        f"answers without a question: {sorted(set(answers) - questions)}"
    )
    empty = [number for number, answer in answers.items() if not isinstance(answer, str) or len(answer.strip()) < 20]
    assert not empty, f"{lesson.name}: answers that say nothing: {empty}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_every_exercise_heading_gives_its_time_and_difficulty(lesson):
    headings = [line for source in _markdown(lesson) for line in source.splitlines() if line.startswith("### Exercise")]
    assert headings, f"{lesson.name}: no exercise headings"
    numbers = []
    for heading in headings:
        match = _EXERCISE_HEADING.match(heading)
        assert match, f"{lesson.name}: {heading!r} should read '### Exercise N.M — title (10 min, ★☆☆)'"
        stars = match.group(4)
        assert stars.rstrip("☆") == "★" * stars.count("★") and stars.count("★") >= 1, f"{heading!r}: ★ before ☆"
        numbers.append((int(match.group(1)), int(match.group(2))))
    number = lesson_number(lesson)
    assert numbers == [(number, index) for index in range(1, len(numbers) + 1)], (
        f"{lesson.name}: exercises should be numbered {number}.1, {number}.2, … in order: {numbers}"
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_hints_are_folded_in_well_formed_blocks(lesson):
    """Each hint is a <details> block with a <summary>, opened and closed in one markdown cell, with blank lines
    around its body (without them Jupyter shows the markdown inside as raw text)."""
    for source in _markdown(lesson):
        lines = source.splitlines()
        assert source.count("<details>") == source.count("</details>"), f"{lesson.name}: unclosed <details>"
        for index, line in enumerate(lines):
            if line.startswith("<details>"):
                assert line == "<details><summary>Hint</summary>", f"{lesson.name}: {line!r}"
                assert index + 1 < len(lines) and lines[index + 1] == "", f"{lesson.name}: no blank line after {line!r}"
            if line == "</details>":
                assert lines[index - 1] == "", f"{lesson.name}: no blank line before </details>"
