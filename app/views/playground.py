"""Playground: train a toy model with your settings and see its geometry."""

import shared
import streamlit as st

import toysup
from toysup.config import MODEL_KINDS

KEY = "playground"

st.title("Playground")
st.markdown(
    "Choose the toy model and its data, press **Train**, and see how the features are embedded: "
    "x′ = ReLU(WᵀWx + b) squeezes n features into m dimensions (Elhage et al. 2022, Sec. 2)."
)

with st.sidebar:
    st.header("Model and data")
    n_features = st.slider("features n", 1, 20, 5, key=f"{KEY}_features")
    n_hidden = st.slider("hidden dimensions m", 1, 10, 2, key=f"{KEY}_hidden")
    model = st.selectbox("model", MODEL_KINDS, index=MODEL_KINDS.index("relu_output"), key=f"{KEY}_model")
    probability = st.select_slider(
        "feature probability p",
        shared.PROBABILITIES,
        value=0.05,
        key=f"{KEY}_probability",
        help="How often each feature is non-zero; the paper's sparsity is S = 1 − p.",
    )
    n_models = st.slider("models across sparsity (p from 1 down to the value above)", 1, 8, 1, key=f"{KEY}_models")
    decay = st.slider("importance decay r (I_i = r^i)", 0.5, 1.0, 0.9, 0.05, key=f"{KEY}_decay")
    st.header("Training")
    steps = st.select_slider("steps", shared.STEPS, value=2000, key=f"{KEY}_steps")
    learning_rate = st.select_slider("learning rate", shared.LEARNING_RATES, value=1e-2, key=f"{KEY}_lr")
    seed = st.number_input("seed", 0, 10_000, 0, key=f"{KEY}_seed")

config = shared.build(
    toysup.ToyConfig,
    n_features=n_features,
    n_hidden=n_hidden,
    model=model,
    n_instances=n_models,
    feature_probability=shared.sparsities(n_models, probability),
    importance_decay=decay,
    steps=steps,
    learning_rate=learning_rate,
    batch_size=1024,
    seed=int(seed),
)

shared.report_stop(KEY)
if st.button("Train", type="primary", key=f"{KEY}_train", disabled=config is None):
    result = shared.attempt(KEY, shared.trained, config)
    if result is not None:
        st.session_state[f"{KEY}_shown"] = ("trained", config)

with st.expander("Load a saved run"):
    uploaded = shared.upload_run(KEY)
    if uploaded is not None:
        st.session_state[f"{KEY}_shown"] = ("uploaded", uploaded)

shown = st.session_state.get(f"{KEY}_shown")
if shown is None:
    st.info("Press **Train** to train the model (a few seconds at the default settings).")
else:
    source, value = shown
    result = shared.trained(value) if source == "trained" else value
    if source == "trained" and value != config:
        st.caption("Showing the last trained model; the settings have changed since — press Train to update.")
    if source == "uploaded":
        st.caption("Showing the uploaded run.")
    shared.show_run(result)
    shared.download_run(result, KEY)
