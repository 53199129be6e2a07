"""Snapshots of W taken inside the compiled run (``toysup.snapshots``)."""

import numpy as np
import pytest

import toysup
from toysup.snapshots import log_spaced_steps, snapshot_steps, train_with_snapshots

CONFIG = toysup.ToyConfig(
    n_features=5,
    n_hidden=2,
    n_instances=2,
    feature_probability=(1.0, 0.05),
    steps=60,
    learning_rate=1e-2,
    batch_size=256,
)


def test_snapshots_end_where_plain_training_ends():
    result, snapshots = train_with_snapshots(CONFIG, every=25, log_every=5)
    plain = toysup.train(CONFIG, chunk_steps=20, log_every=5, progress=False)
    assert snapshots.shape == (4, 2, 2, 5)  # step 0, 25, 50, 60
    np.testing.assert_array_equal(snapshot_steps(len(snapshots), 25, result.steps_done), [0, 25, 50, 60])
    np.testing.assert_allclose(snapshots[-1], plain.W, atol=1e-5)
    np.testing.assert_allclose(result.W, plain.W, atol=1e-5)
    np.testing.assert_allclose(result.final_loss, plain.final_loss, rtol=1e-4)
    assert result.steps_done == 60 and result.loss_history.shape == (12, 2)
    assert not np.allclose(snapshots[0], snapshots[-1])  # it learned between the first and last snapshot


def test_snapshots_follow_the_kept_restart_of_each_instance():
    config = CONFIG.replace(restarts=3, model="abs", n_features=3, n_hidden=4)
    result, snapshots = train_with_snapshots(config, every=30)
    assert snapshots.shape == (3, 2, 4, 3)
    np.testing.assert_allclose(snapshots[-1], result.params["W1"])
    np.testing.assert_allclose(result.W, toysup.train(config, progress=False).W, atol=1e-5)


def test_an_interrupt_keeps_the_finished_chunks():
    def stop_after_two(done, total):
        if done >= 20:
            raise KeyboardInterrupt

    result, snapshots = train_with_snapshots(CONFIG, every=10, on_chunk=stop_after_two)
    assert result.steps_done == 20 and len(snapshots) == 3 and result.loss_history.shape == (2, 2)


@pytest.mark.parametrize("every", [0, -5, 2.5, True])
def test_a_bad_interval_is_refused(every):
    with pytest.raises(ValueError, match="every"):
        train_with_snapshots(CONFIG, every=every)


def test_log_spaced_steps_are_chunk_ends_spaced_geometrically():
    steps = log_spaced_steps(40_000, 10, 20)
    assert list(steps[:3]) == [0, 10, 20] and steps[-1] == 40_000
    assert np.all(np.diff(steps) > 0) and np.all(steps % 10 == 0)
    late = steps[steps >= 1000]  # past the chunk size's granularity: a constant ratio, 20 per decade
    np.testing.assert_allclose(late[1:] / late[:-1], 10 ** (1 / 20), rtol=0.01)
    assert 19 <= np.sum((steps > 1000) & (steps <= 10_000)) <= 21
    # 10 · 5.5^(k/3) for k = 0…3 is 10, 17.7, 31.2, 55: rounded to chunk ends, the last one capped at the end
    np.testing.assert_array_equal(log_spaced_steps(55, 10, 3), [0, 10, 20, 30, 55])
    np.testing.assert_array_equal(log_spaced_steps(5, 10, 3), [0, 5])


def test_snapshots_at_chosen_steps_are_those_of_the_full_record():
    _, every_chunk = train_with_snapshots(CONFIG, every=10)
    at = [0, 10, 30, 60]
    result, chosen = train_with_snapshots(CONFIG, every=10, at=at)
    np.testing.assert_allclose(chosen, every_chunk[[0, 1, 3, 6]], atol=1e-6)
    assert result.steps_done == 60


@pytest.mark.parametrize("at", [[0, 15], [0, 70], [-10], [0, 2.5]])
def test_snapshot_steps_that_are_no_chunk_end_are_refused(at):
    with pytest.raises(ValueError, match="at"):
        train_with_snapshots(CONFIG, every=10, at=at)
