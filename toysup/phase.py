"""Empirical phase diagrams (Elhage et al. 2022, "Superposition as a Phase Change").

n = 2 features in m = 1 dimension (or n = 3 in m = 2), ReLU output, feature 1 (and 2) of importance 1, the
last, "extra" feature of relative importance I; every feature has the same probability p. The sweep runs
p ∈ 10^[-2, 0] × I ∈ 10^[-1, 1], keeps the lowest-loss of several restarts per cell, classifies each learned
W, and compares the labels with the theory's (``toysup.theory``).

Classification rule (a feature is *represented* when ‖W_i‖ > ``REPRESENTED_NORM``):

* n = 2, m = 1: the extra feature not represented → 0 "not represented"; the extra feature represented and
  feature 1 not → 1 "dedicated"; both represented → 2 "superposition" (two features sharing one dimension
  are necessarily in superposition; the learned pair is antipodal, cos = −1).
* n = 3, m = 2: features 1, 2 represented and 3 not → 0 (W ⊥ [0,0,1]); the extra feature represented and
  one importance-1 feature not → 1 (W ⊥ [1,0,0], or its mirror W ⊥ [0,1,0]); all three represented → the
  most antipodal pair (lowest cosine) decides: features 1 and 2 → 3 (W ⊥ [1,1,0]), the extra feature with
  either of them → 2 (W ⊥ [0,1,1] or its mirror). Anything else (fewer than two represented) → −1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import theory  # noqa: F401  (used in run_phase)
from .config import ToyConfig
from .metrics import REPRESENTED_NORM
from .storage import write_json
from .sweeps import Axis, SweepSpec, run_sweep
from .validation import integer

KIND = "phase"  # the kind of result a phase diagram's folder holds (its toysup.json)
UNCLASSIFIED = -1
PROBABILITY_RANGE = (-2.0, 0.0)  # log10 of the feature probability
IMPORTANCE_RANGE = (-1.0, 1.0)  # log10 of the extra feature's relative importance
MAX_GRID = 200  # cells per axis: 200 × 200 is finer than any diagram can show, and validates in seconds


def phase_axes(grid: int) -> tuple[np.ndarray, np.ndarray]:
    """The diagram's axes, ``grid`` values each, evenly spaced in the exponent: (feature_probability p from
    10^PROBABILITY_RANGE[0] to 10^PROBABILITY_RANGE[1], importance I from 10^IMPORTANCE_RANGE[0] to
    10^IMPORTANCE_RANGE[1])."""
    return np.logspace(*PROBABILITY_RANGE, grid), np.logspace(*IMPORTANCE_RANGE, grid)


def classify_2(W: np.ndarray, threshold: float = REPRESENTED_NORM) -> np.ndarray:
    """Labels of n=2, m=1 models, W of shape (..., 1, 2) -> (...) int."""
    represented = np.linalg.norm(W, axis=-2) > threshold
    first, extra = represented[..., 0], represented[..., 1]
    labels = np.where(extra, 1, 0)
    return np.where(first & extra, 2, labels)


def classify_3(W: np.ndarray, threshold: float = REPRESENTED_NORM) -> np.ndarray:
    """Labels of n=3, m=2 models, W of shape (..., 2, 3) -> (...) int (−1 where no rule applies)."""
    norms = np.linalg.norm(W, axis=-2)
    represented = norms > threshold
    unit = W / np.maximum(norms, 1e-9)[..., None, :]
    cosine = np.einsum("...hi,...hj->...ij", unit, unit)
    count = represented.sum(axis=-1)
    labels = np.full(count.shape, UNCLASSIFIED)
    labels = np.where((count == 2) & ~represented[..., 2], 0, labels)
    labels = np.where((count == 2) & represented[..., 2], 1, labels)
    pair_12 = cosine[..., 0, 1] < np.minimum(cosine[..., 0, 2], cosine[..., 1, 2])
    return np.where(count == 3, np.where(pair_12, 3, 2), labels)


def phase_base_config(
    n_features: int,
    n_hidden: int,
    steps: int,
    restarts: int,
    seed: int = 0,
    learning_rate: float = 1e-2,
    batch_size: int = 1024,
) -> ToyConfig:
    if (n_features, n_hidden) not in ((2, 1), (3, 2)):
        raise ValueError(f"features/hidden: phase diagrams exist for (2, 1) and (3, 2), got ({n_features}, {n_hidden})")
    return ToyConfig(
        n_features=n_features,
        n_hidden=n_hidden,
        model="relu_output",
        steps=steps,
        restarts=restarts,
        seed=seed,
        learning_rate=learning_rate,
        batch_size=batch_size,
    )


def phase_spec(
    n_features: int = 2,
    n_hidden: int = 1,
    grid: int = 8,
    restarts: int = 4,
    steps: int = 2000,
    seed: int = 0,
    learning_rate: float = 1e-2,
    batch_size: int = 1024,
    chunk_copies: int = 4096,
) -> SweepSpec:
    """The sweep behind a phase diagram: ``grid`` × ``grid`` cells (grid in [2, 200]), best of ``restarts`` fits per
    cell."""
    integer("grid", grid, 2, MAX_GRID)
    base = phase_base_config(n_features, n_hidden, steps, restarts, seed, learning_rate, batch_size)
    probability, importance = phase_axes(grid)
    axes = (Axis(f"importance[{n_features - 1}]", tuple(importance)), Axis("feature_probability", tuple(probability)))
    return SweepSpec(base=base, axes=axes, seeds=1, chunk_copies=chunk_copies)


def run_phase(
    spec: SweepSpec,
    directory: str | Path,
    *,
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Run the sweep, classify, compute the theory and their agreement; write ``DIR/phase.json`` (atomically).

    ``directory`` holds a toysup ``phase`` result: the sweep's chunks, resumed when run again, and the diagram.
    Anything else there is refused before any compute; ``overwrite`` starts afresh in a phase folder.

    Returns the JSON-ready dict: ``features``, ``hidden``, ``feature_probability`` and ``importance`` axes,
    ``empirical`` and ``theoretical`` label grids (rows: importance, columns: probability), ``labels``
    (their names), ``agreement`` in [0, 1], ``diverged``, the number of cells whose every restart's loss became
    non-finite (labelled −1, unclassified), ``loss``, the best fit's final training loss per cell (None where it
    diverged), and ``theoretical_loss``, the lowest closed-form candidate loss per cell.
    """
    dataset = run_sweep(
        spec,
        directory,
        chunk_steps=min(500, spec.base.steps),
        log_every=1,
        progress=progress,
        on_progress=on_progress,
        kind=KIND,
        overwrite=overwrite,
    )
    n_features = spec.base.n_features
    W = dataset["W"].isel(seed=0).values  # (importance, probability, hidden, feature)
    empirical = classify_2(W) if n_features == 2 else classify_3(W)
    diverged = ~np.isfinite(dataset["loss"].isel(seed=0).values)  # every restart of the cell diverged
    empirical = np.where(diverged, UNCLASSIFIED, empirical)
    importance = np.asarray(spec.axes[0].values)
    probability = np.asarray(spec.axes[1].values)
    candidates = theory.candidate_losses(probability[None, :], importance[:, None], n_features)
    theoretical, theoretical_loss = np.argmin(candidates, axis=-1), candidates.min(axis=-1)  # theory.theoretical_phase
    names = theory.PHASE_LABELS_2 if n_features == 2 else theory.PHASE_LABELS_3
    result = {
        "features": n_features,
        "hidden": spec.base.n_hidden,
        "steps": spec.base.steps,
        "restarts": spec.base.restarts,
        "feature_probability": probability.tolist(),
        "importance": importance.tolist(),
        "empirical": np.asarray(empirical).tolist(),
        "theoretical": np.asarray(theoretical).tolist(),
        "labels": list(names),
        "agreement": theory.agreement(empirical, theoretical),
        "diverged": int(diverged.sum()),
        "loss": dataset["loss"].isel(seed=0).values.tolist(),
        "theoretical_loss": theoretical_loss.tolist(),
    }
    write_json(Path(directory, "phase.json"), result)
    return result
