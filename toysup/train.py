"""Batched, compiled training of many toy models at once, on the engine of ``toysup.engine``.

Every instance × restart is one copy; one copy's step draws its batch from ``fold_in(data_key, step)``, runs the
model and applies Optax's update, and the engine vmaps it over copies and compiles chunks of steps. The compiled
program depends only on :func:`compile_key` of the config (sizes, model, optimiser, steps, batch, generator), so
configs that differ in the swept arrays (feature probability, importance) or the seed share it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import engine
from .config import ToyConfig
from .data import sample_features
from .engine import DEFAULT_CHUNK_STEPS, DEFAULT_LOG_EVERY, DivergedError
from .models import build, importance_weighted_loss, kind

FINAL_FRACTION = 0.1  # the final loss averages the training loss over this last fraction of the steps
KEY_STREAMS = 2  # per copy: an initialisation key and a data key


@dataclass(frozen=True)
class TrainResult:
    """A finished (or interrupted) run.

    Attributes:
      config: the run's config.
      params: numpy arrays per instance: ``W`` (instances, hidden, features) and ``b`` (instances, features);
        for ``abs``: ``W1`` (instances, hidden, features), ``W2`` (instances, features, hidden), ``b``.
      loss_history: mean training loss per logged block of steps, (blocks, instances), of the kept restart.
      final_loss: mean training loss over the last tenth of the steps, per instance, (instances,).
      steps_done: steps completed (fewer than ``config.steps`` when interrupted).
      log_every: steps per block of ``loss_history`` (the last block may be shorter).
    """

    config: ToyConfig
    params: dict[str, np.ndarray]
    loss_history: np.ndarray
    final_loss: np.ndarray
    steps_done: int
    log_every: int = DEFAULT_LOG_EVERY

    @property
    def W(self) -> np.ndarray:
        """The embedding whose geometry the metrics analyse (instances, hidden, features): W, or W₁ of ``abs``."""
        return self.params[kind(self.config.model).embedding]

    @property
    def b(self) -> np.ndarray:
        return self.params["b"]


class ProgramKey(NamedTuple):
    """Exactly the settings the compiled training program depends on (see :func:`compile_key`)."""

    n_features: int
    n_hidden: int
    model: str
    correlated_sets: tuple[int, ...]
    anticorrelated_sets: tuple[int, ...]
    optimizer: str
    learning_rate: float
    weight_decay: float
    schedule: str
    warmup_steps: int
    steps: int
    batch_size: int
    rng: str


def compile_key(config: ToyConfig) -> ProgramKey:
    """The compile-relevant part of ``config``. The other fields — ``n_instances``, ``restarts`` (the number of
    copies), ``feature_probability``, ``importance``, ``importance_decay`` (arrays fed to the program) and
    ``seed`` (its keys) — change no compiled code."""
    return ProgramKey(*(getattr(config, name) for name in ProgramKey._fields))


def make_optimizer(settings: ToyConfig | ProgramKey) -> optax.GradientTransformation:
    """Adam or AdamW with a constant, linear or cosine schedule after a linear warm-up."""
    schedule = engine.learning_rate_schedule(
        settings.learning_rate, settings.schedule, settings.steps, settings.warmup_steps
    )
    if settings.optimizer == "adamw":
        return optax.adamw(schedule, weight_decay=settings.weight_decay)
    return optax.adam(schedule)


def _build_program(key: ProgramKey, chunk_steps: int) -> engine.Program:
    model = build(key.model, key.n_features, key.n_hidden)
    model_kind = kind(key.model)
    optimizer = make_optimizer(key)

    def loss_fn(params, data_key, feature_probability, importance):
        x = sample_features(
            data_key,
            feature_probability,
            key.batch_size,
            correlated_sets=key.correlated_sets,
            anticorrelated_sets=key.anticorrelated_sets,
            signed=model_kind.signed_inputs,
            rng=key.rng,
        )
        # Keeps XLA from fusing the random draw into each consumer and drawing it several times.
        x = jax.lax.optimization_barrier(x)
        return importance_weighted_loss(model.forward(params, x), model_kind.target(x), importance)

    def init_copy(init_key, inputs):
        params = model.init(init_key)
        return params, optimizer.init(params)

    def step_copy(state, inputs, step_index):
        params, opt_state = state
        data_key, feature_probability, importance = inputs
        # Each copy draws its own batch, so threefry's partitionable form buys nothing here, and the classic
        # form was 1.6-1.9x faster on CPU (benchmarks/README.md). Scoped to this trace only.
        with jax.threefry_partitionable(False):
            step_key = jax.random.fold_in(data_key, step_index)
            # Keeps the per-copy key derivation out of the draw's fusion, where it could be recomputed per element.
            step_key = jax.lax.optimization_barrier(step_key)
            loss, grads = jax.value_and_grad(loss_fn)(params, step_key, feature_probability, importance)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    return engine.compile_program(init_copy, step_copy, steps=key.steps, chunk_steps=chunk_steps)


def copy_keys(seed: int, copy_ids: Any) -> tuple[jax.Array, jax.Array]:
    """(init, data) keys of each copy, each of shape (copies,) (see :func:`toysup.engine.derive_keys`)."""
    return engine.derive_keys(seed, jnp.asarray(copy_ids, jnp.uint32), KEY_STREAMS)


@dataclass(frozen=True)
class CopiesResult:
    """Every copy of a run, before restarts are reduced: params leaves (copies, …), loss_history
    (blocks, copies), final_loss (copies,), steps_done, log_every."""

    params: dict[str, np.ndarray]
    loss_history: np.ndarray
    final_loss: np.ndarray
    steps_done: int
    log_every: int = DEFAULT_LOG_EVERY


def train_copies(
    key: ProgramKey,
    seed: int,
    feature_probability: np.ndarray,
    importance: np.ndarray,
    copy_ids: np.ndarray,
    *,
    chunk_steps: int = DEFAULT_CHUNK_STEPS,
    log_every: int = DEFAULT_LOG_EVERY,
    progress: bool = True,
    on_chunk: Callable[[int, int], None] | None = None,
    observe: Callable[[int, Any], None] | None = None,
    on_logged: Callable[[int, np.ndarray], None] | None = None,
) -> CopiesResult:
    """Train one copy per row of ``feature_probability`` / ``importance`` (copies, features) in one compiled run.

    Args:
      key: the compiled settings (:func:`compile_key` of a config).
      seed: the seed the copies' keys derive from.
      feature_probability, importance: each copy's arrays, (copies, features).
      copy_ids: each copy's id (its keys are ``fold_in(stream, id)``), (copies,).
      chunk_steps: steps per compiled chunk; progress and Ctrl-C are honoured between chunks.
      log_every: the loss history keeps the mean loss of each block of this many steps.
      progress, on_chunk, observe, on_logged: see :func:`toysup.engine.run` (``observe`` sees
        ``(params, opt_state)``, ``on_logged`` each chunk's per-step losses (steps, copies), e.g.
        :class:`DivergenceWatch`).

    The copy axis is sharded over every local device. Ctrl-C stops after (or during) a chunk and returns what
    the finished chunks reached. A copy whose loss turns non-finite trains on (NaN) unless ``on_logged`` stops
    the run.
    """
    engine.check_loop(chunk_steps, log_every)
    program = engine.cached_program((key, int(chunk_steps)), lambda: _build_program(key, int(chunk_steps)))
    init_keys, data_keys = copy_keys(seed, np.asarray(copy_ids, np.uint32))
    inputs = (data_keys, jnp.asarray(feature_probability, jnp.float32), jnp.asarray(importance, jnp.float32))
    done = engine.run(
        program,
        init_keys,
        inputs,
        log_every=log_every,
        progress=progress,
        on_chunk=on_chunk,
        observe=observe,
        on_logged=on_logged,
    )
    params, _ = done.state
    loss_history = done.logged.astype(np.float32)
    return CopiesResult(
        params, loss_history, final_loss_of(loss_history).astype(np.float32), done.steps_done, int(log_every)
    )


def copy_arrays(config: ToyConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(feature_probability, importance, copy_ids) of every instance × restart of ``config``, restart-major:
    copy r · n + i is restart r of instance i."""
    return (
        np.tile(config.feature_probability_array(), (config.restarts, 1)),
        np.tile(config.importance_array(), (config.restarts, 1)),
        np.arange(config.n_instances * config.restarts),
    )


def final_loss_of(loss_history: np.ndarray) -> np.ndarray:
    """The loss each copy ended at: the mean training loss over the last ``FINAL_FRACTION`` of the run.

    Averaging over many steps' fresh batches (e.g. 10⁶ samples for the last 1,000 steps) resolves the
    small loss differences between candidate solutions of very sparse features, which a few evaluation
    batches cannot; NaN for a run that did no step.
    """
    if len(loss_history) == 0:
        return np.full(loss_history.shape[1:], np.nan, np.float32)
    tail = max(1, int(np.ceil(len(loss_history) * FINAL_FRACTION)))
    return loss_history[-tail:].mean(axis=0)


def best_restarts(final_loss: np.ndarray, restarts: int) -> np.ndarray:
    """Copy index of the lowest-loss restart of each instance, for copies laid out restart-major
    (copy r · n + i is restart r of instance i).

    A non-finite loss (a diverged restart) counts as +inf, so it is never preferred to a finite one (``argmin``
    alone would pick a NaN); an instance whose restarts all diverged keeps restart 0.
    """
    by_restart = np.asarray(final_loss, np.float64).reshape(restarts, -1)
    by_restart = np.where(np.isfinite(by_restart), by_restart, np.inf)
    n_instances = by_restart.shape[1]
    return np.argmin(by_restart, axis=0) * n_instances + np.arange(n_instances)


class DivergenceWatch:
    """An ``on_logged`` hook (see :func:`toysup.engine.run`) that raises :class:`~toysup.engine.DivergedError`
    after the chunk in which some instance is left without a finite restart.

    A copy has diverged from the first step whose loss is non-finite (its weights are NaN from then on); an
    instance has diverged once every one of its restarts has, at the step where the last one did. The error names
    the earliest such step (the global step index, i.e. the steps done before it). Copies are restart-major.
    """

    def __init__(self, n_instances: int, restarts: int):
        self.n_instances = n_instances
        self.restarts = restarts
        self.diverged_at = np.full(n_instances * restarts, np.inf)  # first non-finite step per copy

    def __call__(self, first_step: int, losses: np.ndarray) -> None:
        bad = ~np.isfinite(losses)  # (steps, copies)
        first = first_step + np.argmax(bad, axis=0)
        newly = bad.any(axis=0) & np.isinf(self.diverged_at)
        self.diverged_at[newly] = first[newly]
        per_instance = self.diverged_at.reshape(self.restarts, self.n_instances).max(axis=0)
        if np.isfinite(per_instance).any():
            raise DivergedError(int(per_instance[np.isfinite(per_instance)].min()))


def train(
    config: ToyConfig,
    *,
    chunk_steps: int = DEFAULT_CHUNK_STEPS,
    log_every: int = DEFAULT_LOG_EVERY,
    progress: bool = True,
    on_chunk: Callable[[int, int], None] | None = None,
    observe: Callable[[int, Any], None] | None = None,
    on_logged: Callable[[int, np.ndarray], None] | None = None,
) -> TrainResult:
    """Train ``config.n_instances × config.restarts`` toy models together and keep the best restart.

    Copies are laid out restart-major, so restart 0 of a best-of-k run is exactly the k = 1 run.

    Args:
      config: the run.
      chunk_steps: steps per compiled chunk, >= 1; progress and Ctrl-C are honoured between chunks.
      log_every: the loss history keeps the mean loss of each block of this many steps, >= 1.
      progress: show a tqdm bar advancing per chunk.
      on_chunk: called as ``on_chunk(steps_done, total_steps)`` after every chunk (the app's progress bar).
      observe: called as ``observe(steps_done, (params, opt_state))`` after initialisation and every chunk, with
        every copy's numpy arrays (restart-major; see :func:`toysup.engine.run`).
      on_logged: called as ``on_logged(first_step, losses)`` after every chunk with that chunk's per-step training
        losses, (steps, copies) restart-major (the app's loss so far), after the divergence check.

    Ctrl-C at any time stops the run cleanly and returns what the finished chunks reached (``steps_done`` <
    ``config.steps``, 0 when none had finished; see :func:`toysup.engine.run`).

    Raises:
      DivergedError: after the chunk in which some instance's every restart reached a non-finite loss (a
        restart that diverges while another stays finite is simply not kept).
    """
    return train_and_keep(
        config,
        chunk_steps=chunk_steps,
        log_every=log_every,
        progress=progress,
        on_chunk=on_chunk,
        observe=observe,
        on_logged=on_logged,
    )[0]


def train_and_keep(
    config: ToyConfig,
    *,
    chunk_steps: int = DEFAULT_CHUNK_STEPS,
    log_every: int = DEFAULT_LOG_EVERY,
    progress: bool = True,
    on_chunk: Callable[[int, int], None] | None = None,
    observe: Callable[[int, Any], None] | None = None,
    on_logged: Callable[[int, np.ndarray], None] | None = None,
) -> tuple[TrainResult, np.ndarray]:
    """:func:`train`, also returning the indices of the kept copies (restart-major), so that what an ``observe``
    hook recorded per copy can be reduced to the kept restarts (see ``toysup.snapshots``)."""
    watch = DivergenceWatch(config.n_instances, config.restarts)

    def logged(first_step: int, losses: np.ndarray) -> None:
        watch(first_step, losses)
        if on_logged is not None:
            on_logged(first_step, losses)

    copies = train_copies(
        compile_key(config),
        config.seed,
        *copy_arrays(config),
        chunk_steps=chunk_steps,
        log_every=log_every,
        progress=progress,
        on_chunk=on_chunk,
        observe=observe,
        on_logged=logged,
    )
    return keep_best_restarts(config, copies)


def keep_best_restarts(config: ToyConfig, copies: CopiesResult) -> tuple[TrainResult, np.ndarray]:
    """The result of each instance's lowest-loss restart, and the indices of the kept copies."""
    keep = best_restarts(copies.final_loss, config.restarts)
    result = TrainResult(
        config=config,
        params={name: value[keep] for name, value in copies.params.items()},
        loss_history=copies.loss_history[:, keep],
        final_loss=copies.final_loss[keep],
        steps_done=copies.steps_done,
        log_every=copies.log_every,
    )
    return result, keep
