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

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..config import ToyConfig
from ..engine import DEFAULT_CHUNK_STEPS, DEFAULT_LOG_EVERY
from ..sae.config import SAEConfig
from ..sae.data import Activations, draw, target_of, transcoder_activations
from ..sae.models import architecture
from ..sae.train import SAEResult, hyper_arrays, train_sae
from ..validation import integer, real
from . import attribution

# The |x| model with n = 20 features that computes in superposition, in about 3 CPU-seconds per instance: m = 16
# neurons, every feature active with p = 0.05, Adam at 3e-3 on batches of 4,096 with 300 warm-up steps and a cosine
# decay over 6,000 steps. Over 8 instances (seed 0) it computes 12–16 features (metrics.computed_features: a neuron
# reading +x_i with gain >= 0.25; 8 fit monosemantically) at a loss of 0.113–0.151, 0.59–0.79 × the best monosemantic
# model's 0.193 (theory.abs_monosemantic_baseline_loss); its outputs respond to 19–20 of the 20 features
# (model_graph: the identity on those, no other edge; an output whose ReLU died early answers 0). The smaller m = 10
# on batches of 512 at 1e-2 left 3–6 outputs dead (recall against the task 0.70–0.85), m = 15 up to 3.
# ReLU transcoders (derived settings, 3,000 steps) explain 0.91–0.96 of its output variance; their pruned
# attribution graphs (trace_transcoder: θ = CIRCUIT_THRESHOLD = 0.2, 2,048 samples) score edge F1 0.974–1.000 against
# the task's identity (precision 1.00, recall 0.95–1.00: the outputs that respond) and 1.000 against model_graph over
# the 8 instances, and explain 0.80–0.91 of the output variance; seed 2 (4 instances) scores F1 0.974–1.000 as well.
# At attribution's generic θ = 0.1 the same graphs score F1 0.909–1.000 (seed 0) and 0.870–1.000 (seed 2). The same
# transcoders with random weights (random_transcoder) score F1 0.10 and explain none (below 0). A quarter of the
# budget (2,000 steps, batches of 1,024, seed 1: tests/circuits/test_circuit_claims.py) computes 9–13 features and
# scores F1 0.92–1.00 at θ = 0.1 (4 instances).
SPARSE_ABS = ToyConfig(
    n_features=20,
    n_hidden=16,
    model="abs",
    feature_probability=0.05,
    steps=6000,
    batch_size=4096,
    learning_rate=3e-3,
    schedule="cosine",
    warmup_steps=300,
    seed=0,
)
EVALUATION_SAMPLES = 8192  # samples per instance behind the imitation scores
EVALUATION_SEED = 1  # never a training stream: training keys come from toysup.engine.derive_keys
# model_graph: output i responds to feature j when a lone x_j = ±1 moves it by at least this. In SPARSE_ABS (4
# instances) a feature moves its own output by 0.98–1.11 (|x| = 1) or, its output dead, by 0; interference moves
# another output by at most 0.22.
MODEL_EDGE = 0.25
LIVE_CODE = 1e-6  # a latent is live when its mean code over the evaluation samples exceeds this
TRACE_SAMPLES = 2048  # samples per instance behind a traced, batch-averaged attribution graph (trace_transcoder)
# θ of trace_transcoder's pruning (attribution.prune). On SPARSE_ABS's ReLU transcoders the edges the task does not have
# that attribution's generic θ = 0.1 keeps sit at 10–19% of the strongest edge into their output (latents that also
# read a second feature, or the model's interactions between two active features), and every true edge is the
# strongest; at θ = 0.1 they cost precision 0.77–1.00 (edge F1 0.870–1.000 over 12 instances, seeds 0 and 2), at 0.2
# none is kept (precision 1.00, F1 0.974–1.000, the pruned graph's explained variance within 0.02 of θ = 0.1's); at
# 0.3 true edges start to go (recall 0.90–1.00).
CIRCUIT_THRESHOLD = 0.2


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


class Circuit(NamedTuple):
    """One transcoder's attribution graph, traced over samples of its model's data and scored twice.

    Attributes:
      instance: the transcoder (and toy) instance.
      effects: every sample's direct effects (:func:`toysup.circuits.attribution.effects`).
      graph: their batch-averaged graph, pruned at its ``threshold``.
      task: its score against the task's true graph (``data.graph``, the identity) and the model's outputs.
      model: its score against the model's own graph (``data.model_graph``): what an imitation can recover.
      x: the features traced (samples, features); y: the model's outputs for them (samples, outputs).
    """

    instance: int
    effects: attribution.Effects
    graph: attribution.AttributionGraph
    task: attribution.GraphScore | None
    model: attribution.GraphScore | None
    x: np.ndarray
    y: np.ndarray


def model_output(data: TranscoderData, x: Any, instance: int = 0) -> np.ndarray:
    """The toy model's output y (batch, outputs) for features x (batch, features): its input a = x Eᵀ."""
    integer("instance", instance, 0, data.n_instances - 1)
    x = np.asarray(x, np.float32)
    if x.ndim != 2 or x.shape[1] != data.n_features:
        raise ValueError(f"x: must have shape (batch, {data.n_features}), got {x.shape}")
    activations = data.activations
    arrays = {name: jnp.asarray(value[instance]) for name, value in activations.arrays.items()}
    a = x @ data.embedding[instance].T
    return np.asarray(target_of(activations.sampler, activations.options, arrays, jnp.asarray(a)))


def trace_transcoder(
    result: SAEResult,
    data: TranscoderData,
    instance: int = 0,
    *,
    threshold: float = CIRCUIT_THRESHOLD,
    x: Any = None,
    n_samples: int = TRACE_SAMPLES,
    seed: int = EVALUATION_SEED,
) -> Circuit:
    """Trace transcoder ``instance``'s attribution graph (:mod:`toysup.circuits.attribution`) over ``n_samples``
    seeded samples of its model's data, or over the given features ``x`` (batch, features; one row: the graph of
    one input), pruned at ``threshold`` and scored against the task's graph and the model's own. Scores need the
    model's output to vary over the batch, so a batch of one (or any constant batch) gets ``None`` for both."""
    integer("instance", instance, 0, result.config.n_instances - 1)
    threshold = real("threshold", threshold, 0.0, 1.0)
    source = instance if data.n_instances > 1 else 0
    if x is None:
        integer("n_samples", n_samples, 2, 2**20)
        x, a, y = transcoder_samples(data, n_samples, instance=source, seed=seed)
    else:
        x = np.asarray(x, np.float32)
        y = model_output(data, x, source)
        a = x @ data.embedding[source].T
    codes, _ = transcoder_outputs(result, a, instance)
    params = instance_params(result, instance)
    effects, traced = attribution.trace(
        x, data.embedding[source], codes, params["W_enc"], params["W_dec"], params["b_dec"], threshold
    )
    if np.ptp(y, axis=0).max() > 0:
        task = attribution.score(effects, traced, data.graph[source], y)
        model = (
            attribution.score(effects, traced, data.model_graph[source], y) if data.model_graph[source].any() else None
        )
    else:
        task = model = None
    return Circuit(instance, effects, traced, task, model, x, y)


def random_transcoder(result: SAEResult, seed: int = 0) -> SAEResult:
    """The trivial baseline of a trained transcoder: ``result`` with every latent's encoder and decoder row
    replaced by a random Gaussian direction of the same norm (biases and thresholds kept). What a failed
    optimisation scores: its latents read and write random mixtures of the features."""
    rng = np.random.default_rng(seed)
    params = dict(result.params)
    for name in ("W_enc", "W_dec"):
        value = np.asarray(params[name], np.float32)
        draw = rng.standard_normal(value.shape).astype(np.float32)
        norms = np.linalg.norm(value, axis=-1, keepdims=True) / np.maximum(
            np.linalg.norm(draw, axis=-1, keepdims=True), 1e-12
        )
        params[name] = draw * norms
    return dataclasses.replace(result, params=params)


def graph_from_json(record: dict[str, Any]) -> attribution.AttributionGraph:
    """An :class:`~toysup.circuits.attribution.AttributionGraph` rebuilt from its
    :meth:`~toysup.circuits.attribution.AttributionGraph.to_json_dict`: the kept edges with their mean and weight,
    every pruned edge 0 (enough to draw it and to score its kept edges)."""
    n, latents, outputs = int(record["n_inputs"]), int(record["n_latents"]), int(record["n_outputs"])

    def layer(rows: list, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mean, weight, kept = np.zeros(shape, np.float32), np.zeros(shape, np.float32), np.zeros(shape, bool)
        for source, target, value, size in rows:
            mean[int(source), int(target)], weight[int(source), int(target)] = value, size
            kept[int(source), int(target)] = True
        return mean, weight, kept

    live = np.zeros(latents, bool)
    live[[int(j) for j in record["live_latents"]]] = True
    return attribution.AttributionGraph(
        float(record["threshold"]),
        int(record["n_samples"]),
        live,
        *layer(record["input_latent"], (n, latents)),
        *layer(record["latent_output"], (latents, outputs)),
        *layer(record["input_output"], (n, outputs)),
    )


__all__ = [
    "CIRCUIT_THRESHOLD",
    "SPARSE_ABS",
    "TRACE_SAMPLES",
    "Circuit",
    "TranscoderData",
    "imitation",
    "instance_params",
    "graph_from_json",
    "model_graph",
    "model_output",
    "monosemanticity",
    "random_transcoder",
    "trace_transcoder",
    "train_transcoder",
    "transcoder_data",
    "transcoder_outputs",
    "transcoder_samples",
]
