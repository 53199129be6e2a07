"""Computation in superposition: computing |x| with fewer neurons than features."""

import numpy as np
import shared
import streamlit as st

import toysup
from toysup import plots
from toysup.metrics import COMPUTED_GAIN, MONOSEMANTIC_SHARE, asymmetric_motifs, computed_features, top_feature_share

KEY = "computation"

st.title("Computation in superposition")
st.markdown(
    "The model computes y = |x| through a ReLU layer: h = ReLU(W₁x), y′ = ReLU(W₂h + b). Dense "
    "features need two neurons each (ReLU(x) + ReLU(−x)); sparse features let it compute more features "
    "than it has neurons, with polysemantic neurons (paper Sec. 10). Bars: each neuron's input weights W₁."
)

with st.sidebar:
    n_features = st.slider("features n", 2, 100, 20, key=f"{KEY}_features")
    n_hidden = st.slider("neurons m", 2, 40, 10, key=f"{KEY}_hidden")
    decay = st.slider("importance decay r", 0.5, 1.0, 0.8, 0.05, key=f"{KEY}_decay")
    probability = st.select_slider(
        "lowest feature probability p",
        shared.PROBABILITIES,
        value=0.01,
        key=f"{KEY}_probability",
        help="How often each feature is non-zero; the paper's sparsity is S = 1 − p.",
    )
    n_models = st.slider("models across sparsity", 1, 5, 3, key=f"{KEY}_models")
    steps = st.select_slider("steps", shared.STEPS, value=3000, key=f"{KEY}_steps")

config = shared.build(
    toysup.ToyConfig,
    n_features=n_features,
    n_hidden=n_hidden,
    model="abs",
    n_instances=n_models,
    feature_probability=shared.sparsities(n_models, probability),
    importance_decay=decay,
    steps=steps,
    batch_size=256,
    learning_rate=1e-2,
    schedule="cosine",
)

shown = shared.train_button(KEY, config, shared.trained, "Press **Train**.")
if shown is not None:
    result = shared.trained(shown)
    probabilities = shown.feature_probability_array()[:, 0]
    W1, W2 = result.params["W1"], result.params["W2"]
    shared.show(
        plots.neuron_feature_weights(W1, shown.importance_array()[0], titles=[f"p = {p:.3g}" for p in probabilities])
    )
    shares = [top_feature_share(W) for W in W1]
    st.dataframe(
        {
            "p": probabilities,
            "features computed": [computed_features(a, b) for a, b in zip(W1, W2)],
            "neurons": [shown.n_hidden] * len(probabilities),
            "polysemantic neurons": [int(np.sum(s < MONOSEMANTIC_SHARE)) for s in shares],
            "asymmetric-superposition neurons": [len(asymmetric_motifs(a, b)) for a, b in zip(W1, W2)],
        },
        hide_index=True,
    )
    st.caption(
        f"A feature is computed when some neuron passes it to its own output with gain W₁[k,i]·W₂[i,k] ≥ "
        f"{COMPUTED_GAIN}."
    )
