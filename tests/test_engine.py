"""The training engine: compiled chunks, the driving loop, block means, hooks, keys, the program cache, Ctrl-C at
any time."""

import gc
import os
import signal
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from toysup import engine, interrupts


@pytest.fixture(autouse=True)
def python_handles_ctrl_c():
    """Each test runs as a user's program does, where Ctrl-C raises ``KeyboardInterrupt``: a test runner's worker
    (pytest-xdist's) may ignore SIGINT, and toysup leaves an ignored SIGINT alone."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def counter_program(steps: int, chunk_steps: int) -> engine.Program:
    """Each copy adds its input to a running total every step and logs the total after the step."""

    def init_copy(key, inputs):
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


def test_a_step_may_reduce_over_all_copies_and_branch_on_the_result():
    # The copy axis is named engine.COPIES_AXIS: pmax over it is the same for every copy (unbatched), so a cond on it
    # stays one branch for all copies; here each copy adds the largest increment while it is below 5, else 100.
    def step_copy(total, increment, step):
        largest = jax.lax.pmax(increment, engine.COPIES_AXIS)
        total = jax.lax.cond(largest < 5, lambda t: t + largest, lambda t: t + 100.0, total)
        return total, largest

    program = engine.compile_program(lambda key, inputs: jnp.zeros((), jnp.float32), step_copy, steps=4, chunk_steps=3)
    done = engine.run(program, KEYS, INCREMENTS, log_every=1, progress=False)
    np.testing.assert_array_equal(done.state, [12.0, 12.0, 12.0])
    np.testing.assert_array_equal(done.logged, np.full((4, 3), 3.0))
    jaxpr = jax.make_jaxpr(jax.vmap(step_copy, in_axes=(0, 0, None), axis_name=engine.COPIES_AXIS))(
        jnp.zeros(3), INCREMENTS, 0
    )
    assert "cond" in {eqn.primitive.name for eqn in jaxpr.eqns}


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


def test_on_logged_sees_each_chunk_and_may_stop_the_run():
    seen = []

    def on_logged(first_step, logged):
        seen.append((first_step, logged.shape))
        if first_step >= 4:
            raise engine.DivergedError(first_step)

    with pytest.raises(engine.DivergedError, match="^diverged at step 4: the loss became non-finite"):
        engine.run(counter_program(10, 4), KEYS, INCREMENTS, progress=False, on_logged=on_logged)
    assert seen == [(0, (4, 3)), (4, (4, 3))]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Ctrl-C handling restored


def _with(program: engine.Program, **wrapped) -> engine.Program:
    """``program`` with its ``init`` / ``run_chunk`` replaced by wrappers of them."""
    return program._replace(**{name: wrap(getattr(program, name)) for name, wrap in wrapped.items()})


def _press_ctrl_c(times: int = 1, collect: bool = False):
    """A wrapper that presses Ctrl-C (SIGINT to this process) ``times`` times before calling the function, and
    counts its calls; with ``collect`` the signal is sent from inside a garbage-collector callback."""
    calls = []

    def wrap(function):
        def pressed(*args):
            calls.append(1)
            if len(calls) == 1:
                if collect:

                    def callback(phase, info):
                        if phase == "start":
                            gc.callbacks.remove(callback)
                            os.kill(os.getpid(), signal.SIGINT)

                    gc.callbacks.append(callback)
                    gc.collect()
                for _ in range(times):
                    os.kill(os.getpid(), signal.SIGINT)
            return function(*args)

        return pressed

    return wrap, calls


@pytest.mark.parametrize("collect", [False, True])
def test_ctrl_c_during_initialisation_stops_before_the_first_chunk(collect):
    # Sent from inside a garbage-collector callback (as happens while JAX traces and compiles), the default
    # KeyboardInterrupt would be printed as "Exception ignored" and lost; the deferred handler keeps it.
    press, _ = _press_ctrl_c(times=0 if collect else 1, collect=collect)
    count, chunks = _press_ctrl_c(times=0)
    program = _with(counter_program(10, 4), init=press, run_chunk=count)
    done = engine.run(program, KEYS, INCREMENTS, progress=False)
    assert done.steps_done == 0 and not chunks and done.logged.shape == (0, 3)
    np.testing.assert_array_equal(done.state, np.zeros(3))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_during_the_first_chunk_keeps_it_and_stops():
    press, chunks = _press_ctrl_c()
    done = engine.run(_with(counter_program(10, 4), run_chunk=press), KEYS, INCREMENTS, progress=False)
    assert len(chunks) == 1 and done.steps_done == 4
    np.testing.assert_array_equal(done.state, 4 * np.asarray(INCREMENTS))


def test_an_interrupt_raised_while_the_first_chunk_compiles_returns_zero_steps():
    def interrupt(run_chunk):
        def raising(*args):
            raise KeyboardInterrupt

        return raising

    done = engine.run(_with(counter_program(10, 4), run_chunk=interrupt), KEYS, INCREMENTS, progress=False)
    assert done.steps_done == 0 and done.logged.shape == (0, 3)
    np.testing.assert_array_equal(done.state, np.zeros(3))


def test_ctrl_c_during_the_last_chunk_and_a_second_ctrl_c_propagate():
    press, _ = _press_ctrl_c()
    with pytest.raises(KeyboardInterrupt):  # the run is complete, but the caller must learn of the Ctrl-C
        engine.run(_with(counter_program(4, 4), run_chunk=press), KEYS, INCREMENTS, progress=False)
    press_twice, _ = _press_ctrl_c(times=2)
    with pytest.raises(KeyboardInterrupt):  # a second Ctrl-C raises at once, here during initialisation
        engine.run(_with(counter_program(10, 4), init=press_twice), KEYS, INCREMENTS, progress=False)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_within_interrupts_propagate_an_interrupted_run_raises_instead_of_returning():
    def stop(steps_done, steps):
        raise KeyboardInterrupt

    with interrupts.interrupts_propagate(), pytest.raises(KeyboardInterrupt):
        engine.run(counter_program(10, 4), KEYS, INCREMENTS, progress=False, on_chunk=stop)
    press, _ = _press_ctrl_c()
    with interrupts.interrupts_propagate(), pytest.raises(KeyboardInterrupt):
        engine.run(_with(counter_program(10, 4), run_chunk=press), KEYS, INCREMENTS, progress=False)
    done = engine.run(counter_program(10, 4), KEYS, INCREMENTS, progress=False, on_chunk=stop)  # outside: returns
    assert done.steps_done == 4


def test_the_safe_handler_raises_but_never_inside_a_garbage_collector_callback(monkeypatch):
    with pytest.raises(KeyboardInterrupt):
        interrupts.safe_interrupt_handler(signal.SIGINT, sys._getframe())
    resent = []
    monkeypatch.setattr(interrupts.threading, "Timer", lambda delay, function, args: resent.append(args) or _Started())

    def callback(phase, info):
        interrupts.safe_interrupt_handler(signal.SIGINT, sys._getframe())  # must not raise here: it would be lost

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)
    assert resent and resent[0] == (os.getpid(), signal.SIGINT)  # sent again, once the callback has returned


class _Started:
    def start(self):
        pass
