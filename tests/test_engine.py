"""The training engine: compiled chunks, the driving loop, block means, hooks, keys, the program cache."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from toysup import engine


def counter_program(steps: int, chunk_steps: int) -> engine.Program:
    """Each copy adds its input to a running total every step and logs the total after the step."""

    def init_copy(key):
        return jnp.zeros((), jnp.float32)

    def step_copy(total, increment, step):
        total = total + increment
        return total, total

    return engine.compile_program(init_copy, step_copy, steps=steps, chunk_steps=chunk_steps)


INCREMENTS = jnp.asarray([1.0, 2.0, 3.0])
KEYS = jax.random.split(jax.random.key(0), 3)


def test_a_run_does_exactly_its_steps_and_averages_blocks_across_chunks():
    # 10 steps in chunks of 4: the last chunk runs 2 steps past the end, which must change nothing. Blocks of 3
    # steps straddle the chunk boundaries; the last block holds the one remaining step.
    done = engine.run(counter_program(10, 4), KEYS, INCREMENTS, log_every=3, progress=False)
    assert done.steps_done == 10
    np.testing.assert_array_equal(done.state, 10 * np.asarray(INCREMENTS))
    totals = np.arange(1, 11)[:, None] * np.asarray(INCREMENTS)[None, :]  # (steps, copies)
    expected = np.stack([totals[0:3].mean(0), totals[3:6].mean(0), totals[6:9].mean(0), totals[9:10].mean(0)])
    np.testing.assert_allclose(done.logged, expected)


def test_hooks_see_every_chunk_and_an_interrupt_keeps_the_finished_chunks():
    seen, progress = [], []

    def observe(steps_done, state):
        seen.append((steps_done, np.asarray(state).copy()))

    def on_chunk(steps_done, steps):
        progress.append((steps_done, steps))
        if steps_done >= 8:
            raise KeyboardInterrupt

    done = engine.run(
        counter_program(10, 4), KEYS, INCREMENTS, log_every=2, progress=False, on_chunk=on_chunk, observe=observe
    )
    assert [steps for steps, _ in seen] == [0, 4, 8]
    np.testing.assert_array_equal(seen[1][1], 4 * np.asarray(INCREMENTS))
    assert progress == [(4, 10), (8, 10)]
    assert done.steps_done == 8 and done.logged.shape == (4, 3)
    np.testing.assert_array_equal(done.state, 8 * np.asarray(INCREMENTS))


def test_a_run_that_did_no_step_logs_nothing():
    def stop_at_once(steps_done, state):
        raise KeyboardInterrupt

    done = engine.run(counter_program(10, 4), KEYS, INCREMENTS, progress=False, observe=stop_at_once)
    assert done.steps_done == 0 and done.logged.shape == (0, 3)


def test_derive_keys_depend_on_the_seed_stream_and_id_only():
    init_all, data_all = engine.derive_keys(3, jnp.arange(5), 2)
    init_some, data_some = engine.derive_keys(3, jnp.asarray([4, 1]), 2)
    np.testing.assert_array_equal(jax.random.key_data(init_some), jax.random.key_data(init_all[jnp.asarray([4, 1])]))
    np.testing.assert_array_equal(jax.random.key_data(data_some), jax.random.key_data(data_all[jnp.asarray([4, 1])]))
    assert not np.array_equal(jax.random.key_data(init_all), jax.random.key_data(data_all))
    other_seed, _ = engine.derive_keys(4, jnp.arange(5), 2)
    assert not np.array_equal(jax.random.key_data(other_seed), jax.random.key_data(init_all))


def test_the_program_cache_builds_once_per_key():
    built = []

    def build():
        built.append(1)
        return counter_program(5, 5)

    first = engine.cached_program(("test", 1), build)
    again = engine.cached_program(("test", 1), build)
    other = engine.cached_program(("test", 2), build)
    assert first is again and other is not first and len(built) == 2


def test_learning_rate_schedules_warm_up_then_follow_their_shape():
    for schedule, at_end in (("constant", 1.0), ("linear", 0.0), ("cosine", 0.0)):
        rate = engine.learning_rate_schedule(1.0, schedule, steps=100, warmup_steps=10)
        assert float(rate(0)) == 0.0 and float(rate(5)) == pytest.approx(0.5)
        assert float(rate(10)) == pytest.approx(1.0)
        assert float(rate(100)) == pytest.approx(at_end, abs=1e-6)


@pytest.mark.parametrize(
    "chunk_steps, log_every, field",
    [(0, 10, "chunk_steps"), (10, 0, "log_every"), (2.5, 10, "chunk_steps"), (10, True, "log_every")],
)
def test_bad_loop_settings_name_the_field(chunk_steps, log_every, field):
    with pytest.raises(ValueError, match=f"^{field}: must be"):
        engine.check_loop(chunk_steps, log_every)
