"""Correlated features: sets of features that fire together (or never together), in two dimensions."""

import charts
import numpy as np
import shared
import streamlit as st

import toysup

KEY = "correlated"
KINDS = ("correlated", "anticorrelated", "independent")
DEFAULTS = {"kind": "correlated", "sets": 2, "size": 2, "probability": 0.05, "models": 3, "steps": 2000}
ALLOWED = {
    "kind": KINDS,
    "sets": shared.Between(1, 4),
    "size": shared.Between(2, 3),
    "probability": shared.PROBABILITIES,
    "models": shared.Between(1, 6),
    "steps": shared.STEPS,
}
PRESETS = {
    "correlated pairs go orthogonal": (
        DEFAULTS,
        "Two pairs that fire together: with room, a pair's features sit at right angles (cosine ≈ 0); "
        "sparser, the pairs overlap each other, not themselves.",
    ),
    "anticorrelated pairs go antipodal": (
        {**DEFAULTS, "kind": "anticorrelated"},
        "Features that never fire together can share a direction head to tail: look for cosines of −1 within a set.",
    ),
    "independent, for comparison": (
        {**DEFAULTS, "kind": "independent"},
        "The same four features drawn independently: compare the cosines with the two presets above.",
    ),
    "three correlated sets": (
        {**DEFAULTS, "sets": 3},
        "Six correlated features in two dimensions: the sets crowd in side by side (paper Sec. 6, local "
        "almost-orthogonal bases).",
    ),
}
HELP = {
    "kind": "correlated: a set's features are all zero or all active together; anticorrelated: at most one of a "
    "set is active; independent: drawn independently.",
    "sets": "How many sets of features. Typical 1–4; n = sets × features per set.",
    "size": "Features in each set (2 or 3).",
    "probability": shared.HELP["probability"],
    "models": "How many models, at feature probabilities p from 1 (dense) down to the value chosen. Typical 1–6.",
    "steps": shared.HELP["steps"],
}

st.title("Correlated and anticorrelated features")
st.markdown(
    "Features in a **correlated** set are all zero or all active together; in an **anticorrelated** set "
    "at most one is active. In m = 2 dimensions, correlated features are put on orthogonal directions "
    "when there is room and side by side when there is not; anticorrelated features go antipodal "
    "(paper Sec. 6). Colour = set; hover an arrow for its numbers. It retrains as you move a control."
)

shared.url_state(KEY, DEFAULTS, ALLOWED)
with st.sidebar:
    shared.presets(KEY, PRESETS)
    kind = st.radio("sets", KINDS, key=f"{KEY}_kind", help=HELP["kind"])
    n_sets = st.slider("number of sets", 1, 4, key=f"{KEY}_sets", help=HELP["sets"])
    set_size = st.slider("features per set", 2, 3, key=f"{KEY}_size", help=HELP["size"])
    probability = st.select_slider(
        "lowest feature probability p", shared.PROBABILITIES, key=f"{KEY}_probability", help=HELP["probability"]
    )
    n_models = st.slider("models across sparsity", 1, 6, key=f"{KEY}_models", help=HELP["models"])
    steps = st.select_slider("steps", shared.STEPS, key=f"{KEY}_steps", help=HELP["steps"])
shared.sync_url(KEY, DEFAULTS)

sets = (set_size,) * n_sets
config = shared.build(
    toysup.ToyConfig,
    n_features=set_size * n_sets,
    n_hidden=2,
    n_instances=n_models,
    feature_probability=shared.sparsities(n_models, probability),
    correlated_sets=sets if kind == "correlated" else (),
    anticorrelated_sets=sets if kind == "anticorrelated" else (),
    steps=steps,
    learning_rate=1e-2,
    restarts=2,
)

result = shared.live(KEY, config, shared.trained)
if result is not None:
    shown = result.config
    shown_set_size = (shown.correlated_sets + shown.anticorrelated_sets or (1,))[0]
    set_of_feature = np.arange(shown.n_features) // shown_set_size  # independent features: one colour each
    probabilities = shown.feature_probability_array()[:, 0]
    importance = shown.importance_array()[0]
    columns = st.columns(len(probabilities))
    for i, column in enumerate(columns):
        with column:
            shared.chart(
                charts.feature_directions(
                    result.W[i], importance, f"p = {probabilities[i]:.3g}", color=set_of_feature, size=180
                )
            )
    W = np.asarray(result.W[-1])
    unit = W / np.maximum(np.linalg.norm(W, axis=0), 1e-9)
    st.markdown(
        f"**Cosines between feature directions** at p = {probabilities[-1]:.3g} "
        "(+1 same direction, 0 orthogonal, −1 antipodal); features of a set are adjacent "
        f"({shown_set_size} per set)."
    )
    shared.chart(charts.heatmap(unit.T @ unit, "feature j", "feature i", value_label="cos(W_i, W_j)", robust=False))
