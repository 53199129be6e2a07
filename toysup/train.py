"""Batched, compiled training of many toy models at once.

Every instance × restart is one copy on a leading axis; the per-instance loss is ``jax.vmap``-ed over it.
Steps run inside ``jax.lax.scan`` in chunks of ``config.chunk_steps``: one compiled program per chunk shape,
reused by every chunk and by every config that differs only in swept arrays (feature probability,
importance) or the seed. Each step draws its data from ``fold_in(copy_key, step)``, so a run reproduces
from its seed whatever the chunking.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from tqdm.auto import tqdm

from .config import ToyConfig
from .data import sample_features
from .models import ToyModel, importance_weighted_loss, target_of

FINAL_FRACTION = 0.1  # the final loss averages the training loss over this last fraction of the steps


class TrainState(NamedTuple):
    """Per-copy parameters and optimiser state, each leaf with a leading copy axis."""

    params: Any
    opt_state: Any


@dataclass(frozen=True)
class TrainResult:
    """A finished (or interrupted) run.

    Attributes:
      config: the run's config.
      params: numpy arrays per instance: ``W`` (instances, hidden, features) and ``b`` (instances, features);
        for ``abs``: ``W1`` (instances, hidden, features), ``W2`` (instances, features, hidden), ``b``.
      loss_history: mean training loss per block of ``log_every`` steps, (blocks, instances), of the kept restart.
      final_loss: mean training loss over the last tenth of the steps, per instance, (instances,).
      steps_done: steps completed (fewer than ``config.steps`` when interrupted).
    """

    config: ToyConfig
    params: dict[str, np.ndarray]
    loss_history: np.ndarray
    final_loss: np.ndarray
    steps_done: int

    @property
    def W(self) -> np.ndarray:
        """The embedding (instances, hidden, features): W, or W₁ for the ``abs`` model."""
        return self.params["W1"] if "W1" in self.params else self.params["W"]

    @property
    def b(self) -> np.ndarray:
        return self.params["b"]


def _static_part(config: ToyConfig) -> ToyConfig:
    """The config with every array-valued or per-run field reset, so equal static parts share one compile."""
    return dataclasses.replace(
        config, n_instances=1, feature_probability=1.0, importance=1.0, importance_decay=1.0, restarts=1, seed=0
    )


def learning_rate_schedule(learning_rate: float, schedule: str, steps: int, warmup_steps: int) -> optax.Schedule:
    """A constant, linear (to 0) or cosine (to 0) schedule after a linear warm-up from 0 over ``warmup_steps``."""
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


def make_optimizer(config: ToyConfig) -> optax.GradientTransformation:
    """Adam or AdamW with a constant, linear or cosine schedule after a linear warm-up."""
    schedule = learning_rate_schedule(config.learning_rate, config.schedule, config.steps, config.warmup_steps)
    if config.optimizer == "adamw":
        return optax.adamw(schedule, weight_decay=config.weight_decay)
    return optax.adam(schedule)


def _model(config: ToyConfig) -> ToyModel:
    return ToyModel(n_features=config.n_features, n_hidden=config.n_hidden, kind=config.model)


def _instance_loss(config: ToyConfig) -> Callable:
    """loss(params, key, feature_probability, importance) for one copy, drawing its own batch."""
    model = _model(config)

    def loss(params, key, feature_probability, importance):
        x = sample_features(
            key,
            feature_probability,
            config.batch_size,
            correlated_sets=config.correlated_sets,
            anticorrelated_sets=config.anticorrelated_sets,
            signed=config.model == "abs",
            rng=config.rng,
        )
        # Keeps XLA from fusing the random draw into each consumer and drawing it several times.
        x = jax.lax.optimization_barrier(x)
        return importance_weighted_loss(model.apply(params, x), target_of(config.model, x), importance)

    return loss


@functools.lru_cache(maxsize=64)
def _compiled(static: ToyConfig) -> tuple[Callable, Callable]:
    """(init, run_chunk), jitted once per static config."""
    model = _model(static)
    optimizer = make_optimizer(static)
    loss_fn = _instance_loss(static)
    chunk = min(static.chunk_steps, static.steps)

    @jax.jit
    def init(init_keys):
        dummy = jnp.zeros((static.n_features, 1), jnp.float32)
        params = jax.vmap(lambda k: model.init(k, dummy))(init_keys)
        return TrainState(params, jax.vmap(optimizer.init)(params))

    def step(state: TrainState, data_keys, feature_probability, importance, step_index):
        keys = jax.vmap(jax.random.fold_in, in_axes=(0, None))(data_keys, step_index)
        # Keeps the per-copy key derivation out of the draw's fusion, where it could be recomputed per element.
        keys = jax.lax.optimization_barrier(keys)
        loss, grads = jax.vmap(jax.value_and_grad(loss_fn))(state.params, keys, feature_probability, importance)
        updates, opt_state = jax.vmap(optimizer.update)(grads, state.opt_state, state.params)
        return TrainState(optax.apply_updates(state.params, updates), opt_state), loss

    @jax.jit
    def run_chunk(state, data_keys, feature_probability, importance, first_step):
        def body(state, step_index):
            # Only the last chunk can pass the end of the run; its surplus steps leave the state untouched.
            return jax.lax.cond(
                step_index < static.steps,
                lambda s: step(s, data_keys, feature_probability, importance, step_index),
                lambda s: (s, jnp.full((data_keys.shape[0],), jnp.nan, jnp.float32)),
                state,
            )

        # Each copy draws its own batch, so threefry's partitionable form buys nothing here, and the classic
        # form was 1.6-1.9x faster on CPU (benchmarks/README.md). Scoped to this trace only.
        with jax.threefry_partitionable(False):
            return jax.lax.scan(body, state, first_step + jnp.arange(chunk))

    return init, run_chunk


def copy_keys(seed: int, copy_ids: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(init, data) keys of each copy, each of shape (copies,): ``fold_in(stream, copy_id)``.

    A copy's keys depend only on the seed and its id, never on how copies are grouped into runs or chunks.
    """
    streams = jax.random.split(jax.random.key(seed), 2)
    return tuple(jax.vmap(jax.random.fold_in, in_axes=(None, 0))(stream, copy_ids) for stream in streams)


def _block_means(losses: np.ndarray, log_every: int) -> np.ndarray:
    """Mean of each block of ``log_every`` rows; a last, shorter block is averaged over what it has."""
    blocks = [losses[i:i + log_every].mean(axis=0) for i in range(0, len(losses), log_every)]
    return np.stack(blocks) if blocks else np.zeros((0, losses.shape[1]), np.float32)


def _shard_copies(arrays: Any, n_devices: int) -> Any:
    """Place the leading (copy) axis of every leaf across this process's devices."""
    mesh = Mesh(np.array(jax.local_devices()[:n_devices]), ("copies",))
    return jax.device_put(arrays, NamedSharding(mesh, PartitionSpec("copies")))


def run_steps(run_chunk: Callable[[int], np.ndarray], steps: int, chunk_steps: int, *, progress: bool = True,
              on_chunk: Callable[[int, int], None] | None = None) -> tuple[list[np.ndarray], int]:
    """Drive a compiled chunk of steps until ``steps`` are done: the loop every training run shares.

    ``run_chunk(first_step)`` runs ``min(chunk_steps, steps)`` steps from ``first_step`` (advancing whatever
    state it closes over) and returns its per-step outputs, leading axis the steps. A tqdm bar advances and
    ``on_chunk(steps_done, steps)`` is called after each chunk; Ctrl-C stops between or during chunks.

    Returns:
      The outputs of each finished chunk, cut to the steps that count (the last chunk may pass the end), and the
      number of steps done.
    """
    chunk = min(chunk_steps, steps)
    outputs: list[np.ndarray] = []
    steps_done = 0
    bar = tqdm(total=steps, unit="step", disable=not progress, leave=False)
    try:
        while steps_done < steps:
            values = np.asarray(run_chunk(steps_done))  # waits for the chunk
            done_now = min(chunk, steps - steps_done)
            outputs.append(values[:done_now])
            steps_done += done_now
            bar.update(done_now)
            if on_chunk is not None:
                on_chunk(steps_done, steps)
    except KeyboardInterrupt:
        pass
    finally:
        bar.close()
    return outputs, steps_done


@dataclass(frozen=True)
class CopiesResult:
    """Every copy of a run, before restarts are reduced: params leaves (copies, …), loss_history
    (blocks, copies), final_loss (copies,), steps_done."""

    params: dict[str, np.ndarray]
    loss_history: np.ndarray
    final_loss: np.ndarray
    steps_done: int


def train_copies(
    config: ToyConfig,
    feature_probability: np.ndarray,
    importance: np.ndarray,
    copy_ids: np.ndarray,
    *,
    progress: bool = True,
    on_chunk: Callable[[int, int], None] | None = None,
) -> CopiesResult:
    """Train one copy per row of ``feature_probability`` / ``importance`` (copies, features) in one compiled run.

    Only the static part of ``config`` (sizes, model, optimiser, steps, batch) and its seed are used. The copy
    axis is sharded over every local device; a count that does not divide evenly is padded and the padding
    dropped. Ctrl-C stops after (or during) a chunk and returns what the finished chunks reached.
    """
    init, run_chunk = _compiled(_static_part(config))
    n_copies = len(copy_ids)
    n_devices = min(jax.local_device_count(), n_copies)
    padded = -(-n_copies // n_devices) * n_devices

    def pad(array: np.ndarray) -> np.ndarray:
        return np.concatenate([array, np.repeat(array[-1:], padded - n_copies, axis=0)])

    copy_ids = pad(np.asarray(copy_ids, np.uint32))
    probability = jnp.asarray(pad(np.asarray(feature_probability, np.float32)))
    importance = jnp.asarray(pad(np.asarray(importance, np.float32)))
    init_keys, data_keys = copy_keys(config.seed, jnp.asarray(copy_ids))
    if n_devices > 1:
        init_keys, data_keys, probability, importance = _shard_copies(
            (init_keys, data_keys, probability, importance), n_devices)
    state = init(init_keys)

    def advance(first_step: int) -> np.ndarray:
        nonlocal state
        new_state, losses = run_chunk(state, data_keys, probability, importance, first_step)
        losses = np.asarray(losses)  # the state moves on only once its chunk has finished
        state = new_state
        return losses

    chunks, steps_done = run_steps(advance, config.steps, config.chunk_steps, progress=progress, on_chunk=on_chunk)
    history = [_block_means(losses[:, :n_copies], config.log_every) for losses in chunks]
    params = {name: np.asarray(value)[:n_copies] for name, value in state.params["params"].items()}
    loss_history = np.concatenate(history) if history else np.zeros((0, n_copies), np.float32)
    final_loss = final_loss_of(loss_history)
    return CopiesResult(params, loss_history.astype(np.float32), final_loss.astype(np.float32), steps_done)


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
    (copy r · n + i is restart r of instance i)."""
    by_restart = final_loss.reshape(restarts, -1)
    n_instances = by_restart.shape[1]
    return np.argmin(by_restart, axis=0) * n_instances + np.arange(n_instances)


def train(config: ToyConfig, *, progress: bool = True, on_chunk: Callable[[int, int], None] | None = None
          ) -> TrainResult:
    """Train ``config.n_instances × config.restarts`` toy models together and keep the best restart.

    Copies are laid out restart-major, so restart 0 of a best-of-k run is exactly the k = 1 run.

    Args:
      config: the run.
      progress: show a tqdm bar advancing per chunk.
      on_chunk: called as ``on_chunk(steps_done, total_steps)`` after every chunk (the app's progress bar).

    Ctrl-C between or during chunks stops the run cleanly and returns what the finished chunks reached.
    """
    copies = train_copies(
        config,
        np.tile(config.feature_probability_array(), (config.restarts, 1)),
        np.tile(config.importance_array(), (config.restarts, 1)),
        np.arange(config.n_instances * config.restarts),
        progress=progress,
        on_chunk=on_chunk,
    )
    keep = best_restarts(copies.final_loss, config.restarts)
    return TrainResult(
        config=config,
        params={name: value[keep] for name, value in copies.params.items()},
        loss_history=copies.loss_history[:, keep],
        final_loss=copies.final_loss[keep],
        steps_done=copies.steps_done,
    )
