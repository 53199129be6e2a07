"""Synthetic sparse features, drawn inside the compiled training step.

One instance's batch has shape (features, batch): the long batch axis is minor, which made the
instance-batched matrix products about twice as fast on CPU for the paper's tiny sizes. ``jax.vmap`` over
instances gives (instances, features, batch).

Random numbers dominate the cost of a step at these sizes, so an independent feature uses a single uniform
u: the feature is non-zero when u < p, and then u / p is again uniform on [0, 1), so
``x = where(u < p, u / p, 0)`` has the paper's distribution at half the cost of two draws. The uniforms come
from one of two generators, both seeded by an explicit key: ``hash`` (default), a counter-based hash of the
element index and the key, 1.5-2.5x faster than ``threefry`` on CPU (benchmarks/README.md); or ``threefry``,
``jax.random.uniform`` itself.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from .config import ToyConfig
from .models import kind


def _lowbias32(x: jax.Array) -> jax.Array:
    """C. Wellons' "lowbias32" integer hash (hash-prospector): a bijection on uint32 with strong avalanche."""
    x = x ^ (x >> 16)
    x = x * jnp.uint32(0x7FEB352D)
    x = x ^ (x >> 15)
    x = x * jnp.uint32(0x846CA68B)
    return x ^ (x >> 16)


def uniform(key: jax.Array, shape: tuple[int, ...], rng: str = "hash") -> jax.Array:
    """Uniforms on [0, 1) of ``shape`` from ``key``: ``jax.random.uniform`` (``threefry``), or (``hash``) two
    rounds of lowbias32 over the element counter mixed with the key's words, which keeps the stream a pure
    function of the key, as every JAX draw is, at a fraction of threefry's cost."""
    if rng == "threefry":
        return jax.random.uniform(key, shape)
    words = jax.random.key_data(key).reshape(-1)
    seed = _lowbias32(words[0] ^ _lowbias32(words[1]))
    counter = jax.lax.iota(jnp.uint32, math.prod(shape)).reshape(shape)
    bits = _lowbias32(_lowbias32(counter ^ seed) + seed)
    # The top 23 bits as the mantissa of a float in [1, 2), minus 1.
    return jax.lax.bitcast_convert_type((bits >> 9) | jnp.uint32(0x3F800000), jnp.float32) - 1.0


def sample_features(
    key: jax.Array,
    feature_probability: jax.Array,
    batch_size: int,
    *,
    correlated_sets: tuple[int, ...] = (),
    anticorrelated_sets: tuple[int, ...] = (),
    signed: bool = False,
    rng: str = "hash",
) -> jax.Array:
    """Draw one instance's batch of sparse features, shape (features, batch).

    Each feature is 0 with probability S = 1 − p, else uniform on [0, 1] (on [−1, 1] when ``signed``, the
    inputs of the absolute-value task). Correlated sets share one draw deciding whether the whole set is zero;
    in an anticorrelated set at most one member is non-zero: the set is zero with probability S, else one
    uniformly chosen member is. Sets take the first features in order (correlated, then anticorrelated);
    the rest are independent. A set's probability is that of its first feature.

    Args:
      key: PRNG key.
      feature_probability: p per feature, shape (features,).
      batch_size: number of samples (static).
      rng: ``hash`` or ``threefry`` (see :func:`uniform`).
    """
    n_features = feature_probability.shape[0]
    p = feature_probability[:, None]
    if not correlated_sets and not anticorrelated_sets:
        u = uniform(key, (n_features, batch_size), rng)
        magnitude = u / p
        x = jnp.where(u < p, magnitude, 0.0)
        return jnp.where(u < p, 2.0 * magnitude - 1.0, 0.0) if signed else x

    n_sets = len(correlated_sets) + len(anticorrelated_sets)
    key_set, key_magnitude = jax.random.split(key)
    set_draw = uniform(key_set, (n_sets, batch_size), rng)
    magnitude = uniform(key_magnitude, (n_features, batch_size), rng)
    parts = []
    start = 0
    for index, size in enumerate(correlated_sets):
        active = set_draw[index] < p[start : start + size]
        parts.append(jnp.where(active, magnitude[start : start + size], 0.0))
        start += size
    for index, size in enumerate(anticorrelated_sets, start=len(correlated_sets)):
        p_set = p[start]
        active = set_draw[index] < p_set
        chosen = jnp.floor(set_draw[index] / p_set * size)  # uniform over members, given active
        member = jnp.arange(size)[:, None] == chosen[None, :]
        parts.append(jnp.where(active & member, magnitude[start : start + size], 0.0))
        start += size
    rest = magnitude[start:]
    parts.append(jnp.where(rest < p[start:], rest / p[start:], 0.0))
    x = jnp.concatenate(parts, axis=0)
    return jnp.where(x != 0, 2.0 * x - 1.0, 0.0) if signed else x


def generate_batch(config: ToyConfig, key: jax.Array, batch_size: int | None = None) -> jax.Array:
    """A batch for every instance of ``config``, shape (instances, features, batch)."""
    keys = jax.random.split(key, config.n_instances)
    probability = jnp.asarray(config.feature_probability_array())

    def one(instance_key: jax.Array, instance_probability: jax.Array) -> jax.Array:
        return sample_features(
            instance_key,
            instance_probability,
            batch_size or config.batch_size,
            correlated_sets=config.correlated_sets,
            anticorrelated_sets=config.anticorrelated_sets,
            signed=kind(config.model).signed_inputs,
            rng=config.rng,
        )

    return jax.vmap(one)(keys, probability)
