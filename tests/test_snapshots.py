"""Snapshots of W taken inside the compiled run (``toysup.snapshots``)."""

import numpy as np
import pytest

import toysup
from toysup.snapshots import snapshot_steps, train_with_snapshots

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
