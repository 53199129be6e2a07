"""Training with snapshots of W taken between compiled chunks, for watching the geometry form.

The run is ``toysup.train``'s with ``chunk_steps = every`` and an ``observe`` hook that keeps the embedding after
initialisation (step 0) and after every chunk, so there is no Python work per step; a last, shorter chunk ends
at ``config.steps``. For a log-time axis, ``at = log_spaced_steps(...)`` keeps only the chunk ends at
geometrically spaced steps (dense early, sparse late), so a long run does not hold thousands of snapshots.

    >>> config = ToyConfig(n_features=5, n_hidden=2, feature_probability=0.05, steps=2000)
    >>> result, snapshots = train_with_snapshots(config, every=100)     # doctest: +SKIP
    >>> snapshots.shape                                                 # doctest: +SKIP
    (21, 1, 2, 5)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .config import ToyConfig
from .engine import DEFAULT_LOG_EVERY
from .models import kind
from .train import TrainResult, train_and_keep
from .validation import integer


def snapshot_steps(n_snapshots: int, every: int, steps_done: int) -> np.ndarray:
    """The training step of each snapshot: 0, every, 2·every, …, capped at ``steps_done``."""
    return np.minimum(np.arange(n_snapshots) * every, steps_done)


def log_spaced_steps(steps: int, every: int, per_decade: int) -> np.ndarray:
    """Steps 0, ``every`` and then about ``per_decade`` steps per factor of ten up to ``steps``, each a multiple of
    ``every`` (or ``steps`` itself, which is always included); sorted, without repeats. Early on, where the
    geometric grid is finer than ``every``, every chunk end is kept."""
    integer("steps", steps, 1)
    integer("every", every, 1)
    integer("per_decade", per_decade, 1)
    if every >= steps:
        return np.array([0, steps])
    decades = np.log10(steps / every)
    grid = every * np.logspace(0, decades, max(2, int(np.ceil(decades * per_decade)) + 1))
    chosen = np.minimum(np.round(grid / every).astype(np.int64) * every, steps)
    return np.unique(np.concatenate([[0], chosen, [steps]]))


def train_with_snapshots(
    config: ToyConfig,
    every: int,
    *,
    at: Sequence[int] | None = None,
    log_every: int = DEFAULT_LOG_EVERY,
    on_chunk: Callable[[int, int], None] | None = None,
) -> tuple[TrainResult, np.ndarray]:
    """Train ``config`` like ``toysup.train`` and keep the embedding W (W₁ for ``abs``) every ``every`` steps.

    Args:
      config: the run.
      every: steps between snapshots, >= 1 (more than ``config.steps`` means one chunk).
      at: keep only the snapshots at these steps (e.g. :func:`log_spaced_steps`); each must be 0, a multiple of
        ``every`` below ``config.steps``, or ``config.steps``. None keeps every chunk end.
      log_every: the loss history keeps the mean loss of each block of this many steps.
      on_chunk: called as ``on_chunk(steps_done, total_steps)`` after each chunk; raising ``KeyboardInterrupt``
        there stops the run, which returns the snapshots taken so far.

    Returns:
      The result (of the lowest-loss restart of each instance) and the snapshots, of shape
      (snapshots, instances, hidden, features); ``snapshot_steps`` gives each one's step (with ``at``: the first
      ``len(snapshots)`` entries of the sorted ``at``).

    Raises:
      DivergedError: as :func:`toysup.train.train`, when an instance has no finite restart left.
    """
    integer("every", every, 1)
    wanted = None if at is None else _snapshot_set(at, every, config.steps)
    embedding = kind(config.model).embedding
    snapshots: list[np.ndarray] = []

    def keep_snapshot(steps_done: int, state) -> None:
        if wanted is None or steps_done in wanted:
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


def _snapshot_set(at: Sequence[int], every: int, steps: int) -> frozenset[int]:
    """The steps of ``at`` as a set, each checked to be a chunk end of a run of ``steps`` steps in chunks of
    ``every``."""
    for step in at:
        integer("at", step, 0)
    wanted = frozenset(int(step) for step in at)
    for step in sorted(wanted):
        if step != steps and (step % every or step > steps):
            raise ValueError(f"at: must hold 0, multiples of every={every} below steps, or steps={steps}; got {step}")
    return wanted


__all__ = ["log_spaced_steps", "train_with_snapshots", "snapshot_steps"]
