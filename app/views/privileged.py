"""Privileged basis: with a ReLU on the hidden layer, neurons go from monosemantic to polysemantic."""

import charts
import numpy as np
import shared
import streamlit as st

import toysup
from toysup.metrics import MONOSEMANTIC_SHARE, represented, top_feature_share

KEY = "privileged"
DEFAULTS = {"features": 10, "hidden": 5, "decay": 0.75, "probability": 0.01, "models": 4, "steps": 2000}
ALLOWED = {
    "features": shared.Between(2, 20),
    "hidden": shared.Between(1, 10),
    "decay": shared.Between(0.5, 1.0),
    "probability": shared.PROBABILITIES,
    "models": shared.Between(1, 6),
    "steps": shared.STEPS,
}
PRESETS = {
    "monosemantic to polysemantic": (
        DEFAULTS,
        "Left (dense): each neuron's row has one strong feature; right (sparse): rows hold several — polysemantic.",
    ),
    "all dense: one feature per neuron": (
        {**DEFAULTS, "probability": 1.0, "models": 1},
        "Dense features: five neurons, the five most important features, one each (the table counts them).",
    ),
    "very sparse, equal importance": (
        {**DEFAULTS, "decay": 1.0, "probability": 0.005, "models": 1},
        "Equal importance and rare features: every neuron mixes several features; count the polysemantic ones.",
    ),
}
HELP = {
    **shared.HELP,
    "hidden": "m: hidden neurons, each with a ReLU (the privileged basis). Typical 2–10.",
    "models": "How many models, at feature probabilities p from 1 (dense) down to the value chosen, geometric. "
    "Typical 1–6.",
}

st.title("Superposition in a privileged basis")
st.markdown(
    "With h = ReLU(Wx) each hidden **neuron** is a meaningful direction. Each heatmap row below is one neuron's "
    "input weights W_k,i over the features i (features sorted by importance, 0 most important). Dense features: "
    "one feature per neuron (monosemantic); sparse: several (polysemantic) (paper Sec. 8). Each heatmap has its "
    "own colour scale, clipped at the 98th percentile of |weight| when one weight would flatten the rest "
    "(the colour bar says so; hover for the true value)."
)

shared.url_state(KEY, DEFAULTS, ALLOWED)
with st.sidebar:
    shared.presets(KEY, PRESETS)
    n_features = st.slider("features n", 2, 20, key=f"{KEY}_features", help=HELP["features"])
    n_hidden = st.slider("neurons m", 1, 10, key=f"{KEY}_hidden", help=HELP["hidden"])
    decay = st.slider("importance decay r (I_i = r^i)", 0.5, 1.0, step=0.05, key=f"{KEY}_decay", help=HELP["decay"])
    probability = st.select_slider(
        "lowest feature probability p", shared.PROBABILITIES, key=f"{KEY}_probability", help=HELP["probability"]
    )
    n_models = st.slider("models across sparsity", 1, 6, key=f"{KEY}_models", help=HELP["models"])
    steps = st.select_slider("steps", shared.STEPS, key=f"{KEY}_steps", help=HELP["steps"])
shared.sync_url(KEY, DEFAULTS)

config = shared.build(
    toysup.ToyConfig,
    n_features=n_features,
    n_hidden=n_hidden,
    model="relu_hidden",
    n_instances=n_models,
    feature_probability=shared.sparsities(n_models, probability),
    importance_decay=decay,
    steps=steps,
    learning_rate=1e-2,
    restarts=2,
)

result = shared.live(KEY, config, shared.trained)
if result is not None:
    shown = result.config
    probabilities = shown.feature_probability_array()[:, 0]
    W = np.asarray(result.W)
    shares = [top_feature_share(w) for w in W]
    columns = st.columns(min(len(W), 3))
    for i, w in enumerate(W):
        with columns[i % len(columns)]:
            shared.chart(
                charts.heatmap(w, "feature i", "neuron k", f"p = {probabilities[i]:.3g}", value_label="weight W_k,i")
            )
            listed = ", ".join(f"{s:.0%}" if np.isfinite(s) else "unused" for s in shares[i])
            st.caption(f"Top feature's share of each neuron's squared weights: {listed}")
    st.dataframe(
        {
            "p": probabilities,
            "monosemantic neurons": [int(np.sum(s >= MONOSEMANTIC_SHARE)) for s in shares],
            "polysemantic neurons": [int(np.sum(s < MONOSEMANTIC_SHARE)) for s in shares],
            "features represented": [int(np.sum(represented(w))) for w in W],
        },
        hide_index=True,
        column_config={
            "monosemantic neurons": st.column_config.Column(
                help=f"Neurons whose largest feature holds ≥ {MONOSEMANTIC_SHARE:.0%} of their squared weights."
            ),
            "polysemantic neurons": st.column_config.Column(help="Active neurons that mix several features."),
            "features represented": st.column_config.Column(help="Features with ‖W_i‖ > 0.5."),
        },
    )
    st.caption(
        f"A neuron is monosemantic when its largest feature holds ≥ {MONOSEMANTIC_SHARE:.0%} of its "
        "squared weights; unused neurons are not counted."
    )
