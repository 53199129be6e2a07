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
from tqdm.auto import tqdm

from .config import ToyConfig
from .data import sample_features
from .models import ToyModel, importance_weighted_loss, target_of

EVAL_BATCHES = 8  # batches of batch_size averaged for the final loss that picks the best restart


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
      final_loss: loss per instance on fresh evaluation batches, (instances,).
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


def make_optimizer(config: ToyConfig) -> optax.GradientTransformation:
    """Adam or AdamW with a constant, linear or cosine schedule after a linear warm-up."""
    decay_steps = config.steps - config.warmup_steps
    after_warmup = {
        "constant": optax.constant_schedule(config.learning_rate),
        "linear": optax.linear_schedule(config.learning_rate, 0.0, decay_steps),
        "cosine": optax.cosine_decay_schedule(config.learning_rate, decay_steps),
    }[config.schedule]
    schedule = after_warmup
    if config.warmup_steps:
        warmup = optax.linear_schedule(0.0, config.learning_rate, config.warmup_steps)
        schedule = optax.join_schedules([warmup, after_warmup], [config.warmup_steps])
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
        )
        # Keeps XLA from fusing the random draw into each consumer and drawing it several times.
        x = jax.lax.optimization_barrier(x)
        return importance_weighted_loss(model.apply(params, x), target_of(config.model, x), importance)

    return loss


@functools.lru_cache(maxsize=64)
def _compiled(static: ToyConfig) -> tuple[Callable, Callable, Callable]:
    """(init, run_chunk, evaluate), jitted once per static config."""
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

        return jax.lax.scan(body, state, first_step + jnp.arange(chunk))

    @jax.jit
    def evaluate(params, eval_keys, feature_probability, importance):
        def body(total, key_index):
            keys = jax.vmap(jax.random.fold_in, in_axes=(0, None))(eval_keys, key_index)
            return total + jax.vmap(loss_fn)(params, keys, feature_probability, importance), None

        total, _ = jax.lax.scan(body, jnp.zeros(eval_keys.shape[0]), jnp.arange(EVAL_BATCHES))
        return total / EVAL_BATCHES

    return init, run_chunk, evaluate


def copy_keys(seed: int, n_copies: int) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(init, data, evaluation) keys of each copy, each of shape (copies,): ``fold_in(stream, copy)``."""
    streams = jax.random.split(jax.random.key(seed), 3)
    index = jnp.arange(n_copies)
    return tuple(jax.vmap(jax.random.fold_in, in_axes=(None, 0))(stream, index) for stream in streams)


def _block_means(losses: np.ndarray, log_every: int) -> np.ndarray:
    """Mean of each block of ``log_every`` rows; a last, shorter block is averaged over what it has."""
    blocks = [losses[i:i + log_every].mean(axis=0) for i in range(0, len(losses), log_every)]
    return np.stack(blocks) if blocks else np.zeros((0, losses.shape[1]), np.float32)


def train(config: ToyConfig, *, progress: bool = True, on_chunk: Callable[[int, int], None] | None = None
          ) -> TrainResult:
    """Train ``config.n_instances × config.restarts`` toy models together and keep the best restart.

    Args:
      config: the run.
      progress: show a tqdm bar advancing per chunk.
      on_chunk: called as ``on_chunk(steps_done, total_steps)`` after every chunk (the app's progress bar).

    Ctrl-C between or during chunks stops the run cleanly and returns what the finished chunks reached.
    """
    init, run_chunk, evaluate = _compiled(_static_part(config))
    n_copies = config.n_instances * config.restarts
    # Copies are laid out restart-major: copy r * n_instances + i is restart r of instance i. Each copy's
    # keys depend only on the seed and its index, so restart 0 of a best-of-k run is the k=1 run.
    init_keys, data_keys, eval_keys = copy_keys(config.seed, n_copies)
    probability = jnp.tile(jnp.asarray(config.feature_probability_array()), (config.restarts, 1))
    importance = jnp.tile(jnp.asarray(config.importance_array()), (config.restarts, 1))
    state = init(init_keys)

    chunk = min(config.chunk_steps, config.steps)
    history: list[np.ndarray] = []
    steps_done = 0
    bar = tqdm(total=config.steps, unit="step", disable=not progress, leave=False)
    try:
        while steps_done < config.steps:
            new_state, losses = run_chunk(state, data_keys, probability, importance, steps_done)
            losses = np.asarray(losses)  # waits for the chunk
            state = new_state
            done_now = min(chunk, config.steps - steps_done)
            history.append(_block_means(losses[:done_now], config.log_every))
            steps_done += done_now
            bar.update(done_now)
            if on_chunk is not None:
                on_chunk(steps_done, config.steps)
    except KeyboardInterrupt:
        pass
    finally:
        bar.close()

    final_loss = np.asarray(evaluate(state.params, eval_keys, probability, importance))
    by_restart = final_loss.reshape(config.restarts, config.n_instances)
    best = np.argmin(by_restart, axis=0)
    keep = best * config.n_instances + np.arange(config.n_instances)
    params = {name: np.asarray(value)[keep] for name, value in state.params["params"].items()}
    loss_history = (np.concatenate(history) if history else np.zeros((0, n_copies), np.float32))[:, keep]
    return TrainResult(
        config=config,
        params=params,
        loss_history=loss_history.astype(np.float32),
        final_loss=by_restart[best, np.arange(config.n_instances)].astype(np.float32),
        steps_done=steps_done,
    )
