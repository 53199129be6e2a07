"""Batched, compiled SAE training: many SAEs on an instance axis, on the engine of ``toysup.engine``.

One instance's step draws its batch from ``fold_in(instance_key, step)`` inside the compiled program (no
materialised dataset) and applies Adam; the engine vmaps it over instances, compiles chunks of steps, shards the
instances over the local devices and keeps the finished chunks on Ctrl-C. The compiled program depends only on
:func:`compile_key` of the config and the activations' sampler, so a new seed, penalty grid or dictionary (same
shapes) reuses it.

Dead latents: each instance counts, per latent, the steps since it last fired; a latent is dead once the
count reaches ``dead_window``. TopK/BatchTopK feed the dead mask to AuxK; with ``resampling`` the penalty-based SAEs
(``relu``, ``gated``, ``jumprelu``) re-initialise dead latents every ``dead_window`` steps in the first half of training
and zero their Adam moments (Bricken et al. 2023, "Towards Monosemanticity", appendix on resampling).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import engine
from ..engine import DEFAULT_CHUNK_STEPS, DEFAULT_LOG_EVERY, DivergedError
from .config import RESAMPLED_ARCHITECTURES, SAEConfig
from .data import Activations, draw, target_of
from .models import LATENT_PARAMS, architecture, decoder_weights

HISTORY = ("loss", "mse", "l0")
RESAMPLED_ENCODER_SCALE = 0.2  # resampled encoder rows get 0.2 × the mean alive encoder norm (Bricken et al.)
# JumpReLU's resampled rows get the full mean alive norm: a latent whose pre-activations stay below its threshold θ
# gets no gradient at all (the step has none with respect to π), so at 0.2 × it would die again at once.
RESAMPLED_JUMPRELU_ENCODER_SCALE = 1.0
KEY_STREAMS = 3  # per instance: initialisation, data and evaluation keys


class SAEState(NamedTuple):
    """Per-instance parameters, optimiser state and steps since each latent last fired (leading instance axis)."""

    params: Any
    opt_state: Any
    steps_since_fired: jax.Array


@dataclass(frozen=True)
class SAEResult:
    """A finished (or interrupted) batch of SAEs.

    Attributes:
      config: the run's config.
      params: numpy arrays with a leading instance axis (``W_enc`` (instances, latents, inputs), ``b_enc``,
        ``W_dec``, ``b_dec``, …; see ``toysup.sae.models``).
      history: per logged block, ``loss``, ``mse`` and ``l0`` means of shape (blocks, instances).
      steps_since_fired: (instances, latents) at the end; >= ``dead_window`` means dead.
      steps_done: steps completed.
      instance_ids: the ids the instances' keys were folded from (None: 0 … instances − 1).
    """

    config: SAEConfig
    params: dict[str, np.ndarray]
    history: dict[str, np.ndarray]
    steps_since_fired: np.ndarray
    steps_done: int
    instance_ids: np.ndarray | None = None

    @property
    def decoder(self) -> np.ndarray:
        """Decoder rows (instances, latents, inputs): the learned dictionary."""
        return self.params["W_dec"] if "W_dec" in self.params else self.params["W_enc"]

    def hyper(self) -> dict[str, np.ndarray]:
        return hyper_arrays(self.config)


def hyper_arrays(config: SAEConfig) -> dict[str, np.ndarray]:
    """The per-instance penalties as arrays of shape (instances,), and JumpReLU's starting threshold (derived from
    the data, so an input of the compiled program rather than part of it)."""
    arrays = {name: config.per_instance(name) for name in ("l1_coefficient", "k", "l0_coefficient")}
    threshold = np.full(config.n_instances, config.jumprelu_initial_threshold, np.float32)
    return {**arrays, "jumprelu_initial_threshold": threshold}


class ProgramKey(NamedTuple):
    """Exactly the settings the compiled SAE program depends on (see :func:`compile_key`)."""

    arch: str
    n_inputs: int
    n_latents: int
    n_outputs: int | None
    k_max: float
    aux_k: int
    aux_coefficient: float
    penalty_warmup_steps: int
    dead_window: int
    resampling: str
    jumprelu_bandwidth: float
    tied: bool
    learning_rate: float
    schedule: str
    warmup_steps: int
    steps: int
    batch_size: int


def compile_key(config: SAEConfig) -> ProgramKey:
    """The compile-relevant part of ``config`` (``n_outputs`` included: a transcoder's program differs). The
    others — ``n_instances`` (the number of copies), the per-instance penalties ``l1_coefficient``,
    ``l0_coefficient`` and ``k`` (arrays fed to the program; only the largest k sizes the top-k selection),
    ``jumprelu_initial_threshold`` (an array too: it is derived from the data) and ``seed`` (its keys) — change no
    compiled code."""
    return ProgramKey(
        config.arch,
        config.n_inputs,
        config.n_latents,
        config.n_outputs,
        config.k_max,
        config.resolved_aux_k,
        config.aux_coefficient,
        config.penalty_warmup_steps,
        config.dead_window,
        config.resampling,
        config.jumprelu_bandwidth,
        config.tied,
        config.learning_rate,
        config.schedule,
        config.warmup_steps,
        config.steps,
        config.batch_size,
    )


def static_config(config: SAEConfig) -> SAEConfig:
    """The one-instance config the compiled code is built from: the per-instance penalties and the seed reset
    (k to the largest), so configs with the same :func:`compile_key` give the same one."""
    return config.replace(
        n_instances=1, seed=0, l1_coefficient=0.0, l0_coefficient=0.0, k=config.k_max, jumprelu_initial_threshold=1.0
    )


def make_optimizer(config: SAEConfig) -> optax.GradientTransformation:
    """Adam with a constant, linear or cosine schedule after a linear warm-up."""
    return optax.adam(
        engine.learning_rate_schedule(config.learning_rate, config.schedule, config.steps, config.warmup_steps)
    )


def _map_moments(opt_state: Any, keys: frozenset, fn: Callable[[dict], dict]) -> Any:
    """Apply ``fn`` to every params-shaped dict inside the optimiser state (Adam's μ and ν)."""
    if isinstance(opt_state, dict) and frozenset(opt_state) == keys:
        return fn(opt_state)
    if isinstance(opt_state, tuple):
        mapped = [_map_moments(part, keys, fn) for part in opt_state]
        return type(opt_state)(*mapped) if hasattr(opt_state, "_fields") else tuple(mapped)
    return opt_state


def _resample(
    config: SAEConfig,
    params: dict,
    opt_state: Any,
    dead: jax.Array,
    x: jax.Array,
    sample_error: jax.Array,
    key: jax.Array,
    initial_threshold: jax.Array,
    target: jax.Array | None = None,
) -> tuple[dict, Any]:
    """Re-initialise dead latents: decoder row = a unit direction (random, or an input x − b_dec drawn with
    probability ∝ its squared reconstruction error), encoder row = that direction × 0.2 × the mean alive
    encoder norm (× 1 for ``jumprelu``, see ``RESAMPLED_JUMPRELU_ENCODER_SCALE``), biases 0, thresholds back to
    their initial value; their Adam moments are zeroed. A transcoder (``target`` given) reads and writes different
    spaces: its encoder row takes the chosen sample's input a (or a random direction), its decoder row that
    sample's target y − b_dec (or another random direction)."""
    key_choice, key_direction = jax.random.split(key)
    unit = lambda v: v / jnp.maximum(jnp.linalg.norm(v, axis=-1, keepdims=True), 1e-8)  # noqa: E731
    if config.resampling == "inputs":
        chosen = jax.random.categorical(key_choice, jnp.log(sample_error + 1e-12), shape=(config.n_latents,))
        direction = x[chosen] if config.is_transcoder else x[chosen] - params["b_dec"]
        written = target[chosen] - params["b_dec"] if config.is_transcoder else None
    else:
        direction = jax.random.normal(key_direction, (config.n_latents, config.n_inputs))
        if config.is_transcoder:
            written = jax.random.normal(jax.random.fold_in(key_direction, 1), (config.n_latents, config.n_outputs))
    direction = unit(direction)
    written = unit(written) if config.is_transcoder else direction
    encoder_norm = jnp.linalg.norm(params["W_enc"], axis=-1)
    alive_norm = jnp.sum(jnp.where(dead, 0.0, encoder_norm)) / jnp.maximum(jnp.sum(~dead), 1)
    alive_norm = jnp.where(jnp.any(~dead), alive_norm, 1.0)
    encoder_scale = RESAMPLED_JUMPRELU_ENCODER_SCALE if config.arch == "jumprelu" else RESAMPLED_ENCODER_SCALE
    replacement = {
        "W_enc": direction * encoder_scale * alive_norm,
        "b_enc": jnp.zeros(config.n_latents),
        "r_mag": jnp.zeros(config.n_latents),
        "b_mag": jnp.zeros(config.n_latents),
        "log_threshold": jnp.full(config.n_latents, jnp.log(initial_threshold)),
    }
    if "W_dec" in params:
        replacement["W_dec"] = (
            written * jnp.linalg.norm(decoder_weights(params), axis=-1).mean() if config.arch == "relu" else written
        )

    def rows(name: str) -> jax.Array:
        return dead.reshape((-1,) + (1,) * (params[name].ndim - 1))

    new_params = {
        name: jnp.where(rows(name), replacement[name], value) if name in replacement else value
        for name, value in params.items()
    }
    keys = frozenset(params)

    def zero_dead(moments: dict) -> dict:
        return {
            name: jnp.where(rows(name), 0.0, value) if name in LATENT_PARAMS else value
            for name, value in moments.items()
        }

    return new_params, _map_moments(opt_state, keys, zero_dead)


def _max_over_copies(value: jax.Array) -> jax.Array:
    """The loss's ``reduce_copies`` inside the engine: the largest value over every instance trained together, so
    a code path chosen from it (the ``relu`` loss's dense or gathered step) is the same for all of them and stays
    one branch under the engine's vmap."""
    return jax.lax.pmax(value, engine.COPIES_AXIS)


def _build_program(config: SAEConfig, sampler: str, options: tuple, chunk_steps: int) -> engine.Program:
    """The compiled program of ``config``'s :func:`compile_key` (its per-instance penalties are inputs)."""
    static = static_config(config)
    arch = architecture(static)
    optimizer = make_optimizer(static)
    resample_until = static.steps // 2

    def init_copy(init_key, inputs):
        params = arch.init(init_key, inputs[1])
        return SAEState(params, optimizer.init(params), jnp.zeros((static.n_latents,), jnp.int32))

    def step_copy(state, inputs, step):
        params, opt_state, since = state
        arrays, hyper, key = inputs
        key_data, key_resample = jax.random.split(jax.random.fold_in(key, step))
        x, _ = draw(sampler, options, arrays, key_data, static.batch_size)
        if static.is_transcoder:  # the model's output for the same inputs: what a transcoder predicts
            x, target = jax.lax.optimization_barrier((x, target_of(sampler, options, arrays, x)))
        else:
            x, target = jax.lax.optimization_barrier(x), None  # draw once, not once per consumer
        dead = since >= static.dead_window
        (loss, aux), grads = jax.value_and_grad(arch.loss, has_aux=True)(
            params, x, step, dead, hyper, reduce_copies=_max_over_copies, target=target
        )
        updates, opt_state = optimizer.update(grads, opt_state, params)
        params = arch.constrain(optax.apply_updates(params, updates), aux)
        since = jnp.where(aux["fired"], 0, since + 1)
        if static.resampling != "none" and static.arch in RESAMPLED_ARCHITECTURES:
            now_dead = since >= static.dead_window
            # The condition depends on the step alone, so under vmap it stays a branch, not a select.
            due = ((step + 1) % static.dead_window == 0) & (step < resample_until)
            params, opt_state, since = jax.lax.cond(
                due,
                lambda p, o, s: (
                    *_resample(
                        static,
                        p,
                        o,
                        now_dead,
                        x,
                        aux["sample_error"],
                        key_resample,
                        hyper["jumprelu_initial_threshold"],
                        target,
                    ),
                    jnp.where(now_dead, 0, s),
                ),
                lambda p, o, s: (p, o, s),
                params,
                opt_state,
                since,
            )
        return SAEState(params, opt_state, since), jnp.stack([loss, aux["mse"], aux["l0"]])

    return engine.compile_program(
        init_copy, step_copy, steps=static.steps, chunk_steps=chunk_steps, logged_shape=(len(HISTORY),)
    )


def raise_if_diverged(first_step: int, logged: np.ndarray) -> None:
    """An ``on_logged`` hook (see :func:`toysup.engine.run`): raise :class:`~toysup.engine.DivergedError` at the
    first step where some instance's loss (``logged[..., 0]``, (steps, instances)) is non-finite."""
    bad = ~np.isfinite(logged[..., 0]).all(axis=1)
    if bad.any():
        raise DivergedError(first_step + int(np.argmax(bad)))


def check_activations(config: SAEConfig, activations: Activations) -> Activations:
    """``activations`` fit for ``config``: the same input (and, for a transcoder, output) dimension, one
    instance per SAE (a one-instance set is repeated for every SAE), and the run's memory with their draws within
    the budget."""
    config.check_memory(activations.arrays["feature_probability"].shape[-1])
    if activations.n_inputs != config.n_inputs:
        raise ValueError(
            f"n_inputs: must equal the activations' dimension {activations.n_inputs}, got {config.n_inputs}"
        )
    if activations.n_outputs != config.n_outputs:
        wanted = "None (an SAE's activations)" if activations.n_outputs is None else str(activations.n_outputs)
        raise ValueError(f"n_outputs: must be {wanted}, the target dimension of the data, got {config.n_outputs}")
    if activations.n_instances == 1 and config.n_instances > 1:
        return activations.repeat(config.n_instances)
    if activations.n_instances != config.n_instances:
        raise ValueError(
            f"n_instances: must equal the activations' instances ({activations.n_instances}) or "
            f"they must have one, got {config.n_instances}"
        )
    return activations


def instance_keys(seed: int, n_instances: int, ids: Any = None) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(init, data, evaluation) keys per instance (see :func:`toysup.engine.derive_keys`), with id = the
    instance's position, or ``ids[instance]`` when given (so a grid point's SAE does not depend on which other
    instances it was trained with)."""
    index = jnp.arange(n_instances) if ids is None else jnp.asarray(ids, jnp.int32)
    return engine.derive_keys(seed, index, KEY_STREAMS)


def train_sae(
    config: SAEConfig,
    activations: Activations,
    *,
    chunk_steps: int = DEFAULT_CHUNK_STEPS,
    log_every: int = DEFAULT_LOG_EVERY,
    progress: bool = True,
    on_chunk: Callable[[int, int], None] | None = None,
    instance_ids: Any = None,
) -> SAEResult:
    """Train ``config.n_instances`` SAEs together, instance i on instance i of ``activations``
    (one-instance activations are shared by all).

    Args:
      config: the SAEs.
      activations: what they are trained on.
      chunk_steps: steps per compiled chunk, >= 1; progress and Ctrl-C are honoured between chunks.
      log_every: the history keeps the means of each block of this many steps, >= 1.
      progress, on_chunk: a tqdm bar; ``on_chunk(steps_done, steps)`` after each chunk.
      instance_ids: distinct integers >= 0, one per instance, that replace the instances' positions in their
        PRNG keys (see :func:`instance_keys`).

    The instances are sharded over every local device. Ctrl-C stops the run cleanly and returns what the
    finished chunks reached (``steps_done`` < ``config.steps``; see :func:`toysup.engine.run`).

    Raises:
      DivergedError: after the chunk in which some instance's loss became non-finite.
    """
    engine.check_loop(chunk_steps, log_every)
    activations = check_activations(config, activations)
    if instance_ids is not None:
        instance_ids = np.asarray(instance_ids)
        if (
            instance_ids.shape != (config.n_instances,)
            or instance_ids.dtype.kind not in "iu"
            or np.any(instance_ids < 0)
            or len(np.unique(instance_ids)) != config.n_instances
        ):
            raise ValueError(
                f"instance_ids: must be {config.n_instances} distinct integers >= 0, got {instance_ids.tolist()!r}"
            )
    chunk_steps = int(chunk_steps)
    key = (compile_key(config), activations.sampler, activations.options, chunk_steps)
    program = engine.cached_program(
        key, lambda: _build_program(config, activations.sampler, activations.options, chunk_steps)
    )
    init_keys, data_keys, _ = instance_keys(config.seed, config.n_instances, instance_ids)
    arrays = {name: jnp.asarray(value) for name, value in activations.arrays.items()}
    hyper = {name: jnp.asarray(value) for name, value in hyper_arrays(config).items()}
    done = engine.run(
        program,
        init_keys,
        (arrays, hyper, data_keys),
        log_every=log_every,
        progress=progress,
        on_chunk=on_chunk,
        on_logged=raise_if_diverged,
    )
    history = {name: done.logged[:, :, i].astype(np.float32) for i, name in enumerate(HISTORY)}
    params = {name: np.asarray(value, np.float32) for name, value in done.state.params.items()}
    return SAEResult(
        config=config,
        params=params,
        history=history,
        steps_since_fired=done.state.steps_since_fired,
        steps_done=done.steps_done,
        instance_ids=instance_ids,
    )


__all__ = [
    "ProgramKey",
    "SAEResult",
    "SAEState",
    "check_activations",
    "compile_key",
    "hyper_arrays",
    "instance_keys",
    "make_optimizer",
    "raise_if_diverged",
    "static_config",
    "train_sae",
]
