"""Helpers shared by the figure modules: training a config once per process, JSON-ready data and the
geometry of feature directions (angles, antipodal pairs, regular polygons) that several claims are stated in.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..config import ToyConfig
from ..train import TrainResult, train

REPRESENTED_NORM = 0.5  # a feature counts as represented when ‖W_i‖ exceeds this (paper Sec. 2)


@functools.lru_cache(maxsize=16)
def train_once(config: ToyConfig) -> TrainResult:
    """``toysup.train(config)``, remembered for the process: figures built on the same experiment (uniform
    superposition, feature dimensionality, adversarial vulnerability) share one training run."""
    return train(config, progress=False)


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
    """'S = 0.9' style panel title from a feature probability 1 − S."""
    return f"S = {1 - feature_probability:.3g}"


def cosines(W: np.ndarray) -> np.ndarray:
    """Cosine of the angle between every two feature directions, (hidden, features) -> (features, features);
    0 where a feature has (almost) no norm."""
    W = np.asarray(W, dtype=float)
    norms = np.linalg.norm(W, axis=0)
    unit = W / np.where(norms > 1e-9, norms, 1.0)
    return unit.T @ unit


def represented(W: np.ndarray, threshold: float = REPRESENTED_NORM) -> np.ndarray:
    """Boolean mask of the features with ‖W_i‖ > threshold, (hidden, features) -> (features,)."""
    return np.linalg.norm(np.asarray(W), axis=0) > threshold


def angle_gaps(W: np.ndarray, threshold: float = REPRESENTED_NORM) -> np.ndarray:
    """Angles in degrees between circularly adjacent represented feature directions of an m=2 model; they sum
    to 360. (2, features) -> (represented,)."""
    W = np.asarray(W)
    keep = represented(W, threshold)
    angles = np.sort(np.degrees(np.arctan2(W[1, keep], W[0, keep])))
    if len(angles) == 0:
        return angles
    return np.diff(np.concatenate([angles, [angles[0] + 360.0]]))


def is_regular_polygon(W: np.ndarray, corners: int, tolerance_degrees: float = 12.0) -> bool:
    """Whether exactly ``corners`` features of an m=2 model are represented, spaced 360/corners degrees apart
    (within the tolerance) — e.g. the pentagon of five features in two dimensions (paper Sec. 3)."""
    gaps = angle_gaps(W)
    return len(gaps) == corners and bool(np.all(np.abs(gaps - 360.0 / corners) <= tolerance_degrees))


def is_two_digons(W: np.ndarray, antipodal_cosine: float = -0.95, orthogonal_cosine: float = 0.2) -> bool:
    """Whether an m=2 model represents exactly four features as two antipodal pairs (digons) on orthogonal
    axes — the configuration a pentagon collapses into (paper Sec. 3, "Non-uniform superposition")."""
    keep = np.flatnonzero(represented(W))
    if len(keep) != 4:
        return False
    cos = cosines(W)[np.ix_(keep, keep)]
    partner = np.argmin(cos, axis=1)
    pairs = {tuple(sorted((i, int(partner[i])))) for i in range(4)}
    if len(pairs) != 2 or any(cos[i, j] > antipodal_cosine for i, j in pairs):
        return False
    (a, _), (b, _) = sorted(pairs)
    return abs(cos[a, b]) < orthogonal_cosine
