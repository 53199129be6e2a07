"""Plumbing shared by the figure modules: training a config once per process, JSON-ready data and panel titles.
The measures their claims are stated in (represented features, angles, polygons, neuron shares) live in
``toysup.metrics``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .. import theory
from ..config import ToyConfig
from ..train import TrainResult, train

BEATS_BASELINE = 0.9  # a model credited with superposition scores at most 90% of the best loss without it
MATCHES_BASELINE = 1.05  # a model whose claimed solution is the no-superposition one is within 5% of its loss


@functools.lru_cache(maxsize=16)
def train_once(config: ToyConfig) -> TrainResult:
    """``toysup.train(config)``, remembered for the process: figures built on the same experiment (uniform
    superposition, feature dimensionality, adversarial vulnerability) share one training run."""
    return train(config, progress=False)


def baseline_ratio(loss, feature_probability, importance, n_hidden: int) -> np.ndarray:
    """Each instance's trained loss over ``theory.dedicated_baseline_loss`` (the best loss without superposition):
    below 1 the model does better than dedicating its dimensions to the costliest features; a failed optimisation
    sits at or above 1. ``feature_probability`` and ``importance`` broadcast to (instances, features); for
    correlated or anticorrelated sets pass each feature's marginal probability."""
    baseline = theory.dedicated_baseline_loss(feature_probability, importance, n_hidden)
    return np.asarray(loss, dtype=np.float64) / np.maximum(baseline, np.finfo(np.float32).tiny)


def jsonable(value: Any, digits: int = 6) -> Any:
    """Numpy arrays and scalars as lists and floats rounded to ``digits`` significant digits, recursively."""
    if isinstance(value, dict):
        return {str(key): jsonable(item, digits) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item, digits) for item in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist(), digits)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if not np.isfinite(value) or value == 0 else float(f"{value:.{digits}g}")
    return value


def sparsity_label(feature_probability: float) -> str:
    """'p = 0.1' style panel title from a feature probability p (the paper's sparsity is S = 1 − p)."""
    return f"p = {feature_probability:.3g}"
