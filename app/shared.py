"""What the pages share: cached training, a progress bar with a Stop button, a run's view, run download/upload.

Long work runs in a cached function that draws its own ``st.progress`` bar; the page shows a Stop button while it
runs. Pressing Stop makes Streamlit stop the running script at the next progress update, so the cached function
raises and caches nothing, and the next run of the page says it was stopped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import streamlit as st
from run_zip import MAX_UPLOAD_MB, run_from_zip, run_to_zip

import toysup
from toysup import metrics, plots

MAX_SHOWN_INSTANCES = 8
# Above these sizes a run's view would take more than a second or two to build (WᵀW is features × features per
# model, and the superposition test eigen-solves it; a download recomputes every model's metrics), so a run this
# large — only an upload can be — is shown as a summary table of cheap measures instead of the plots.
MAX_DRAWN_FEATURES = 200
MAX_DRAWN_INSTANCES = 64
MAX_SUMMARY_ROWS = 1000

PROBABILITIES = (1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.01, 0.005, 0.002, 0.001)
STEPS = (50, 100, 200, 500, 1000, 2000, 3000, 5000, 10_000, 20_000)
LEARNING_RATES = (1e-3, 3e-3, 1e-2, 3e-2)


def chunk_steps(steps: int) -> int:
    """Steps per compiled chunk: small enough for a moving progress bar and a prompt Stop."""
    return min(steps, 100)


def log_every(steps: int) -> int:
    """Steps per point of a loss curve: at most about 500 points."""
    return max(1, steps // 500)


@contextlib.contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar for the work inside the block; yields the ``on_chunk(done, total)`` callback.

    Called inside the cached functions, so the bar is theirs (Streamlit replays a cached function's elements, and
    the bar is removed again at the end).
    """
    area = st.empty()
    bar = area.progress(0.0, text=label)

    def on_chunk(done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{label}: {done:,} / {total:,}")

    try:
        yield on_chunk
    finally:
        area.empty()


@contextlib.contextmanager
def stop_button(key: str) -> Iterator[None]:
    """A Stop button shown while the block runs. Pressing it makes Streamlit stop the script at the next
    progress update (the cached function raises, so nothing is cached) and rerun the page, which then says so."""
    area = st.empty()
    area.button("Stop", key=f"{key}_stop", on_click=_stopped, args=(key,))
    try:
        yield
    finally:
        area.empty()


def _stopped(key: str) -> None:
    st.session_state[f"{key}_was_stopped"] = True


def report_stop(key: str) -> None:
    """Say so if the last work of ``key`` was stopped."""
    if st.session_state.pop(f"{key}_was_stopped", False):
        st.info("Stopped. Nothing was kept; change the settings or press the button again.")


def attempt(key: str, work: Callable[..., Any], *args: Any) -> Any:
    """``work(*args)`` with a Stop button; a ValueError becomes an ``st.error`` and None."""
    with stop_button(key):
        try:
            return work(*args)
        except ValueError as error:
            st.error(str(error))
            return None


def train_button(key: str, config: Any, work: Callable[[Any], Any], hint: str = "Press **Train**.") -> Any:
    """The Train button of a page: runs ``work(config)`` (cached) when pressed and returns the config of the
    results to show — the last trained one, which may differ from the current widgets — or None, after a hint."""
    report_stop(key)
    if st.button("Train", type="primary", key=f"{key}_train", disabled=config is None):
        if attempt(key, work, config) is not None:
            st.session_state[f"{key}_shown"] = config
    shown = st.session_state.get(f"{key}_shown")
    if shown is None:
        st.info(hint)
    elif shown != config:
        st.caption("Showing the last trained models; the settings have changed since — press Train to update.")
    return shown


@st.cache_data(show_spinner=False, max_entries=64)
def trained(config: toysup.ToyConfig) -> toysup.TrainResult:
    """``toysup.train(config)``, remembered across reruns and sessions."""
    with progress("Training") as on_chunk:
        return toysup.train(
            config,
            chunk_steps=chunk_steps(config.steps),
            log_every=log_every(config.steps),
            progress=False,
            on_chunk=on_chunk,
        )


def build(factory: Callable[..., Any], **values: Any) -> Any:
    """``factory(**values)`` (a config), or None after showing the validation message."""
    try:
        return factory(**values)
    except ValueError as error:
        st.error(str(error))
        return None


PIXELS_PER_INCH = 120  # figures are shown at their own size, not stretched to the column


def show(fig) -> None:
    st.pyplot(fig, clear_figure=False, width=int(fig.get_figwidth() * PIXELS_PER_INCH))
    plt.close(fig)


@st.cache_data(show_spinner=False, max_entries=32)
def run_figures(result: toysup.TrainResult) -> dict[str, Any]:
    """The figures and metrics table of a run (first instances only)."""
    config = result.config
    shown = min(config.n_instances, MAX_SHOWN_INSTANCES)
    W, b = result.W[:shown], result.b[:shown]
    probability = config.feature_probability_array()[:shown, 0]
    titles = [f"p = {p:.3g}" for p in probability]
    figures = {}
    if config.n_hidden == 2:
        figures["directions"] = plots.feature_directions_2d(W, config.importance_array()[0], titles=titles)
    figures["gram"] = plots.gram_and_bias(W, b, titles=titles)
    figures["loss"] = plots.loss_curves(result.loss_history[:, :shown], result.log_every, labels=titles)
    for fig in figures.values():
        plt.close(fig)
    summary = metrics.summary(W)
    table = {
        "p": probability,
        "final loss": result.final_loss[:shown],
        "features represented": summary["n_represented"],
        "D* = m/‖W‖²": summary["dimensions_per_feature"],
        "superposition": summary["in_superposition"],
    }
    dimensionality = {f"D_{i}": summary["feature_dimensionality"][:, i] for i in range(config.n_features)}
    return {"figures": figures, "table": table, "dimensionality": dimensionality}


def too_large_to_draw(config: toysup.ToyConfig) -> bool:
    """Whether the run view of this config would take more than a second or two (see ``MAX_DRAWN_FEATURES``)."""
    return config.n_features > MAX_DRAWN_FEATURES or config.n_instances > MAX_DRAWN_INSTANCES


def run_summary(result: toysup.TrainResult) -> dict[str, Any]:
    """Per model (the first ``MAX_SUMMARY_ROWS``), measures that cost one pass over W, no features × features
    matrix: final loss, features represented, D* = m/‖W‖_F² and the largest feature norm."""
    shown = min(result.config.n_instances, MAX_SUMMARY_ROWS)
    W = np.asarray(result.W[:shown], dtype=np.float64)
    norms = np.linalg.norm(W, axis=-2)
    frobenius = np.sum(W**2, axis=(-2, -1))
    return {
        "model": np.arange(shown),
        "p (first feature)": result.config.feature_probability_array()[:shown, 0],
        "final loss": result.final_loss[:shown],
        "features represented": np.sum(norms > metrics.REPRESENTED_NORM, axis=-1),
        "D* = m/‖W‖²": np.where(frobenius > 0, W.shape[-2] / np.where(frobenius > 0, frobenius, 1.0), 0.0),
        "largest ‖W_i‖": norms.max(axis=-1),
    }


def show_run(result: toysup.TrainResult) -> None:
    """Everything about a trained toy model: geometry, WᵀW, biases, norms by interference, dimensionality, loss.
    A run too large to draw quickly gets a summary table instead."""
    config = result.config
    if result.steps_done < config.steps:
        st.warning(f"This run stopped early: {result.steps_done} of {config.steps} steps.")
    if too_large_to_draw(config):
        st.info(
            f"This run has {config.n_instances} models of {config.n_features} features in {config.n_hidden} "
            f"dimensions: more than the page draws in a second or two (at most {MAX_DRAWN_INSTANCES} models of "
            f"{MAX_DRAWN_FEATURES} features), so it is summarised here instead of plotted."
        )
        if config.n_instances > MAX_SUMMARY_ROWS:
            st.caption(f"The first {MAX_SUMMARY_ROWS} of {config.n_instances} models.")
        st.dataframe(run_summary(result), hide_index=True)
        return
    if config.n_instances > MAX_SHOWN_INSTANCES:
        st.caption(f"Showing the first {MAX_SHOWN_INSTANCES} of {config.n_instances} models.")
    view = run_figures(result)
    st.dataframe(view["table"], hide_index=True)
    left, right = st.columns(2)
    with left:
        if "directions" in view["figures"]:
            st.markdown("**Feature directions W_i** (yellow = most important)")
            show(view["figures"]["directions"])
        st.markdown("**Loss**")
        show(view["figures"]["loss"])
    with right:
        st.markdown("**WᵀW, bias b, and ‖W_i‖** coloured by interference (black: none; yellow: superposition)")
        show(view["figures"]["gram"])
    with st.expander("Feature dimensionality D_i of every feature"):
        st.dataframe(view["dimensionality"], hide_index=True)


@st.cache_data(show_spinner=False, max_entries=16)
def zipped(result: toysup.TrainResult) -> bytes:
    return run_to_zip(result)


def download_run(result: toysup.TrainResult, key: str) -> None:
    """A download button for the run as a zip; not for a run too large to draw (only an upload can be, and saving
    it again would recompute every model's metrics)."""
    if too_large_to_draw(result.config):
        st.caption("This run is too large to zip again here; the file you uploaded holds it.")
        return
    st.download_button(
        "Download this run (.zip)",
        zipped(result),
        file_name="toysup-run.zip",
        mime="application/zip",
        key=f"{key}_download",
        on_click="ignore",
    )


def upload_run(key: str) -> toysup.TrainResult | None:
    """A file uploader for a run zip; the loaded run, or None (with an ``st.error`` when it is refused)."""
    upload = st.file_uploader(
        "Load a saved run (.zip of config.json, params.npz, metrics.json, loss.npy)",
        type=["zip"],
        key=f"{key}_upload",
        max_upload_size=MAX_UPLOAD_MB,
    )
    if upload is None:
        return None
    try:
        return _loaded(upload.getvalue())
    except ValueError as error:  # a DamagedFileError too: every refusal of an upload is one
        st.error(f"Could not load {upload.name}: {error}")
        return None


@st.cache_data(show_spinner=False, max_entries=8)
def _loaded(data: bytes) -> toysup.TrainResult:
    return run_from_zip(data)


def sparsities(n_models: int, lowest: float) -> tuple[float, ...]:
    """One feature probability, or ``n_models`` from 1 down to ``lowest`` (geometric)."""
    if n_models == 1:
        return (float(lowest),)
    return tuple(float(p) for p in np.geomspace(1.0, lowest, n_models))
