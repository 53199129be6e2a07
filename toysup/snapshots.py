"""Training with snapshots of W taken between compiled chunks, for watching the geometry form.

The run is ``toysup.train``'s with ``chunk_steps = every`` and an ``observe`` hook that keeps the embedding after
initialisation (step 0) and after every chunk, so there is no Python work per step; a last, shorter chunk ends
at ``config.steps``.

    >>> config = ToyConfig(n_features=5, n_hidden=2, feature_probability=0.05, steps=2000)
    >>> result, snapshots = train_with_snapshots(config, every=100)     # doctest: +SKIP
    >>> snapshots.shape                                                 # doctest: +SKIP
    (21, 1, 2, 5)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .config import ToyConfig
from .engine import DEFAULT_LOG_EVERY
from .models import kind
from .train import TrainResult, train_and_keep
from .validation import integer


def snapshot_steps(n_snapshots: int, every: int, steps_done: int) -> np.ndarray:
    """The training step of each snapshot: 0, every, 2·every, …, capped at ``steps_done``."""
    return np.minimum(np.arange(n_snapshots) * every, steps_done)


def train_with_snapshots(
    config: ToyConfig,
    every: int,
    *,
    log_every: int = DEFAULT_LOG_EVERY,
    on_chunk: Callable[[int, int], None] | None = None,
) -> tuple[TrainResult, np.ndarray]:
    """Train ``config`` like ``toysup.train`` and keep the embedding W (W₁ for ``abs``) every ``every`` steps.

    Args:
      config: the run.
      every: steps between snapshots, >= 1 (more than ``config.steps`` means one chunk).
      log_every: the loss history keeps the mean loss of each block of this many steps.
      on_chunk: called as ``on_chunk(steps_done, total_steps)`` after each chunk; raising ``KeyboardInterrupt``
        there stops the run, which returns the snapshots taken so far.

    Returns:
      The result (of the lowest-loss restart of each instance) and the snapshots, of shape
      (snapshots, instances, hidden, features); ``snapshot_steps`` gives each one's step.

    Raises:
      DivergedError: as :func:`toysup.train.train`, when an instance has no finite restart left.
    """
    integer("every", every, 1)
    embedding = kind(config.model).embedding
    snapshots: list[np.ndarray] = []

    def keep_snapshot(steps_done: int, state) -> None:
        params, _ = state
        snapshots.append(params[embedding])

    result, keep = train_and_keep(
        config,
        chunk_steps=min(every, config.steps),
        log_every=log_every,
        progress=False,
        on_chunk=on_chunk,
        observe=keep_snapshot,
    )
    return result, np.stack(snapshots)[:, keep]


__all__ = ["train_with_snapshots", "snapshot_steps"]
