r"""Transcoders: sparse replacements of a toy model's nonlinear map, trained to imitate its output from its input.

A transcoder (Dunefsky et al. 2024, "Transcoders Find Interpretable LLM Feature Circuits"; the per-layer
transcoders of Anthropic's 2025 circuit-tracing work) is an SAE with a target: its encoder reads the model's input
a, its sparse latents f decode to ŷ = f W_dec + b_dec, and it is trained on ‖y − ŷ‖² plus the architecture's
sparsity term, y the model's output for the same sample. It is the SAE machine of :mod:`toysup.sae` (same five
architectures, same batched, compiled training loop) with ``SAEConfig.n_outputs`` set; this module adds the data,
the scores and the named model it is shown on.

Two toy models compute something a transcoder can imitate. ``abs`` (h = ReLU(W₁x), y = ReLU(W₂h + b)): the input
is the signed features a = x and each output is a function of one input, |x_i| ideally; ``relu_output``
(y = ReLU(Wᵀh + b)): the input is the hidden vector a = h = Wx and output i reconstructs input feature i through
the interference of the others. Either way the task's input → output graph is the identity: output i depends on
feature i only. A trained model may compute only some features, and its interference may leak others, so
:func:`model_graph` measures the graph of the model itself.

    >>> import toysup
    >>> from toysup import circuits, sae
    >>> run = toysup.train(circuits.SPARSE_ABS)                             # doctest: +SKIP
    >>> data = circuits.transcoder_data(run)                                # doctest: +SKIP
    >>> fields = sae.derive_settings("topk", data.activations).fields       # doctest: +SKIP
    >>> result = circuits.train_transcoder(sae.SAEConfig(**fields), data)  # doctest: +SKIP
    >>> circuits.imitation(result, data)["explained_variance"]             # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..config import ToyConfig
from ..engine import DEFAULT_CHUNK_STEPS, DEFAULT_LOG_EVERY
from ..sae.config import SAEConfig
from ..sae.data import Activations, draw, target_of, transcoder_activations
from ..sae.models import architecture
from ..sae.train import SAEResult, hyper_arrays, train_sae

# The |x| model with n = 20 features that computes in superposition, in about 3 CPU-seconds: m = 10 neurons, every
# feature active with p = 0.05, Adam at 1e-2 with 300 warm-up steps and a cosine decay over 3,000 steps. It computes 13
# features (metrics.computed_features: a neuron reading +x_i with gain >= 0.25; 5 fit monosemantically) at a loss of
# 0.172, 0.72 × the best monosemantic model's 0.241 (theory.abs_monosemantic_baseline_loss); its outputs respond to
# 14 of the 20 features (model_graph: the identity on those 14, no other edge), the other 6 outputs are dead (0).
# Other seeds of the same recipe respond to 14–17 features and compute 11–13; m = 24 neurons respond to 18–20 but
# compute only 11–17 features of the 12 that fit monosemantically (the output ReLUs die early: see
# toysup.figures.computation). TopK, JumpReLU and ReLU transcoders (derived settings) explain 0.871, 0.858, 0.874 of
# its output variance, more than the 0.821 of the sum of its one-feature responses y(0) + Σ_j (y(x_j e_j) − y(0)):
# 54% of the variance lies in the 26% of samples with two or more active features, where its outputs interact. Their
# pruned attribution graphs (toysup.circuits.attribution, default pruning, 2,048 samples) are the model's graph exactly
# (edge F1 1.0 against model_graph; 0.82 against the task's identity, whose 6 dead outputs no imitation can reach).
SPARSE_ABS = ToyConfig(
    n_features=20,
    n_hidden=10,
    model="abs",
    feature_probability=0.05,
    steps=3000,
    batch_size=512,
    learning_rate=1e-2,
    schedule="cosine",
    warmup_steps=300,
    seed=0,
)
EVALUATION_SAMPLES = 8192  # samples per instance behind the imitation scores
EVALUATION_SEED = 1  # never a training stream: training keys come from toysup.engine.derive_keys
# model_graph: output i responds to feature j when a lone x_j = ±1 moves it by at least this. In SPARSE_ABS a computed
# feature moves its own output by 0.99–1.08 (|x| = 1), interference moves another output by at most 0.13.
MODEL_EDGE = 0.25
LIVE_CODE = 1e-6  # a latent is live when its mean code over the evaluation samples exceeds this


@dataclass(frozen=True, eq=False)
class TranscoderData:
    """What a transcoder is trained on and what its circuits are scored against.

    Attributes:
      model: the toy model's kind, ``abs`` or ``relu_output``.
      activations: the sampler of (input a, output y) pairs, one instance per toy instance (``sampler``
        ``transcoder``; see :mod:`toysup.sae.data`).
      embedding: E (instances, inputs, features), which maps input features into the transcoder's input space:
        a = E x (the identity for ``abs``, W for ``relu_output``). Attribution from features to latents goes
        through it: W_enc E (latents, features).
      graph: the task's true input → output graph (instances, features, outputs), boolean: output i depends on
        feature i only (the identity, for both models).
      model_graph: the trained model's own graph (instances, features, outputs), measured by :func:`model_graph`:
        the task's, less the features the model does not compute, plus the interference it passes on. A
        transcoder imitates the model, so this is what its attribution graph can recover.
    """

    model: str
    activations: Activations
    embedding: np.ndarray
    graph: np.ndarray
    model_graph: np.ndarray

    @property
    def n_instances(self) -> int:
        return self.activations.n_instances

    @property
    def n_features(self) -> int:
        return self.embedding.shape[2]

    @property
    def n_inputs(self) -> int:
        return self.activations.n_inputs

    @property
    def n_outputs(self) -> int:
        return self.activations.n_outputs


def transcoder_data(result: Any) -> TranscoderData:
    """The input → output map of a trained ``abs`` or ``relu_output`` toy model (a ``toysup.TrainResult``, one
    transcoder instance per toy instance): its sampler, embedding E and true graph.

    Raises:
      ValueError: another model kind (``run: model must be …``).
    """
    activations = transcoder_activations(result)
    model = result.config.model
    n_instances = activations.n_instances
    if model == "abs":
        n_features = activations.n_inputs
        embedding = np.broadcast_to(np.eye(n_features, dtype=np.float32), (n_instances, n_features, n_features))
    else:
        embedding = activations.arrays["W"]
        n_features = embedding.shape[2]
    graph = np.broadcast_to(np.eye(n_features, dtype=bool), (n_instances, n_features, n_features))
    embedding = np.array(embedding, np.float32)
    measured = np.stack([_model_graph(model, activations, embedding, i, MODEL_EDGE) for i in range(n_instances)])
    return TranscoderData(model, activations, embedding, np.array(graph), measured)


def _check_config(config: SAEConfig, data: TranscoderData) -> None:
    if config.n_outputs is None:
        raise ValueError(f"n_outputs: must be the model's output dimension {data.n_outputs} for a transcoder, got None")


def train_transcoder(
    config: SAEConfig,
    data: TranscoderData,
    *,
    chunk_steps: int = DEFAULT_CHUNK_STEPS,
    log_every: int = DEFAULT_LOG_EVERY,
    progress: bool = False,
    on_chunk: Callable[[int, int], None] | None = None,
    instance_ids: Any = None,
) -> SAEResult:
    """Train ``config.n_instances`` transcoders together on ``data`` with the SAE training loop
    (:func:`toysup.sae.train.train_sae`; its arguments). ``config.n_outputs`` must be the model's output dimension;
    :func:`toysup.sae.derive_settings` on ``data.activations`` derives every other setting from the data."""
    _check_config(config, data)
    return train_sae(
        config,
        data.activations,
        chunk_steps=chunk_steps,
        log_every=log_every,
        progress=progress,
        on_chunk=on_chunk,
        instance_ids=instance_ids,
    )


def instance_params(result: SAEResult, instance: int = 0) -> dict[str, np.ndarray]:
    """The params of one instance of ``result`` (``W_enc`` (latents, inputs), ``W_dec`` (latents, outputs), …)."""
    if not 0 <= instance < result.config.n_instances:
        raise ValueError(f"instance: must be in [0, {result.config.n_instances - 1}], got {instance}")
    return {name: value[instance] for name, value in result.params.items()}


def transcoder_outputs(result: SAEResult, a: Any, instance: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(codes f (batch, latents), ŷ (batch, outputs)) of transcoder ``instance`` for inputs ``a`` (batch, inputs),
    in inference mode (the architecture's ``encode`` and ``decode``)."""
    a = np.asarray(a, np.float32)
    if a.ndim != 2 or a.shape[1] != result.config.n_inputs:
        raise ValueError(f"a: must have shape (batch, {result.config.n_inputs}), got {a.shape}")
    arch = architecture(result.config)
    params = {name: jnp.asarray(value) for name, value in instance_params(result, instance).items()}
    hyper = {name: jnp.asarray(value[instance]) for name, value in hyper_arrays(result.config).items()}
    codes = arch.encode(params, jnp.asarray(a), hyper)
    return np.asarray(codes), np.asarray(arch.decode(params, codes))


def transcoder_samples(
    data: TranscoderData, n_samples: int = EVALUATION_SAMPLES, *, instance: int = 0, seed: int = EVALUATION_SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n_samples`` seeded draws of instance ``instance``'s data: (features x (samples, features), inputs a
    (samples, inputs), outputs y (samples, outputs)). The features are the true ones (signed for ``abs``), so
    a = x Eᵀ."""
    if not 0 <= instance < data.n_instances:
        raise ValueError(f"instance: must be in [0, {data.n_instances - 1}], got {instance}")
    activations = data.activations
    arrays = {name: jnp.asarray(value[instance]) for name, value in activations.arrays.items()}
    a, codes = draw(activations.sampler, activations.options, arrays, jax.random.key(seed), int(n_samples))
    y = target_of(activations.sampler, activations.options, arrays, a)
    norms = np.linalg.norm(data.embedding[instance], axis=0)  # codes are c_i = ‖E_i‖ x_i (see toysup.sae.data)
    x = np.asarray(codes) / np.maximum(norms, 1e-12)
    return x.astype(np.float32), np.asarray(a), np.asarray(y)


def imitation(
    result: SAEResult, data: TranscoderData, n_samples: int = EVALUATION_SAMPLES, seed: int = EVALUATION_SEED
) -> dict[str, np.ndarray]:
    """How well each transcoder imitates its model, per instance, on ``n_samples`` fresh seeded samples:

    * ``explained_variance``: 1 − E‖y − ŷ‖² / E‖y − ȳ‖², the share of the model's output variance explained (the
      trivial baseline, the constant mean output ȳ, scores 0);
    * ``mse``: E‖y − ŷ‖²; ``baseline_mse``: E‖y − ȳ‖², the error of that constant predictor;
    * ``l0``: mean active latents per sample; ``live``: latents that fire on some sample.
    """
    _check_config(result.config, data)
    out: dict[str, list] = {"explained_variance": [], "mse": [], "baseline_mse": [], "l0": [], "live": []}
    for instance in range(result.config.n_instances):
        source = instance if data.n_instances > 1 else 0
        _, a, y = transcoder_samples(data, n_samples, instance=source, seed=seed)
        codes, y_hat = transcoder_outputs(result, a, instance)
        mse = float(np.mean(np.sum((y - y_hat) ** 2, axis=1)))
        baseline = float(np.mean(np.sum((y - y.mean(axis=0)) ** 2, axis=1)))
        out["explained_variance"].append(1.0 - mse / max(baseline, 1e-30))
        out["mse"].append(mse)
        out["baseline_mse"].append(baseline)
        out["l0"].append(float(np.mean(np.sum(codes != 0, axis=1))))
        out["live"].append(int(np.sum(np.any(codes != 0, axis=0))))
    return {name: np.asarray(values) for name, values in out.items()}


def monosemanticity(
    result: SAEResult, data: TranscoderData, n_samples: int = EVALUATION_SAMPLES, seed: int = EVALUATION_SEED
) -> dict[str, np.ndarray]:
    """How close each transcoder's live latents are to one feature in, one output out, per instance:

    * ``read_share``: per live latent, the largest squared weight of its feature reads W_enc E over their sum
      (1: it reads one feature), averaged over the live latents;
    * ``write_share``: the same for its decoder row W_dec over the outputs;
    * ``same``: the share of live latents whose strongest read feature is their strongest written output (for
      the identity graph of ``abs`` and ``relu_output``, a latent that carries feature i to output i).
    A latent is live when it fires on some of ``n_samples`` fresh samples.
    """
    _check_config(result.config, data)
    out: dict[str, list] = {"read_share": [], "write_share": [], "same": []}
    for instance in range(result.config.n_instances):
        source = instance if data.n_instances > 1 else 0
        _, a, _ = transcoder_samples(data, n_samples, instance=source, seed=seed)
        codes, _ = transcoder_outputs(result, a, instance)
        live = np.any(codes != 0, axis=0)
        params = instance_params(result, instance)
        reads = (params["W_enc"] @ data.embedding[source])[live] ** 2  # (live, features)
        writes = params["W_dec"][live] ** 2  # (live, outputs)
        read_share = reads.max(axis=1) / np.maximum(reads.sum(axis=1), 1e-30)
        write_share = writes.max(axis=1) / np.maximum(writes.sum(axis=1), 1e-30)
        out["read_share"].append(float(read_share.mean()) if live.any() else 0.0)
        out["write_share"].append(float(write_share.mean()) if live.any() else 0.0)
        same = reads.argmax(axis=1) == writes.argmax(axis=1)
        out["same"].append(float(same.mean()) if live.any() else 0.0)
    return {name: np.asarray(values) for name, values in out.items()}


def model_graph(data: TranscoderData, instance: int = 0, threshold: float = MODEL_EDGE) -> np.ndarray:
    """The trained model's own input → output graph (features, outputs), boolean: feature j → output i when
    setting x_j alone to +1 or −1 (every other feature 0; for ``relu_output`` only +1, its features are
    non-negative) moves y_i by at least ``threshold`` from its value at x = 0. Compare with ``data.graph``, the
    task's: a feature the model does not compute has no edge, interference it passes on adds edges."""
    if not 0 <= instance < data.n_instances:
        raise ValueError(f"instance: must be in [0, {data.n_instances - 1}], got {instance}")
    return _model_graph(data.model, data.activations, data.embedding, instance, threshold)


def _model_graph(
    model: str, activations: Activations, embedding: np.ndarray, instance: int, threshold: float
) -> np.ndarray:
    arrays = {name: jnp.asarray(value[instance]) for name, value in activations.arrays.items()}
    embedding = embedding[instance]  # (inputs, features)
    n_inputs, n_features = embedding.shape
    signs = (1.0, -1.0) if model == "abs" else (1.0,)
    lone = np.concatenate([sign * np.eye(n_features, dtype=np.float32) for sign in signs])
    a = np.concatenate([np.zeros((1, n_inputs), np.float32), lone @ embedding.T])
    y = np.asarray(target_of(activations.sampler, activations.options, arrays, jnp.asarray(a)))
    moved = np.abs(y[1:] - y[0]).reshape(len(signs), n_features, -1).max(axis=0)
    return moved >= threshold


__all__ = [
    "SPARSE_ABS",
    "TranscoderData",
    "imitation",
    "instance_params",
    "model_graph",
    "monosemanticity",
    "train_transcoder",
    "transcoder_data",
    "transcoder_outputs",
    "transcoder_samples",
]
