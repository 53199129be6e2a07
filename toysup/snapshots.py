"""Training with snapshots of W taken inside the compiled run, for watching the geometry form.

The run is ``toysup.train``'s compiled program with ``chunk_steps = every``: each chunk is one ``lax.scan`` of
``every`` steps, and W is read after each chunk, so there is no Python work per step. The first snapshot is
the initialisation (step 0), then one after every chunk; a last, shorter chunk ends at ``config.steps``.

    >>> config = ToyConfig(n_features=5, n_hidden=2, feature_probability=0.05, steps=2000)
    >>> result, snapshots = train_with_snapshots(config, every=100)     # doctest: +SKIP
    >>> snapshots.shape                                                 # doctest: +SKIP
    (21, 1, 2, 5)
"""

from __future__ import annotations

import math
from typing import Callable

import jax.numpy as jnp
import numpy as np

from .config import ToyConfig
from .train import (TrainResult, _block_means, _compiled, _static_part, best_restarts, copy_keys, final_loss_of,
                    run_steps)


def snapshot_steps(n_snapshots: int, every: int, steps_done: int) -> np.ndarray:
    """The training step of each snapshot: 0, every, 2·every, …, capped at ``steps_done``."""
    return np.minimum(np.arange(n_snapshots) * every, steps_done)


def train_with_snapshots(config: ToyConfig, every: int, *,
                         on_chunk: Callable[[int, int], None] | None = None) -> tuple[TrainResult, np.ndarray]:
    """Train ``config`` like ``toysup.train`` and keep W (W₁ for ``abs``) every ``every`` steps.

    Args:
      config: the run; its ``chunk_steps`` is replaced by ``every`` (and ``log_every`` by its greatest common
        divisor with ``every``, so it divides the chunk).
      every: steps between snapshots, >= 1 (more than ``config.steps`` means one chunk).
      on_chunk: called as ``on_chunk(steps_done, total_steps)`` after each chunk; raising ``KeyboardInterrupt``
        there stops the run, which returns the snapshots taken so far.

    Returns:
      The result (of the lowest-loss restart of each instance) and the snapshots, of shape
      (snapshots, instances, hidden, features); ``snapshot_steps`` gives each one's step.
    """
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
        raise ValueError(f"every: must be an integer >= 1, got {every!r}")
    every = int(min(every, config.steps))
    config = config.replace(chunk_steps=every, log_every=math.gcd(every, config.log_every))
    init, run_chunk = _compiled(_static_part(config))
    n_copies = config.n_instances * config.restarts
    probability = jnp.asarray(np.tile(config.feature_probability_array(), (config.restarts, 1)))
    importance = jnp.asarray(np.tile(config.importance_array(), (config.restarts, 1)))
    init_keys, data_keys = copy_keys(config.seed, jnp.arange(n_copies))
    state = init(init_keys)
    weight = "W1" if config.model == "abs" else "W"

    snapshots = [np.asarray(state.params["params"][weight])]

    def advance(first_step: int) -> np.ndarray:
        nonlocal state
        new_state, losses = run_chunk(state, data_keys, probability, importance, first_step)
        losses = np.asarray(losses)
        state = new_state
        snapshots.append(np.asarray(state.params["params"][weight]))
        return losses

    chunks, steps_done = run_steps(advance, config.steps, every, progress=False, on_chunk=on_chunk)
    history = [_block_means(losses, config.log_every) for losses in chunks]

    loss_history = np.concatenate(history) if history else np.zeros((0, n_copies), np.float32)
    final_loss = final_loss_of(loss_history)
    keep = best_restarts(final_loss, config.restarts) if history else np.arange(config.n_instances)
    params = {name: np.asarray(value)[keep] for name, value in state.params["params"].items()}
    result = TrainResult(config=config, params=params, loss_history=loss_history[:, keep].astype(np.float32),
                         final_loss=final_loss[keep].astype(np.float32), steps_done=steps_done)
    return result, np.stack(snapshots)[:, keep]


__all__ = ["train_with_snapshots", "snapshot_steps"]
