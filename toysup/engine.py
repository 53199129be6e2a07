"""The one training engine: a per-copy step compiled into chunks of steps, and the loop that drives them.

Every training run in toysup — toy models, their snapshots, sweeps, SAEs — is many independent *copies*
(instances × restarts × seeds) on one leading axis. A caller supplies two pure functions of one copy:

    init_copy(key) -> state                          the copy's parameters and optimiser state (any pytree)
    step_copy(state, inputs, step) -> (state, logged)  one optimisation step; ``logged``: scalar or vector

and :func:`compile_program` ``jax.vmap``-s them over copies and compiles ``chunk_steps`` steps into one
``jax.lax.scan``: one XLA program per chunk shape, reused by every chunk. :func:`run` drives it: it pads the
copies to a multiple of the local device count and shards them over the devices, runs chunks until the run is
done (a tqdm bar, ``on_chunk`` for other progress displays, an ``observe`` hook that sees the state after
every chunk, an ``on_logged`` hook that sees every chunk's logged values and may stop the run, e.g. with
:class:`DivergedError`), stops cleanly on Ctrl-C keeping what finished, and reduces the logged values to means
over blocks of ``log_every`` steps.

Each copy's randomness comes from :func:`derive_keys`: ``fold_in(stream, copy_id)``, so a copy's result
depends on the seed and its id only, never on how copies are grouped into runs, chunks or devices.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from tqdm.auto import tqdm

from .interrupts import deferred_interrupts, propagating
from .validation import choice, integer

DEFAULT_CHUNK_STEPS = 500  # steps per compiled chunk: progress and Ctrl-C are honoured between chunks
DEFAULT_LOG_EVERY = 10  # the history keeps the mean of each block of this many steps
_CACHE_SIZE = 64
SCHEDULES = ("constant", "linear", "cosine")
# The name of the copy axis: the vmap of ``step_copy`` binds it, so a step may reduce a value over all copies, e.g.
# ``jax.lax.pmax(value, COPIES_AXIS)``. The result is the same for every copy (unbatched under the vmap), so a
# ``jax.lax.cond`` on it stays a real branch instead of becoming a select that runs both sides. The device mesh of
# :func:`shard_copies` uses the same name for the same axis.
COPIES_AXIS = "copies"
# Progress bars for library use: TOYSUP_PROGRESS=0 (or false, no, off) turns them off for the process, and
# set_progress overrides the environment.
PROGRESS_VARIABLE = "TOYSUP_PROGRESS"
_OFF = ("0", "false", "no", "off")
_progress_setting: bool | None = None  # set_progress's setting; None leaves it to the environment


def set_progress(enabled: bool | None) -> bool | None:
    """Turn every toysup progress bar on (``True``) or off (``False``) for this process, or leave it to the
    ``TOYSUP_PROGRESS`` environment variable again (``None``); the previous setting, to restore it.

    A training call's ``progress=True`` (the default) draws a bar only while the switch is on; ``progress=False``
    draws none either way. Warnings (a damaged chunk retrained) and ``on_chunk`` hooks are not progress bars and
    are unaffected.

    >>> import toysup
    >>> previous = toysup.set_progress(False)   # a script or a notebook that wants quiet training
    >>> toysup.progress_enabled()
    False
    >>> _ = toysup.set_progress(previous)
    """
    global _progress_setting
    if enabled is not None and not isinstance(enabled, bool):
        raise ValueError(f"progress: must be True, False or None, got {enabled!r}")
    previous, _progress_setting = _progress_setting, enabled
    return previous


def progress_enabled() -> bool:
    """Whether progress bars are drawn: :func:`set_progress`'s setting, else ``TOYSUP_PROGRESS`` (off when it is
    ``0``, ``false``, ``no`` or ``off``), else on."""
    if _progress_setting is not None:
        return _progress_setting
    return os.environ.get(PROGRESS_VARIABLE, "").strip().lower() not in _OFF


class DivergedError(ValueError):
    """A training run whose loss became non-finite (NaN or infinite): a trainer raises it after the chunk where it
    happened, instead of training on and returning NaN weights."""

    def __init__(self, step: int):
        super().__init__(f"diverged at step {step}: the loss became non-finite; try a lower learning_rate")
        self.step = step


def check_loop(chunk_steps: Any, log_every: Any) -> None:
    """The loop settings of a training call: ``chunk_steps`` and ``log_every`` are integers >= 1."""
    integer("chunk_steps", chunk_steps, 1, 2**31 - 1)
    integer("log_every", log_every, 1, 2**31 - 1)


def learning_rate_schedule(learning_rate: float, schedule: str, steps: int, warmup_steps: int) -> optax.Schedule:
    """A constant, linear (to 0) or cosine (to 0) schedule after a linear warm-up from 0 over ``warmup_steps``."""
    choice("schedule", schedule, SCHEDULES)
    decay_steps = steps - warmup_steps
    after_warmup = {
        "constant": optax.constant_schedule(learning_rate),
        "linear": optax.linear_schedule(learning_rate, 0.0, decay_steps),
        "cosine": optax.cosine_decay_schedule(learning_rate, decay_steps),
    }[schedule]
    if not warmup_steps:
        return after_warmup
    warmup = optax.linear_schedule(0.0, learning_rate, warmup_steps)
    return optax.join_schedules([warmup, after_warmup], [warmup_steps])


def derive_keys(seed: int, ids: Any, n_streams: int) -> tuple[jax.Array, ...]:
    """``n_streams`` keys per copy, each of shape (copies,): ``fold_in(split(key(seed), n_streams)[s], id)``.

    Args:
      seed: the run's seed.
      ids: one non-negative integer per copy (its position, or a global id when a run is split in parts).
      n_streams: independent streams (e.g. initialisation and data).
    """
    streams = jax.random.split(jax.random.key(seed), n_streams)
    ids = jnp.asarray(ids)
    return tuple(jax.vmap(jax.random.fold_in, in_axes=(None, 0))(stream, ids) for stream in streams)


class Program(NamedTuple):
    """A compiled training program over copies.

    Attributes:
      init: ``init(init_keys (copies,)) -> state`` with a leading copy axis on every leaf.
      run_chunk: ``run_chunk(state, inputs, first_step) -> (state, logged (chunk, copies, …))``; steps past
        ``steps`` leave the state as it is and log NaN.
      steps: the run's length.
      chunk_steps: steps per call of ``run_chunk``.
      logged_shape: shape of one copy's logged value per step.
    """

    init: Callable
    run_chunk: Callable
    steps: int
    chunk_steps: int
    logged_shape: tuple[int, ...] = ()


def compile_program(
    init_copy: Callable, step_copy: Callable, *, steps: int, chunk_steps: int, logged_shape: tuple[int, ...] = ()
) -> Program:
    """Vectorise one copy's ``init`` and ``step`` over copies and compile chunks of ``chunk_steps`` steps.

    Args:
      init_copy: ``(key, inputs) -> state`` of one copy; ``inputs`` as for ``step_copy`` (a setting that only
        initialises, such as a starting threshold derived from the data, is then an input, not compiled in).
      step_copy: ``(state, inputs, step) -> (state, logged)`` of one copy; ``inputs`` is the copy's slice of
        the per-copy arrays given to ``run_chunk`` (keys, probabilities, penalties, data …), ``step`` the
        global step index (a traced integer: draw the step's data from ``fold_in(key, step)``). It runs under a
        vmap whose axis is named :data:`COPIES_AXIS`, so it may use collectives over the copies (``pmax`` …).
      steps: steps of the whole run.
      chunk_steps: steps per compiled chunk (at most ``steps`` are compiled).
      logged_shape: shape of one copy's ``logged`` value.
    """
    chunk = min(chunk_steps, steps)
    step_all = jax.vmap(step_copy, in_axes=(0, 0, None), axis_name=COPIES_AXIS)

    @jax.jit
    def init(init_keys, inputs):
        return jax.vmap(init_copy)(init_keys, inputs)

    @jax.jit
    def run_chunk(state, inputs, first_step):
        n_copies = jax.tree.leaves(inputs)[0].shape[0]

        def body(state, step_index):
            # Only the last chunk can pass the end of the run; its surplus steps leave the state untouched.
            return jax.lax.cond(
                step_index < steps,
                lambda s: step_all(s, inputs, step_index),
                lambda s: (s, jnp.full((n_copies, *logged_shape), jnp.nan, jnp.float32)),
                state,
            )

        return jax.lax.scan(body, state, first_step + jnp.arange(chunk))

    return Program(init, run_chunk, steps, chunk, tuple(logged_shape))


PROGRAMS: collections.OrderedDict[Hashable, Program] = collections.OrderedDict()


def cached_program(key: Hashable, build: Callable[[], Program]) -> Program:
    """The program stored under ``key``, built by ``build()`` the first time (the last 64 are kept). Callers key
    it by exactly the settings the compiled code depends on, so runs differing only in arrays share it."""
    if key in PROGRAMS:
        PROGRAMS.move_to_end(key)
        return PROGRAMS[key]
    program = PROGRAMS[key] = build()
    if len(PROGRAMS) > _CACHE_SIZE:
        PROGRAMS.popitem(last=False)
    return program


class Run(NamedTuple):
    """What :func:`run` returns.

    Attributes:
      state: the final state as numpy arrays, leading axis the copies.
      logged: means of ``logged`` over blocks of ``log_every`` steps, (blocks, copies, …); a last, shorter
        block is averaged over what it has.
      steps_done: steps completed (fewer than the program's ``steps`` when interrupted).
    """

    state: Any
    logged: np.ndarray
    steps_done: int


class _BlockMeans:
    """Per-step values in, means of consecutive blocks of ``size`` steps out, across chunk boundaries."""

    def __init__(self, size: int):
        self.size = size
        self.blocks: list[np.ndarray] = []
        self.pending: np.ndarray | None = None

    def add(self, values: np.ndarray) -> None:
        if self.pending is not None and len(self.pending):
            values = np.concatenate([self.pending, values])
        full = len(values) - len(values) % self.size
        self.blocks.extend(values[i : i + self.size].mean(axis=0) for i in range(0, full, self.size))
        self.pending = values[full:]

    def result(self, copy_shape: tuple[int, ...]) -> np.ndarray:
        blocks = list(self.blocks)
        if self.pending is not None and len(self.pending):
            blocks.append(self.pending.mean(axis=0))
        return np.stack(blocks) if blocks else np.zeros((0, *copy_shape), np.float32)


def shard_copies(arrays: Any, n_devices: int) -> Any:
    """Place the leading (copy) axis of every leaf across this process's first ``n_devices`` devices."""
    mesh = Mesh(np.array(jax.local_devices()[:n_devices]), (COPIES_AXIS,))
    return jax.device_put(arrays, NamedSharding(mesh, PartitionSpec(COPIES_AXIS)))


def _pad(tree: Any, padded: int) -> Any:
    """Repeat the last copy until the copy axis has ``padded`` entries."""

    def pad(array):
        array = jnp.asarray(array)
        extra = padded - array.shape[0]
        return array if extra == 0 else jnp.concatenate([array, jnp.repeat(array[-1:], extra, axis=0)])

    return jax.tree.map(pad, tree)


def _trim(tree: Any, n_copies: int) -> Any:
    return jax.tree.map(lambda array: np.asarray(array)[:n_copies], tree)


def run(
    program: Program,
    init_keys: jax.Array,
    inputs: Any,
    *,
    log_every: int = DEFAULT_LOG_EVERY,
    progress: bool = True,
    on_chunk: Callable[[int, int], None] | None = None,
    observe: Callable[[int, Any], None] | None = None,
    on_logged: Callable[[int, np.ndarray], None] | None = None,
) -> Run:
    """Initialise every copy and train it for ``program.steps`` steps, chunk by chunk.

    Args:
      program: from :func:`compile_program`.
      init_keys: one key per copy, (copies,).
      inputs: a pytree of per-copy arrays, leading axis the copies, handed to ``step_copy``.
      log_every: steps per block of the logged means, >= 1.
      progress: show a tqdm bar advancing per chunk (while :func:`progress_enabled`).
      on_chunk: called as ``on_chunk(steps_done, steps)`` after every chunk (e.g. the app's progress bar).
      observe: called as ``observe(steps_done, state)`` after initialisation (0) and after every chunk, with the
        state's numpy arrays (leading axis the copies) — e.g. to keep snapshots of the weights.
      on_logged: called as ``on_logged(first_step, logged)`` after every chunk with the per-step logged values
        of the steps it did, (steps, copies, …), ``first_step`` the global index of the first; an exception it
        raises (e.g. :class:`DivergedError`) ends the run and propagates.

    The copies are sharded over every local device; a count that does not divide evenly is padded with
    copies of the last one, which are dropped again.

    Ctrl-C is honoured at any time, at the next safe point: after initialisation (and the compilation it
    triggers) or after the running chunk. The run then stops and returns what the finished chunks reached —
    ``steps_done`` is 0 when none had finished, and fewer than ``program.steps`` tells every interrupted run. A
    ``KeyboardInterrupt`` raised by a hook does the same. One that arrives while the last chunk runs, or that
    is raised during initialisation (there is no state to return yet), propagates, as does every one within
    :func:`toysup.interrupts.interrupts_propagate`. (Ctrl-C only sets a flag during the run, see
    :func:`toysup.interrupts.deferred_interrupts`, so it is never lost in a garbage-collector callback.)
    """
    integer("log_every", log_every, 1)
    n_copies = int(init_keys.shape[0])
    n_devices = min(jax.local_device_count(), n_copies)
    padded = -(-n_copies // n_devices) * n_devices
    blocks = _BlockMeans(log_every)
    steps_done = 0
    stopped = False  # by a KeyboardInterrupt raised in a chunk or a hook
    with deferred_interrupts() as interrupt:
        init_keys, inputs = _pad((init_keys, inputs), padded)
        if n_devices > 1:
            init_keys, inputs = shard_copies((init_keys, inputs), n_devices)
        state = program.init(init_keys, inputs)
        bar = tqdm(total=program.steps, unit="step", disable=not (progress and progress_enabled()), leave=False)
        try:
            if observe is not None:
                observe(0, _trim(state, n_copies))
            while steps_done < program.steps and not interrupt.requested:
                new_state, logged = program.run_chunk(state, inputs, steps_done)
                logged = np.asarray(logged)  # waits: the state moves on only once its chunk has finished
                state = new_state
                done_now = min(program.chunk_steps, program.steps - steps_done)
                blocks.add(logged[:done_now, :n_copies])
                steps_done += done_now
                bar.update(done_now)
                if on_logged is not None:
                    on_logged(steps_done - done_now, logged[:done_now, :n_copies])
                if observe is not None:
                    observe(steps_done, _trim(state, n_copies))
                if on_chunk is not None:
                    on_chunk(steps_done, program.steps)
        except KeyboardInterrupt:
            stopped = True
        finally:
            bar.close()
    if interrupt.requested and steps_done == program.steps:
        raise KeyboardInterrupt  # pressed during the last chunk: the caller must still learn of it
    if (interrupt.requested or stopped) and propagating():
        raise KeyboardInterrupt
    return Run(_trim(state, n_copies), blocks.result((n_copies, *program.logged_shape)), steps_done)


__all__ = [
    "COPIES_AXIS",
    "DEFAULT_CHUNK_STEPS",
    "DEFAULT_LOG_EVERY",
    "DivergedError",
    "SCHEDULES",
    "Program",
    "Run",
    "cached_program",
    "check_loop",
    "compile_program",
    "derive_keys",
    "learning_rate_schedule",
    "progress_enabled",
    "run",
    "set_progress",
    "shard_copies",
]
