"""Geometry: dimensions per feature and every feature's dimensionality across sparsity (paper Sec. 7)."""

import numpy as np
import shared
import streamlit as st

import toysup
from toysup import metrics, plots
from toysup.metrics import REPRESENTED_NORM

KEY = "geometry"


@st.cache_data(show_spinner=False, max_entries=16)
def geometry(config: toysup.ToyConfig) -> dict:
    result = shared.trained(config)
    return {
        "inverse_probability": 1.0 / config.feature_probability_array()[:, 0],
        "dims_per_feature": np.asarray(metrics.dimensions_per_feature(result.W)),
        # Only learned features (‖W_i‖ > 0.5) are scattered; the others get 0, below the plot's floor.
        "dimensionality": np.where(
            np.linalg.norm(result.W, axis=1) > REPRESENTED_NORM,
            np.asarray(metrics.feature_dimensionality(result.W)),
            0.0,
        ),
    }


st.title("Geometry of superposition")
st.markdown(
    "Many equally important features in few dimensions, one model per sparsity. **D\\* = m/‖W‖²_F** is "
    "the number of hidden dimensions per learned feature: it sticks at 1 and then at 1/2 (antipodal "
    "pairs) as features get sparser. Each feature's **dimensionality D_i** clusters at the fractions of "
    "small polytopes: 1, 3/4, 2/3, 1/2, 2/5, 3/8 (paper Sec. 7)."
)

with st.sidebar:
    n_features = st.slider("features n", 10, 400, 100, 10, key=f"{KEY}_features")
    n_hidden = st.slider("hidden dimensions m", 2, 30, 10, key=f"{KEY}_hidden")
    n_models = st.slider(
        "sparsities (1/p from 1 to 20)",
        2,
        20,
        10,
        key=f"{KEY}_models",
        help="Models at feature probabilities p from 1 down to 1/20; the paper's axis 1/(1 − S) is 1/p.",
    )
    steps = st.select_slider("steps", shared.STEPS, value=2000, key=f"{KEY}_steps")

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

shown = shared.train_button(
    KEY,
    config,
    geometry,
    f"Press **Train** to train {n_models} models of {n_features} features in {n_hidden} dimensions.",
)
if shown is not None:
    data = geometry(shown)
    left, right = st.columns(2)
    with left:
        st.markdown("**Dimensions per feature D\\***")
        shared.show(plots.dimensions_per_feature_curve(data["inverse_probability"], data["dims_per_feature"]))
    with right:
        st.markdown(
            "**Feature dimensionality D_i** of every learned feature (‖W_i‖ > 0.5), with the reference fractions"
        )
        shared.show(
            plots.feature_dimensionality_scatter(
                data["inverse_probability"], data["dimensionality"], data["dims_per_feature"]
            )
        )
