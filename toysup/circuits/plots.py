"""Matplotlib figures of circuits: attribution graphs and steering curves. Every function returns a ``Figure``;
none shows or saves it."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .attribution import AttributionGraph
from .steering import SteeringCurve

POSITIVE = "#2166ac"  # blue: an edge that raises its target
NEGATIVE = "#b2182b"  # red: an edge that lowers it
MAX_EDGE_WIDTH = 4.0  # points, for the strongest edge of a layer


def _column(count: int) -> np.ndarray:
    """Heights of ``count`` nodes spread evenly over [0, 1], top to bottom."""
    return np.array([0.5]) if count == 1 else np.linspace(1.0, 0.0, count)


def attribution_graph(
    graph: AttributionGraph,
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """The pruned attribution graph as three layers, inputs → latents → outputs.

    Only kept edges and the latents with a kept edge in and out (:meth:`AttributionGraph.shown_latents`) are
    drawn; an edge's width is proportional to its mean absolute effect (relative to the strongest edge of its
    layer), its colour is the sign of its mean effect (blue raises the target, red lowers it). Latents are
    ordered by the input they read most, which untangles a clean graph into parallel paths.
    """
    n_inputs, n_outputs = graph.n_inputs, graph.n_outputs
    input_names = [f"x{i}" for i in range(n_inputs)] if input_names is None else list(input_names)
    output_names = [f"y{k}" for k in range(n_outputs)] if output_names is None else list(output_names)
    if len(input_names) != n_inputs:
        raise ValueError(f"input_names: must name the graph's {n_inputs} inputs, got {len(input_names)}")
    if len(output_names) != n_outputs:
        raise ValueError(f"output_names: must name the graph's {n_outputs} outputs, got {len(output_names)}")
    shown = np.flatnonzero(graph.shown_latents())
    strongest_input = graph.input_latent_weight[:, shown].argmax(axis=0) if shown.size else np.zeros(0, int)
    shown = shown[np.lexsort((shown, strongest_input))]

    heights = {"in": _column(n_inputs), "latent": _column(max(len(shown), 1)), "out": _column(n_outputs)}
    latent_row = {int(j): row for row, j in enumerate(shown)}
    fig, ax = plt.subplots(figsize=(6.0, max(3.0, 0.28 * max(n_inputs, len(shown), n_outputs))))

    def draw_layer(mean, weight, kept, source_x, source_y, target_x, target_y) -> None:
        strongest = float(weight[kept].max()) if kept.any() else 1.0
        for source, target in zip(*np.nonzero(kept)):
            ax.plot(
                [source_x, target_x],
                [source_y(source), target_y(target)],
                color=POSITIVE if mean[source, target] >= 0 else NEGATIVE,
                lw=max(0.3, MAX_EDGE_WIDTH * float(weight[source, target]) / strongest),
                alpha=0.8,
                solid_capstyle="round",
                zorder=1,
            )

    in_to_latent = graph.input_latent_kept & np.isin(np.arange(graph.n_latents), shown)[None, :]
    latent_to_out = graph.latent_output_kept & np.isin(np.arange(graph.n_latents), shown)[:, None]
    draw_layer(
        graph.input_latent_mean,
        graph.input_latent_weight,
        in_to_latent,
        0.0,
        lambda i: heights["in"][i],
        1.0,
        lambda j: heights["latent"][latent_row[int(j)]],
    )
    draw_layer(
        graph.latent_output_mean,
        graph.latent_output_weight,
        latent_to_out,
        1.0,
        lambda j: heights["latent"][latent_row[int(j)]],
        2.0,
        lambda k: heights["out"][k],
    )
    ax.scatter(np.zeros(n_inputs), heights["in"], s=40, color="0.25", zorder=3)
    ax.scatter(np.ones(len(shown)), heights["latent"][: len(shown)], s=40, color="#fdb863", ec="0.3", zorder=3)
    ax.scatter(np.full(n_outputs, 2.0), heights["out"], s=40, color="0.25", zorder=3)
    fontsize = 8 if max(n_inputs, n_outputs) <= 24 else 6
    for name, height in zip(input_names, heights["in"]):
        ax.text(-0.06, height, name, ha="right", va="center", fontsize=fontsize)
    for name, height in zip(output_names, heights["out"]):
        ax.text(2.06, height, name, ha="left", va="center", fontsize=fontsize)
    for row, latent in enumerate(shown):
        ax.text(1.035, heights["latent"][row], f"{latent}", ha="left", va="center", fontsize=5, color="0.3")
    for x, label in ((0.0, "inputs"), (1.0, f"latents ({len(shown)} shown)"), (2.0, "outputs")):
        ax.text(x, 1.08, label, ha="center", va="bottom", fontsize=9)
    ax.plot([], [], color=POSITIVE, label="raises")
    ax.plot([], [], color=NEGATIVE, label="lowers")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=8, frameon=False)
    ax.set_xlim(-0.45, 2.45)
    ax.set_ylim(-0.08, 1.16)
    ax.axis("off")
    default = f"attribution graph: edges ≥ {graph.threshold:g} × the strongest into their node"
    ax.set_title(title or default, fontsize=10)
    fig.tight_layout()
    return fig


def steering_curves(curves: Sequence[SteeringCurve], titles: Sequence[str] | None = None) -> Figure:
    """One panel per steering curve: every output's measured mean change over α (solid, the steered feature's
    output thick) against the geometry's prediction ReLU(b_j + α P_ji) − ReLU(b_j) (dashed, same colour)."""
    curves = list(curves)
    if not curves:
        raise ValueError("curves: must hold at least one steering curve, got none")
    if titles is not None and len(titles) != len(curves):
        raise ValueError(f"titles: must give one title per curve ({len(curves)}), got {len(titles)}")
    fig, axes = plt.subplots(1, len(curves), figsize=(3.6 * len(curves), 3.0), squeeze=False, sharey=True)
    colors = plt.get_cmap("tab10")
    for index, (ax, curve) in enumerate(zip(axes[0], curves)):
        n_outputs = curve.measured.shape[1]
        for output in range(n_outputs):
            color = colors(output % 10)
            steered = output == curve.feature
            label = f"y{output}" + (" (steered)" if steered else f", P = {curve.interference[output]:+.2f}")
            ax.plot(curve.alphas, curve.measured[:, output], color=color, lw=2.4 if steered else 1.2, label=label)
            ax.plot(curve.alphas, curve.predicted[:, output], color=color, lw=1.0, ls="--")
        ax.axhline(0.0, color="0.6", lw=0.6)
        ax.set_xlabel("α (steering strength)")
        if index == 0:
            ax.set_ylabel("mean change of output")
        ax.set_title(titles[index] if titles is not None else f"steering feature {curve.feature}", fontsize=10)
        ax.legend(fontsize=7, frameon=False)
    fig.text(
        0.5, 0.005, "solid: measured over the data; dashed: ReLU(b + α P) − ReLU(b), P = WᵀW", ha="center", fontsize=7
    )
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


__all__ = ["attribution_graph", "steering_curves"]
