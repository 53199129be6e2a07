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

from .engine import DEFAULT_CHUNK_STEPS, DEFAULT_LOG_EVERY, SCHEDULES
from .models import KINDS, MODEL_KINDS
from .validation import (
    MAX_COEFFICIENT,
    MAX_SIZE,
    Config,
    at_most,
    check_memory,
    choice,
    integer,
    is_integer,
    learning_rate,
    real,
)

OPTIMIZERS = ("adam", "adamw")
RNGS = ("hash", "threefry")
# The data generator's uniforms have 23 random bits (a float32 mantissa on [0, 1)): a feature of probability
# p < 2**-23 fires only on the draw u = 0, and then with value u / p = 0, so it would never be non-zero.
MIN_FEATURE_PROBABILITY = 2.0**-23
MIN_IMPORTANCE = 1.0 / MAX_COEFFICIENT  # importances (after the decay) weight float32 squared errors <= 1

# The memory estimate of a run (see ToyConfig.memory_terms), in float32 arrays per copy: the parameters, Adam's two
# moments, the gradients, the updates and the new values in flight; and of one step's batch, the uniforms, inputs,
# outputs, errors and their gradients (of shape (features, batch)) and the hidden activations and their gradients
# (hidden, batch). The counts keep a margin over the CPU backend's measured peaks (about 3.5 batch-sized and 10
# parameter-sized arrays per copy).
STATE_ARRAYS = 12
FEATURE_BATCH_ARRAYS = 6
HIDDEN_BATCH_ARRAYS = 4
BLOCK_OVERHEAD = 112  # bytes of Python object per logged block of the loss history
FLOAT32 = 4

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
      feature_probability: probability 1 − S that a feature is non-zero, in [2**-23, 1] (the data generator's
        uniforms have 23 bits): a scalar, one value per instance, or a matrix (instances, features).
      importance: importance I_i of each feature's squared error, in (0, 1e30]; after the decay every I_i · r**i
        must stay >= 1e-30 (float32): a scalar, one value per feature, or a matrix (instances, features).
      importance_decay: r in (0, 1]; feature i's importance is multiplied by r**i (1 leaves it unchanged).
      correlated_sets: sizes of sets of features that are all zero or all non-zero together (one draw decides);
        they take the first features, in order.
      anticorrelated_sets: sizes of sets in which at most one feature is non-zero: the set is zero with
        probability S, else exactly one uniformly chosen member is; they follow the correlated sets. The
        remaining features are independent. A set's probability is that of its first feature.
      optimizer: ``adam`` or ``adamw``.
      learning_rate: peak learning rate, in (0, 1e3].
      weight_decay: decoupled weight decay of ``adamw``, >= 0 (0 for ``adam``, which has none), with
        learning_rate × weight_decay < 1.
      schedule: learning-rate schedule after warm-up: ``constant``, ``linear`` (to 0) or ``cosine`` (to 0).
      warmup_steps: steps of linear warm-up from 0 to ``learning_rate``, in [0, steps).
      steps: optimisation steps, >= 1.
      batch_size: samples per step and instance, >= 1.
      restarts: k >= 1 independent fits per instance; the lowest-loss one is kept (the paper's best-of-k).
      rng: the generator of the data's uniforms: ``hash`` (a counter-based hash of the key, fast) or
        ``threefry`` (``jax.random.uniform``); both reproduce from the seed.
      seed: integer seed of every random draw (initialisation and data); the same seed gives the same result.

    Every size is an integer <= 2**31 − 1 and so are the products that size one array (e.g. n_features ×
    batch_size); the run's estimated memory (:meth:`memory_terms`) must fit the budget of
    :func:`toysup.validation.memory_budget`. Both are checked before any array is built.

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
        # Sizes first, then the memory they need, and only then anything that builds an array from them.
        for name in ("n_features", "n_hidden", "n_instances", "steps", "batch_size", "restarts"):
            integer(name, getattr(self, name), 1, MAX_SIZE)
        integer("seed", self.seed, 0, 2**31 - 1)
        integer("warmup_steps", self.warmup_steps, 0, self.steps - 1)
        for name, allowed in (
            ("model", MODEL_KINDS),
            ("optimizer", OPTIMIZERS),
            ("schedule", SCHEDULES),
            ("rng", RNGS),
        ):
            choice(name, getattr(self, name), allowed)
        at_most("n_instances × restarts", self.n_instances * self.restarts, MAX_SIZE)
        at_most("n_features × batch_size", self.n_features * self.batch_size, MAX_SIZE)
        at_most("n_hidden × batch_size", self.n_hidden * self.batch_size, MAX_SIZE)
        at_most("n_hidden × n_features", self.n_hidden * self.n_features, MAX_SIZE)
        check_memory(self.memory_terms())
        learning_rate("learning_rate", self.learning_rate)
        real("weight_decay", self.weight_decay, 0.0, math.inf)
        if self.weight_decay > 0 and self.optimizer != "adamw":
            raise ValueError(
                f"weight_decay: only adamw uses it (set optimizer to adamw), got {self.weight_decay:g} with "
                f"optimizer {self.optimizer!r}"
            )
        if self.learning_rate * self.weight_decay >= 1:
            raise ValueError(
                f"weight_decay: must keep learning_rate × weight_decay < 1 (AdamW multiplies the weights by "
                f"1 − learning_rate × weight_decay every step, which would zero or flip them), got "
                f"{self.learning_rate:g} × {self.weight_decay:g} = {self.learning_rate * self.weight_decay:g}"
            )
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
        if np.any(probability < MIN_FEATURE_PROBABILITY):
            raise ValueError(
                f"feature_probability: must be >= 2**-23 ≈ {MIN_FEATURE_PROBABILITY:.3g} (the data generator's "
                f"uniforms have 23 bits, so a rarer feature would never be non-zero), got {probability.min():g}"
            )
        importance = self.given_matrix("importance")
        if not np.all(np.isfinite(importance)) or np.any(importance <= 0):
            bad = importance[~(importance > 0) | ~np.isfinite(importance)]
            raise ValueError(f"importance: must be > 0 and finite, got {bad.ravel()[0]}")
        if np.any(importance > MAX_COEFFICIENT):
            raise ValueError(
                f"importance: must be <= {MAX_COEFFICIENT:g} (it weights float32 squared errors, which would "
                f"overflow), got {importance.max():g}"
            )
        decayed = self.importance_float64()
        if np.any(decayed < MIN_IMPORTANCE):
            feature = int(np.argmax((decayed < MIN_IMPORTANCE).any(axis=0)))
            raise ValueError(
                f"importance: must be >= {MIN_IMPORTANCE:g} after the decay (I_i · importance_decay**i weights "
                f"float32 squared errors, which would underflow), got {decayed[:, feature].min():.3g} at feature "
                f"{feature}"
            )

    def memory_terms(self, copies: int | None = None) -> dict[str, int]:
        """The memory a training run of this config needs, in bytes, by the product of sizes that needs it.

        Args:
          copies: models trained at once; default ``n_instances × restarts`` (a sweep passes a chunk's copies).

        The terms: the per-step batch of every copy and its temporaries (inputs, outputs, errors, hidden
        activations and their gradients), every copy's parameters with Adam's two moments, gradients and updates,
        the per-chunk and whole-run loss history, and the per-copy probability and importance arrays. Only the
        integer sizes are read, so it can run before any array is built; it uses the default loop settings
        (``chunk_steps`` 500, ``log_every`` 10).
        """
        label = "n_instances × restarts" if copies is None else "copies per chunk"
        copies = self.n_instances * self.restarts if copies is None else copies
        n, m, batch = self.n_features, self.n_hidden, self.batch_size
        model = KINDS.get(self.model, KINDS["relu_output"])
        parameters = sum(math.prod(shape) for shape in model.param_shapes(n, m).values())
        chunk = min(self.steps, DEFAULT_CHUNK_STEPS)
        blocks = -(-self.steps // DEFAULT_LOG_EVERY)
        return {
            f"{label} × n_features × batch_size": FLOAT32
            * copies
            * batch
            * (FEATURE_BATCH_ARRAYS * n + HIDDEN_BATCH_ARRAYS * m),
            f"{label} × n_hidden × n_features": FLOAT32 * copies * parameters * STATE_ARRAYS,
            f"{label} × steps": FLOAT32 * copies * 2 * (chunk + blocks) + BLOCK_OVERHEAD * blocks,
            f"{label} × n_features": FLOAT32 * n * (4 * copies + 8 * self.n_instances),
        }

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
        return self.importance_float64().astype(np.float32)

    def importance_float64(self) -> np.ndarray:
        """Importances I_i · r**i in float64, (instances, features): what ``importance_array`` rounds."""
        decay = self.importance_decay ** np.arange(self.n_features)
        return self.given_matrix("importance") * decay[None, :]


def geometric_importance(n_features: int, ratio: float) -> tuple[float, ...]:
    """Importance I_i = ratio**i for i = 0 … n_features − 1, as used throughout the paper (e.g. 0.9**i)."""
    if not 0 < ratio <= 1:
        raise ValueError(f"ratio: must be in (0, 1], got {ratio}")
    return tuple(float(ratio**i) for i in range(n_features))


def sparsity_sweep(n_instances: int, low: float = 0.05) -> tuple[float, ...]:
    """Feature probabilities from 1 down to ``low``, geometrically spaced (the paper's intro sweep)."""
    return tuple(float(p) for p in np.geomspace(1.0, low, n_instances))


__all__ = [
    "MIN_FEATURE_PROBABILITY",
    "MIN_IMPORTANCE",
    "ToyConfig",
    "MODEL_KINDS",
    "RNGS",
    "OPTIMIZERS",
    "SCHEDULES",
    "geometric_importance",
    "sparsity_sweep",
]
