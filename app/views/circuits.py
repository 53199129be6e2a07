"""Circuits: pick an input of a toy model that computes something (|x| or the ReLU-output model), see its attribution
graph through a transcoder (inputs → latents → outputs), score the graph against the task's true graph and the
model's own, and steer a feature to watch every output move beside the steering matrix's prediction.

The library does the work (``toysup.circuits``: ``transcoders``, ``attribution``, ``steering``); this page builds the
configs, calls it and draws the results. At its default size the toy model and the transcoder retrain by themselves
as a control moves.
"""

from __future__ import annotations

import dataclasses
import re

import charts
import jax
import numpy as np
import pandas as pd
import shared
import streamlit as st

import toysup
from toysup import sae
from toysup.circuits import attribution, steering, transcoders
from toysup.sae.config import DEFAULT_STEPS, derive_settings

KEY = "circuits"
# The page's default model and training recipe: the |x| model of 20 features in 10 neurons, trained quickly enough to
# follow the controls (batch 512, Adam at 1e-2, cosine decay after 300 warm-up steps, 3,000 steps). Measured: it
# leaves a few outputs dead, and a TopK transcoder with derived settings (3,000 steps) explains 0.83 of its output
# variance with a pruned graph that is the model's own exactly (edge F1 1.0; 0.82 against the task's identity).
# ``transcoders.SPARSE_ABS`` is the library's larger recipe of the same model (too long to retrain as a control moves).
RECIPE = transcoders.SPARSE_ABS.replace(n_hidden=10, steps=3000, batch_size=512, learning_rate=1e-2)
KINDS = ("abs", "relu_output")
ARCHITECTURES = ("topk", "jumprelu", "relu")
ARCH_NAMES = {"topk": "TopK", "jumprelu": "JumpReLU", "relu": "ReLU (L1)"}
RANDOM, CHOSEN = "a random sample", "features I choose"
THRESHOLDS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
GRAPH_SAMPLES = 2048  # samples behind the averaged graph and its scores
MAX_HIDDEN = 40
SHOWN_OUTPUT = 0.05  # the input's table lists the outputs that the model or the transcoder moves at least this far
ALPHA_LIMIT = 3.0
CURVE_ALPHAS = np.round(np.linspace(-ALPHA_LIMIT, ALPHA_LIMIT, 61), 3)

DEFAULTS = {
    "kind": RECIPE.model,
    "features": RECIPE.n_features,
    "hidden": RECIPE.n_hidden,
    "probability": float(RECIPE.feature_probability),
    "toy_steps": RECIPE.steps,
    "seed": RECIPE.seed,
    "arch": "topk",
    "steps": DEFAULT_STEPS,
    "input": RANDOM,
    "sample": 0,
    "x": "0=1, 1=-0.5",
    "threshold": attribution.DEFAULT_THRESHOLD,
    "steer": 0,
    "alpha": 1.0,
}
ALLOWED = {
    "kind": KINDS,
    "features": shared.Between(2, 20),
    "hidden": shared.Between(1, MAX_HIDDEN),
    "probability": shared.PROBABILITIES,
    "toy_steps": shared.STEPS,
    "seed": shared.Between(0, 10_000),
    "arch": ARCHITECTURES,
    "steps": shared.STEPS,
    "input": (RANDOM, CHOSEN),
    "sample": shared.Between(0, 10_000),
    "threshold": THRESHOLDS,
    "steer": shared.Between(0, 19),
    "alpha": shared.Between(-ALPHA_LIMIT, ALPHA_LIMIT),
}
MONOSEMANTIC = {
    **DEFAULTS,
    "features": 6,
    "hidden": 12,
    "probability": 0.1,
    "arch": "jumprelu",
    "input": CHOSEN,
    "x": "1=0.8, 4=-0.6",
    "steer": 1,
}
PENTAGON = {
    **DEFAULTS,
    "kind": "relu_output",
    "features": 5,
    "hidden": 2,
    "probability": 0.05,
    "toy_steps": 2000,
    "input": CHOSEN,
    "x": "0=1",
    "steer": 0,
    "alpha": 1.0,
}
PRESETS = {
    "|x| in superposition": (
        {**DEFAULTS},
        "Twenty features, ten neurons: the model computes |x_i| for most features and leaves some outputs dead. "
        "Compare the scores against the task (the dead outputs count as missed edges) with those against the "
        "model's own graph, which the transcoder recovers almost exactly.",
    ),
    "a monosemantic |x| model": (
        MONOSEMANTIC,
        "Two neurons per feature (m = 2n): the model computes every |x_i| on its own, so the graph of the input "
        "x1 = 0.8, x4 = −0.6 is two clean paths, x1 → latent → y1 and x4 → latent → y4, and the edge F1 is 1.",
    ),
    "steering the pentagon": (
        PENTAGON,
        "Five features on a pentagon in two dimensions (ReLU-output model): steer feature 0 with α and watch y0 "
        "rise while its neighbours at ±72° get the spill-over WᵀW predicts; at α < 0 the ReLU stops the fall at 0.",
    ),
    "prune nothing": (
        {**DEFAULTS, "threshold": 0.0},
        "θ = 0 keeps every edge with any weight: the graph is the whole replacement (edge precision drops, the "
        "explained variance rises to the transcoder's own); raise θ again to see which edges carry the output.",
    ),
}
HELP = {
    "kind": "abs: h = ReLU(W₁x), y = ReLU(W₂h + b), the model computes |x_i| from signed features in [−1, 1]; "
    "relu_output: y = ReLU(WᵀWx + b), the model reconstructs each x_i ≥ 0 through the interference of the others. "
    "Either way the task's graph is x_i → y_i.",
    "features": "n: sparse input features (and outputs) of the model. Typical: 5–20.",
    "hidden": "m: hidden neurons (abs) or dimensions (relu_output). m ≥ 2n lets |x| be computed monosemantically; "
    "below that features share neurons (superposition). Typical: 2–40.",
    "probability": shared.HELP["probability"],
    "toy_steps": f"Adam steps of the toy model (learning rate {RECIPE.learning_rate:g}, batch {RECIPE.batch_size}, "
    "cosine schedule with warm-up). Typical 2,000–5,000.",
    "seed": "Seed of the toy model and of the transcoder (weights and data); the same seed gives the same run.",
    "arch": "The transcoder's sparsity: TopK fires exactly k latents per input; JumpReLU learns a threshold per "
    "latent with an L0 penalty; ReLU uses an L1 penalty. Its other settings are derived from the data (below).",
    "steps": f"Adam steps of the transcoder (batch 1,024, cosine schedule). {DEFAULT_STEPS:,} is enough at the "
    f"default size; more than {DEFAULT_STEPS:,} wait for the Train button.",
    "input": "Which input the graph and the steering use: a random sample of the model's data (one with at least "
    "one feature on), or features you set yourself.",
    "sample": "Seed of the random sample: each seed draws another input from the model's data. 0–10,000.",
    "x": "The input's non-zero features as i=value, separated by commas, e.g. 0=1, 3=-0.5. Values in [−1, 1] for "
    "abs (signed features), [0, 1] for relu_output; features not named are 0.",
    "threshold": "θ, the pruning threshold: a node is dropped when its incoming weight is under θ × the largest "
    "node's, an edge when it is under θ × the strongest edge into its node. Unitless, 0–0.5; 0.1 by default.",
    "steer": "i: the feature whose direction d_i (the hidden activation of a lone x_i = 1) is added to the hidden "
    "activation.",
    "alpha": "α: how far to steer, in units of the feature's own value (at x = 0, steering by α is feeding "
    f"x_i = α). −{ALPHA_LIMIT:g} to {ALPHA_LIMIT:g}.",
}
TASK_COLUMN, OWN_COLUMN = "vs the task", "vs the model's graph"
SCORE_HELP = {
    "precision": "Of the input → output edges the pruned graph keeps, the share that are true edges.",
    "recall": "Of the true edges, the share the pruned graph keeps.",
    "F1": "The harmonic mean of precision and recall: 1 when the kept edges are exactly the true ones.",
    "variance explained by the graph": "Share of the model's output variance the pruned graph explains: outputs "
    "recomputed through its kept input → output edges plus the bias path (1 = exactly, 0 = no better than the mean).",
    "… by the whole transcoder": "The same with every edge: the transcoder's own output, the ceiling of any graph.",
    "… by the bias path alone": "The same with no edge: what the transcoder's biases give when only the set of active "
    "latents is known; the floor the edges must beat.",
    "edge weight kept": "The share of the input → output map's total weight (mean |effect|) that the kept edges carry.",
}


@dataclasses.dataclass(frozen=True)
class TranscoderSettings:
    arch: str
    steps: int
    seed: int


def toy_config(kind: str, n_features: int, n_hidden: int, probability: float, steps: int, seed: int):
    """The page's toy model: the recipe of ``SPARSE_ABS`` with the chosen kind, sizes, p, steps and seed."""
    steps = shared.capped_steps(steps)
    return shared.build(
        RECIPE.replace,
        model=kind,
        n_features=int(n_features),
        n_hidden=int(n_hidden),
        feature_probability=float(probability),
        steps=steps,
        warmup_steps=min(RECIPE.warmup_steps, steps // 10),
        seed=int(seed),
    )


def toy_params(result: toysup.TrainResult) -> dict[str, np.ndarray]:
    return {name: np.asarray(value[0], np.float32) for name, value in result.params.items()}


@st.cache_data(show_spinner=False, max_entries=16)
def circuit_run(settings: TranscoderSettings, toy: toysup.ToyConfig) -> dict:
    """Train the toy (cached) and its transcoder, trace the graph averaged over data and score it."""
    toy_result = shared.trained(toy)
    data = transcoders.transcoder_data(toy_result)
    derived = derive_settings(settings.arch, data.activations, steps=settings.steps, seed=settings.seed)
    config = sae.SAEConfig(**derived.fields)
    with shared.progress("Training the transcoder") as on_chunk:
        result = transcoders.train_transcoder(
            config, data, chunk_steps=shared.chunk_steps(config.steps), log_every=1, on_chunk=on_chunk
        )
    x, a, y = transcoders.transcoder_samples(data, GRAPH_SAMPLES)
    f, _ = transcoders.transcoder_outputs(result, a)
    imitated = transcoders.imitation(result, data)
    mono = transcoders.monosemanticity(result, data)
    return {
        "toy": toy_result,
        "params": toy_params(toy_result),
        "result": result,
        "E": data.embedding[0],
        "task_graph": data.graph[0],
        "model_graph": data.model_graph[0],
        "samples": (x, f, y),
        "derived": derived.lines(),
        "n_latents": config.n_latents,
        "imitation": {name: float(value[0]) for name, value in imitated.items()},
        "monosemanticity": {name: float(value[0]) for name, value in mono.items()},
    }


def averaged(run: dict, threshold: float) -> dict:
    """The graph averaged over the samples, pruned at θ, scored against the task's graph and the model's own."""
    x, f, y = run["samples"]
    params = transcoders.instance_params(run["result"])
    traced, graph = attribution.trace(x, run["E"], f, params["W_enc"], params["W_dec"], params["b_dec"], threshold)
    task = attribution.score(traced, graph, run["task_graph"], y)
    own = attribution.score(traced, graph, run["model_graph"], y) if run["model_graph"].any() else None
    means = {"f": f.mean(axis=0), "y": y.mean(axis=0), "y_hat": traced.outputs().mean(axis=0)}
    return {"graph": graph, "task": task, "own": own, "means": means}


def model_output(kind: str, params: dict, x: np.ndarray) -> np.ndarray:
    return steering.readout(kind, params, steering.hidden(kind, params, x))


def random_input(config: toysup.ToyConfig, seed: int) -> np.ndarray:
    """One input from the model's data with at least one feature on (the first such of a seeded batch)."""
    batch = steering.model_inputs(config, jax.random.key(seed), 256)
    active = np.flatnonzero((batch != 0).any(axis=1))
    return batch[active[0] if active.size else 0]


def parse_input(text: str, n_features: int, signed: bool) -> tuple[np.ndarray, list[str]]:
    """The input x named by ``text`` ("i=value, …") and the entries that were not valid (ignored)."""
    x = np.zeros(n_features, np.float32)
    low = -1.0 if signed else 0.0
    problems = []
    for entry in (part.strip() for part in re.split(r"[,;]", text)):
        if not entry:
            continue
        match = re.fullmatch(r"x?(\d+)\s*=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)", entry)
        if match is None:
            problems.append(f"'{entry}' (not i=value)")
            continue
        index, value = int(match.group(1)), float(match.group(2))
        if index >= n_features:
            problems.append(f"'{entry}' (there are features 0–{n_features - 1})")
        elif not low <= value <= 1.0:
            problems.append(f"'{entry}' (values lie in [{low:g}, 1])")
        else:
            x[index] = value
    return x, problems


def single_graph(run: dict, x: np.ndarray, threshold: float) -> dict:
    """The attribution graph of one input: the transcoder's codes, its output and the model's, and the traced graph."""
    params = transcoders.instance_params(run["result"])
    a = x[None] @ run["E"].T
    f, y_hat = transcoders.transcoder_outputs(run["result"], a)
    traced, graph = attribution.trace(
        x[None], run["E"], f, params["W_enc"], params["W_dec"], params["b_dec"], threshold
    )
    return {
        "f": f[0],
        "y_hat": y_hat[0],
        "y": model_output(run["toy"].config.model, run["params"], x[None])[0],
        "graph": graph,
    }


def node(layer: int, row: float, name: str, value: float, value_name: str, about: str, on: bool) -> dict:
    """One node of :func:`charts.layered_graph`."""
    return dict(layer=layer, row=row, name=name, value=value, value_name=value_name, about=about, on=on)


def graph_tables(graph: attribution.AttributionGraph, run: dict, x: np.ndarray | None, shown: dict) -> tuple:
    """Nodes and edges of ``graph`` for :func:`charts.layered_graph`. ``x`` is the picked input (None for the
    averaged graph); ``shown`` has ``f`` (codes), ``y`` (model) and ``y_hat`` (transcoder) for the node tooltips."""
    n = graph.n_inputs
    latents = np.flatnonzero(graph.shown_latents())
    if latents.size:
        strongest = graph.input_latent_weight[:, latents].argmax(axis=0)
        latents = latents[np.lexsort((latents, strongest))]
    rows = max(n, len(latents), graph.n_outputs)
    spread = lambda count: (
        (np.arange(count) * (rows - 1) / max(count - 1, 1)) if count > 1 else np.array([(rows - 1) / 2])
    )
    input_rows, latent_rows, output_rows = spread(n), spread(len(latents)), spread(graph.n_outputs)
    params = transcoders.instance_params(run["result"])
    reads = params["W_enc"] @ run["E"]
    probability = run["toy"].config.feature_probability_array()[0]
    nodes = []
    for i in range(n):
        if x is None:
            value, what, on = float(graph.input_output_weight[i].sum()), "mean |effect| on the outputs", True
            about = f"feature {i}: on in a share p = {probability[i]:.3g} of the inputs"
        else:
            value, what, on = float(x[i]), "x_i, the feature's value", bool(x[i] != 0)
            about = f"feature {i} is {'on' if on else 'off'}"
        nodes.append(node(0, input_rows[i], f"x{i}", value, what, about, on))
    for row, j in enumerate(latents):
        reader = int(np.argmax(np.abs(reads[j])))
        writer = int(np.argmax(np.abs(params["W_dec"][j])))
        about = (
            f"reads x{reader} most ({reads[j, reader]:+.2f}), writes y{writer} most ({params['W_dec'][j, writer]:+.2f})"
        )
        value = float(shown["f"][j]) if x is not None else float(graph.latent_output_weight[j].sum())
        what = "its code f_j" if x is not None else "mean |effect| on the outputs"
        nodes.append(node(1, latent_rows[row], f"L{j}", value, what, about, True))
    for k in range(graph.n_outputs):
        model, imitation = shown["y"][k], shown["y_hat"][k]
        what = "the model's y_k" if x is not None else "the model's mean y_k"
        about = f"the transcoder gives {imitation:.3f}"
        kept = bool(graph.latent_output_kept[:, k].any())
        nodes.append(node(2, output_rows[k], f"y{k}", float(model), what, about, kept))
    latent_row = {int(j): latent_rows[row] for row, j in enumerate(latents)}
    edges = []
    layers = (  # (kept, mean, weight, source name and row, target name and row) of each layer's edges
        (graph.input_latent_kept, graph.input_latent_mean, graph.input_latent_weight,
         lambda i: (f"x{i}", input_rows[i]), lambda j: (f"L{j}", latent_row.get(int(j)))),
        (graph.latent_output_kept, graph.latent_output_mean, graph.latent_output_weight,
         lambda j: (f"L{j}", latent_row.get(int(j))), lambda k: (f"y{k}", output_rows[k])),
    )  # fmt: skip
    for layer, (kept, mean, weight, source_of, target_of) in enumerate(layers):
        for a, b in zip(*np.nonzero(kept)):
            (source, source_row), (target, target_row) = source_of(a), target_of(b)
            if source_row is None or target_row is None:  # a latent that is not shown
                continue
            edges.append(
                {
                    "layer": layer,
                    "source": source,
                    "target": target,
                    "source_row": source_row,
                    "target_row": target_row,
                    "effect": float(mean[a, b]),
                    "weight": float(weight[a, b]),
                }
            )
    columns = ["layer", "source", "target", "source_row", "target_row", "effect", "weight"]
    edge_table = pd.DataFrame(edges, columns=columns)
    edge_table.insert(0, "edge", np.arange(len(edge_table)))
    return pd.DataFrame(nodes), edge_table


def steered(kind: str, params: dict, x: np.ndarray, feature: int, alpha: float) -> dict:
    """Steering feature ``feature`` by α on the input x: every output's measured change beside the prediction
    ReLU(b + α P_:i) − ReLU(b) of the steering matrix P (exact at x = 0), and the curves over α."""
    direction = steering.feature_direction(kind, params, feature)
    alphas = np.unique(np.append(CURVE_ALPHAS, np.float32(alpha))).astype(np.float32)
    measured = steering.steer_hidden(kind, params, x[None], direction, alphas)
    predicted = steering.predicted_change(kind, params, direction, alphas)
    at = int(np.argmin(np.abs(alphas - alpha)))
    P = steering.steering_matrix(kind, params)[:, feature]
    return {
        "alphas": alphas,
        "measured": measured,
        "predicted": predicted,
        "at": at,
        "P": P,
        "norm": float(np.linalg.norm(direction)),
    }


st.title("Circuits")
st.markdown(
    "A toy model that **computes** something has a true answer to *how*: in the |x| model (abs) output y_i should "
    "depend on feature x_i only, and the ReLU-output model rebuilds each x_i from the hidden vector. A "
    "**transcoder** imitates the model's map with sparse latents (ŷ = f W_dec + b_dec, f read from the input), so "
    "each output splits exactly into **direct effects**: input x_i → latent j (x_i times what latent j reads of it, "
    "where the latent is active), latent j → output y_k (its code times its decoder weight), plus a bias path. "
    "Pruned, these effects are the **attribution graph**; it can be scored against the task's graph x_i → y_i and "
    "against the model's own (what a lone x_i = ±1 really moves). **Steering** adds α times feature i's direction "
    "to the hidden activation; the steering matrix P (WᵀW for the ReLU-output model, W₂ ReLU(W₁) for |x|) predicts "
    "how far every output moves: the intended y_i by α P_ii, the others by the spill-over α P_ji."
)

shared.url_state(KEY, DEFAULTS, ALLOWED)
with st.sidebar:
    shared.presets(KEY, PRESETS)
    st.header("Toy model")
    kind = st.radio("model", KINDS, key=f"{KEY}_kind", horizontal=True, help=HELP["kind"])
    n_features = st.slider("features n", 2, 20, key=f"{KEY}_features", help=HELP["features"])
    n_hidden = st.slider("hidden m", 1, MAX_HIDDEN, key=f"{KEY}_hidden", help=HELP["hidden"])
    probability = st.select_slider(
        "feature probability p", shared.PROBABILITIES, key=f"{KEY}_probability", help=HELP["probability"]
    )
    toy_steps = st.select_slider("toy steps", shared.STEPS, key=f"{KEY}_toy_steps", help=HELP["toy_steps"])
    seed = st.number_input("seed", 0, 10_000, key=f"{KEY}_seed", help=HELP["seed"])
    st.header("Transcoder")
    arch = st.selectbox("architecture", ARCHITECTURES, format_func=ARCH_NAMES.get, key=f"{KEY}_arch", help=HELP["arch"])
    sae_steps = st.select_slider("transcoder steps", shared.STEPS, key=f"{KEY}_steps", help=HELP["steps"])
    st.header("Input")
    source = st.radio("input", (RANDOM, CHOSEN), key=f"{KEY}_input", help=HELP["input"])
    if source == RANDOM:
        sample_seed = st.number_input("sample seed", 0, 10_000, key=f"{KEY}_sample", help=HELP["sample"])
    else:
        chosen = st.text_input("features on (i=value, …)", key=f"{KEY}_x", help=HELP["x"])
    threshold = st.select_slider("pruning θ", THRESHOLDS, key=f"{KEY}_threshold", help=HELP["threshold"])
    st.header("Steering")
    # A feature beyond a smaller n (a link's, or before n was lowered) becomes the last one.
    st.session_state[f"{KEY}_steer"] = min(int(st.session_state[f"{KEY}_steer"]), n_features - 1)
    feature = st.slider("feature to steer i", 0, n_features - 1, key=f"{KEY}_steer", help=HELP["steer"])
    alpha = st.slider("α", -ALPHA_LIMIT, ALPHA_LIMIT, step=0.1, key=f"{KEY}_alpha", help=HELP["alpha"])
shared.sync_url(KEY, DEFAULTS)

toy = toy_config(kind, n_features, n_hidden, probability, toy_steps, seed)
settings = TranscoderSettings(arch, shared.capped_steps(sae_steps), int(seed))
# A longer transcoder than the default (whatever the tests' step cap) waits for its button, as a large toy does.
large = toy is not None and (shared.work_of(toy) > shared.LIVE_WORK or sae_steps > DEFAULT_STEPS)
run = shared.live(KEY, settings, circuit_run, toy, large=large) if toy is not None else None

if run is not None:
    config = run["toy"].config
    n = config.n_features
    if source == RANDOM:
        x = random_input(config, int(sample_seed))
    else:
        x, problems = parse_input(chosen, n, signed=config.model == "abs")
        if problems:
            st.warning("Ignored in the input: " + "; ".join(problems) + ".")
    on = np.flatnonzero(x)
    picked = ", ".join(f"x{i} = {x[i]:.2f}" for i in on) or "every feature 0"
    imitated = run["imitation"]
    units = "neurons" if config.model == "abs" else "dimensions"
    st.caption(
        f"{ARCH_NAMES[settings.arch]} transcoder, {run['n_latents']} latents, {settings.steps:,} steps, imitating the "
        f"{config.model} model of {n} features in {config.n_hidden} hidden {units}."
    )
    columns = st.columns(4)
    columns[0].metric(
        "transcoder imitates",
        f"{imitated['explained_variance']:.1%}",
        help="Share of the model's output variance the transcoder explains on fresh samples: "
        "1 − E‖y − ŷ‖² / E‖y − ȳ‖².",
    )
    columns[1].metric("latents per input", f"{imitated['l0']:.2f}", help="L0: latents active per sample, on average.")
    columns[2].metric(
        "live latents", f"{int(imitated['live'])} of {run['n_latents']}", help="Latents that fire on some sample."
    )
    columns[3].metric(
        "one-feature latents",
        f"{run['monosemanticity']['same']:.0%}",
        help="Share of live latents whose strongest read feature x_i is their strongest written output y_i (a "
        "latent that carries feature i to output i).",
    )

    st.subheader(f"The graph of the input {picked}")
    one = single_graph(run, x, threshold)
    nodes, edges = graph_tables(one["graph"], run, x, one)
    left, right = st.columns([3, 2])
    with left:
        shared.chart(
            charts.layered_graph(nodes, edges, f"Attribution graph of this input (θ = {threshold:g})"),
            key=f"{KEY}_graph_one",
        )
    with right:
        st.markdown(
            "Each line is a direct effect on this input: **x_i → L_j** is x_i times what latent j reads of it, "
            "**L_j → y_k** its code times its decoder weight (blue raises, red lowers; width = |effect|). Faded "
            "inputs are off; hover a node or an edge for its numbers."
        )
        outputs = pd.DataFrame(
            {"output": np.arange(n), "model y": one["y"], "transcoder ŷ": one["y_hat"], "task |x| or x": np.abs(x)}
        )
        moved_outputs = (outputs["model y"].abs() > SHOWN_OUTPUT) | (outputs["transcoder ŷ"].abs() > SHOWN_OUTPUT)
        st.dataframe(
            outputs[moved_outputs | (x != 0)],
            hide_index=True,
            column_config={
                "model y": st.column_config.NumberColumn(format="%.3f", help="The toy model's output for this input."),
                "transcoder ŷ": st.column_config.NumberColumn(format="%.3f", help="The transcoder's imitation of it."),
                "task |x| or x": st.column_config.NumberColumn(
                    format="%.3f", help="What the task asks for: |x_i| (abs) or x_i (relu_output)."
                ),
            },
        )

    st.subheader("The graph averaged over the data")
    mean = averaged(run, threshold)
    nodes, edges = graph_tables(mean["graph"], run, None, mean["means"])
    left, right = st.columns([3, 2])
    with left:
        shared.chart(
            charts.layered_graph(nodes, edges, f"Averaged over {GRAPH_SAMPLES:,} samples (θ = {threshold:g})"),
            key=f"{KEY}_graph_mean",
        )
    with right:
        task, own = mean["task"], mean["own"]
        rows = ["precision", "recall", "F1"]
        table = {
            "score": rows,
            TASK_COLUMN: [round(task.precision, 3), round(task.recall, 3), round(task.f1, 3)],
            OWN_COLUMN: [round(own.precision, 3), round(own.recall, 3), round(own.f1, 3)] if own else [None] * 3,
        }
        st.markdown(
            f"**Edges of the input → output map**: the graph keeps {task.kept_edges} edge(s); the task has "
            f"{task.true_edges}, the model's own graph {int(run['model_graph'].sum())} (a lone x_i = ±1 moves y_k by "
            f"at least {transcoders.MODEL_EDGE:g})."
        )
        st.dataframe(
            table,
            hide_index=True,
            column_config={
                TASK_COLUMN: st.column_config.NumberColumn(help="Scored against x_i → y_i for every i."),
                OWN_COLUMN: st.column_config.NumberColumn(
                    help="Scored against the edges the trained model really has (its dead outputs have none); "
                    "empty when it has no edge at all."
                ),
            },
        )
        st.caption(" ".join(f"**{name}**: {SCORE_HELP[name]}" for name in rows))
        variance = {
            "variance explained by the graph": task.explained_variance,
            "… by the whole transcoder": task.replacement_explained_variance,
            "… by the bias path alone": task.bias_explained_variance,
            "edge weight kept": task.carried,
        }
        for name, value in variance.items():
            st.metric(name, f"{value:.3f}", help=SCORE_HELP[name])

    with st.expander("The transcoder's settings derived from the data, and why", expanded=False):
        st.markdown("\n".join(f"- {line}" for line in run["derived"]) or "Every setting was given.")

    st.subheader(f"Steering feature {feature}")
    moved = steered(config.model, run["params"], x, int(feature), float(alpha))
    at = moved["at"]
    change, predicted = moved["measured"][at], moved["predicted"][at]
    others = np.arange(n) != feature
    spill = int(np.flatnonzero(others)[np.argmax(np.abs(change[others]))]) if n > 1 else feature
    columns = st.columns(4)
    columns[0].metric(
        f"intended output y{feature} moves by",
        f"{change[feature]:+.3f}",
        help="The measured change of the steered feature's own output on this input.",
    )
    columns[1].metric(
        f"… predicted by P{'=WᵀW' if config.model == 'relu_output' else ''}",
        f"{predicted[feature]:+.3f}",
        help="ReLU(b_i + α P_ii) − ReLU(b_i): the steering matrix's prediction, exact at x = 0.",
    )
    columns[2].metric(
        f"largest spill-over (y{spill})",
        f"{change[spill]:+.3f}",
        help="The largest measured change of any other output on this input: the interference the steering drags "
        "along.",
    )
    columns[3].metric(
        "prediction off by",
        f"{np.abs(change - predicted).max():.3f}",
        help="max over outputs of |measured − predicted| at this α: 0 where the input is x = 0 or every ReLU keeps "
        "its state; other features that are on move the outputs' ReLUs.",
    )
    table = pd.DataFrame({"output": np.arange(n), "measured": change, "predicted": predicted, "P_ji": moved["P"]})
    curves = {
        f"y{feature} measured": (moved["alphas"], moved["measured"][:, feature]),
        f"y{feature} predicted": (moved["alphas"], moved["predicted"][:, feature]),
        f"y{spill} measured (spill-over)": (moved["alphas"], moved["measured"][:, spill]),
        f"y{spill} predicted (spill-over)": (moved["alphas"], moved["predicted"][:, spill]),
    }
    left, right = st.columns(2)
    with left:
        shared.chart(charts.steering_bars(table, int(feature), float(alpha)), key=f"{KEY}_steer_bars")
    with right:
        shared.chart(
            charts.lines(
                curves,
                "α",
                "change of the output",
                "Over α (this input)",
                log_y=False,
                series="output",
                marker=float(alpha),
            ),
            key=f"{KEY}_steer_curve",
        )
    st.caption(
        f"Feature {feature}'s direction d_{feature} (the hidden activation of a lone x_{feature} = 1) has length "
        f"{moved['norm']:.3f}; a dead feature (length 0) cannot be steered. The prediction is exact at x = 0; on "
        "another input the other features shift the outputs' ReLUs."
    )
