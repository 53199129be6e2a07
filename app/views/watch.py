"""Watch it learn: the geometry forming during training, replayed from snapshots taken inside the compiled run."""

import io

import numpy as np
import shared
import streamlit as st

import toysup
from toysup import animation as animate
from toysup import metrics, plots
from toysup.snapshots import snapshot_steps, train_with_snapshots

KEY = "watch"
EVERY = (10, 20, 50, 100, 200, 500)
MAX_SNAPSHOTS = 400


@st.cache_data(show_spinner=False, max_entries=16)
def snapshots_of(config: toysup.ToyConfig, every: int) -> dict:
    """Train with a snapshot of W every ``every`` steps (the frames), and the D_i and loss curves."""
    with shared.progress("Training with snapshots") as on_chunk:
        result, snapshots = train_with_snapshots(
            config, every, log_every=shared.log_every(config.steps), on_chunk=on_chunk
        )
    steps = snapshot_steps(len(snapshots), every, result.steps_done)
    return {
        "W": snapshots,
        "steps": steps,
        "loss": result.loss_history[:, 0],
        "loss_steps": (np.arange(len(result.loss_history)) + 1) * result.log_every,
        "dimensionality": np.asarray(metrics.feature_dimensionality(snapshots[:, 0])),
    }


@st.cache_data(show_spinner=False, max_entries=64)
def frame_png(W: np.ndarray, step: int, importance: np.ndarray, limit: float) -> bytes:
    buffer = io.BytesIO()
    animate.frame_figure(W, step, importance, limit).savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


@st.cache_data(show_spinner=False, max_entries=4)
def gif_bytes(W: np.ndarray, steps: np.ndarray, importance: np.ndarray) -> bytes:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = animate.save_animation(W, steps, Path(folder) / "learning.gif", fps=8, importance=importance, dpi=80)
        return path.read_bytes()


st.title("Watch it learn")
st.markdown(
    "W is copied out of the compiled training run every N steps (one `lax.scan` per N steps, no Python "
    "per step). Scrub through the snapshots to see the features find their places: arrows in the plane "
    "for m = 2, otherwise the WᵀW heat map and each feature's dimensionality D_i (paper Sec. 7)."
)

with st.sidebar:
    n_features = st.slider("features n", 2, 20, 5, key=f"{KEY}_features")
    n_hidden = st.slider("hidden dimensions m", 1, 10, 2, key=f"{KEY}_hidden")
    probability = st.select_slider(
        "feature probability p",
        shared.PROBABILITIES,
        value=0.05,
        key=f"{KEY}_probability",
        help="How often each feature is non-zero; the paper's sparsity is S = 1 − p.",
    )
    decay = st.slider("importance decay r", 0.5, 1.0, 0.9, 0.05, key=f"{KEY}_decay")
    steps = st.select_slider("steps", shared.STEPS, value=3000, key=f"{KEY}_steps")
    every = st.select_slider("snapshot every N steps", EVERY, value=50, key=f"{KEY}_every")
    learning_rate = st.select_slider("learning rate", shared.LEARNING_RATES, value=3e-3, key=f"{KEY}_lr")

config = shared.build(
    toysup.ToyConfig,
    n_features=n_features,
    n_hidden=n_hidden,
    feature_probability=probability,
    importance_decay=decay,
    steps=steps,
    learning_rate=learning_rate,
)
if config is not None and steps // every + 1 > MAX_SNAPSHOTS:
    st.error(
        f"every: {steps} steps every {every} would take {steps // every + 1} snapshots; at most "
        f"{MAX_SNAPSHOTS} — snapshot less often."
    )
    config = None

shared.report_stop(KEY)
if st.button("Train and record", type="primary", key=f"{KEY}_train", disabled=config is None):
    if shared.attempt(KEY, snapshots_of, config, every) is not None:
        st.session_state[f"{KEY}_shown"] = (config, every)

shown = st.session_state.get(f"{KEY}_shown")
if shown is None:
    st.info("Press **Train and record** (a few seconds at the default settings).")
else:
    shown_config, shown_every = shown
    recording = snapshots_of(shown_config, shown_every)
    importance = shown_config.importance_array()[0]
    frames = len(recording["W"])
    index = st.slider("snapshot", 0, frames - 1, frames - 1, key=f"{KEY}_frame", help="drag to scrub through training")
    limit = max(1.2, float(np.abs(recording["W"]).max()) * 1.1)
    left, right = st.columns(2)
    with left:
        st.image(frame_png(recording["W"][index], int(recording["steps"][index]), importance, limit))
        if st.button("Play as GIF", key=f"{KEY}_gif"):
            st.session_state[f"{KEY}_gif_of"] = shown
        if st.session_state.get(f"{KEY}_gif_of") == shown:
            gif = gif_bytes(recording["W"], recording["steps"], importance)
            st.image(gif, caption="the whole recording")
            st.download_button(
                "Download GIF",
                gif,
                file_name="toysup-learning.gif",
                mime="image/gif",
                key=f"{KEY}_gif_download",
                on_click="ignore",
            )
    with right:
        fig = plots.dimensionality_over_training(
            recording["steps"], recording["dimensionality"], recording["loss_steps"], recording["loss"]
        )
        shared.show(fig)
    st.caption(
        "For slides: `toysup animate --features 5 --hidden 2 --feature-probability 0.05 --steps 3000 "
        "--every 50 --out learning.gif` (or `.mp4` with ffmpeg)."
    )
