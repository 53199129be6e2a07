"""Phase diagram: where superposition appears, trained beside theory, and any cell's weights."""

import tempfile

import numpy as np
import shared
import streamlit as st

from toysup import plots, theory
from toysup.phase import phase_axes, phase_spec, run_phase
from toysup.sweeps import load_sweep

KEY = "phase"
SHAPES = {"n = 2 features in m = 1 dimension": (2, 1), "n = 3 features in m = 2 dimensions": (3, 2)}


@st.cache_data(show_spinner=False, max_entries=8)
def phase(n_features: int, n_hidden: int, grid: int, restarts: int, steps: int, seed: int) -> dict:
    """``toysup.phase.run_phase`` in a temporary folder, with every cell's W and b."""
    # One chunk per row of the grid: the bar moves, and every chunk has the same shape (one compile).
    spec = phase_spec(
        n_features, n_hidden, grid=grid, restarts=restarts, steps=steps, seed=seed, chunk_copies=grid * restarts
    )
    with tempfile.TemporaryDirectory() as folder, shared.progress("Training the grid (rows)") as on_chunk:
        result = run_phase(spec, folder, progress=False, on_progress=on_chunk)
        dataset = load_sweep(folder).isel(seed=0)
        result["W"], result["b"] = dataset["W"].values, dataset["b"].values  # (importance, probability, …)
    return result


st.title("Phase diagram")
st.markdown(
    "Does a model keep the extra feature, dedicate a dimension to it, or put it in superposition? "
    "Each cell trains the best of a few fits with the extra feature's probability (x axis) and relative "
    "importance (y axis); beside it, the label of the lowest closed-form loss (paper Sec. 4, "
    '"Superposition as a Phase Change").'
)

with st.sidebar:
    shape = st.radio("model", list(SHAPES), key=f"{KEY}_shape")
    grid = st.slider("cells per axis", 2, 16, 6, key=f"{KEY}_grid")
    restarts = st.slider("fits per cell (best kept)", 1, 4, 2, key=f"{KEY}_restarts")
    steps = st.select_slider("steps", shared.STEPS[:8], value=1000, key=f"{KEY}_steps")
    seed = st.number_input("seed", 0, 10_000, 0, key=f"{KEY}_seed")

settings = (*SHAPES[shape], grid, restarts, steps, int(seed))
shared.report_stop(KEY)
if st.button("Run the grid", type="primary", key=f"{KEY}_run"):
    if shared.attempt(KEY, phase, *settings) is not None:
        st.session_state[f"{KEY}_shown"] = settings

shown = st.session_state.get(f"{KEY}_shown")
if shown is None:
    st.info("Press **Run the grid**. The theory needs no training:")
    n_features = SHAPES[shape][0]
    probability, importance = phase_axes(grid)
    labels = theory.theoretical_phase(probability[None, :], importance[:, None], n_features=n_features)
    names = theory.PHASE_LABELS_2 if n_features == 2 else theory.PHASE_LABELS_3
    shared.show(plots.phase_diagram(probability, importance, np.full_like(labels, -1), labels, names))
else:
    if shown != settings:
        st.caption("Showing the last grid; the settings have changed since — press Run to update.")
    result = phase(*shown)
    shared.show(plots.phase_diagram_of(result))
    st.subheader("One cell's model")
    left, right = st.columns(2)
    row = left.select_slider(
        "relative importance (row)",
        range(len(result["importance"])),
        format_func=lambda i: f"{result['importance'][i]:.3g}",
        key=f"{KEY}_row",
    )
    column = right.select_slider(
        "feature probability (column)",
        range(len(result["feature_probability"])),
        format_func=lambda i: f"{result['feature_probability'][i]:.3g}",
        key=f"{KEY}_col",
    )
    W, b = result["W"][row, column][None], result["b"][row, column][None]
    label = result["labels"][result["empirical"][row][column]] if result["empirical"][row][column] >= 0 else "—"
    st.markdown(f"Trained: **{label}**; theory: **{result['labels'][result['theoretical'][row][column]]}**.")
    left, right = st.columns(2)
    with left:
        shared.show(plots.gram_and_bias(W, b, titles=["WᵀW"]))
    if W.shape[1] == 2:
        with right:
            shared.show(plots.feature_directions_2d(W, titles=["W_i"]))
