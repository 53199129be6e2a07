"""The app's charts: interactive Altair (Vega-Lite) charts shown with ``st.altair_chart``, and the app's own
matplotlib figures (those ``toysup.plots`` and ``toysup.sae.plots`` do not have). They return charts or figures.

Every heatmap has a colour bar; a colour scale that one outlier would flatten is clipped at a high percentile of
|value| and its legend title says so; tooltips name the feature and its numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

ROBUST_PERCENTILE = 98.0  # colour scales clip at this percentile of |value| when the largest is an outlier
OUTLIER_RATIO = 1.5  # … that is, when the largest |value| exceeds the percentile by this factor
DIVERGING = "redblue"
SEQUENTIAL = "viridis"


def padded(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """``chart`` with its width and height meaning the plotting area, the axes and legends around it (Vega-Lite's
    "pad" autosize). Streamlit otherwise fits the whole chart, legend included, into that width, which squeezes a
    small heatmap to nothing."""
    return chart.properties(autosize=alt.AutoSizeParams(type="pad"))


def robust_limit(values: np.ndarray, percentile: float = ROBUST_PERCENTILE) -> tuple[float, bool]:
    """The colour limit for ``values``: max |value|, or the ``percentile`` of |value| when the largest is more
    than ``OUTLIER_RATIO`` times it. Returns (limit, clipped)."""
    magnitude = np.abs(np.asarray(values, dtype=float))
    magnitude = magnitude[np.isfinite(magnitude)]
    if magnitude.size == 0:
        return 1.0, False
    largest = float(magnitude.max())
    high = float(np.percentile(magnitude, percentile, method="lower"))  # no pull from the outlier
    if high > 0 and largest > OUTLIER_RATIO * high:
        return high, True
    return (largest if largest > 0 else 1.0), False


def interference_of(W: np.ndarray) -> np.ndarray:
    """Σ_{j≠i} (Ŵ_i·W_j)² of every feature i of ``W`` (hidden, features): how much of the others lies along it
    (paper Sec. 2); 0 for a feature of zero norm."""
    W = np.asarray(W, dtype=float)
    norms = np.linalg.norm(W, axis=0)
    unit = W / np.where(norms > 1e-9, norms, 1.0)
    overlap = (unit.T @ W) ** 2
    np.fill_diagonal(overlap, 0.0)
    return np.where(norms > 1e-9, overlap.sum(axis=1), 0.0)


def feature_directions(
    W: np.ndarray,
    importance: np.ndarray,
    title: str = "",
    color: np.ndarray | None = None,
    color_title: str = "importance I_i",
    size: int = 260,
    limit: float | None = None,
) -> alt.Chart:
    """The columns W_i of a 2-D ``W`` (2, features) as arrows from the origin (a line and a point at its tip),
    coloured by importance (or by ``color``). Tooltip: feature, importance, norm ‖W_i‖ and interference
    Σ_{j≠i} (Ŵ_i·W_j)². ``limit`` fixes the axes at ±limit (e.g. the same for every frame of a recording)."""
    W = np.asarray(W, dtype=float)
    n = W.shape[1]
    importance = np.asarray(importance, dtype=float)
    norms = np.linalg.norm(W, axis=0)
    tips = pd.DataFrame(
        {
            "feature": np.arange(n),
            "x": W[0],
            "y": W[1],
            "importance": importance,
            "norm": norms,
            "interference": interference_of(W),
            "colour": importance if color is None else np.asarray(color, dtype=float),
        }
    )
    origin = tips.assign(x=0.0, y=0.0)
    if limit is None:
        limit = max(1.2, float(np.abs(W).max()) * 1.15) if n else 1.2
    scale = alt.Scale(domain=[-limit, limit], nice=False)
    tooltip = [
        alt.Tooltip("feature:O", title="feature i"),
        alt.Tooltip("importance:Q", title="importance I_i", format=".3f"),
        alt.Tooltip("norm:Q", title="norm ‖W_i‖", format=".3f"),
        alt.Tooltip("interference:Q", title="interference Σ_j≠i (Ŵ_i·W_j)²", format=".3f"),
    ]
    if color is None:
        colour = alt.Color(
            "colour:Q", title=color_title, scale=alt.Scale(scheme=SEQUENTIAL), legend=alt.Legend(orient="bottom")
        )
    else:
        colour = alt.Color("colour:N", title=color_title, scale=alt.Scale(scheme="category10"), legend=None)
    lines = (
        alt.Chart(pd.concat([origin, tips]))
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("x:Q", scale=scale, title="hidden dimension 1"),
            y=alt.Y("y:Q", scale=scale, title="hidden dimension 2"),
            detail="feature:N",
            color=colour,
            tooltip=tooltip,
        )
    )
    points = (
        alt.Chart(tips)
        .mark_point(filled=True, size=90)
        .encode(x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale), color=colour, tooltip=tooltip)
    )
    labels = (
        alt.Chart(tips)
        .mark_text(dx=9, dy=-9, fontSize=11)
        .encode(x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale), text="feature:O")
    )
    return padded((lines + points + labels).properties(width=size, height=size, title=title))


def heatmap(
    matrix: np.ndarray,
    x_label: str,
    y_label: str,
    title: str = "",
    value_label: str = "value",
    x_values: Sequence | None = None,
    y_values: Sequence | None = None,
    symmetric: bool = True,
    robust: bool = True,
    cell: int | None = None,
    scheme: str | None = None,
) -> alt.Chart:
    """A heatmap of ``matrix`` (rows = y, columns = x) with a colour bar.

    Symmetric (diverging, centred on 0) by default; with ``robust`` the colour limit is the 98th percentile of
    |value| when the largest is an outlier (see :func:`robust_limit`), and the colour bar's title says so (the
    tooltip keeps the true value). ``x_values``/``y_values`` label the columns/rows (default: their index)."""
    matrix = np.asarray(matrix, dtype=float)
    rows, columns = matrix.shape
    if cell is None:  # pixels per cell: small matrices get big cells, large ones at least 8
        cell = int(max(8, min(40, 220 // max(rows, columns, 1))))
    y_values = list(range(rows)) if y_values is None else list(y_values)
    x_values = list(range(columns)) if x_values is None else list(x_values)
    table = pd.DataFrame(
        {
            "row": np.repeat(np.arange(rows), columns),
            "column": np.tile(np.arange(columns), rows),
            "y": np.repeat(np.asarray(y_values, dtype=object), columns),
            "x": np.tile(np.asarray(x_values, dtype=object), rows),
            "value": matrix.ravel(),
        }
    )
    legend = value_label
    if symmetric:
        limit, clipped = robust_limit(matrix) if robust else (max(float(np.nanmax(np.abs(matrix))), 1e-12), False)
        if clipped:
            legend = f"{value_label} (clipped at ±{limit:.3g}, the {ROBUST_PERCENTILE:.0f}th pct of |value|)"
        colour_scale = alt.Scale(scheme=scheme or DIVERGING, domain=[-limit, limit], clamp=True, reverse=True)
    else:
        low = float(np.nanmin(matrix))
        high, clipped = robust_limit(matrix - low) if robust else (float(np.nanmax(matrix - low)), False)
        if clipped:
            legend = f"{value_label} (clipped at {low + high:.3g}, the {ROBUST_PERCENTILE:.0f}th pct)"
        colour_scale = alt.Scale(scheme=scheme or SEQUENTIAL, domain=[low, low + max(high, 1e-12)], clamp=True)
    x_sort = [str(v) for v in x_values]
    y_sort = [str(v) for v in y_values]
    table["x"], table["y"] = table["x"].astype(str), table["y"].astype(str)
    chart = (
        alt.Chart(table)
        .mark_rect()
        .encode(
            x=alt.X("x:O", title=x_label, sort=x_sort),
            y=alt.Y("y:O", title=y_label, sort=y_sort),
            color=alt.Color(
                "value:Q",
                title=legend,
                scale=colour_scale,
                legend=alt.Legend(orient="bottom", direction="horizontal", titleLimit=480, gradientLength=120),
            ),
            tooltip=[
                alt.Tooltip("y:O", title=y_label),
                alt.Tooltip("x:O", title=x_label),
                alt.Tooltip("value:Q", title=value_label, format=".3f"),
            ],
        )
        .properties(width=cell * columns, height=cell * rows, title=title)
    )
    return padded(chart)


def bars(
    values: np.ndarray,
    label: str,
    title: str = "",
    category: str = "feature i",
    color: np.ndarray | None = None,
    color_title: str = "",
    extra: dict[str, np.ndarray] | None = None,
    width: int = 260,
) -> alt.Chart:
    """One horizontal bar per entry of ``values`` (e.g. each feature's norm ‖W_i‖ or bias b_i), optionally
    coloured by ``color`` (with a colour bar); ``extra`` columns join the tooltip."""
    values = np.asarray(values, dtype=float)
    table = pd.DataFrame({"index": np.arange(len(values)), "value": values})
    tooltip = [alt.Tooltip("index:O", title=category), alt.Tooltip("value:Q", title=label, format=".3f")]
    for name, column in (extra or {}).items():
        table[name] = np.asarray(column, dtype=float)
        tooltip.append(alt.Tooltip(f"{name}:Q", title=name, format=".3f"))
    encoding = {
        "y": alt.Y("index:O", title=category),
        "x": alt.X("value:Q", title=label),
        "tooltip": tooltip,
    }
    if color is not None:
        table["colour"] = np.asarray(color, dtype=float)
        encoding["color"] = alt.Color("colour:Q", title=color_title, scale=alt.Scale(scheme="plasma"))
    chart = alt.Chart(table).mark_bar().encode(**encoding)
    return padded(chart.properties(width=width, height=max(20 * len(values), 60), title=title))


def lines(
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    x_label: str,
    y_label: str,
    title: str = "",
    log_x: bool = False,
    log_y: bool = True,
    series: str = "model",
    width: int = 320,
    height: int = 220,
    marker: float | None = None,
    levels: Sequence[float] = (),
) -> alt.Chart:
    """Curves ``{name: (x, y)}`` (e.g. each model's loss over steps) on one chart, one colour per name, with a
    legend and a tooltip of name, x and y. Non-positive values are dropped on a log axis. ``marker``: a vertical
    rule at that x (e.g. the snapshot shown); ``levels``: dotted horizontal reference lines."""
    frames = []
    for name, (x, y) in curves.items():
        frame = pd.DataFrame({"x": np.asarray(x, dtype=float), "y": np.asarray(y, dtype=float), series: name})
        if log_y:
            frame = frame[frame["y"] > 0]
        if log_x:
            frame = frame[frame["x"] > 0]
        frames.append(frame[np.isfinite(frame["y"])])
    table = pd.concat(frames) if frames else pd.DataFrame({"x": [], "y": [], series: []})
    layers = [
        alt.Chart(table)
        .mark_line()
        .encode(
            x=alt.X("x:Q", title=x_label, scale=alt.Scale(type="log" if log_x else "linear")),
            y=alt.Y("y:Q", title=y_label, scale=alt.Scale(type="log" if log_y else "linear")),
            color=alt.Color(f"{series}:N", title=series, sort=list(curves)),
            tooltip=[
                alt.Tooltip(f"{series}:N"),
                alt.Tooltip("x:Q", title=x_label, format=",.4~g"),
                alt.Tooltip("y:Q", title=y_label, format=".4~g"),
            ],
        )
    ]
    if levels:
        layers.append(
            alt.Chart(pd.DataFrame({"level": list(levels)}))
            .mark_rule(strokeDash=[2, 3], color="gray")
            .encode(y="level:Q", tooltip=[alt.Tooltip("level:Q", title="reference level", format=".3f")])
        )
    if marker is not None:
        layers.append(alt.Chart(pd.DataFrame({"at": [marker]})).mark_rule(color="black").encode(x="at:Q"))
    return padded(alt.layer(*layers).properties(width=width, height=height, title=title))


# --- SAE lab: a sparse autoencoder's dictionary against the true features -----------------------------------------

UNMATCHED = "none"  # the colour group of a decoder row matched to no true feature
UNMATCHED_GREY = "#b0b0b0"
CATEGORY10 = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def _arrows(table: pd.DataFrame, colour: alt.Color, tooltip: list, title: str, size: int) -> alt.Chart:
    """Arrows from the origin to (x, y) of every row of ``table`` (a line and a point at the tip), labelled."""
    scale = alt.Scale(domain=[-1.25, 1.25], nice=False)
    x, y = alt.X("x:Q", scale=scale, title="input dimension 1"), alt.Y("y:Q", scale=scale, title="input dimension 2")
    lines = (
        alt.Chart(pd.concat([table.assign(x=0.0, y=0.0), table]))
        .mark_line(strokeWidth=2.5)
        .encode(x=x, y=y, detail="label:N", color=colour, tooltip=tooltip)
    )
    points = alt.Chart(table).mark_point(filled=True, size=90).encode(x=x, y=y, color=colour, tooltip=tooltip)
    labels = alt.Chart(table).mark_text(dx=10, dy=-10, fontSize=11).encode(x=x, y=y, text="label:N", tooltip=tooltip)
    return (lines + points + labels).properties(width=size, height=size, title=title)


def sae_directions(
    truth: np.ndarray,
    decoder: np.ndarray,
    matched: np.ndarray,
    cosines: np.ndarray,
    features: Sequence[int],
    size: int = 200,
) -> alt.HConcatChart:
    """In two input dimensions: the true feature directions (left) beside the SAE's decoder rows scaled to unit
    length (right), as arrows. A decoder row takes the colour of the true feature the matching pairs it with, grey
    when it is paired with none. Tooltips name the feature or latent, its partner and their cosine.

    Args:
      truth: (features, 2) unit directions; decoder: (latents, 2); matched: (features,) the latent of each true
        feature, −1 if none; cosines: (features,) the matched cosines; features: the toy's index of each truth row.
    """
    truth, decoder = np.asarray(truth, dtype=float), np.asarray(decoder, dtype=float)
    norms = np.linalg.norm(decoder, axis=1)
    unit = decoder / np.maximum(norms, 1e-12)[:, None]
    names = [f"feature {i}" for i in features]
    domain = [*names, UNMATCHED]
    palette = [CATEGORY10[i % len(CATEGORY10)] for i in range(len(names))] + [UNMATCHED_GREY]
    colour = alt.Color(
        "group:N",
        title="matched to",
        scale=alt.Scale(domain=domain, range=palette),
        legend=alt.Legend(orient="bottom", columns=4),
    )
    partner = {int(latent): row for row, latent in enumerate(matched) if latent >= 0}
    true_table = pd.DataFrame(
        {
            "label": [str(i) for i in features],
            "x": truth[:, 0],
            "y": truth[:, 1],
            "group": names,
            "partner": [f"latent {m}" if m >= 0 else "unmatched" for m in matched],
            "cosine": [f"{c:.3f}" if m >= 0 else "—" for m, c in zip(matched, cosines)],
        }
    )
    latent_table = pd.DataFrame(
        {
            "label": [f"L{j}" for j in range(len(decoder))],
            "x": unit[:, 0],
            "y": unit[:, 1],
            "group": [names[partner[j]] if j in partner else UNMATCHED for j in range(len(decoder))],
            "partner": [names[partner[j]] if j in partner else "unmatched" for j in range(len(decoder))],
            "cosine": [f"{cosines[partner[j]]:.3f}" if j in partner else "—" for j in range(len(decoder))],
            "norm": norms,
        }
    )
    true_tooltip = [
        alt.Tooltip("group:N", title="true feature"),
        alt.Tooltip("partner:N", title="matched latent"),
        alt.Tooltip("cosine:N", title="cosine"),
    ]
    latent_tooltip = [
        alt.Tooltip("label:N", title="latent"),
        alt.Tooltip("partner:N", title="matched feature"),
        alt.Tooltip("cosine:N", title="cosine"),
        alt.Tooltip("norm:Q", title="decoder norm", format=".3f"),
    ]
    return alt.hconcat(
        _arrows(true_table, colour, true_tooltip, "True feature directions", size),
        _arrows(latent_table, colour, latent_tooltip, "SAE decoder rows (unit length)", size),
    )


def recovery_heatmaps(
    scores: np.ndarray, mean_active: Sequence[float], ratios: Sequence[float], penalties: Sequence[float], label: str
) -> alt.HConcatChart:
    """An SAE recovery diagram: one heatmap per dictionary ratio (latents / true features) of a score in [0, 1]
    over penalty (columns) × expected true L0 (rows), with a colour bar on the fixed scale [0, 1], the value
    written in each cell, and tooltips naming the cell's settings.

    Args:
      scores: (mean_active, ratios, penalties), e.g. MCC averaged over seeds; label: the penalty's name.
    """
    scores = np.asarray(scores, dtype=float)
    panels = []
    for r, ratio in enumerate(ratios):
        table = pd.DataFrame(
            [
                {"true L0": f"{m:g}", label: f"{p:g}", "score": scores[i, r, j]}
                for i, m in enumerate(mean_active)
                for j, p in enumerate(penalties)
            ]
        )
        base = alt.Chart(table).encode(
            x=alt.X(f"{label}:O", title=label, sort=[f"{p:g}" for p in penalties]),
            y=alt.Y("true L0:O", title="expected true L0", sort=[f"{m:g}" for m in reversed(mean_active)]),
        )
        cells = base.mark_rect().encode(
            color=alt.Color("score:Q", title="MCC", scale=alt.Scale(scheme=SEQUENTIAL, domain=[0, 1])),
            tooltip=[
                alt.Tooltip("true L0:O", title="expected true L0"),
                alt.Tooltip(f"{label}:O"),
                alt.Tooltip("score:Q", title="MCC", format=".3f"),
            ],
        )
        text = base.mark_text(fontSize=11).encode(
            text=alt.Text("score:Q", format=".2f"),
            color=alt.condition("datum.score > 0.6", alt.value("black"), alt.value("white")),
        )
        size = {"width": max(44 * len(penalties), 120), "height": max(36 * len(mean_active), 60)}
        panels.append((cells + text).properties(title=f"latents / true features = {ratio:g}", **size))
    return alt.hconcat(*panels)


# --- almost orthogonal / interference pages -------------------------------------------------------------------------

DIRECTION_METHODS = ("exactly orthogonal (m)", "optimised", "random (median)", "JL: exp(ε² m / 4)", "Welch bound")


def direction_counts(table: pd.DataFrame, log_x: bool = True, width: int = 640, height: int = 480) -> alt.Chart:
    """How many directions with pairwise |cos| ≤ ε fit in m dimensions, one line per method, on a log count axis
    (an exponential is a straight line on it). ``table`` has columns ``m``, ``count``, ``method`` (one of
    ``DIRECTION_METHODS``), ``at_cap`` (the count reached the measurement's cap: at least this many) and
    ``measured`` (a measurement, drawn solid with points, or a formula, drawn dashed). Tooltip: method, m,
    count, and whether it is a lower bound. ``width`` and ``height`` are the whole chart's, legends included
    (Streamlit fits the chart into them)."""
    table = table.assign(
        shown=np.where(table["at_cap"], "at least (the measurement's cap)", ""),
        kind=np.where(table["measured"], "measured", "formula"),
    )
    x = alt.X("m:Q", title="hidden dimensions m", scale=alt.Scale(type="log" if log_x else "linear", nice=False))
    y = alt.Y("count:Q", title="directions with every |cos| ≤ ε", scale=alt.Scale(type="log"))
    colour = alt.Color(
        "method:N",
        title="method",
        sort=list(DIRECTION_METHODS),
        scale=alt.Scale(domain=list(DIRECTION_METHODS), scheme="tableau10"),
        legend=alt.Legend(orient="bottom", columns=2),
    )
    tooltip = [
        alt.Tooltip("method:N"),
        alt.Tooltip("m:Q", title="hidden dimensions m"),
        alt.Tooltip("count:Q", title="directions", format=",.4~g"),
        alt.Tooltip("shown:N", title="note"),
    ]
    lines = (
        alt.Chart(table)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=colour,
            strokeDash=alt.StrokeDash(
                "kind:N", title="", scale=alt.Scale(domain=["measured", "formula"], range=[[1, 0], [6, 4]])
            ),
            detail="method:N",
            tooltip=tooltip,
        )
    )
    points = (
        alt.Chart(table[table["measured"]])
        .mark_point(filled=True, size=40)
        .encode(
            x=x,
            y=y,
            color=colour,
            shape=alt.Shape(
                "shown:N", title="", legend=None, scale=alt.Scale(domain=["", "at least (the measurement's cap)"])
            ),
            tooltip=tooltip,
        )
    )
    return (lines + points).properties(width=width, height=height)


def interference_bars(table: pd.DataFrame, feature: int, title: str = "", width: int = 420) -> alt.Chart:
    """The interference term Ŵ_i·W_j of every other feature j on feature i (a horizontal bar each, signed),
    coloured by its share of the expected squared interference E[(Σ_j≠i (Ŵ_i·W_j) x_j)²] alone
    ((Ŵ_i·W_j)² E[x_j²] over the total), with a colour bar. ``table`` columns: ``feature`` j, ``term``, ``cosine``
    cos(W_i, W_j), ``norm`` ‖W_j‖, ``share``. Tooltip: all of them."""
    limit = max(float(np.abs(table["term"]).max()) if len(table) else 0.0, 1e-3)
    top_share = max(float(table["share"].max()) if len(table) else 0.0, 1e-9)
    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            y=alt.Y("feature:O", title="other feature j"),
            x=alt.X("term:Q", title=f"Ŵ_{feature}·W_j", scale=alt.Scale(domain=[-limit, limit])),
            color=alt.Color(
                "share:Q",
                title="share of E[interference²]",
                scale=alt.Scale(scheme="plasma", domain=[0, top_share]),
                legend=alt.Legend(format=".0%"),
            ),
            tooltip=[
                alt.Tooltip("feature:O", title="feature j"),
                alt.Tooltip("term:Q", title=f"Ŵ_{feature}·W_j", format=".3f"),
                alt.Tooltip("cosine:Q", title=f"cos(W_{feature}, W_j)", format=".3f"),
                alt.Tooltip("norm:Q", title="‖W_j‖", format=".3f"),
                alt.Tooltip("share:Q", title="share of E[interference²]", format=".1%"),
            ],
        )
        .properties(width=width, height=max(18 * len(table), 150) + 70, title=title)
    )


def confusion_bars(table: pd.DataFrame, feature: int, title: str = "", width: int = 520) -> alt.Chart:
    """The combinations of other features feature i can be mistaken for, one bar each: the cosine between the
    combination's image W_S x_S and W_i (x axis from 0 to 1), coloured by the size of the combination. ``table``
    columns: ``combination`` (a label such as ``0.62·x3 + 0.55·x7``), ``cosine``, ``residual``, ``size``,
    ``reach`` (the largest x_i it imitates with every x_j ≤ 1, the data's largest value)."""
    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            y=alt.Y("combination:N", title="combination x_S", sort=list(table["combination"])),
            x=alt.X("cosine:Q", title=f"cos(W_S x_S, W_{feature})", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("size:O", title="features combined", scale=alt.Scale(scheme="tableau10")),
            tooltip=[
                alt.Tooltip("combination:N"),
                alt.Tooltip("cosine:Q", title="cosine", format=".4f"),
                alt.Tooltip("residual:Q", title="‖W_i − W_S x_S‖ / ‖W_i‖", format=".3f"),
                alt.Tooltip("reach:Q", title="imitates x_i up to", format=".2f"),
            ],
        )
        .properties(width=width, height=max(28 * len(table), 120) + 70, title=title)
    )


PHASE_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3")


def phase_map(
    probability: np.ndarray,
    importance: np.ndarray,
    labels: np.ndarray,
    names: Sequence[str],
    title: str = "",
    loss: np.ndarray | None = None,
    chosen: tuple[int, int] | None = None,
    selection: str | None = "cell",
) -> alt.Chart:
    """A phase diagram: one cell per (importance row, probability column), coloured by its phase ``names[label]``
    (−1: unclassified), with a legend of the phases; tooltip: p, I, the phase and ``loss``. ``chosen`` (row,
    column) is outlined; ``selection`` names a click selection of a cell (fields ``row`` and ``column``), for
    ``st.altair_chart(..., on_select="rerun")``."""
    labels = np.asarray(labels, dtype=int)
    rows, columns = labels.shape
    all_names = ["unclassified", *names]
    table = pd.DataFrame(
        {
            "row": np.repeat(np.arange(rows), columns),
            "column": np.tile(np.arange(columns), rows),
            "p": np.tile(np.asarray(probability, dtype=float), rows),
            "I": np.repeat(np.asarray(importance, dtype=float), columns),
            "phase": [all_names[label + 1] for label in labels.ravel()],
        }
    )
    table["p label"] = table["p"].map(lambda value: f"{value:.3g}")
    table["I label"] = table["I"].map(lambda value: f"{value:.3g}")
    tooltip = [
        alt.Tooltip("p:Q", title="feature probability p", format=".3g"),
        alt.Tooltip("I:Q", title="extra feature's importance I", format=".3g"),
        alt.Tooltip("phase:N", title="phase"),
        alt.Tooltip("row:O", title="row"),
        alt.Tooltip("column:O", title="column"),
    ]
    if loss is not None:
        table["loss"] = np.asarray(loss, dtype=float).ravel()
        tooltip.append(alt.Tooltip("loss:Q", title="loss", format=".4g"))
    x_order = list(dict.fromkeys(table["p label"]))
    y_order = list(dict.fromkeys(table["I label"]))[::-1]  # the most important at the top
    cell = 300 // max(rows, columns, 1)
    colour = alt.Color(
        "phase:N",
        title="phase",
        scale=alt.Scale(domain=all_names, range=["#dddddd", *PHASE_COLOURS[: len(names)]]),
        legend=alt.Legend(orient="bottom", columns=2),
    )
    base = alt.Chart(table).encode(
        x=alt.X("p label:O", title="feature probability p (sparser ←)", sort=x_order),
        y=alt.Y("I label:O", title="relative importance I of the extra feature", sort=y_order),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=0.5).encode(color=colour, tooltip=tooltip)
    if selection is not None:
        pick = alt.selection_point(name=selection, fields=["row", "column"], on="click", clear=False)
        cells = cells.add_params(pick).encode(opacity=alt.condition(pick, alt.value(1.0), alt.value(0.85)))
    layers = [cells]
    if chosen is not None:
        marked = table[(table["row"] == chosen[0]) & (table["column"] == chosen[1])]
        layers.append(
            alt.Chart(marked)
            .mark_rect(fill=None, stroke="black", strokeWidth=3)
            .encode(x=alt.X("p label:O", sort=x_order), y=alt.Y("I label:O", sort=y_order), tooltip=tooltip)
        )
    return padded(alt.layer(*layers).properties(width=cell * columns, height=cell * rows, title=title))


def points(
    table: pd.DataFrame,
    x: str,
    y: str,
    title: str = "",
    color: str | None = None,
    log_x: bool = False,
    levels: Sequence[float] = (),
    connect: bool = False,
    width: int = 320,
    height: int = 240,
) -> alt.Chart:
    """A scatter of ``table``'s columns ``x`` against ``y`` (optionally coloured by ``color`` and joined by a
    line), every column in the tooltip; ``levels``: dotted horizontal reference lines."""
    tooltip = [
        alt.Tooltip(f"{name}:Q", format=".3g") if np.issubdtype(table[name].dtype, np.number) else f"{name}:N"
        for name in table.columns
    ]
    encoding = {
        "x": alt.X(f"{x}:Q", title=x, scale=alt.Scale(type="log" if log_x else "linear")),
        "y": alt.Y(f"{y}:Q", title=y),
        "tooltip": tooltip,
    }
    if color is not None:
        encoding["color"] = alt.Color(f"{color}:N", title=color)
    mark = alt.Chart(table).mark_point(filled=True, size=40, opacity=0.6).encode(**encoding)
    layers = [mark]
    if connect:
        layers.insert(0, alt.Chart(table).mark_line(opacity=0.6).encode(x=encoding["x"], y=encoding["y"]))
    if levels:
        layers.append(
            alt.Chart(pd.DataFrame({"level": list(levels)}))
            .mark_rule(strokeDash=[2, 3], color="gray")
            .encode(y="level:Q", tooltip=[alt.Tooltip("level:Q", title="reference level", format=".3f")])
        )
    return padded(alt.layer(*layers).properties(width=width, height=height, title=title))


# --- circuits: attribution graphs and steering --------------------------------------------------------------------

GRAPH_LAYERS = ("inputs x", "latents f", "outputs y")
RAISES, LOWERS = "raises its target", "lowers its target"
EDGE_COLOURS = ("#2166ac", "#b2182b")  # blue raises, red lowers (as toysup.circuits.plots)
LAYER_COLOURS = ("#4c72b0", "#dd8452", "#55a868")


def layered_graph(nodes: pd.DataFrame, edges: pd.DataFrame, title: str = "", width: int = 420) -> alt.LayerChart:
    """An attribution graph in three columns, inputs → latents → outputs: every node a point (faded when it is off),
    every kept edge a line whose width is its weight (mean absolute effect) and whose colour is the sign of its mean
    effect (blue raises the target, red lowers it). Hover a node for its name and value, an edge for its source,
    target and effect.

    Args:
      nodes: columns ``layer`` (0, 1, 2), ``row`` (its height, 0 at the top), ``name`` (e.g. ``x3``), ``value`` (the
        number its tooltip shows), ``value_name`` (what that number is), ``about`` (one line of text) and ``on``.
      edges: columns ``edge`` (an id), ``layer`` (0: input → latent, 1: latent → output), ``source``, ``target``
        (names), ``source_row``, ``target_row``, ``effect`` (signed mean) and ``weight`` (mean absolute effect).
    """
    rows = max(int(nodes["row"].max()) + 1 if len(nodes) else 1, 2)
    y_scale = alt.Scale(domain=[-0.5, rows - 0.5], reverse=True, nice=False)
    x_scale = alt.Scale(domain=[-0.25, 2.25], nice=False)
    x_axis = alt.Axis(
        values=[0, 1, 2], labelExpr=f"{list(GRAPH_LAYERS)}[datum.value]", title=None, grid=False, orient="top"
    )
    edge_table = edges.assign(
        sign=np.where(edges["effect"] >= 0, RAISES, LOWERS) if len(edges) else [],
    )
    ends = pd.concat(
        [
            edge_table.assign(x=edge_table["layer"], y=edge_table["source_row"]),
            edge_table.assign(x=edge_table["layer"] + 1, y=edge_table["target_row"]),
        ]
    )
    strongest = float(edges["weight"].max()) if len(edges) else 1.0
    edge_tooltip = [
        alt.Tooltip("source:N", title="from"),
        alt.Tooltip("target:N", title="to"),
        alt.Tooltip("effect:Q", title="effect (signed mean)", format=".3f"),
        alt.Tooltip("weight:Q", title="weight (mean |effect|)", format=".3f"),
    ]
    lines = (
        alt.Chart(ends)
        .mark_line(opacity=0.75)
        .encode(
            x=alt.X("x:Q", scale=x_scale, axis=x_axis),
            y=alt.Y("y:Q", scale=y_scale, axis=None),
            detail="edge:N",
            color=alt.Color(
                "sign:N",
                title="edge",
                scale=alt.Scale(domain=[RAISES, LOWERS], range=list(EDGE_COLOURS)),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeWidth=alt.StrokeWidth(
                "weight:Q",
                title="weight",
                scale=alt.Scale(domain=[0, max(strongest, 1e-9)], range=[0.5, 6]),
                legend=None,
            ),
            tooltip=edge_tooltip,
        )
    )
    node_table = nodes.assign(layer_name=[GRAPH_LAYERS[int(layer)] for layer in nodes["layer"]])
    node_tooltip = [
        alt.Tooltip("name:N", title="node"),
        alt.Tooltip("layer_name:N", title="layer"),
        alt.Tooltip("value_name:N", title="value is"),
        alt.Tooltip("value:Q", title="value", format=".3f"),
        alt.Tooltip("about:N", title="about"),
    ]
    points = (
        alt.Chart(node_table)
        .mark_circle(size=160, stroke="black", strokeWidth=0.5)
        .encode(
            x=alt.X("layer:Q", scale=x_scale, axis=x_axis),
            y=alt.Y("row:Q", scale=y_scale, axis=None),
            color=alt.Color(
                "layer_name:N", title="node", scale=alt.Scale(domain=list(GRAPH_LAYERS), range=list(LAYER_COLOURS))
            ),
            opacity=alt.condition("datum.on", alt.value(1.0), alt.value(0.2)),
            tooltip=node_tooltip,
        )
    )
    labels = (
        alt.Chart(node_table)
        .mark_text(dx=-12, align="right", fontSize=10)
        .encode(
            x=alt.X("layer:Q", scale=x_scale),
            y=alt.Y("row:Q", scale=y_scale),
            text="name:N",
            opacity=alt.condition("datum.on", alt.value(1.0), alt.value(0.35)),
            tooltip=node_tooltip,
        )
    )
    chart = alt.layer(lines, points, labels).resolve_scale(color="independent")
    return padded(chart.properties(width=width, height=max(16 * rows, 160), title=title))


def steering_bars(table: pd.DataFrame, feature: int, alpha: float, width: int = 360) -> alt.Chart:
    """Every output's change when feature ``feature`` is steered by α: measured on the chosen input beside the
    prediction of the steering matrix P (WᵀW for the ReLU-output model), a pair of horizontal bars per output.
    ``table`` columns: ``output`` j, ``measured``, ``predicted``, ``P_ji`` (the pre-activation change per unit α)."""
    long = table.melt(
        id_vars=["output", "P_ji"], value_vars=["measured", "predicted"], var_name="kind", value_name="change"
    )
    long["role"] = np.where(long["output"] == feature, "intended", "spill-over")
    limit = max(float(np.abs(long["change"]).max()) if len(long) else 0.0, 1e-3) * 1.05
    return padded(
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("output:O", title="output y_j"),
            yOffset=alt.YOffset("kind:N", sort=["measured", "predicted"]),
            x=alt.X("change:Q", title=f"change of y_j at α = {alpha:g}", scale=alt.Scale(domain=[-limit, limit])),
            color=alt.Color(
                "kind:N",
                title="",
                scale=alt.Scale(domain=["measured", "predicted"], range=["#4c72b0", "#bbbbbb"]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("output:O", title="output j"),
                alt.Tooltip("role:N", title="role"),
                alt.Tooltip("kind:N", title="bar"),
                alt.Tooltip("change:Q", title="change of y_j", format=".3f"),
                alt.Tooltip("P_ji:Q", title=f"P_j{feature} (per unit α)", format=".3f"),
            ],
        )
        .properties(
            width=width, height=max(26 * table.shape[0], 120), title=f"Every output when x_{feature} is steered"
        )
    )
