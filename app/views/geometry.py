"""Geometry: dimensions per feature and every feature's dimensionality across sparsity (paper Sec. 7)."""

import charts
import numpy as np
import pandas as pd
import shared
import streamlit as st

import toysup
from toysup import metrics
from toysup.metrics import REPRESENTED_NORM

KEY = "geometry"
LEVELS = (1.0, 3 / 4, 2 / 3, 1 / 2, 2 / 5, 3 / 8)
DEFAULTS = {"features": 40, "hidden": 8, "models": 8, "steps": 1000}
ALLOWED = {
    "features": shared.Between(10, 400),
    "hidden": shared.Between(2, 30),
    "models": shared.Between(2, 20),
    "steps": shared.STEPS,
}
PRESETS = {
    "sticky at 1 and 1/2": (
        DEFAULTS,
        "D* stays at 1 while features are dense, then sticks near 1/2 (antipodal pairs) before falling; the D_i "
        "cluster on the dotted fractions.",
    ),
    "the paper's size": (
        {"features": 100, "hidden": 10, "models": 10, "steps": 2000},
        "The paper's 100 features in 10 dimensions (press Train): the plateaus at 1, 1/2 and 2/5 are sharper.",
    ),
    "few features": (
        {"features": 20, "hidden": 5, "models": 8, "steps": 1000},
        "Twenty features in five dimensions: the same plateaus appear with fewer points — hover them.",
    ),
}
HELP = {
    "features": "n: how many equally important features. Typical 20–400 (the paper: 100).",
    "hidden": "m: hidden dimensions. Typical 5–30 (the paper: 10).",
    "models": "How many models, at feature probabilities p from 1 (dense) down to 1/20, geometric; the paper's "
    "axis 1/(1 − S) is 1/p. Typical 5–20.",
    "steps": shared.HELP["steps"],
}


@st.cache_data(show_spinner=False, max_entries=16)
def geometry(config: toysup.ToyConfig) -> dict:
    result = shared.trained(config)
    measured = metrics.summary(result.W)
    return {
        "inverse_probability": 1.0 / config.feature_probability_array()[:, 0],
        "dims_per_feature": measured["dimensions_per_feature"],
        "norms": np.linalg.norm(result.W, axis=1),
        "dimensionality": measured["feature_dimensionality"],
    }


st.title("Geometry of superposition")
st.markdown(
    "Many equally important features in few dimensions, one model per sparsity. **D\\* = m/‖W‖²_F** is "
    "the number of hidden dimensions per learned feature: it sticks at 1 and then at 1/2 (antipodal "
    "pairs) as features get sparser. Each feature's **dimensionality D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)²** clusters "
    "at the fractions of small polytopes: 1, 3/4, 2/3, 1/2, 2/5, 3/8 (paper Sec. 7). It retrains as you move a "
    "control."
)

shared.url_state(KEY, DEFAULTS, ALLOWED)
with st.sidebar:
    shared.presets(KEY, PRESETS)
    n_features = st.slider("features n", 10, 400, step=10, key=f"{KEY}_features", help=HELP["features"])
    n_hidden = st.slider("hidden dimensions m", 2, 30, key=f"{KEY}_hidden", help=HELP["hidden"])
    n_models = st.slider("sparsities (1/p from 1 to 20)", 2, 20, key=f"{KEY}_models", help=HELP["models"])
    steps = st.select_slider("steps", shared.STEPS, key=f"{KEY}_steps", help=HELP["steps"])
shared.sync_url(KEY, DEFAULTS)

probabilities = tuple(float(p) for p in 20.0 ** -np.linspace(0, 1, n_models))
config = shared.build(
    toysup.ToyConfig,
    n_features=n_features,
    n_hidden=n_hidden,
    n_instances=n_models,
    feature_probability=probabilities,
    steps=steps,
    batch_size=256,
    learning_rate=1e-2,
    schedule="cosine",
)

data = shared.live(KEY, config, geometry)
if data is not None:
    curve = pd.DataFrame({"1/p": data["inverse_probability"], "D*": data["dims_per_feature"]})
    model, feature = np.nonzero(data["norms"] > REPRESENTED_NORM)  # only learned features (‖W_i‖ > 0.5)
    scatter = pd.DataFrame(
        {
            "1/p": data["inverse_probability"][model],
            "D_i": data["dimensionality"][model, feature],
            "feature": feature,
            "norm ‖W_i‖": data["norms"][model, feature],
        }
    )
    left, right = st.columns(2)
    with left:
        shared.chart(
            charts.points(
                curve,
                "1/p",
                "D*",
                "Dimensions per feature D* (dotted: 1 and 1/2)",
                log_x=True,
                levels=(1.0, 0.5),
                connect=True,
            )
        )
    with right:
        shared.chart(
            charts.points(
                scatter,
                "1/p",
                "D_i",
                "Feature dimensionality D_i of every learned feature (‖W_i‖ > 0.5)",
                log_x=True,
                levels=LEVELS,
            )
        )
    st.caption("Dotted lines: the fractions 1, 3/4, 2/3, 1/2, 2/5, 3/8. Hover a point for its feature and norm.")
