"""Playground: train a toy model with your settings and see its geometry, retrained as the controls move."""

import shared
import streamlit as st

import toysup
from toysup.config import MODEL_KINDS

KEY = "playground"
DEFAULTS = {
    "features": 5,
    "hidden": 2,
    "model": "relu_output",
    "probability": 0.05,
    "models": 1,
    "decay": 0.9,
    "steps": 2000,
    "lr": 1e-2,
    "seed": 0,
}
ALLOWED = {
    "features": shared.Between(1, 20),
    "hidden": shared.Between(1, 10),
    "model": MODEL_KINDS,
    "probability": shared.PROBABILITIES,
    "models": shared.Between(1, 8),
    "decay": shared.Between(0.5, 1.0),
    "steps": shared.STEPS,
    "lr": shared.LEARNING_RATES,
    "seed": shared.Between(0, 10_000),
}
PRESETS = {
    "a pentagon": (
        DEFAULTS,
        "Five sparse features in two dimensions: look for five arrows of equal length 72° apart (D* = 2/5).",
    ),
    "two antipodal pairs": (
        {**DEFAULTS, "features": 4, "probability": 0.1},
        "Four features in two dimensions: look for two pairs of opposite arrows (WᵀW has −1 off the diagonal).",
    ),
    "dense: PCA-like": (
        {**DEFAULTS, "probability": 1.0},
        "Dense features: only the two most important get a dimension each, orthogonal; the rest have norm ≈ 0.",
    ),
    "a linear model never superposes": (
        {**DEFAULTS, "model": "linear"},
        "No ReLU: even with sparse features it keeps two features orthogonal and drops the rest, like PCA.",
    ),
    "from dense to sparse": (
        {**DEFAULTS, "models": 6, "probability": 0.02},
        "Six models from p = 1 to p = 0.02: watch features join in superposition as they get sparser.",
    ),
}
HELP = {
    **shared.HELP,
    "model": "linear: x′ = WᵀWx + b; relu_output: x′ = ReLU(WᵀWx + b) (the paper's toy model); relu_hidden: "
    "h = ReLU(Wx), a privileged basis; abs: computes |x| with a ReLU layer.",
}

st.title("Playground")
st.markdown(
    "Choose the toy model and its data and watch how the features are embedded — the model retrains by itself "
    "as you move a control: x′ = ReLU(WᵀWx + b) squeezes n features into m dimensions (Elhage et al. 2022, "
    "Sec. 2). Hover the charts for each feature's importance I_i, norm ‖W_i‖ and interference."
)

shared.url_state(KEY, DEFAULTS, ALLOWED)
with st.sidebar:
    shared.presets(KEY, PRESETS)
    st.header("Model and data")
    n_features = st.slider("features n", 1, 20, key=f"{KEY}_features", help=HELP["features"])
    n_hidden = st.slider("hidden dimensions m", 1, 10, key=f"{KEY}_hidden", help=HELP["hidden"])
    model = st.selectbox("model", MODEL_KINDS, key=f"{KEY}_model", help=HELP["model"])
    probability = st.select_slider(
        "feature probability p", shared.PROBABILITIES, key=f"{KEY}_probability", help=HELP["probability"]
    )
    n_models = st.slider("models across sparsity", 1, 8, key=f"{KEY}_models", help=HELP["models"])
    decay = st.slider("importance decay r (I_i = r^i)", 0.5, 1.0, step=0.05, key=f"{KEY}_decay", help=HELP["decay"])
    st.header("Training")
    steps = st.select_slider("steps", shared.STEPS, key=f"{KEY}_steps", help=HELP["steps"])
    learning_rate = st.select_slider(
        "learning rate", shared.LEARNING_RATES, key=f"{KEY}_lr", help=HELP["learning_rate"]
    )
    seed = st.number_input("seed", 0, 10_000, key=f"{KEY}_seed", help=HELP["seed"])
shared.sync_url(KEY, DEFAULTS)

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

with st.expander("Load a saved run"):
    uploaded = shared.upload_run(KEY)

if uploaded is not None:
    st.caption("Showing the uploaded run; remove the file to go back to the controls.")
    result = uploaded
else:
    result = shared.live(KEY, config, shared.trained)
if result is not None:
    shared.show_run(result, KEY)
    shared.download_run(result, KEY)
