"""Correlated features: sets of features that fire together (or never together), in two dimensions."""

import numpy as np
import shared
import streamlit as st

import toysup
from toysup import plots

KEY = "correlated"
KINDS = ("correlated", "anticorrelated", "independent")

st.title("Correlated and anticorrelated features")
st.markdown(
    "Features in a **correlated** set are all zero or all active together; in an **anticorrelated** set "
    "at most one is active. In m = 2 dimensions, correlated features are put on orthogonal directions "
    "when there is room and side by side when there is not; anticorrelated features go antipodal "
    "(paper Sec. 6). Colour = set."
)

with st.sidebar:
    kind = st.radio("sets", KINDS, key=f"{KEY}_kind")
    n_sets = st.slider("number of sets", 1, 4, 2, key=f"{KEY}_sets")
    set_size = st.slider("features per set", 2, 3, 2, key=f"{KEY}_size")
    probability = st.select_slider(
        "lowest feature probability p",
        shared.PROBABILITIES,
        value=0.05,
        key=f"{KEY}_probability",
        help="How often each feature is non-zero; the paper's sparsity is S = 1 − p.",
    )
    n_models = st.slider("models across sparsity", 1, 6, 3, key=f"{KEY}_models")
    steps = st.select_slider("steps", shared.STEPS, value=2000, key=f"{KEY}_steps")

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

shown = shared.train_button(KEY, config, shared.trained, "Press **Train** (best of 2 fits per model).")
if shown is not None:
    result = shared.trained(shown)
    shown_set_size = (shown.correlated_sets + shown.anticorrelated_sets or (1,))[0]
    set_of_feature = np.arange(shown.n_features) // shown_set_size  # independent features: one colour each
    probabilities = shown.feature_probability_array()[:, 0]
    shared.show(
        plots.feature_directions_2d(
            result.W, set_of_feature.astype(float), titles=[f"p = {p:.3g}" for p in probabilities]
        )
    )
    W = result.W[-1]
    unit = W / np.maximum(np.linalg.norm(W, axis=0), 1e-9)
    st.markdown(
        f"**Cosines between feature directions** at p = {probabilities[-1]:.3g} "
        "(+1 same direction, 0 orthogonal, −1 antipodal):"
    )
    st.dataframe(np.round(unit.T @ unit, 2))
