"""Privileged basis: with a ReLU on the hidden layer, neurons go from monosemantic to polysemantic."""

import numpy as np
import shared
import streamlit as st

import toysup
from toysup import plots
from toysup.metrics import MONOSEMANTIC_SHARE, represented, top_feature_share

KEY = "privileged"

st.title("Superposition in a privileged basis")
st.markdown(
    "With h = ReLU(Wx) each hidden **neuron** is a meaningful direction. Each bar below is one neuron's "
    "input weights, one segment per feature (yellow = most important). Dense features: one feature per "
    "neuron (monosemantic); sparse: several (polysemantic) (paper Sec. 8)."
)

with st.sidebar:
    n_features = st.slider("features n", 2, 20, 10, key=f"{KEY}_features")
    n_hidden = st.slider("neurons m", 1, 10, 5, key=f"{KEY}_hidden")
    decay = st.slider("importance decay r", 0.5, 1.0, 0.75, 0.05, key=f"{KEY}_decay")
    probability = st.select_slider(
        "lowest feature probability p",
        shared.PROBABILITIES,
        value=0.01,
        key=f"{KEY}_probability",
        help="How often each feature is non-zero; the paper's sparsity is S = 1 − p.",
    )
    n_models = st.slider("models across sparsity", 1, 6, 4, key=f"{KEY}_models")
    steps = st.select_slider("steps", shared.STEPS, value=3000, key=f"{KEY}_steps")

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

shown = shared.train_button(KEY, config, shared.trained, "Press **Train** (best of 2 fits per model).")
if shown is not None:
    result = shared.trained(shown)
    probabilities = shown.feature_probability_array()[:, 0]
    shared.show(
        plots.neuron_feature_weights(
            result.W, shown.importance_array()[0], titles=[f"p = {p:.3g}" for p in probabilities]
        )
    )
    shares = [top_feature_share(W) for W in result.W]
    st.dataframe(
        {
            "p": probabilities,
            "monosemantic neurons": [int(np.sum(s >= MONOSEMANTIC_SHARE)) for s in shares],
            "polysemantic neurons": [int(np.sum(s < MONOSEMANTIC_SHARE)) for s in shares],
            "features represented": [int(np.sum(represented(W))) for W in result.W],
        },
        hide_index=True,
    )
    st.caption(
        f"A neuron is monosemantic when its largest feature holds ≥ {MONOSEMANTIC_SHARE:.0%} of its "
        "squared weights; unused neurons are not counted."
    )
