import dataclasses
import time

import numpy as np
import pytest

import toysup
from toysup import ToyConfig, geometric_importance, metrics, train


def angles_between_neighbours(W):
    """Sorted angular gaps (degrees) between the 2-D feature directions W (2, features)."""
    angles = np.sort(np.degrees(np.arctan2(W[1], W[0])) % 360)
    return np.diff(np.concatenate([angles, angles[:1] + 360]))


def test_sparse_five_features_form_a_regular_pentagon(pentagon_run):
    for W in pentagon_run.W:
        norms = np.asarray(metrics.feature_norms(W))
        assert np.all(norms > 0.9) and np.all(norms < 1.3)
        assert norms.max() / norms.min() < 1.05
        np.testing.assert_allclose(angles_between_neighbours(W), 72.0, atol=4.0)
        np.testing.assert_allclose(metrics.feature_dimensionality(W), 0.4, atol=0.02)


def test_dense_features_keep_the_two_most_important_orthogonal(dense_run):
    for W in dense_run.W:
        norms = np.asarray(metrics.feature_norms(W))
        assert int(metrics.n_represented(W)) == 2
        assert np.all(norms[:2] > 0.9) and np.all(norms[2:] < 0.1)
        cosine = W[:, 0] @ W[:, 1] / (norms[0] * norms[1])
        assert abs(cosine) < 0.05
        assert not bool(metrics.in_superposition(W))


def test_linear_model_learns_exactly_the_top_features_orthogonally():
    config = ToyConfig(
        n_features=20,
        n_hidden=5,
        n_instances=2,
        model="linear",
        feature_probability=(1.0, 0.1),
        importance=geometric_importance(20, 0.7),
        steps=1500,
        learning_rate=1e-2,
    )
    result = train(config, progress=False)
    for W in result.W:
        norms = np.asarray(metrics.feature_norms(W))
        np.testing.assert_allclose(norms[:5], 1.0, atol=0.05)
        assert np.all(norms[5:] < 0.1)
        gram = W[:, :5].T @ W[:, :5]
        np.testing.assert_allclose(gram, np.eye(5), atol=0.06)


SMALL = ToyConfig(
    n_features=6,
    n_hidden=2,
    n_instances=3,
    feature_probability=(1.0, 0.3, 0.05),
    steps=300,
    batch_size=256,
    learning_rate=1e-2,
)
LOOP = {"chunk_steps": 100, "progress": False}


def test_same_seed_same_result_and_chunking_does_not_change_it():
    first = train(SMALL, **LOOP)
    second = train(SMALL, **LOOP)
    one_chunk = train(SMALL, chunk_steps=300, progress=False)
    for name in first.params:
        np.testing.assert_array_equal(first.params[name], second.params[name])
        np.testing.assert_allclose(first.params[name], one_chunk.params[name], rtol=1e-5, atol=1e-6)
    other_seed = train(SMALL.replace(seed=1), **LOOP)
    assert not np.allclose(first.params["W"], other_seed.params["W"])


def test_best_of_k_keeps_the_lowest_loss_restart():
    single = train(SMALL, **LOOP)
    best = train(SMALL.replace(restarts=4), **LOOP)
    assert best.W.shape == single.W.shape
    # Restart 0 of a best-of-k run is the single run, so the kept loss can only be lower or equal.
    assert np.all(best.final_loss <= single.final_loss + 1e-7)
    assert np.any(best.final_loss < single.final_loss)


def test_a_last_partial_chunk_and_loss_history():
    config = SMALL.replace(steps=250)
    result = train(config, **LOOP)
    assert result.steps_done == 250
    assert result.loss_history.shape == (25, 3)
    assert np.all(np.isfinite(result.loss_history))
    # Training lowers the loss.
    assert np.all(result.loss_history[-1] < result.loss_history[0])


def test_interrupt_keeps_the_finished_chunks():
    def interrupt(done, total):
        if done >= 100:
            raise KeyboardInterrupt

    result = train(SMALL, **LOOP, on_chunk=interrupt)
    assert result.steps_done == 100
    assert result.loss_history.shape == (10, 3)
    assert np.all(np.isfinite(result.W)) and np.all(np.isfinite(result.final_loss))


@pytest.mark.parametrize(
    "changes",
    [
        {"model": "relu_hidden"},
        {"model": "abs", "n_hidden": 4},
        {"optimizer": "adamw", "weight_decay": 1e-2, "schedule": "cosine", "warmup_steps": 50},
        {"schedule": "linear", "correlated_sets": (2,), "anticorrelated_sets": (2,)},
    ],
)
def test_every_model_and_optimiser_setting_trains(changes):
    config = dataclasses.replace(SMALL, **changes)
    result = train(config, **LOOP)
    assert np.all(np.isfinite(result.final_loss))
    assert np.all(result.loss_history[-1] < result.loss_history[0])
    if config.model == "abs":
        assert set(result.params) == {"W1", "W2", "b"} and result.params["W2"].shape == (3, 6, 4)


PER_COPY_FIELDS = {"n_instances", "restarts", "feature_probability", "importance", "importance_decay", "seed"}


def test_the_compile_key_holds_every_field_that_is_not_fed_to_the_program_as_an_array():
    from toysup.train import ProgramKey

    fields = {field.name for field in dataclasses.fields(ToyConfig)}
    assert set(ProgramKey._fields) == fields - PER_COPY_FIELDS


def test_configs_that_differ_only_in_per_copy_fields_share_one_compiled_program():
    from toysup import engine
    from toysup.train import compile_key

    config = SMALL.replace(steps=40)
    train(config, chunk_steps=20, progress=False)
    cached = len(engine.PROGRAMS)
    changed = config.replace(
        n_instances=2, feature_probability=(0.2, 0.1), importance=(1.0,) * 6, importance_decay=0.5, restarts=2, seed=7
    )
    assert compile_key(changed) == compile_key(config)
    train(changed, chunk_steps=20, progress=False)
    assert len(engine.PROGRAMS) == cached
    assert compile_key(config.replace(learning_rate=3e-2)) != compile_key(config)


def test_best_of_k_never_keeps_a_non_finite_restart():
    from toysup.train import best_restarts

    # Restart-major copies of 2 instances × 3 restarts: instance 0 has restarts NaN, inf, 0.3; instance 1 has
    # 0.5, 0.2, NaN (argmin alone would pick the NaN of instance 0).
    final_loss = np.asarray([np.nan, 0.5, np.inf, 0.2, 0.3, np.nan], np.float32)
    np.testing.assert_array_equal(best_restarts(final_loss, 3), [4, 3])
    np.testing.assert_array_equal(best_restarts(np.full(4, np.nan), 2), [0, 1])  # all diverged: restart 0


def test_an_instance_diverges_only_when_every_restart_has():
    from toysup.train import DivergenceWatch

    watch = DivergenceWatch(n_instances=2, restarts=2)  # copies: (r0, i0), (r0, i1), (r1, i0), (r1, i1)
    chunk = np.ones((10, 4), np.float32)
    chunk[3:, 0] = np.nan  # restart 0 of instance 0 diverges at step 3; its restart 1 is still finite
    watch(0, chunk)
    chunk = np.ones((10, 4), np.float32)
    chunk[:, 0] = np.nan
    chunk[2:, 2] = np.inf  # restart 1 of instance 0 at step 12: instance 0 has no finite restart left
    with pytest.raises(toysup.DivergedError, match="^diverged at step 12: the loss became non-finite; try a lower"):
        watch(10, chunk)


def _unchecked(config, **changes):
    """``config`` with ``changes`` set behind validation's back: a setting validation would refuse."""
    for name, value in changes.items():
        object.__setattr__(config, name, value)
    return config


def test_a_diverging_run_raises_after_its_first_chunk():
    assert isinstance(toysup.DivergedError(3), ValueError)
    config = _unchecked(SMALL.replace(steps=20_000, restarts=2), learning_rate=1e30)
    chunks = []
    start = time.perf_counter()
    with pytest.raises(toysup.DivergedError, match="^diverged at step 1:") as error:
        train(config, chunk_steps=100, progress=False, on_chunk=lambda done, total: chunks.append(done))
    assert error.value.step == 1 and not chunks  # stopped after the first of 200 chunks
    assert time.perf_counter() - start < 30
    with pytest.raises(ValueError, match="^learning_rate: must be <= 1000"):
        SMALL.replace(learning_rate=1e30)  # validation refuses the rate itself
