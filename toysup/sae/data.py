"""What SAEs are trained on: activations whose true features are known, drawn inside the compiled step.

An :class:`Activations` holds a sampler name, its static options and per-instance arrays (leading axis
= instances). :func:`draw` turns one instance's arrays and a PRNG key into a batch ``x`` of shape
(batch, inputs) and the true sparse codes ``c`` of shape (batch, features), with

    x = Σ_i c_i d_i,   d_i = ground-truth unit direction i (the rows of ``Activations.truth``).

Three samplers:

* ``toy``: hidden activations h = W x of a trained toy model (Elhage et al. 2022); x is the model's own
  feature distribution (``toysup.data.sample_features``), d_i = W_i / ||W_i|| and c_i = ||W_i|| x_i.
* ``synthetic``: N unit directions in d dimensions (random, or orthogonalised as far as possible), each
  firing with its own probability (uniform, Zipf-like or given), magnitudes uniform on [low, high], an
  optional equicorrelated Gaussian copula between the firing events, and an optional parent/child hierarchy
  (a child fires only with its parent; siblings exclude each other). In the spirit of the synthetic SAE
  benchmarks of Sharkey et al. 2022 ("Taking features out of superposition with sparse autoencoders") and
  the SynthSAEBench-style generators, at CPU sizes. Its uniforms come from ``toysup.data.uniform``, the hash
  generator the toy models draw with (on CPU about eight times cheaper than threefry at 1,024 × 512, where
  threefry took about a quarter of a TopK SAE's training step).
* ``transcoder``: the input a and output y of a toy model that computes something (``abs``: a = x, the signed
  features, y = ReLU(W₂ ReLU(W₁x) + b); ``relu_output``: a = h = Wx, y = ReLU(Wᵀh + b)), for a transcoder that
  imitates the map a → y (:func:`transcoder_activations`). ``draw`` gives a and the true codes; :func:`target_of`
  gives y from a (both models' outputs are functions of the transcoder's input). Its truth d_i is feature i's unit
  direction in the input space (e_i for ``abs``, W_i / ‖W_i‖ for ``relu_output``), with c_i = x_i and ‖W_i‖ x_i.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..config import MIN_FEATURE_PROBABILITY
from ..data import sample_features, uniform
from ..metrics import REPRESENTED_NORM
from ..models import kind
from ..validation import MAX_SIZE, at_most, check_memory, integer

FIRING = ("uniform", "zipf", "given")


@dataclass(frozen=True, eq=False)
class Activations:
    """SAE training data for ``n_instances`` SAEs.

    Attributes:
      sampler: ``toy`` or ``synthetic``.
      options: static, hashable options of the sampler (part of the compiled program's key).
      arrays: per-instance numpy arrays, each with a leading instance axis.
      truth: ground-truth unit directions, (instances, features, inputs).
    """

    sampler: str
    options: tuple
    arrays: dict[str, np.ndarray]
    truth: np.ndarray

    @property
    def n_instances(self) -> int:
        return self.truth.shape[0]

    @property
    def n_features(self) -> int:
        return self.truth.shape[1]

    @property
    def n_inputs(self) -> int:
        return self.truth.shape[2]

    @property
    def n_outputs(self) -> int | None:
        """A transcoder's target dimension (the model's outputs); None for an SAE's activations."""
        return self.arrays["b"].shape[-1] if self.sampler == "transcoder" else None

    def repeat(self, n: int) -> Activations:
        """Each instance repeated ``n`` times in a row (instance i becomes i·n … i·n + n − 1): seeds of SAEs."""
        return replace(
            self,
            arrays={k: np.repeat(v, n, axis=0) for k, v in self.arrays.items()},
            truth=np.repeat(self.truth, n, axis=0),
        )

    def take(self, instances: Any) -> Activations:
        """The given instances, in the given order."""
        index = np.atleast_1d(np.asarray(instances))
        return replace(self, arrays={k: v[index] for k, v in self.arrays.items()}, truth=self.truth[index])


def stack(parts: list[Activations]) -> Activations:
    """Concatenate the instances of several activations with the same sampler, options and shapes."""
    first = parts[0]
    for part in parts[1:]:
        if (
            part.sampler != first.sampler
            or part.options != first.options
            or part.truth.shape[1:] != first.truth.shape[1:]
        ):
            raise ValueError("activations: can only stack activations of the same sampler, options and shape")
    return Activations(
        first.sampler,
        first.options,
        {k: np.concatenate([p.arrays[k] for p in parts]) for k in first.arrays},
        np.concatenate([p.truth for p in parts]),
    )


def toy_activations(result: Any, *, min_norm: float = REPRESENTED_NORM) -> Activations:
    """Hidden activations of a trained toy model (a ``toysup.TrainResult``), one SAE instance per toy instance.

    The ground truth is every feature with ||W_i|| > ``min_norm`` (the paper's "represented" features; the
    others barely move h). Unrepresented features still fire and add their small W_i x_i to h.
    """
    config = result.config
    model_kind = kind(config.model)
    if model_kind.signed_inputs or model_kind.embedding != "W":
        raise ValueError(
            "run: the abs model has two weight matrices and signed features; use a relu or linear model's run"
        )
    W = np.asarray(result.W, np.float32)  # (instances, hidden, features)
    norms = np.linalg.norm(W, axis=1)  # (instances, features)
    represented = norms > min_norm
    counts = represented.sum(axis=1)
    if counts.min() == 0:
        raise ValueError(f"run: an instance has no feature with ||W_i|| > {min_norm}; nothing to recover")
    if np.any(counts != counts[0]):
        raise ValueError(
            f"run: instances represent different numbers of features ({counts.tolist()}); "
            "take() instances with equal counts"
        )
    truth = np.stack([(W[i] / norms[i])[:, represented[i]].T for i in range(len(W))])
    options = (("correlated_sets", config.correlated_sets), ("anticorrelated_sets", config.anticorrelated_sets))
    arrays = {
        "W": W,
        "feature_probability": config.feature_probability_array(),
        "truth_index": np.stack([np.flatnonzero(r) for r in represented]).astype(np.int32),
    }
    return Activations("toy", options, arrays, truth.astype(np.float32))


TRANSCODED_MODELS = ("abs", "relu_output")  # toy models that compute something a transcoder can imitate


def transcoder_activations(result: Any) -> Activations:
    """The input → output map of a trained ``abs`` or ``relu_output`` toy model (a ``toysup.TrainResult``), one
    transcoder instance per toy instance (see the module docstring's ``transcoder`` sampler)."""
    config = result.config
    if config.model not in TRANSCODED_MODELS:
        raise ValueError(f"run: model must be one of {', '.join(TRANSCODED_MODELS)}, got {config.model!r}")
    params = {name: np.asarray(value, np.float32) for name, value in result.params.items()}
    if config.model == "abs":
        n_instances, _, n_features = params["W1"].shape
        truth = np.broadcast_to(np.eye(n_features, dtype=np.float32), (n_instances, n_features, n_features))
        arrays = {name: params[name] for name in ("W1", "W2", "b")}
    else:
        W = params["W"]  # (instances, hidden, features)
        norms = np.maximum(np.linalg.norm(W, axis=1), 1e-12)  # (instances, features)
        truth = np.swapaxes(W / norms[:, None, :], 1, 2)
        arrays = {"W": W, "b": params["b"]}
    arrays["feature_probability"] = config.feature_probability_array()
    options = (
        ("model", config.model),
        ("correlated_sets", config.correlated_sets),
        ("anticorrelated_sets", config.anticorrelated_sets),
        ("rng", config.rng),
    )
    return Activations("transcoder", options, arrays, np.ascontiguousarray(truth, np.float32))


def zipf_probabilities(n_features: int, mean_active: float, exponent: float = 1.0) -> np.ndarray:
    """p_i ∝ (i + 1)^−exponent, scaled so that Σ p_i = ``mean_active`` (then clipped to at most 1)."""
    p = (np.arange(n_features) + 1.0) ** -exponent
    return np.minimum(p * mean_active / p.sum(), 1.0)


def _directions(rng: np.random.Generator, n_features: int, n_inputs: int, orthogonal: bool) -> np.ndarray:
    """Unit rows: random Gaussian, or with ``orthogonal`` as orthogonal as N vectors in d dims can be.

    For N <= d an exact orthonormal set (QR); for N > d a union of ceil(N / d) random orthonormal bases,
    which keeps every pairwise |cosine| at the level of two random bases instead of random vectors.
    """
    if not orthogonal:
        v = rng.standard_normal((n_features, n_inputs))
        return v / np.linalg.norm(v, axis=1, keepdims=True)
    blocks = []
    for _ in range(math.ceil(n_features / n_inputs)):
        q, r = np.linalg.qr(rng.standard_normal((n_inputs, n_inputs)))
        blocks.append((q * np.sign(np.diag(r))).T)
    return np.concatenate(blocks)[:n_features]


def synthetic_activations(
    n_features: int,
    n_inputs: int,
    *,
    firing: str = "uniform",
    feature_probability: float | None = None,
    mean_active: float = 5.0,
    zipf_exponent: float = 1.0,
    probabilities: Any = None,
    magnitude: tuple[float, float] = (0.0, 1.0),
    orthogonal: bool = False,
    correlation: float = 0.0,
    n_parents: int = 0,
    children_per_parent: int = 0,
    child_probability: float = 1.0,
    n_instances: int = 1,
    seed: int = 0,
) -> Activations:
    """A synthetic dictionary and its firing law (the same for every instance unless stacked).

    Args:
      n_features: N true features, >= 1.
      n_inputs: d, >= 1.
      firing: ``uniform`` (every p_i = ``feature_probability``, default ``mean_active / N``), ``zipf``
        (p_i ∝ (i + 1)^−``zipf_exponent`` with Σ p_i = ``mean_active``) or ``given`` (``probabilities``).
      magnitude: (low, high): an active feature's coefficient is uniform on [low, high], 0 <= low <= high.
      orthogonal: orthogonalise the directions as far as possible (see ``_directions``).
      correlation: ρ in [0, 1): firing events are thresholds of z_i = √ρ g + √(1 − ρ) g_i (one shared
        Gaussian g), so p_i is kept and events are positively correlated.
      n_parents, children_per_parent: the first n_parents features are parents, each followed by its
        children (taking n_parents · (1 + children_per_parent) features in all); given an active parent,
        with ``child_probability`` exactly one of its children (uniformly chosen) fires, else none.
        Children never fire without their parent; a child's own p_i is unused.
      seed: seed of the directions.
    """
    integer("true_features", n_features, 1, MAX_SIZE)
    integer("dim", n_inputs, 1, MAX_SIZE)
    integer("n_instances", n_instances, 1, MAX_SIZE)
    integer("seed", seed, 0, 2**31 - 1)
    at_most("true_features × dim", n_features * n_inputs, MAX_SIZE)
    # The directions are drawn in float64 and normalised (two N × d arrays), then kept in float32 per instance,
    # once as the sampler's array and once as the truth.
    check_memory({"true_features × dim": n_features * n_inputs * (16 + 4 + 8 * n_instances)})
    if firing not in FIRING:
        raise ValueError(f"firing: must be one of {', '.join(FIRING)}, got {firing!r}")
    if firing == "uniform":
        p = feature_probability if feature_probability is not None else mean_active / n_features
        probability = np.full(n_features, p, np.float64)
    elif firing == "zipf":
        if not 0 < mean_active <= n_features:
            raise ValueError(f"mean_active: must be in (0, n_features={n_features}], got {mean_active}")
        if not zipf_exponent >= 0:
            raise ValueError(f"zipf_exponent: must be >= 0, got {zipf_exponent}")
        probability = zipf_probabilities(n_features, mean_active, zipf_exponent)
    else:
        if probabilities is None:
            raise ValueError("probabilities: firing='given' needs one probability per feature")
        probability = np.asarray(probabilities, np.float64)
        if probability.shape != (n_features,):
            raise ValueError(
                f"probabilities: must hold one value per feature ({n_features}), got shape {probability.shape}"
            )
    if not np.all((probability > 0) & (probability <= 1)):
        bad = probability[~((probability > 0) & (probability <= 1))].ravel()[0]
        raise ValueError(f"feature_probability: must be in (0, 1], got {bad}")
    if np.any(probability < MIN_FEATURE_PROBABILITY):
        raise ValueError(
            f"feature_probability: must be >= 2**-23 ≈ {MIN_FEATURE_PROBABILITY:.3g} (the sampler's uniforms have "
            f"23 bits, so a rarer feature would never fire), got {probability.min():g}"
        )
    low, high = (float(v) for v in magnitude)
    if not 0 <= low <= high or not math.isfinite(high):
        raise ValueError(f"magnitude: must be (low, high) with 0 <= low <= high, got {magnitude!r}")
    if not 0 <= correlation < 1:
        raise ValueError(f"correlation: must be in [0, 1), got {correlation}")
    grouped = n_parents * (1 + children_per_parent)
    if n_parents < 0 or children_per_parent < 0 or grouped > n_features or (n_parents > 0) != (children_per_parent > 0):
        raise ValueError(
            f"n_parents, children_per_parent: must be >= 1 together (or both 0) with "
            f"n_parents · (1 + children_per_parent) <= n_features={n_features}, "
            f"got {n_parents}, {children_per_parent}"
        )
    if not 0 <= child_probability <= 1:
        raise ValueError(f"child_probability: must be in [0, 1], got {child_probability}")

    directions = _directions(np.random.default_rng(seed), n_features, n_inputs, orthogonal).astype(np.float32)
    arrays = {
        "directions": np.repeat(directions[None], n_instances, axis=0),
        "feature_probability": np.repeat(probability.astype(np.float32)[None], n_instances, axis=0),
        "magnitude": np.repeat(np.asarray([[low, high]], np.float32), n_instances, axis=0),
    }
    options = (
        ("correlated", correlation > 0),
        ("correlation", float(correlation)),
        ("n_parents", n_parents),
        ("children_per_parent", children_per_parent),
        ("child_probability", float(child_probability)),
    )
    return Activations("synthetic", options, arrays, arrays["directions"].copy())


def _draw_synthetic(options: dict, arrays: dict, key: jax.Array, batch_size: int) -> tuple[jax.Array, jax.Array]:
    directions, p = arrays["directions"], arrays["feature_probability"]
    low, high = arrays["magnitude"][0], arrays["magnitude"][1]
    n_features = p.shape[0]
    key_fire, key_shared, key_child = jax.random.split(key, 3)
    u = uniform(key_fire, (batch_size, n_features))  # the package's hash generator, as for the toy models' data
    if options["correlated"]:
        # Gaussian copula: the event Φ(z_i) < p_i has probability p_i; the shared g correlates the events.
        rho = options["correlation"]
        shared = jax.random.normal(key_shared, (batch_size, 1))
        z = jnp.sqrt(rho) * shared + jnp.sqrt(1 - rho) * jax.scipy.special.ndtri(jnp.clip(u, 1e-7, 1 - 1e-7))
        u_event = jax.scipy.special.ndtr(z)
        active = u_event < p
        fraction = uniform(key_child, (batch_size, n_features))
    else:
        active = u < p
        # Uniform on [0, 1) given u < p, and given u >= p too: one draw serves event and magnitude. (A child fires
        # with its parent whatever its own u, so its magnitude must be uniform on either side of p.)
        fraction = jnp.where(u < p, u / p, (u - p) / jnp.maximum(1 - p, 1e-12))
    n_parents, n_children = options["n_parents"], options["children_per_parent"]
    if n_parents:
        group = n_parents * (1 + n_children)
        parents = active[:, : group : 1 + n_children]  # (batch, parents)
        choice = uniform(jax.random.fold_in(key_child, 1), (batch_size, n_parents))
        has_child = choice < options["child_probability"]
        chosen = jnp.floor(choice / options["child_probability"] * n_children)  # uniform over siblings
        children = (parents & has_child)[:, :, None] & (jnp.arange(n_children) == chosen[:, :, None])
        block = jnp.concatenate([parents[:, :, None], children], axis=2).reshape(batch_size, group)
        active = jnp.concatenate([block, active[:, group:]], axis=1)
    codes = jnp.where(active, low + (high - low) * fraction, 0.0)
    return codes @ directions, codes


def _draw_toy(options: dict, arrays: dict, key: jax.Array, batch_size: int) -> tuple[jax.Array, jax.Array]:
    features = sample_features(
        key,
        arrays["feature_probability"],
        batch_size,
        correlated_sets=options["correlated_sets"],
        anticorrelated_sets=options["anticorrelated_sets"],
    )  # (features, batch)
    W = arrays["W"]  # (hidden, features)
    h = (W @ features).T
    codes = (features * jnp.linalg.norm(W, axis=0)[:, None]).T
    return h, codes[:, arrays["truth_index"]]


def _draw_transcoder(options: dict, arrays: dict, key: jax.Array, batch_size: int) -> tuple[jax.Array, jax.Array]:
    features = sample_features(
        key,
        arrays["feature_probability"],
        batch_size,
        correlated_sets=options["correlated_sets"],
        anticorrelated_sets=options["anticorrelated_sets"],
        signed=options["model"] == "abs",
        rng=options["rng"],
    )  # (features, batch)
    if options["model"] == "abs":
        return features.T, features.T
    W = arrays["W"]  # (hidden, features)
    return (W @ features).T, (features * jnp.linalg.norm(W, axis=0)[:, None]).T


def target_of(sampler: str, options: tuple, arrays: dict, x: jax.Array) -> jax.Array:
    """What a model trained on ``x`` (batch, inputs) must output: x itself for an SAE's samplers; for
    ``transcoder``, the toy model's output y (batch, outputs) for its input a = x."""
    if sampler != "transcoder":
        return x
    if dict(options)["model"] == "abs":
        return jax.nn.relu(jax.nn.relu(x @ arrays["W1"].T) @ arrays["W2"].T + arrays["b"])
    return jax.nn.relu(x @ arrays["W"] + arrays["b"])


STATISTICS_SAMPLES = 8192  # samples per instance behind sparsity_statistics' estimates
STATISTICS_SEED = 0
STATISTICS_ELEMENTS = 2**24  # at most this many true codes drawn for the estimates, over all instances


class SparsityStatistics(NamedTuple):
    """What the default SAE settings are derived from (see :func:`toysup.sae.config.derive_settings`).

    Attributes:
      expected_l0: per instance, the expected number of active true features per sample, L.
      l0_source: how L was found: ``"Σ p_i"`` (the ground truth's firing probabilities) or ``"estimated"`` (the
        mean count of active true codes over the samples, where the probabilities do not give it: hierarchies).
      energy: per instance, E‖x‖² / L, the mean squared norm one active feature adds to an input (estimated from
        the samples); its square root is the size of a typical active feature's contribution. For a transcoder's
        data, E‖y‖² / L: the energy of the target it predicts (see :func:`target_of`).
      n_samples: the samples per instance behind the estimates.
    """

    expected_l0: np.ndarray
    l0_source: str
    energy: np.ndarray
    n_samples: int


@functools.lru_cache(maxsize=16)
def _statistics_program(sampler: str, options: tuple, n_samples: int):
    """The compiled per-instance (E‖x‖², mean active true codes) of ``n_samples`` draws, built once per sampler,
    options and sample count (so deriving an SAE's settings again, as the app does on every change, does not
    compile again)."""

    def one(arrays, key):
        x, codes = draw(sampler, options, arrays, key, n_samples)
        target = target_of(sampler, options, arrays, x)
        return jnp.mean(jnp.sum(target**2, axis=-1)), jnp.mean(jnp.sum(codes != 0, axis=-1))

    return jax.jit(jax.vmap(one))


def sparsity_statistics(activations: Activations, n_samples: int = STATISTICS_SAMPLES) -> SparsityStatistics:
    """How sparse and how large ``activations`` are, per instance (see :class:`SparsityStatistics`).

    L is Σ p_i over the true features when the firing probabilities give it (toy runs; synthetic sets without a
    parent/child hierarchy, whose children ignore their own p_i), otherwise the mean number of active true codes
    in ``n_samples`` samples (fewer when instances × features × samples would exceed ``STATISTICS_ELEMENTS``).
    E‖x‖² is always estimated from the samples (seed ``STATISTICS_SEED``, never a
    training or evaluation stream), so any sampler's magnitudes and geometry count.
    """
    # The draws are (instances, samples, features) arrays: fewer samples where the features are many, so that the
    # estimate never needs more memory than the training it is for (whose budget is checked after it).
    n_samples = int(max(1, min(n_samples, STATISTICS_ELEMENTS // (activations.n_instances * activations.n_features))))
    options = activations.options
    arrays = {name: jnp.asarray(value) for name, value in activations.arrays.items()}
    keys = jax.random.split(jax.random.key(STATISTICS_SEED), activations.n_instances)
    measure = _statistics_program(activations.sampler, options, n_samples)
    energy_total, counted = (np.asarray(v, np.float64) for v in measure(arrays, keys))
    probability = np.asarray(activations.arrays["feature_probability"], np.float64)
    if activations.sampler == "toy":
        l0 = np.take_along_axis(probability, activations.arrays["truth_index"], axis=1).sum(axis=1)
        source = "Σ p_i"
    elif activations.sampler == "transcoder" or dict(options)["n_parents"] == 0:
        l0, source = probability.sum(axis=1), "Σ p_i"
    else:
        l0, source = counted, "estimated"
    l0 = np.maximum(l0, 1.0 / n_samples)
    return SparsityStatistics(l0, source, energy_total / l0, n_samples)


def draw(sampler: str, options: tuple, arrays: dict, key: jax.Array, batch_size: int) -> tuple[jax.Array, jax.Array]:
    """One instance's batch: inputs x (batch, inputs) and true codes c (batch, truth features)."""
    sample = {"toy": _draw_toy, "synthetic": _draw_synthetic, "transcoder": _draw_transcoder}[sampler]
    return sample(dict(options), arrays, key, batch_size)


__all__ = [
    "Activations",
    "SparsityStatistics",
    "sparsity_statistics",
    "draw",
    "stack",
    "synthetic_activations",
    "toy_activations",
    "target_of",
    "transcoder_activations",
    "TRANSCODED_MODELS",
    "zipf_probabilities",
    "FIRING",
]
