"""The configuration of a batch of sparse autoencoders trained together.

:class:`SAEConfig` is frozen and keyword-only and validated on construction: a bad value raises ``ValueError``
naming the field and the allowed range before any compute. The sparsity penalties (``l1_coefficient``, ``k``,
``l0_coefficient``) may be one value or one per instance, so a grid of penalties trains as one compiled
program; everything else is shared by the instances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..engine import DEFAULT_CHUNK_STEPS, DEFAULT_LOG_EVERY, SCHEDULES
from ..validation import (
    MAX_SIZE,
    Config,
    at_most,
    boolean,
    check_memory,
    choice,
    coefficient,
    integer,
    is_integer,
    learning_rate,
    real,
)

ARCHITECTURES = ("relu", "topk", "batchtopk", "jumprelu", "gated")
RESAMPLING = ("none", "random", "inputs")
RESAMPLED_ARCHITECTURES = ("relu", "gated", "jumprelu")  # TopK-style SAEs use AuxK instead
PER_INSTANCE = ("l1_coefficient", "k", "l0_coefficient")  # fields that may hold one value per instance

# The memory estimate of a run (see SAEConfig.memory_terms), in float32 arrays per instance: parameters with
# Adam's moments, gradients, updates and new values in flight; per step, arrays of (batch, latents) (pre-activations,
# activations, masks, the top-k or AuxK selections and their gradients) and of (batch, inputs) (inputs,
# reconstructions, errors); and of (batch, true features) when the activations are drawn (uniforms, codes).
STATE_ARRAYS = 12
LATENT_BATCH_ARRAYS = 12
INPUT_BATCH_ARRAYS = 6
FEATURE_BATCH_ARRAYS = 7
BLOCK_OVERHEAD = 112  # bytes of Python object per logged block of the history
FLOAT32 = 4


@dataclass(frozen=True, kw_only=True)
class SAEConfig(Config):
    """Every setting of a batch of SAEs; instance i trains on instance i of its activations.

    Attributes:
      arch: ``relu`` (ReLU + decoder-norm-weighted L1, Bricken et al. 2023 / Anthropic's April 2024 update),
        ``topk`` (Gao et al. 2024, with AuxK), ``batchtopk`` (Bussmann et al. 2024), ``jumprelu``
        (Rajamanoharan et al. 2024b) or ``gated`` (Rajamanoharan et al. 2024a).
      n_inputs: input dimension d (the toy model's hidden size, or the synthetic dimension), >= 1.
      n_latents: dictionary size, >= 1.
      n_outputs: None for an SAE (it reconstructs its input); for a transcoder, the dimension of the target it
        predicts from its input (the toy model's output), in [1, 2**31 − 1]. A transcoder's encoder reads its input
        uncentred (π = W_enc a + b_enc) and it has no tied weights.
      n_instances: SAEs trained together on the instance axis, >= 1.
      l1_coefficient: λ of the L1 penalty of ``relu`` and ``gated``, >= 0; one value or one per instance.
      penalty_warmup_steps: the L1 (``relu``, ``gated``) or L0 (``jumprelu``) coefficient rises linearly from 0
        to its value over these steps (0: no warm-up), in [0, steps].
      k: active latents per sample: an integer in [1, n_latents] for ``topk``; for ``batchtopk`` the mean over
        the batch, a real in (0, n_latents] (k·B activations are kept per batch of B, rounded, at least 1),
        so data with many zero samples can have k < 1. One value or one per instance.
      aux_k: latents in the AuxK reconstruction of the residual from dead latents, in [1, n_latents];
        None means min(d // 2, n_latents) rounded up to >= 1, d the output dimension (Gao et al. use d / 2).
      aux_coefficient: α of the AuxK loss (``topk`` / ``batchtopk``), >= 0; 0 turns it off. Gao et al.: 1/32.
      dead_window: a latent that has not fired for this many steps is dead, >= 1.
      resampling: dead-latent resampling of the penalty-based SAEs (``relu``, ``gated``, ``jumprelu``):
        ``none``, ``random`` (a random direction) or ``inputs`` (towards a poorly reconstructed input of the
        batch, Bricken et al. 2023). It happens every ``dead_window`` steps during the first half of training;
        the TopK-style SAEs take ``none`` (they feed dead latents to AuxK).
      l0_coefficient: λ of ``jumprelu``'s L0 penalty, >= 0; one value or one per instance.
      jumprelu_bandwidth: ε of the rectangle kernel of the straight-through threshold gradient, > 0.
      jumprelu_initial_threshold: the threshold θ at initialisation, > 0.
      tied: ``relu`` only: decode with the encoder's weights (W_dec = W_encᵀ).
      learning_rate: Adam's peak learning rate, in (0, 1e3].
      schedule: ``constant``, ``linear`` (to 0) or ``cosine`` (to 0) after the warm-up.
      warmup_steps: linear learning-rate warm-up, in [0, steps).
      steps: optimisation steps, >= 1.
      batch_size: samples per step and instance, >= 1.
      seed: seed of every random draw, in [0, 2**31 − 1].

    Sizes are integers <= 2**31 − 1, as are the products that size one array; coefficients are at most 1e30;
    the run's estimated memory (:meth:`memory_terms`) must fit :func:`toysup.validation.memory_budget`. All are
    checked before any array is built.

    How the run is driven (steps per compiled chunk, the history's cadence, progress) is not part of the
    experiment: those are arguments of :func:`toysup.sae.train.train_sae`.
    """

    TUPLE_FIELDS: ClassVar[tuple[str, ...]] = PER_INSTANCE
    RETIRED_FIELDS: ClassVar[tuple[str, ...]] = ("chunk_steps", "log_every")  # loop settings of runs before 0.2

    arch: str = "topk"
    n_inputs: int = 2
    n_latents: int = 8
    n_outputs: int | None = None
    n_instances: int = 1
    l1_coefficient: float | tuple = 0.1
    penalty_warmup_steps: int = 0
    k: int | tuple = 4
    aux_k: int | None = None
    aux_coefficient: float = 1 / 32
    dead_window: int = 200
    resampling: str = "none"
    l0_coefficient: float | tuple = 0.01
    jumprelu_bandwidth: float = 0.05
    jumprelu_initial_threshold: float = 0.05
    tied: bool = False
    learning_rate: float = 1e-3
    schedule: str = "constant"
    warmup_steps: int = 0
    steps: int = 2000
    batch_size: int = 1024
    seed: int = 0

    def validate(self) -> None:
        # Sizes first, then the memory they need, and only then the values that depend on them.
        for name, allowed in (("arch", ARCHITECTURES), ("resampling", RESAMPLING), ("schedule", SCHEDULES)):
            choice(name, getattr(self, name), allowed)
        for name in ("n_inputs", "n_latents", "n_instances", "steps", "batch_size", "dead_window"):
            integer(name, getattr(self, name), 1, MAX_SIZE)
        integer("seed", self.seed, 0, 2**31 - 1)
        if self.n_outputs is not None:
            integer("n_outputs", self.n_outputs, 1, MAX_SIZE)
        integer("penalty_warmup_steps", self.penalty_warmup_steps, 0, self.steps)
        integer("warmup_steps", self.warmup_steps, 0, self.steps - 1)
        at_most("n_latents × batch_size", self.n_latents * self.batch_size, MAX_SIZE)
        at_most("n_inputs × batch_size", self.n_inputs * self.batch_size, MAX_SIZE)
        at_most("n_latents × n_inputs", self.n_latents * self.n_inputs, MAX_SIZE)
        if self.n_outputs is not None:
            at_most("n_outputs × batch_size", self.n_outputs * self.batch_size, MAX_SIZE)
            at_most("n_latents × n_outputs", self.n_latents * self.n_outputs, MAX_SIZE)
        check_memory(self.memory_terms())
        if self.aux_k is not None:
            integer("aux_k", self.aux_k, 1, self.n_latents)
        coefficient("aux_coefficient", self.aux_coefficient)
        learning_rate("learning_rate", self.learning_rate)
        coefficient("jumprelu_bandwidth", self.jumprelu_bandwidth, low_open=True)
        coefficient("jumprelu_initial_threshold", self.jumprelu_initial_threshold, low_open=True)
        boolean("tied", self.tied)
        if self.tied and self.arch != "relu":
            raise ValueError(f"tied: only the relu architecture has tied weights, got arch={self.arch!r}")
        if self.tied and self.n_outputs is not None:
            raise ValueError(
                f"tied: a transcoder (n_outputs={self.n_outputs}) writes another space than it reads; must be False"
            )
        if self.resampling != "none" and self.arch not in RESAMPLED_ARCHITECTURES:
            raise ValueError(
                f"resampling: only {', '.join(RESAMPLED_ARCHITECTURES)} resample dead latents ({self.arch} feeds "
                f"them to AuxK instead), got {self.resampling!r} with arch={self.arch!r}"
            )
        for name in PER_INSTANCE:
            for value in self._values(name):
                if name != "k":
                    coefficient(name, value)
                elif self.arch == "batchtopk":
                    if real("k", value, 0.0, low_open=True) > self.n_latents:
                        raise ValueError(f"k: must be in (0, n_latents={self.n_latents}], got {value}")
                elif not is_integer(value):
                    raise ValueError(f"k: must be an integer in [1, n_latents={self.n_latents}], got {value!r}")
                elif not 1 <= value <= self.n_latents:
                    raise ValueError(f"k: must be in [1, n_latents={self.n_latents}], got {value}")

    def memory_terms(self, n_true_features: int = 0) -> dict[str, int]:
        """The memory a training run of this config needs, in bytes, by the product of sizes that needs it.

        Args:
          n_true_features: the activations' feature count N, when known: each step draws (batch, N) codes per
            instance, and the instances hold their N directions of ``n_inputs`` (0 leaves both out).

        The terms: the per-step activations of every instance ((batch, latents) pre-activations, activations,
        selections and their gradients; (batch, inputs) inputs and reconstructions), the parameters with Adam's
        moments, gradients and updates, the logged history, and the activations' draws. Only the integer sizes
        are read, so it runs before any array is built; it uses the default loop settings.
        """
        copies, latents, inputs, batch = self.n_instances, self.n_latents, self.n_inputs, self.batch_size
        outputs = self.resolved_outputs
        parameters = latents * inputs + (0 if self.tied else latents * outputs) + 4 * latents + outputs
        chunk = min(self.steps, DEFAULT_CHUNK_STEPS)
        blocks = -(-self.steps // DEFAULT_LOG_EVERY)
        terms = {
            "n_instances × n_latents × batch_size": FLOAT32
            * copies
            * batch
            * (LATENT_BATCH_ARRAYS * latents + INPUT_BATCH_ARRAYS // 2 * (inputs + outputs)),
            "n_instances × n_latents × n_inputs": FLOAT32 * copies * parameters * STATE_ARRAYS,
            "n_instances × steps": FLOAT32 * copies * 3 * 2 * (chunk + blocks) + BLOCK_OVERHEAD * blocks,
        }
        if n_true_features:
            terms["n_instances × batch_size × true features"] = (
                FLOAT32 * copies * n_true_features * (FEATURE_BATCH_ARRAYS * batch + 2 * (inputs + 2))
            )
        return terms

    def check_memory(self, n_true_features: int) -> None:
        """Refuse training on activations of ``n_true_features`` features when the run would not fit the memory
        budget (see :meth:`memory_terms`)."""
        check_memory(self.memory_terms(n_true_features))

    def _values(self, name: str) -> tuple:
        value = getattr(self, name)
        if not isinstance(value, tuple):
            return (value,)
        if len(value) != self.n_instances or any(isinstance(v, tuple) for v in value):
            raise ValueError(
                f"{name}: must be one number or one per instance (n_instances={self.n_instances}), got {value!r}"
            )
        return value

    def per_instance(self, name: str) -> np.ndarray:
        """One of ``l1_coefficient``, ``k``, ``l0_coefficient`` as float32 of shape (instances,)."""
        values = self._values(name)
        return np.broadcast_to(np.asarray(values, dtype=np.float32), (self.n_instances,)).copy()

    @property
    def k_max(self) -> float:
        """The largest k of any instance: fixes the static size of the top-k selection."""
        return max(self._values("k"))

    @property
    def resolved_outputs(self) -> int:
        """The decoder's output dimension: ``n_outputs``, or ``n_inputs`` for an SAE."""
        return self.n_inputs if self.n_outputs is None else self.n_outputs

    @property
    def is_transcoder(self) -> bool:
        return self.n_outputs is not None

    @property
    def resolved_aux_k(self) -> int:
        return self.aux_k if self.aux_k is not None else max(1, min(self.resolved_outputs // 2, self.n_latents))


# --- the settings a user cannot know, derived from the data ---------------------------------------------------

LATENTS_PER_FEATURE = 2  # n_latents: this many per true feature, …
LOW_DIMENSIONS = 3  # … and in at most this many input dimensions
LOW_DIMENSION_LATENTS_PER_FEATURE = 4  # … this many for the L0-style SAEs (see derive_settings)
L0_STYLE = ("batchtopk", "jumprelu")  # sparsity by a count, with any number of latents per input
DEFAULT_STEPS = 3000  # enough for every architecture on the canonical examples (see derive_settings)
DEFAULT_LEARNING_RATE = 3e-3
DEFAULT_SCHEDULE = "cosine"  # the decay settles latents that would otherwise keep trading features
PENALTY_WARMUP_SHARE = 0.2  # penalty_warmup_steps: this share of the steps
RELU_L1_PER_NORM = 1.0  # relu: λ = this × √e (e: the energy of one active feature, see SparsityStatistics)
GATED_L1_PER_NORM = 1.7  # gated: λ = this × √e
# relu transcoders: λ = this × √e (e of the target). On a sparse |x| model (n = 20, m = 10, p = 0.05: the recipe of
# toysup.circuits.SPARSE_ABS before it took m = 16) λ = 0.05, 0.1, 0.2, 0.41 (the SAE rule) explain 0.885, 0.874,
# 0.848, 0.759 of the model's output variance, their live latents carrying their strongest input to the same output
# 95%, 100%, 100%, 100% of the time.
TRANSCODER_RELU_L1_PER_NORM = 0.25
JUMPRELU_L0_PER_ENERGY = 0.3  # jumprelu: λ₀ = this × e, and the initial threshold θ₀ = √λ₀
BATCHTOPK_K_PER_L0 = 0.8  # batchtopk: k = this × L, a budget a little below the true L0 (see derive_settings)
DEAD_FIRINGS = 50  # dead_window: the steps in which the rarest true feature fires this often, …
MIN_DEAD_WINDOW = 10  # … but at least this many


@dataclass(frozen=True)
class DerivedSettings:
    """SAEConfig fields with the reasons of those derived from the data (see :func:`derive_settings`).

    Attributes:
      fields: every field to build the :class:`SAEConfig` from: the given ones and the derived ones.
      reasons: for each derived field, what it was derived from, in plain words.
    """

    fields: dict[str, Any]
    reasons: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """One line per derived setting: ``name = value (reason)``."""
        return [f"{name} = {_shown(self.fields[name])} ({reason})" for name, reason in self.reasons.items()]


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_shown(v) for v in value) + ")"
    return f"{value:.3g}" if isinstance(value, float) else str(value)


INSTANCE_SPREAD = 0.2  # derived values of instances within 20% of their mean share the mean (sampling noise)


def _per_instance(values: Any) -> Any:
    """One value when every instance has the same, else a tuple (one per instance)."""
    values = [v.item() if hasattr(v, "item") else v for v in values]
    return values[0] if all(v == values[0] for v in values) else tuple(values)


def _pooled(values: np.ndarray) -> np.ndarray:
    """Per-instance statistics, replaced by their mean when all lie within ``INSTANCE_SPREAD`` of it."""
    values = np.asarray(values, np.float64)
    mean = values.mean()
    return np.full_like(values, mean) if np.all(np.abs(values - mean) <= INSTANCE_SPREAD * mean) else values


def _described(values: Any, digits: str = ".3g") -> str:
    values = np.atleast_1d(values)
    if np.allclose(values, values[0]):
        return format(float(values[0]), digits)
    return f"{format(float(values.min()), digits)} … {format(float(values.max()), digits)} over the instances"


def derive_settings(arch: str, activations: Any, **given: Any) -> DerivedSettings:
    """The SAEConfig fields of ``arch`` on ``activations``: ``given`` (explicit settings: they always win) and, for
    every setting not given, a value derived from the data, with its reason. The rules (the CLI's ``toysup sae``
    and the app's SAE lab both use them):

    * ``n_instances``: one SAE per instance of the activations; ``n_inputs``: their dimension; for a transcoder's
      data (:func:`toysup.circuits.transcoders.transcoder_data`) ``n_outputs``: the model's output dimension. A
      transcoder's penalties trade against the squared error of its target, so its e below is E‖y‖² / L, the energy
      of the model's output per active feature.
    * ``n_latents``: ``LATENTS_PER_FEATURE`` × the true features N (with exactly N the pentagon loses features),
      ``LOW_DIMENSION_LATENTS_PER_FEATURE`` × N for BatchTopK and JumpReLU in at most ``LOW_DIMENSIONS``
      dimensions: there a few latents span a cone around a feature and reconstruct it exactly, a stationary
      point for SAEs whose sparsity is a count (BatchTopK, JumpReLU, TopK with k >= 2) that only a latent
      already near the feature avoids. (TopK with k = 1 and the L1 SAEs escape it and do better with fewer.)
    * the sparsity, from L, the expected number of active true features per sample (Σ p_i; see
      :func:`toysup.sae.data.sparsity_statistics`), and e = E‖x‖² / L, the energy one active feature adds:
      ``topk``: k = L rounded, at least 1, and for L < 1 no AuxK (``aux_coefficient`` 0: the latents it revives
      compete for the few features; the pentagon's MMCS drops to 0.98); ``batchtopk``: k =
      ``BATCHTOPK_K_PER_L0`` · L (its k is a mean over the batch). A budget of exactly L leaves a stationary point in
      few dimensions: a feature without a latent of its own is reconstructed exactly by two latents on either side of
      it, and the second latent only crowds out the batch's smallest activations, which cost little (pentagon MMCS
      0.96–1.0 per instance over 12 SAEs). With 20% fewer slots than active features every extra latent drops a real
      activation, and 36 of 36 pentagon SAEs reach MMCS ≥ 0.997; 512 directions in 256 dimensions still reach MCC 1.000
      (k = 4 for L = 5);
      ``relu``: λ = ``RELU_L1_PER_NORM`` · √e and ``gated``: λ = ``GATED_L1_PER_NORM`` · √e (an L1 penalty λ f
      trades against a squared error, so λ scales with the size √e of an active feature's code); a ``relu``
      transcoder: λ = ``TRANSCODER_RELU_L1_PER_NORM`` · √e (the SAE's λ costs it a sixth of the output variance);
      ``jumprelu``: λ₀ = ``JUMPRELU_L0_PER_ENERGY`` · e, θ₀ = √λ₀ (a latent pays λ₀ to fire and saves about f²
      of squared error, so the break-even code is √λ₀).
    * ``penalty_warmup_steps`` (relu, gated, jumprelu): ``PENALTY_WARMUP_SHARE`` of the steps.
    * ``dead_window`` (when dead latents are resampled): the steps in which the rarest true feature is expected to
      fire ``DEAD_FIRINGS`` times (at least ``MIN_DEAD_WINDOW``): a latent silent that long is not one of the
      features. TopK and BatchTopK keep the default: a short window feeds AuxK the redundant latents of a small
      dictionary, which then come back to compete (the pentagon's TopK SAEs drop from MMCS 1.0 to 0.96).
    * ``resampling`` (jumprelu): ``inputs``; a JumpReLU latent below its threshold has no gradient to return by.
    * ``steps``, ``learning_rate``, ``schedule``: ``DEFAULT_STEPS``, ``DEFAULT_LEARNING_RATE``,
      ``DEFAULT_SCHEDULE`` (fixed defaults, not derived, so not among the reasons).
    """
    from .data import sparsity_statistics

    choice("arch", arch, ARCHITECTURES)
    fields = {"arch": arch, "n_inputs": activations.n_inputs, **given}
    if activations.n_outputs is not None:  # a transcoder's data: it predicts the model's output
        fields = {"arch": arch, "n_inputs": activations.n_inputs, "n_outputs": activations.n_outputs, **given}
    reasons: dict[str, str] = {}

    def derive(name: str, value: Any, reason: str) -> None:
        if name not in given:
            fields[name] = value
            reasons[name] = reason

    low_dimensional = activations.n_inputs <= LOW_DIMENSIONS and arch in L0_STYLE
    for name, value in (("steps", DEFAULT_STEPS), ("learning_rate", DEFAULT_LEARNING_RATE)):
        fields.setdefault(name, value)
    fields.setdefault("schedule", DEFAULT_SCHEDULE)
    derive("n_instances", activations.n_instances, "one SAE per instance of the activations")
    n_features = activations.n_features
    if low_dimensional:
        ratio, why = LOW_DIMENSION_LATENTS_PER_FEATURE, f" in {activations.n_inputs} ≤ {LOW_DIMENSIONS} dimensions"
    else:
        ratio, why = LATENTS_PER_FEATURE, ""
    derive("n_latents", ratio * n_features, f"{ratio} × the {n_features} true features{why}")
    # Every given value and size is checked, with the memory of the activations' draws, before any sample is drawn.
    provisional = SAEConfig(**{**fields, **({} if "k" in given else {"k": 1})})
    provisional.check_memory(activations.arrays["feature_probability"].shape[-1])
    stats = sparsity_statistics(activations)
    l0, energy = _pooled(stats.expected_l0), _pooled(stats.energy)
    if given.get("n_instances", activations.n_instances) != activations.n_instances and activations.n_instances == 1:
        l0, energy = np.repeat(l0, given["n_instances"]), np.repeat(energy, given["n_instances"])
    l0_text = f"the expected number of active true features per sample, L = {stats.l0_source} = {_described(l0)}"
    target = "x" if activations.n_outputs is None else "y"  # a transcoder's penalties trade against its target's error
    energy_text = (
        f"e = E‖{target}‖² / L = {_described(energy)}, the energy of one active feature, from {stats.n_samples} samples"
    )
    n_latents = fields["n_latents"]
    if arch == "topk":
        k = [int(min(max(1, round(v)), n_latents)) for v in l0]
        derive("k", _per_instance(k), f"{l0_text}, rounded, at least 1")
        if max(l0) < 1:
            derive(
                "aux_coefficient",
                0.0,
                f"L = {_described(max(l0))} < 1: k = 1 latent already fires on every input, and the latents AuxK "
                "revives come back to compete for the same few features",
            )
    elif arch == "batchtopk":
        k = [float(f"{min(BATCHTOPK_K_PER_L0 * v, n_latents):.3g}") for v in l0]
        derive(
            "k",
            _per_instance(k),
            f"{BATCHTOPK_K_PER_L0:g} × {l0_text} (a mean over the batch; a little below L, so that reconstructing "
            "a feature with two latents costs a real activation)",
        )
    else:
        if "k" not in given and n_latents < SAEConfig.k:  # unused, but checked against the latents
            fields["k"] = 1
        steps = fields["steps"]
        share = int(PENALTY_WARMUP_SHARE * 100)
        if isinstance(steps, int):
            derive("penalty_warmup_steps", int(PENALTY_WARMUP_SHARE * steps), f"{share}% of the {steps} steps")
    if arch in ("relu", "gated"):
        factor = RELU_L1_PER_NORM if arch == "relu" else GATED_L1_PER_NORM
        if arch == "relu" and activations.n_outputs is not None:
            factor = TRANSCODER_RELU_L1_PER_NORM
        value = [float(f"{factor * math.sqrt(v):.3g}") for v in energy]
        derive("l1_coefficient", _per_instance(value), f"{factor:g} × √e; {energy_text}")
    elif arch == "jumprelu":
        value = [float(f"{JUMPRELU_L0_PER_ENERGY * v:.3g}") for v in energy]
        derive("l0_coefficient", _per_instance(value), f"{JUMPRELU_L0_PER_ENERGY:g} × e; {energy_text}")
        threshold = math.sqrt(min(np.atleast_1d(fields["l0_coefficient"])))
        if threshold > 0:
            derive(
                "jumprelu_initial_threshold",
                float(f"{threshold:.3g}"),
                "√l0_coefficient, the code at which firing pays its L0 cost (the smallest over the instances)",
            )
        derive(
            "resampling", "inputs", "a JumpReLU latent below its threshold gets no gradient: dead ones are resampled"
        )
    batch = fields.get("batch_size", SAEConfig.batch_size)
    p_min = float(np.min(activations.arrays["feature_probability"]))
    if activations.sampler == "toy":
        index = activations.arrays["truth_index"]
        p_min = float(np.min(np.take_along_axis(activations.arrays["feature_probability"], index, axis=1)))
    resampled = fields.get("resampling", "none") != "none" and arch in RESAMPLED_ARCHITECTURES
    if resampled and isinstance(batch, int) and batch > 0:
        window = max(MIN_DEAD_WINDOW, math.ceil(DEAD_FIRINGS / (p_min * batch)))
        derive(
            "dead_window",
            window,
            f"the steps in which the rarest true feature (p = {p_min:.3g}) fires {DEAD_FIRINGS} times at batch "
            f"{batch}, at least {MIN_DEAD_WINDOW}",
        )
    return DerivedSettings(fields, reasons)


__all__ = [
    "SAEConfig",
    "DerivedSettings",
    "derive_settings",
    "ARCHITECTURES",
    "PER_INSTANCE",
    "RESAMPLED_ARCHITECTURES",
    "RESAMPLING",
]
