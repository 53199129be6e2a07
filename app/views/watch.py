"""Watch it learn: the geometry forming during training, replayed from snapshots taken inside the compiled run."""

import charts
import numpy as np
import shared
import streamlit as st

import toysup
from toysup import animation as animate
from toysup import metrics
from toysup.snapshots import snapshot_steps, train_with_snapshots

KEY = "watch"
EVERY = (10, 20, 50, 100, 200, 500)
MAX_SNAPSHOTS = 400
LEVELS = (1.0, 3 / 4, 2 / 3, 1 / 2, 2 / 5, 1 / 3)
DEFAULTS = {"features": 5, "hidden": 2, "probability": 0.05, "decay": 0.9, "steps": 3000, "every": 50, "lr": 1e-2}
ALLOWED = {
    "features": shared.Between(2, 20),
    "hidden": shared.Between(1, 10),
    "probability": shared.PROBABILITIES,
    "decay": shared.Between(0.5, 1.0),
    "steps": shared.STEPS,
    "every": EVERY,
    "lr": shared.LEARNING_RATES,
}
PRESETS = {
    "a pentagon forms": (
        DEFAULTS,
        "Scrub from step 0: the features leave the origin one by one and settle at 72°; each D_i jumps to 2/5.",
    ),
    "two antipodal pairs form": (
        {**DEFAULTS, "features": 4, "probability": 0.1},
        "Four features pair up head to tail: each D_i climbs to 1/2 (its pair shares one dimension).",
    ),
    "stuck in a trap": (
        {**DEFAULTS, "lr": 3e-3},
        "A smaller learning rate: the features end as two antipodal pairs and one dropped, not the pentagon — "
        "compare the final loss with the preset above.",
    ),
    "dense: the least important drop out": (
        {**DEFAULTS, "probability": 1.0},
        "Dense features: two take a dimension each (D_i → 1) and the other three shrink to zero (D_i → 0).",
    ),
}
HELP = {
    **shared.HELP,
    "every": "Steps between snapshots of W (the frames). Typical 10–100; at most 400 frames per recording.",
    "frame": "Which snapshot to show: drag to scrub through training (step 0 is the initial weights).",
}


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
    "for m = 2, otherwise the WᵀW heat map, and each feature's dimensionality D_i (paper Sec. 7). "
    "It records again by itself when you move a control."
)

shared.url_state(KEY, DEFAULTS, ALLOWED)
with st.sidebar:
    shared.presets(KEY, PRESETS)
    n_features = st.slider("features n", 2, 20, key=f"{KEY}_features", help=HELP["features"])
    n_hidden = st.slider("hidden dimensions m", 1, 10, key=f"{KEY}_hidden", help=HELP["hidden"])
    probability = st.select_slider(
        "feature probability p", shared.PROBABILITIES, key=f"{KEY}_probability", help=HELP["probability"]
    )
    decay = st.slider("importance decay r (I_i = r^i)", 0.5, 1.0, step=0.05, key=f"{KEY}_decay", help=HELP["decay"])
    steps = st.select_slider("steps", shared.STEPS, key=f"{KEY}_steps", help=HELP["steps"])
    every = st.select_slider("snapshot every N steps", EVERY, key=f"{KEY}_every", help=HELP["every"])
    learning_rate = st.select_slider(
        "learning rate", shared.LEARNING_RATES, key=f"{KEY}_lr", help=HELP["learning_rate"]
    )
shared.sync_url(KEY, DEFAULTS)

config = shared.build(
    toysup.ToyConfig,
    n_features=n_features,
    n_hidden=n_hidden,
    feature_probability=probability,
    importance_decay=decay,
    steps=steps,
    learning_rate=learning_rate,
)
if config is not None and config.steps // every + 1 > MAX_SNAPSHOTS:
    st.error(
        f"every: {config.steps} steps every {every} would take {config.steps // every + 1} snapshots; at most "
        f"{MAX_SNAPSHOTS} — snapshot less often."
    )
    config = None

recording = shared.live(KEY, config, snapshots_of, every)
shown = st.session_state.get(f"{KEY}_shown")
if recording is not None and shown is not None:
    shown_config = shown[0]
    importance = shown_config.importance_array()[0]
    frames = len(recording["W"])
    if st.session_state.get(f"{KEY}_frames_of") != shown:  # a new recording opens at its last frame
        st.session_state[f"{KEY}_frames_of"] = shown
        st.session_state[f"{KEY}_frame"] = frames - 1
    index = st.slider("snapshot", 0, frames - 1, key=f"{KEY}_frame", help=HELP["frame"])
    step = int(recording["steps"][index])
    W = recording["W"][index, 0]
    left, right = st.columns(2)
    with left:
        if W.shape[0] == 2:
            limit = max(1.2, float(np.abs(recording["W"]).max()) * 1.1)
            shared.chart(charts.feature_directions(W, importance, f"W_i at step {step:,}", limit=limit))
        else:
            shared.chart(charts.heatmap(W.T @ W, "feature j", "feature i", f"WᵀW at step {step:,}", "W_i·W_j"))
    with right:
        curves = {
            str(i): (recording["steps"], recording["dimensionality"][:, i])
            for i in range(recording["dimensionality"].shape[1])
        }
        shared.chart(
            charts.lines(
                curves,
                "step",
                "dimensionality D_i",
                "Each feature's D_i (dotted: 1, 3/4, 2/3, 1/2, 2/5, 1/3)",
                log_y=False,
                series="feature",
                marker=step,
                levels=LEVELS,
            )
        )
        shared.chart(
            charts.lines(
                {"loss": (recording["loss_steps"], recording["loss"])},
                "step",
                "loss L",
                "Loss",
                marker=step,
                height=140,
            )
        )
        st.caption(f"Final loss L = {float(recording['loss'][-1]):.4g} (the mean of the last logged block of steps).")
    if st.button("Play as GIF", key=f"{KEY}_gif", help="Render the whole recording as an animated GIF (seconds)."):
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
            help="The recording as an animated GIF, for slides.",
        )
    st.caption(
        f"For slides: `toysup animate --features {shown_config.n_features} --hidden {shown_config.n_hidden} "
        f"--feature-probability {probability:g} --importance-decay {decay:g} --steps {shown_config.steps} "
        f"--every {shown[1]} --lr {shown_config.learning_rate:g} --out learning.gif` (or `.mp4` with ffmpeg)."
    )
