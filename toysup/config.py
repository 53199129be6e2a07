"""The one configuration object of a toy-model training run.

Everything a run depends on lives in :class:`ToyConfig`, a frozen, keyword-only dataclass validated on
construction: a bad value raises ``ValueError`` naming the field and the allowed range before any compute.
The CLI and the app build configs; nothing else parses strings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .engine import SCHEDULES
from .models import MODEL_KINDS
from .validation import Config, choice, integer, is_integer, real

OPTIMIZERS = ("adam", "adamw")
RNGS = ("hash", "threefry")

Scalar = float | int
Values = Scalar | tuple  # a scalar, a tuple of scalars or a tuple of tuples


def _per_instance_feature(name: str, value: Values, n_instances: int, n_features: int) -> np.ndarray:
    """Broadcast a scalar, a per-instance or per-feature vector, or a matrix to (instances, features)."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return np.full((n_instances, n_features), float(array))
    if array.ndim == 1:
        if len(array) == n_instances and name == "feature_probability":
            return np.repeat(array[:, None], n_features, axis=1)
        if len(array) == n_features and name == "importance":
            return np.repeat(array[None, :], n_instances, axis=0)
        per, count = ("instance", n_instances) if name == "feature_probability" else ("feature", n_features)
        raise ValueError(f"{name}: a list must hold one value per {per} ({count}), got {len(array)} values")
    if array.ndim == 2 and array.shape == (n_instances, n_features):
        return array
    raise ValueError(
        f"{name}: must be a scalar, a list, or a matrix of shape (n_instances, n_features)="
        f"({n_instances}, {n_features}), got shape {array.shape}"
    )


@dataclass(frozen=True, kw_only=True)
class ToyConfig(Config):
    """Every setting of a toy-model run (Elhage et al. 2022, "Toy Models of Superposition").

    Attributes:
      n_features: number of input features n (>= 1).
      n_hidden: number of hidden dimensions m (>= 1).
      model: one of ``linear`` (x' = WᵀWx + b), ``relu_output`` (x' = ReLU(WᵀWx + b)), ``relu_hidden``
        (h = ReLU(Wx), x' = ReLU(Wᵀh + b)) or ``abs`` (h = ReLU(W₁x), y' = ReLU(W₂h + b), target |x|).
      n_instances: number of models trained together on the instance axis (>= 1).
      feature_probability: probability 1 − S that a feature is non-zero, in (0, 1]: a scalar, one value per
        instance, or a matrix (instances, features).
      importance: importance I_i of each feature's squared error, > 0: a scalar, one value per feature, or a
        matrix (instances, features).
      importance_decay: r in (0, 1]; feature i's importance is multiplied by r**i (1 leaves it unchanged).
      correlated_sets: sizes of sets of features that are all zero or all non-zero together (one draw decides);
        they take the first features, in order.
      anticorrelated_sets: sizes of sets in which at most one feature is non-zero: the set is zero with
        probability S, else exactly one uniformly chosen member is; they follow the correlated sets. The
        remaining features are independent. A set's probability is that of its first feature.
      optimizer: ``adam`` or ``adamw``.
      learning_rate: peak learning rate, > 0.
      weight_decay: decoupled weight decay of ``adamw``, >= 0.
      schedule: learning-rate schedule after warm-up: ``constant``, ``linear`` (to 0) or ``cosine`` (to 0).
      warmup_steps: steps of linear warm-up from 0 to ``learning_rate``, in [0, steps).
      steps: optimisation steps, >= 1.
      batch_size: samples per step and instance, >= 1.
      restarts: k >= 1 independent fits per instance; the lowest-loss one is kept (the paper's best-of-k).
      rng: the generator of the data's uniforms: ``hash`` (a counter-based hash of the key, fast) or
        ``threefry`` (``jax.random.uniform``); both reproduce from the seed.
      seed: integer seed of every random draw (initialisation and data); the same seed gives the same result.

    How the run is driven (steps per compiled chunk, the loss history's cadence, progress) is not part of the
    experiment: those are arguments of :func:`toysup.train.train`.
    """

    TUPLE_FIELDS: ClassVar[tuple[str, ...]] = (
        "feature_probability",
        "importance",
        "correlated_sets",
        "anticorrelated_sets",
    )
    RETIRED_FIELDS: ClassVar[tuple[str, ...]] = ("chunk_steps", "log_every")  # loop settings of runs before 0.2

    n_features: int = 5
    n_hidden: int = 2
    model: str = "relu_output"
    n_instances: int = 1
    feature_probability: Values = 1.0
    importance: Values = 1.0
    importance_decay: float = 1.0
    correlated_sets: tuple[int, ...] = ()
    anticorrelated_sets: tuple[int, ...] = ()
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    schedule: str = "constant"
    warmup_steps: int = 0
    steps: int = 10_000
    batch_size: int = 1024
    restarts: int = 1
    rng: str = "hash"
    seed: int = 0

    def validate(self) -> None:
        for name in ("n_features", "n_hidden", "n_instances", "steps", "batch_size", "restarts"):
            integer(name, getattr(self, name), 1)
        integer("seed", self.seed, 0, 2**31 - 1)
        integer("warmup_steps", self.warmup_steps, 0, self.steps - 1)
        for name, allowed in (
            ("model", MODEL_KINDS),
            ("optimizer", OPTIMIZERS),
            ("schedule", SCHEDULES),
            ("rng", RNGS),
        ):
            choice(name, getattr(self, name), allowed)
        real("learning_rate", self.learning_rate, 0.0, math.inf, low_open=True)
        real("weight_decay", self.weight_decay, 0.0, math.inf)
        real("importance_decay", self.importance_decay, 0.0, 1.0, low_open=True)
        for name in ("correlated_sets", "anticorrelated_sets"):
            sizes = getattr(self, name)
            if not isinstance(sizes, tuple) or any(not is_integer(s) or s < 2 for s in sizes):
                raise ValueError(f"{name}: must be a list of set sizes, each an integer >= 2, got {sizes!r}")
        grouped = sum(self.correlated_sets) + sum(self.anticorrelated_sets)
        if grouped > self.n_features:
            raise ValueError(
                f"correlated_sets + anticorrelated_sets: sizes must add up to at most n_features={self.n_features}, "
                f"got {grouped}"
            )
        probability = self.given_matrix("feature_probability")
        if not np.all(np.isfinite(probability)) or np.any(probability <= 0) or np.any(probability > 1):
            bad = probability[~((probability > 0) & (probability <= 1))]
            raise ValueError(f"feature_probability: must be in (0, 1], got {bad.ravel()[0]}")
        importance = self.given_matrix("importance")
        if not np.all(np.isfinite(importance)) or np.any(importance <= 0):
            bad = importance[~(importance > 0) | ~np.isfinite(importance)]
            raise ValueError(f"importance: must be > 0 and finite, got {bad.ravel()[0]}")

    def given_matrix(self, name: str) -> np.ndarray:
        """``feature_probability`` or ``importance`` as given (before the decay), broadcast to
        (instances, features)."""
        try:
            return _per_instance_feature(name, getattr(self, name), self.n_instances, self.n_features)
        except (TypeError, ValueError) as error:
            if str(error).startswith(name):
                raise
            raise ValueError(f"{name}: must be numbers, got {getattr(self, name)!r}") from None

    def feature_probability_array(self) -> np.ndarray:
        """Feature probabilities as float32 of shape (instances, features)."""
        return self.given_matrix("feature_probability").astype(np.float32)

    def importance_array(self) -> np.ndarray:
        """Importances I_i · r**i as float32 of shape (instances, features)."""
        decay = self.importance_decay ** np.arange(self.n_features)
        return (self.given_matrix("importance") * decay[None, :]).astype(np.float32)


def geometric_importance(n_features: int, ratio: float) -> tuple[float, ...]:
    """Importance I_i = ratio**i for i = 0 … n_features − 1, as used throughout the paper (e.g. 0.9**i)."""
    if not 0 < ratio <= 1:
        raise ValueError(f"ratio: must be in (0, 1], got {ratio}")
    return tuple(float(ratio**i) for i in range(n_features))


def sparsity_sweep(n_instances: int, low: float = 0.05) -> tuple[float, ...]:
    """Feature probabilities from 1 down to ``low``, geometrically spaced (the paper's intro sweep)."""
    return tuple(float(p) for p in np.geomspace(1.0, low, n_instances))


__all__ = ["ToyConfig", "MODEL_KINDS", "RNGS", "OPTIMIZERS", "SCHEDULES", "geometric_importance", "sparsity_sweep"]
