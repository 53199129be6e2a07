"""Phase diagram: where superposition appears, trained beside theory; click a cell to train that model and see it
beside the theory's choice."""

import dataclasses
import tempfile

import charts
import numpy as np
import shared
import streamlit as st

from toysup import theory
from toysup.phase import phase_axes, phase_base_config, phase_spec, run_phase
from toysup.sweeps import load_sweep

KEY = "phase"
SHAPES = {"n = 2 features in m = 1 dimension": "2x1", "n = 3 features in m = 2 dimensions": "3x2"}
SIZES = {"2x1": (2, 1), "3x2": (3, 2)}
LIVE_CELL_STEPS = 6 * 6 * 2 * 500  # cells × fits × steps of a grid that trains in about two seconds
DEFAULTS = {"shape": "2x1", "grid": 6, "restarts": 2, "steps": 500, "seed": 0, "row": 4, "col": 1}
ALLOWED = {
    "shape": tuple(SIZES),
    "grid": shared.Between(2, 16),
    "restarts": shared.Between(1, 4),
    "steps": shared.STEPS[:8],
    "seed": shared.Between(0, 10_000),
    "row": shared.Between(0, 15),
    "col": shared.Between(0, 15),
}
PRESETS = {
    "the phase change": (
        DEFAULTS,
        "Left (sparse) the two features share the line as an antipodal pair; right (dense) the extra feature is "
        "dropped or gets the dimension, by its importance. Click a cell on either side of the boundary.",
    ),
    "three features in two dimensions": (
        {**DEFAULTS, "shape": "3x2"},
        "Which pair goes antipodal? Sparse and important: the extra feature pairs with another; dense: it is dropped.",
    ),
    "a cell in superposition": (
        {**DEFAULTS, "row": 5, "col": 0},
        "A sparse, important extra feature: the trained W puts both features head to tail (W = [1, −1]).",
    ),
    "a sharper diagram": (
        {**DEFAULTS, "grid": 10, "steps": 1000},
        "Ten cells per axis and longer training (press Train): the boundary sharpens towards the theory's curve.",
    ),
}
HELP = {
    "shape": "The toy model of the diagram: n = 2 features in m = 1 hidden dimension, or n = 3 in m = 2.",
    "grid": "Cells per axis: p from 0.01 to 1 and I from 0.1 to 10, log-spaced. Typical 4–16; the work grows "
    "as its square.",
    "restarts": "Fits per cell; the one with the lowest loss is kept (it avoids traps). Typical 1–4.",
    "steps": shared.HELP["steps"],
    "seed": shared.HELP["seed"],
    "row": "The chosen cell's row: the extra feature's relative importance I (unitless, 0.1–10).",
    "col": "The chosen cell's column: the feature probability p of every feature (0.01–1; S = 1 − p).",
}


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


def phase_of(settings: tuple) -> dict:
    return phase(*settings)


def show_cell_model(W: np.ndarray, b: np.ndarray, importance: np.ndarray, title: str) -> None:
    """A cell's model: its directions (m = 2) or positions on the line (m = 1), and WᵀW."""
    st.markdown(f"**{title}**")
    if W.shape[0] == 2:
        shared.chart(charts.feature_directions(W, importance, size=200))
    else:
        shared.chart(
            charts.bars(W[0], "W_i (position on the line)", extra={"bias b_i": b, "importance I_i": importance})
        )
    shared.chart(charts.heatmap(W.T @ W, "feature j", "feature i", "WᵀW", "W_i·W_j", robust=False))


st.title("Phase diagram")
st.markdown(
    "Does a model keep the extra feature, dedicate a dimension to it, or put it in superposition? "
    "Each cell trains the best of a few fits with the extra feature's relative importance I (y axis) at feature "
    "probability p (x axis); beside it, the phase of the lowest closed-form loss (paper Sec. 4, "
    '"Superposition as a Phase Change"). **Click a cell** (or pick it below) to train that one model and see it '
    "beside the theory's choice."
)

shared.url_state(KEY, DEFAULTS, ALLOWED)
with st.sidebar:
    shared.presets(KEY, PRESETS)
    shape = st.radio(
        "model", list(SIZES), format_func={v: k for k, v in SHAPES.items()}.get, key=f"{KEY}_shape", help=HELP["shape"]
    )
    grid = st.slider("cells per axis", 2, 16, key=f"{KEY}_grid", help=HELP["grid"])
    restarts = st.slider("fits per cell (best kept)", 1, 4, key=f"{KEY}_restarts", help=HELP["restarts"])
    steps = st.select_slider("steps", shared.STEPS[:8], key=f"{KEY}_steps", help=HELP["steps"])
    seed = st.number_input("seed", 0, 10_000, key=f"{KEY}_seed", help=HELP["seed"])

n_features, n_hidden = SIZES[shape]
steps = shared.capped_steps(steps)
settings = (n_features, n_hidden, grid, restarts, steps, int(seed))
probability, importance = phase_axes(grid)
names = theory.PHASE_LABELS_2 if n_features == 2 else theory.PHASE_LABELS_3
candidates = theory.candidate_losses(probability[None, :], importance[:, None], n_features)
theoretical = np.argmin(candidates, axis=-1)

# The chosen cell: from a click on either diagram (applied once per new click), else the pickers.
for source in ("trained", "theory"):
    event = st.session_state.get(f"{KEY}_map_{source}")
    picked = (event or {}).get("selection", {}).get("cell") if isinstance(event, dict) else None
    if picked is None and event is not None and hasattr(event, "selection"):
        picked = event.selection.get("cell")
    if picked and st.session_state.get(f"{KEY}_clicked_{source}") != picked:
        st.session_state[f"{KEY}_clicked_{source}"] = picked
        st.session_state[f"{KEY}_row"] = int(picked[0]["row"])
        st.session_state[f"{KEY}_col"] = int(picked[0]["column"])
for name in ("row", "col"):
    st.session_state[f"{KEY}_{name}"] = min(int(st.session_state[f"{KEY}_{name}"]), grid - 1)

large = grid * grid * restarts * steps > LIVE_CELL_STEPS
result = shared.live(KEY, settings, phase_of, large=large)
row, column = int(st.session_state[f"{KEY}_row"]), int(st.session_state[f"{KEY}_col"])
left, right = st.columns(2)
with left:
    if result is not None and tuple(result["feature_probability"]) == tuple(probability):
        st.markdown(f"**Trained** (agreement with theory: {result['agreement']:.0%} of cells)")
        loss = np.array([[np.nan if v is None else v for v in line] for line in result["loss"]], dtype=float)
        trained_map = charts.phase_map(
            probability, importance, np.asarray(result["empirical"]), names, loss=loss, chosen=(row, column)
        )
        shared.chart(trained_map, on_select="rerun", selection_mode="cell", key=f"{KEY}_map_trained")
    else:
        st.info("The trained diagram appears here once the grid is trained.")
with right:
    st.markdown("**Theory**: the candidate of lowest closed-form loss")
    theory_map = charts.phase_map(
        probability, importance, theoretical, names, loss=candidates.min(axis=-1), chosen=(row, column)
    )
    shared.chart(theory_map, on_select="rerun", selection_mode="cell", key=f"{KEY}_map_theory")

st.subheader("One cell's model")
left, right = st.columns(2)
left.select_slider(
    "relative importance I (row)",
    range(grid),
    format_func=lambda i: f"{importance[i]:.3g}",
    key=f"{KEY}_row",
    help=HELP["row"],
)
right.select_slider(
    "feature probability p (column)",
    range(grid),
    format_func=lambda i: f"{probability[i]:.3g}",
    key=f"{KEY}_col",
    help=HELP["col"],
)
shared.sync_url(KEY, DEFAULTS)

p, extra = float(probability[column]), float(importance[row])
base = phase_base_config(n_features, n_hidden, steps, restarts, int(seed))
cell_config = dataclasses.replace(base, feature_probability=p, importance=(1.0,) * (n_features - 1) + (extra,))
cell = shared.live(f"{KEY}_cell", cell_config, shared.trained, large=False)
choice = int(theoretical[row, column])
cell_importance = cell_config.importance_array()[0]
if cell is not None:
    from toysup.phase import classify_2, classify_3

    W = np.asarray(cell.W[0])
    label = int((classify_2 if n_features == 2 else classify_3)(W))
    trained_name = names[label] if label >= 0 else "unclassified"
    st.markdown(
        f"At p = {p:.3g}, I = {extra:.3g}: trained **{trained_name}** (loss {float(cell.final_loss[0]):.4g}); "
        f"theory **{names[choice]}** (loss {candidates[row, column, choice]:.4g})."
    )
    left, right = st.columns(2)
    with left:
        show_cell_model(W, np.asarray(cell.b[0]), cell_importance, f"Trained at this cell ({restarts} fits, best kept)")
    with right:
        weights = theory.candidate_weights_2() if n_features == 2 else theory.candidate_weights_3()
        biases = theory.candidate_biases_2(p) if n_features == 2 else theory.candidate_biases_3(p)
        show_cell_model(weights[choice], biases[choice], cell_importance, f"Theory's choice: {names[choice]}")
    st.dataframe(
        {
            "candidate": list(names),
            "closed-form loss": candidates[row, column],
            "lowest": [i == choice for i in range(len(names))],
        },
        hide_index=True,
    )
