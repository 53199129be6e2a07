"""What the pages share: settings in the URL, presets, cached training that starts by itself, a progress bar
with a Stop button, a run's view, run download/upload.

Long work runs in a cached function that draws its own ``st.progress`` bar; the page shows a Stop button while it
runs. Pressing Stop makes Streamlit stop the running script at the next progress update, so the cached function
raises and caches nothing, and the next run of the page says it was stopped.

Importing this module keeps the process's compiled programs in the per-user cache folder
(:func:`use_compilation_cache`), so a new server reads what an earlier one compiled.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import charts
import jax
import numpy as np
import streamlit as st
from run_zip import MAX_UPLOAD_MB, run_from_zip, run_to_zip

import toysup
from toysup import metrics
from toysup.examples import cache_folder

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

# A run at most this large (see ``work_of``) trains in about two seconds on two cores once compiled (5 features in
# 2 dimensions for 10,000 steps; 8 models of 40 features in 8 dimensions for 1,500 steps at batch 256), so a page
# retrains it by itself when a control moves; a larger one waits for its Train button.
LIVE_WORK = 1_200_000_000
SMALLEST_LAYER = 64  # below this many weights per model a step costs the same (overheads dominate)

HELP = {
    "features": "n: how many sparse input features the model must represent. Typical: 2–20.",
    "hidden": "m: hidden dimensions the n features are squeezed into. Typical: 1–10 (m < n forces a choice).",
    "probability": "p: the chance that each feature is non-zero in an input, unitless, 0–1; the paper's sparsity is "
    "S = 1 − p. Typical: 1 (dense) down to 0.001 (very sparse).",
    "decay": "r: feature i has importance I_i = r^i in the loss (feature 0 matters most). Unitless, 0.5–1; "
    "1 = all equally important.",
    "steps": "Optimiser steps (Adam). More steps settle the geometry; typical 1,000–5,000.",
    "learning_rate": "Adam's step size. Typical 1e-3–3e-2; too large diverges, too small ends early in a trap.",
    "seed": "Random seed of the initial weights and the data; the same seed gives the same run.",
    "models": "How many models to train side by side, at feature probabilities p spaced geometrically from 1 "
    "(dense) down to the value chosen. Typical: 1–8.",
}


def use_compilation_cache() -> str:
    """Keep the app's compiled programs on disk, in the per-user cache folder of toysup (``TOYSUP_CACHE``, else the
    platform's cache folder; see :func:`toysup.examples.cache_folder`) under ``compiled/``; returns the folder.

    A page's first view on a new server otherwise waits for JAX to compile its programs (1.5–3 s on two cores);
    read from this cache they take a small part of that. Every program is kept, however quickly it compiled: the
    metrics' small ones add up. A folder already set (``JAX_COMPILATION_CACHE_DIR``) is left as it is."""
    if not jax.config.jax_compilation_cache_dir:
        jax.config.update("jax_compilation_cache_dir", str(cache_folder() / "compiled"))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    return jax.config.jax_compilation_cache_dir


use_compilation_cache()


class Between:
    """The closed interval ``[low, high]``, as an allowed set of values for :func:`url_state`."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and self.low <= value <= self.high


def _parse(text: str, default: Any) -> Any:
    """``text`` as a value of ``default``'s type; ValueError if it is not one."""
    if isinstance(default, bool):
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no"):
            return False
        raise ValueError(text)
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float):
        value = float(text)
        if not np.isfinite(value):
            raise ValueError(text)
        return value
    return str(text)


def _url_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, np.generic):
        value = value.item()
    return str(value)


def url_state(prefix: str, defaults: dict[str, Any], allowed: dict[str, Any] | None = None) -> None:
    """Give every widget ``{prefix}_{name}`` its starting value, from the URL where it says so.

    Called before the widgets, which then take their values from ``st.session_state`` (they pass no ``value=``,
    so ``defaults`` is the one place a page's defaults live). On the page's first run in a session, each query
    parameter ``name`` of ``defaults`` is read as a value of the default's type and, if ``allowed[name]`` (a
    collection or a :class:`Between`) holds it, replaces the default; a value that is not one is ignored with an
    ``st.warning`` naming the parameter. Later runs leave the widgets alone (:func:`sync_url` keeps the URL up to
    date). A value can also be set before the first run by a preset. Coming back to the page in the same
    session restores the settings it was left with (Streamlit drops the widgets' own state on leaving a page).
    """
    allowed = allowed or {}
    saved = st.session_state.get(f"{prefix}__saved", {})  # the settings when the page was last left
    for name, default in defaults.items():
        if name in allowed and default not in allowed[name]:
            raise ValueError(f"{prefix}: the default {name}={default!r} is not among its allowed values")
        st.session_state.setdefault(f"{prefix}_{name}", saved.get(name, default))
    if st.session_state.get(f"{prefix}__url_read"):
        return
    st.session_state[f"{prefix}__url_read"] = True
    for name, default in defaults.items():
        if name not in st.query_params:
            continue
        text = st.query_params[name]
        try:
            value = _parse(text, default)
            if name in allowed and value not in allowed[name]:
                raise ValueError(text)
        except ValueError:
            st.warning(f"The link's setting {name}={text!r} is not a valid value; using {_url_text(default)}.")
            continue
        if isinstance(default, float) and name in allowed and not isinstance(allowed[name], Between):
            value = min(allowed[name], key=lambda option: abs(option - value))  # the option itself, not a near copy
        st.session_state[f"{prefix}_{name}"] = value


def sync_url(prefix: str, names: Any) -> None:
    """Write the current values of the widgets ``{prefix}_{name}`` to the URL's query parameters, so a link
    opens this view (call after the widgets)."""
    saved = st.session_state.setdefault(f"{prefix}__saved", {})
    for name in names:
        key = f"{prefix}_{name}"
        if key in st.session_state:
            saved[name] = st.session_state[key]  # Streamlit forgets a widget's value when its page is left
            text = _url_text(st.session_state[key])
            if st.query_params.get(name) != text:
                st.query_params[name] = text


def presets(prefix: str, choices: dict[str, tuple[dict[str, Any], str]]) -> str | None:
    """A chooser of the page's presets ``{name: (settings, one-line "try this / look for")}``.

    Choosing one sets the widgets ``{prefix}_{setting}`` (in the chooser's callback, before the page runs again);
    its one-liner is shown while the settings still match it. Returns the chosen preset's name, or None.
    """
    key = f"{prefix}_preset"
    st.selectbox(
        "Preset",
        [None, *choices],
        format_func=lambda name: "— choose a preset —" if name is None else name,
        key=key,
        on_change=_apply_preset,
        args=(prefix, choices),
        help="Settings that show one idea of the paper; choosing one sets the controls below. Then move them.",
    )
    name = st.session_state.get(key)
    if name is None:
        return None
    settings, hint = choices[name]
    if all(st.session_state.get(f"{prefix}_{setting}") == value for setting, value in settings.items()):
        st.info(f"**{name}.** {hint}")
    else:
        st.caption(f"Changed since the preset *{name}*.")
    return name


def _apply_preset(prefix: str, choices: dict[str, tuple[dict[str, Any], str]]) -> None:
    name = st.session_state.get(f"{prefix}_preset")
    if name is not None:
        for setting, value in choices[name][0].items():
            st.session_state[f"{prefix}_{setting}"] = value


def work_of(config: Any) -> int:
    """A run's size: steps × copies × batch × weights per model, copies = models × restarts (see ``LIVE_WORK``)."""
    copies = getattr(config, "n_instances", 1) * getattr(config, "restarts", 1)
    layer = max(config.n_features * config.n_hidden, SMALLEST_LAYER)
    return config.steps * copies * getattr(config, "batch_size", 1024) * layer


def live(key: str, config: Any, work: Callable[..., Any], *args: Any, large: bool | None = None) -> Any:
    """The results of ``work(config, *args)`` (cached): computed at once when the run is small enough to answer
    in about two seconds, so the page follows its controls; for a larger run only when its Train button is
    pressed (the last trained results stay shown meanwhile). A large toy-model run (``work`` is :func:`trained`)
    streams (:func:`streamed`): its loss curves, its first model's metrics and geometry are redrawn after every
    chunk, and the session keeps its last few results so moving back is instant. Returns the results to show, or None.
    """
    report_stop(key)
    if config is None:
        return None
    large = work_of(config) > LIVE_WORK if large is None else large
    state = f"{key}_shown"
    if not large:
        result = attempt(key, work, config, *args)
        if result is not None:
            st.session_state[state] = (config, *args)
        return result
    kept = st.session_state.setdefault(f"{key}_kept", {})
    st.caption(
        "A large run: it starts when you press **Train**, draws its progress after every chunk, and Stop keeps nothing."
    )
    if st.button("Train", type="primary", key=f"{key}_train", help="Train the run with the settings shown (cached)."):
        result = attempt(key, streamed if work is trained else work, config, *args)
        if result is not None:
            st.session_state[state] = (config, *args)
            if work is trained:
                kept[config] = result
                while len(kept) > MAX_KEPT_RUNS:
                    kept.pop(next(iter(kept)))
    shown = st.session_state.get(state)
    if shown is None:
        st.info("Press **Train** to train this large run.")
        return None
    if shown != (config, *args):
        st.caption("Showing the last trained run; the settings have changed since — press Train to update.")
    if work is trained and shown[0] in kept:
        return kept[shown[0]]
    return work(*shown)


MAX_KEPT_RUNS = 4  # large streamed runs a session keeps (each at most a few MB)


# A streamed run redraws after every chunk that ends at least this long after the last frame (and after
# initialisation and the first chunk): a frame took 40–120 ms on two cores, as long as a chunk of a mid-sized run.
FRAME_INTERVAL_S = 0.3


def streamed(config: toysup.ToyConfig) -> toysup.TrainResult:
    """``toysup.train(config)`` with a progress bar and, after every chunk (at most every ``FRAME_INTERVAL_S``),
    what the run has reached so far: the first model's key metrics and geometry (its first fit: the directions for
    m = 2, else WᵀW, or its norms when WᵀW is too large to draw) and every shown model's loss curve.

    The loss so far comes from ``toysup.train``'s ``on_logged`` hook: the same per-step training losses the finished
    run's curve averages."""
    area = st.empty()
    curve = LossSoFar(config)
    drawn = [-np.inf]  # when the last frame was drawn

    def observe(done: int, state: Any) -> None:
        if len(curve.steps) > 1 and time.monotonic() - drawn[0] < FRAME_INTERVAL_S:
            return
        drawn[0] = time.monotonic()
        params = state[0]
        with area.container():
            stream_frame(config, done, np.asarray(params["W"] if "W" in params else params["W1"])[0], curve)

    try:
        with progress("Training") as on_chunk:
            return toysup.train(
                config,
                chunk_steps=chunk_steps(config.steps),
                log_every=log_every(config.steps),
                progress=False,
                on_chunk=on_chunk,
                observe=observe,
                on_logged=curve,
            )
    finally:
        area.empty()


class LossSoFar:
    """An ``on_logged`` hook of :func:`toysup.train`: keeps, per chunk, the mean training loss of each of the first
    ``MAX_SHOWN_INSTANCES`` models' first fit (restart 0), at the chunk's last step."""

    def __init__(self, config: toysup.ToyConfig) -> None:
        self.shown = min(config.n_instances, MAX_SHOWN_INSTANCES)
        self.probability = config.feature_probability_array()[: self.shown, 0]
        self.steps: list[int] = []
        self.means: list[np.ndarray] = []

    def __call__(self, first_step: int, losses: np.ndarray) -> None:
        self.steps.append(first_step + len(losses))
        self.means.append(np.asarray(losses[:, : self.shown], dtype=np.float64).mean(axis=0))

    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """``{"p = …": (steps, mean loss)}`` per shown model, for :func:`charts.lines`."""
        means = np.reshape(self.means, (len(self.means), self.shown))
        return {f"p = {p:.3g}": (np.asarray(self.steps), means[:, i]) for i, p in enumerate(self.probability)}


def stream_frame(config: toysup.ToyConfig, done: int, W: np.ndarray, curve: LossSoFar) -> None:
    """One frame of a streamed run at step ``done``: the first model's loss so far, features represented and D*
    (from its weights ``W``, (hidden, features)), its geometry, and the loss curves so far."""
    st.caption(f"Step {done:,} of {config.steps:,}: the run so far (the metrics and geometry: the first model).")
    loss = f"{curve.means[-1][0]:.4g}" if curve.means else "—"
    columns = st.columns(3)
    columns[0].metric("loss L (last chunk)", loss, help="The first model's mean training loss over the last chunk.")
    measured = metrics.summary(W[None])
    columns[1].metric(
        "features represented",
        f"{int(measured['n_represented'][0])} of {W.shape[1]}",
        help=METRIC_HELP["features represented"],
    )
    columns[2].metric(
        "D* = m/‖W‖²", f"{float(measured['dimensions_per_feature'][0]):.3g}", help=METRIC_HELP["D* = m/‖W‖²"]
    )
    left, right = st.columns(2)
    with left:
        if W.shape[0] == 2:
            chart(charts.feature_directions(W, config.importance_array()[0], f"W_i at step {done:,}", size=200))
        elif W.shape[1] <= MAX_DRAWN_FEATURES:
            chart(charts.heatmap(W.T @ W, "feature j", "feature i", f"WᵀW at step {done:,}", "W_i·W_j"))
        else:
            chart(charts.bars(np.linalg.norm(W, axis=0), "norm ‖W_i‖", f"Norms at step {done:,}"))
    with right:
        if curve.means:
            chart(charts.lines(curve.curves(), "step", "loss L", "Loss so far (mean of each chunk)"))


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
    area.button("Stop", key=f"{key}_stop", on_click=_stopped, args=(key,), help="Stop the work; nothing of it is kept.")
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


def capped_steps(steps: int) -> int:
    """``steps``, at most ``TOYSUP_APP_MAX_STEPS`` when that is set (the app's tests train briefly with it)."""
    cap = os.environ.get("TOYSUP_APP_MAX_STEPS")
    return min(int(steps), int(cap)) if cap else int(steps)


def build(factory: Callable[..., Any], **values: Any) -> Any:
    """``factory(**values)`` (a config; its ``steps`` capped by :func:`capped_steps`), or None after showing the
    validation message."""
    if "steps" in values:
        values["steps"] = capped_steps(values["steps"])
    try:
        return factory(**values)
    except ValueError as error:
        st.error(str(error))
        return None


PIXELS_PER_INCH = 120  # figures are shown at their own size, not stretched to the column


def chart(value: Any, **kwargs: Any) -> Any:
    """An Altair chart at its own size (not stretched to the column)."""
    return st.altair_chart(value, width="content", **kwargs)


METRIC_HELP = {
    "final loss": "L = Σ_i I_i (x_i − x′_i)², averaged over inputs, at the end of training.",
    "features represented": "Features whose column of W has norm ‖W_i‖ > 0.5 (the model keeps them).",
    "D* = m/‖W‖²": (
        "m/‖W‖²_F: hidden dimensions per feature, ‖W‖²_F counting the represented ones; 1 = a dimension each, "
        "below 1 = features share dimensions."
    ),
    "superposition": "Whether some represented features share dimensions (their W_i are not orthogonal).",
}


@st.cache_data(show_spinner=False, max_entries=32)
def run_view(result: toysup.TrainResult) -> dict[str, Any]:
    """The numbers a run's view shows (first instances only): the table, W, WᵀW, b, norms, interference, loss."""
    config = result.config
    shown = min(config.n_instances, MAX_SHOWN_INSTANCES)
    W, b = np.asarray(result.W[:shown], float), np.asarray(result.b[:shown], float)
    probability = config.feature_probability_array()[:shown, 0]
    measured = metrics.summary(W)
    table = {
        "p": probability,
        "final loss": result.final_loss[:shown],
        "features represented": measured["n_represented"],
        "D* = m/‖W‖²": measured["dimensions_per_feature"],
        "superposition": measured["in_superposition"],
    }
    dimensionality = {f"D_{i}": measured["feature_dimensionality"][:, i] for i in range(config.n_features)}
    loss_steps = (np.arange(result.loss_history.shape[0]) + 1) * result.log_every
    return {
        "W": W,
        "b": b,
        "probability": probability,
        "importance": config.importance_array()[0],
        "table": table,
        "dimensionality": dimensionality,
        "loss": {f"p = {p:.3g}": (loss_steps, result.loss_history[:, i]) for i, p in enumerate(probability)},
    }


def metric_columns() -> dict[str, Any]:
    """The run table's column headers, with their one-line definitions as help."""
    return {name: st.column_config.Column(name, help=text) for name, text in METRIC_HELP.items()}


def show_model(W: np.ndarray, b: np.ndarray, importance: np.ndarray, title: str = "") -> None:
    """One toy model's geometry: its directions (m = 2), WᵀW, and its norms (coloured by interference) and
    biases, each an interactive chart with tooltips."""
    norms = np.linalg.norm(W, axis=0)
    interference = charts.interference_of(W)
    columns = st.columns(3 if W.shape[0] == 2 else 2)
    if W.shape[0] == 2:
        with columns[0]:
            chart(charts.feature_directions(W, importance, title=f"Directions W_i {title}"))
    with columns[-2]:
        chart(charts.heatmap(W.T @ W, "feature j", "feature i", f"WᵀW {title}", value_label="W_i·W_j"))
    with columns[-1]:
        extra = {"importance I_i": importance, "bias b_i": b, "interference": interference}
        chart(
            charts.bars(
                norms,
                "norm ‖W_i‖",
                "Norms, coloured by interference",
                color=interference,
                color_title="interference",
                extra=extra,
            )
        )
        chart(charts.bars(b, "bias b_i", "Biases", extra={"norm ‖W_i‖": norms}))


def show_run(result: toysup.TrainResult, key: str = "run") -> None:
    """Everything about a trained toy model: geometry, WᵀW, norms by interference, biases, dimensionality, loss.
    With several models, all their directions side by side and one chosen model in detail. A run too large to
    draw quickly gets a summary table instead."""
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
    view = run_view(result)
    st.dataframe(view["table"], hide_index=True, column_config=metric_columns())
    shown = len(view["probability"])
    if shown > 1 and config.n_hidden == 2:
        st.markdown("**Feature directions of every model**, from dense (left) to sparse (right); hover an arrow.")
        row = st.columns(shown)
        for i, column in enumerate(row):
            with column:
                chart(
                    charts.feature_directions(
                        view["W"][i], view["importance"], f"p = {view['probability'][i]:.3g}", size=120
                    )
                )
    index = 0
    if shown > 1:
        index = st.select_slider(
            "model shown in detail",
            range(shown),
            value=shown - 1,
            format_func=lambda i: f"p = {view['probability'][i]:.3g}",
            key=f"{key}_detail",
            help="Which of the models (by its feature probability p) the charts below show.",
        )
    show_model(view["W"][index], view["b"][index], view["importance"], f"(p = {view['probability'][index]:.3g})")
    chart(charts.lines(view["loss"], "step", "loss L", "Loss during training"))
    with st.expander("Feature dimensionality D_i of every feature"):
        st.caption("D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)²: the fraction of a dimension feature i gets (paper Sec. 7).")
        st.dataframe(view["dimensionality"], hide_index=True)


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
        help="The run as a zip (config.json, params.npz, metrics.json, loss.npy), loadable here or with toysup.",
    )


def upload_run(key: str) -> toysup.TrainResult | None:
    """A file uploader for a run zip; the loaded run, or None (with an ``st.error`` when it is refused)."""
    upload = st.file_uploader(
        "Load a saved run (.zip of config.json, params.npz, metrics.json, loss.npy)",
        type=["zip"],
        key=f"{key}_upload",
        max_upload_size=MAX_UPLOAD_MB,
        help=f"A run downloaded from this app (its zip), at most {MAX_UPLOAD_MB} MB; it is checked before anything "
        "is loaded.",
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
