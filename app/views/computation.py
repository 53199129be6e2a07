"""Computation in superposition: computing |x| with fewer neurons than features."""

import charts
import numpy as np
import shared
import streamlit as st

import toysup
from toysup.metrics import COMPUTED_GAIN, MONOSEMANTIC_SHARE, asymmetric_motifs, computed_features, top_feature_share

KEY = "computation"
DEFAULTS = {"features": 20, "hidden": 10, "decay": 0.8, "probability": 0.01, "models": 3, "steps": 3000}
ALLOWED = {
    "features": shared.Between(2, 100),
    "hidden": shared.Between(2, 40),
    "decay": shared.Between(0.5, 1.0),
    "probability": shared.PROBABILITIES,
    "models": shared.Between(1, 5),
    "steps": shared.STEPS,
}
PRESETS = {
    "dense to sparse": (
        DEFAULTS,
        "Dense (left): two neurons per feature, ReLU(x) and ReLU(−x), so only five are computed; sparse (right): "
        "more features than neurons, with polysemantic neurons.",
    ),
    "dense: two neurons per feature": (
        {**DEFAULTS, "probability": 1.0, "models": 1},
        "Dense features: look for pairs of neurons with opposite weights on one feature (+x and −x).",
    ),
    "as many neurons as features": (
        {**DEFAULTS, "features": 10, "hidden": 10, "models": 1, "probability": 0.05},
        "Ten features, ten neurons: is each feature still computed once it has fewer than two neurons?",
    ),
}
HELP = {
    **shared.HELP,
    "features": "n: input features, each to be output as |x_i|. Typical 5–100.",
    "hidden": "m: ReLU neurons. Computing one feature densely takes two (ReLU(x) + ReLU(−x)). Typical 2–40.",
    "models": "How many models, at feature probabilities p from 1 (dense) down to the value chosen. Typical 1–5.",
}

st.title("Computation in superposition")
st.markdown(
    "The model computes y = |x| through a ReLU layer: h = ReLU(W₁x), y′ = ReLU(W₂h + b). Dense "
    "features need two neurons each (ReLU(x) + ReLU(−x)); sparse features let it compute more features "
    "than it has neurons, with polysemantic neurons (paper Sec. 10). Heatmaps: each neuron's input weights W₁ "
    "(rows: neurons k, columns: features i, 0 most important); each has its own colour scale, clipped at the "
    "98th percentile of |weight| when one weight would flatten the rest (the colour bar says so)."
)

shared.url_state(KEY, DEFAULTS, ALLOWED)
with st.sidebar:
    shared.presets(KEY, PRESETS)
    n_features = st.slider("features n", 2, 100, key=f"{KEY}_features", help=HELP["features"])
    n_hidden = st.slider("neurons m", 2, 40, key=f"{KEY}_hidden", help=HELP["hidden"])
    decay = st.slider("importance decay r (I_i = r^i)", 0.5, 1.0, step=0.05, key=f"{KEY}_decay", help=HELP["decay"])
    probability = st.select_slider(
        "lowest feature probability p", shared.PROBABILITIES, key=f"{KEY}_probability", help=HELP["probability"]
    )
    n_models = st.slider("models across sparsity", 1, 5, key=f"{KEY}_models", help=HELP["models"])
    steps = st.select_slider("steps", shared.STEPS, key=f"{KEY}_steps", help=HELP["steps"])
shared.sync_url(KEY, DEFAULTS)

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

result = shared.live(KEY, config, shared.trained)
if result is not None:
    shown = result.config
    probabilities = shown.feature_probability_array()[:, 0]
    W1, W2 = np.asarray(result.params["W1"]), np.asarray(result.params["W2"])
    columns = st.columns(min(len(W1), 3))
    for i, w in enumerate(W1):
        with columns[i % len(columns)]:
            shared.chart(
                charts.heatmap(
                    w,
                    "feature i",
                    "neuron k",
                    f"W₁ at p = {probabilities[i]:.3g}",
                    value_label="weight W₁[k,i]",
                )
            )
    shares = [top_feature_share(w) for w in W1]
    st.dataframe(
        {
            "p": probabilities,
            "features computed": [computed_features(a, b) for a, b in zip(W1, W2)],
            "neurons": [shown.n_hidden] * len(probabilities),
            "polysemantic neurons": [int(np.sum(s < MONOSEMANTIC_SHARE)) for s in shares],
            "asymmetric-superposition neurons": [len(asymmetric_motifs(a, b)) for a, b in zip(W1, W2)],
        },
        hide_index=True,
        column_config={
            "features computed": st.column_config.Column(
                help=f"Features some neuron passes to their own output with gain W₁[k,i]·W₂[i,k] ≥ {COMPUTED_GAIN}."
            ),
            "polysemantic neurons": st.column_config.Column(
                help=f"Active neurons whose largest feature holds < {MONOSEMANTIC_SHARE:.0%} of their squared weights."
            ),
            "asymmetric-superposition neurons": st.column_config.Column(
                help="Neurons k with a strong input feature a and a weaker one b (|W₁[k,a]| ≥ 2|W₁[k,b]|) that "
                "write mostly to b's output (W₂[b,k] ≥ 2|W₂[a,k]|): asymmetric superposition (paper Sec. 10)."
            ),
        },
    )
    st.caption(
        f"A feature is computed when some neuron passes it to its own output with gain W₁[k,i]·W₂[i,k] ≥ "
        f"{COMPUTED_GAIN}."
    )
