"""Matplotlib figures of toy models. Every function returns a ``Figure``; none shows or saves it."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from . import metrics


def importance_colors(importance: np.ndarray) -> np.ndarray:
    """Yellow for the most important feature down to purple for the least, as in the paper."""
    importance = np.asarray(importance, dtype=float)
    span = importance.max() - importance.min()
    shade = (importance - importance.min()) / span if span > 0 else np.ones_like(importance)
    return plt.get_cmap("viridis")(shade)


def feature_directions_2d(
    W: np.ndarray, importance: np.ndarray | None = None, titles: Sequence[str] | None = None
) -> Figure:
    """The columns W_i of m=2 models as arrows in the plane, one panel per instance.

    Args:
      W: (instances, 2, features).
      importance: (features,) or (instances, features) to colour features; uniform when None.
      titles: one title per panel.
    """
    W = np.asarray(W)
    if W.ndim != 3 or W.shape[1] != 2:
        raise ValueError(f"W: feature_directions_2d needs shape (instances, 2, features), got {W.shape}")
    n_instances, _, n_features = W.shape
    importance = np.ones(n_features) if importance is None else np.asarray(importance)
    importance = np.broadcast_to(importance, (n_instances, n_features))
    fig, axes = plt.subplots(1, n_instances, figsize=(2.0 * n_instances, 2.3), squeeze=False)
    limit = max(1.2, float(np.abs(W).max()) * 1.1)
    for index, ax in enumerate(axes[0]):
        draw_feature_directions(
            ax, W[index], importance_colors(importance[index]), limit, None if titles is None else titles[index]
        )
    fig.tight_layout()
    return fig


def draw_feature_directions(
    ax, W: np.ndarray, colors: np.ndarray, limit: float, title: str | None = None, fontsize: int = 9
) -> None:
    """Draw one m=2 model's feature directions W (2, features) as coloured arrows on ``ax``."""
    for feature in range(W.shape[1]):
        x, y = W[:, feature]
        ax.plot([0, x], [0, y], color=colors[feature], lw=1.5)
        ax.scatter([x], [y], color=colors[feature], s=18, zorder=3)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=fontsize)


def reference_line(
    ax,
    level: float,
    label: str,
    *,
    line_color: str = "tab:blue",
    text_color: str | None = None,
    alpha: float = 1.0,
    ls: str = "-",
) -> None:
    """A horizontal reference line at ``level``, labelled just outside the right edge of the axes."""
    ax.axhline(level, color=line_color, alpha=alpha, lw=0.8, ls=ls)
    ax.annotate(
        label,
        (1.0, level),
        xycoords=("axes fraction", "data"),
        xytext=(3, 0),
        textcoords="offset points",
        va="center",
        fontsize=8,
        color=text_color or line_color,
    )


def gram_and_bias(W: np.ndarray, b: np.ndarray, titles: Sequence[str] | None = None) -> Figure:
    """Per instance: the WᵀW heat map (red positive, blue negative), the bias, and ‖W_i‖ bars coloured by
    interference (black: no interference, yellow: in superposition), as in the paper's basic results."""
    W, b = np.asarray(W), np.asarray(b)
    n_instances, _, n_features = W.shape
    norms = np.asarray(metrics.feature_norms(W))
    interference = np.clip(np.asarray(metrics.interference(W)), 0.0, 1.0)
    fig, axes = plt.subplots(
        3,
        n_instances,
        figsize=(1.8 * n_instances, 5.6),
        squeeze=False,
        gridspec_kw={"height_ratios": [n_features, 1, n_features]},
    )
    for index in range(n_instances):
        gram = W[index].T @ W[index]
        top, middle, bottom = axes[:, index]
        top.imshow(gram, cmap="RdBu_r", vmin=-1, vmax=1)
        middle.imshow(b[index][None, :], cmap="RdBu_r", vmin=-1, vmax=1)
        rows = np.arange(n_features)
        bottom.barh(rows, norms[index], color=plt.get_cmap("plasma")(interference[index] * 0.9))
        bottom.set_xlim(0, max(1.2, float(norms.max()) * 1.05))
        bottom.invert_yaxis()
        for ax in (top, middle):
            ax.set_xticks([])
            ax.set_yticks([])
        bottom.set_yticks([])
        if titles is not None:
            top.set_title(titles[index], fontsize=9)
    axes[0, 0].set_ylabel("WᵀW")
    axes[1, 0].set_ylabel("b")
    axes[2, 0].set_ylabel("‖W_i‖")
    fig.tight_layout()
    return fig


def loss_curves(loss_history: np.ndarray, log_every: int = 1, labels: Sequence[str] | None = None) -> Figure:
    """Training loss per instance against steps, log-scaled."""
    loss_history = np.asarray(loss_history)
    fig, ax = plt.subplots(figsize=(5, 3))
    steps = (np.arange(loss_history.shape[0]) + 1) * log_every
    for index in range(loss_history.shape[1]):
        ax.plot(steps, loss_history[:, index], lw=1, label=None if labels is None else labels[index])
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    if labels is not None:
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


PHASE_COLORS = ("#bdbdbd", "#2b83ba", "#d7191c", "#fdae61")  # label 0, 1, 2, 3; −1 is white


def phase_diagram(
    feature_probability: np.ndarray,
    importance: np.ndarray,
    empirical: np.ndarray,
    theoretical: np.ndarray,
    labels: Sequence[str],
    agreement: float | None = None,
) -> Figure:
    """Empirical beside theoretical phase diagram: regions coloured and labelled, both axes log-scaled.

    Args:
      feature_probability: (columns,) the x axis, p (the paper's 1 − S).
      importance: (rows,) the y axis, the extra feature's relative importance.
      empirical, theoretical: int label grids (rows, columns); −1 marks an unclassified cell.
      labels: the name of each label.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    colors = ["white", *PHASE_COLORS[: len(labels)]]
    cmap = ListedColormap(colors)
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4.2), sharey=True)
    for ax, grid, title in ((axes[0], empirical, "empirical"), (axes[1], theoretical, "theory")):
        ax.pcolormesh(
            _edges(feature_probability),
            _edges(importance),
            np.asarray(grid) + 1,
            cmap=cmap,
            vmin=-0.5,
            vmax=len(labels) + 0.5,
            shading="flat",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("feature probability p")
        ax.set_title(title)
    axes[0].set_ylabel("relative importance of the extra feature")
    handles = [Patch(color=PHASE_COLORS[i], label=name) for i, name in enumerate(labels)]
    fig.legend(handles=handles, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    if agreement is not None:
        fig.suptitle(f"agreement {agreement:.0%} of cells", fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def phase_diagram_of(result: dict) -> Figure:
    """The phase diagram of a :func:`toysup.phase.run_phase` result (its dict, or its ``phase.json``)."""
    return phase_diagram(
        result["feature_probability"],
        result["importance"],
        result["empirical"],
        result["theoretical"],
        result["labels"],
        result["agreement"],
    )


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges for log-spaced centres (geometric midpoints, extended at both ends)."""
    logs = np.log10(np.asarray(centres, dtype=float))
    if len(logs) == 1:
        return 10 ** np.array([logs[0] - 0.5, logs[0] + 0.5])
    middle = (logs[1:] + logs[:-1]) / 2
    return 10 ** np.concatenate([[2 * logs[0] - middle[0]], middle, [2 * logs[-1] - middle[-1]]])


# Plots of the paper's figures (toysup.figures); the app reuses them.

DIMENSION_FRACTIONS = ((1, 1), (3, 4), (2, 3), (1, 2), (2, 5), (3, 8))  # the paper's reference lines, Sec. 7


def dimensions_per_feature_curve(
    inverse_probability: np.ndarray, dims_per_feature: np.ndarray, levels: Sequence[float] = (1.0, 0.5)
) -> Figure:
    """D* = m / ‖W‖_F² against 1/p (the paper's 1/(1 − S)) on a log axis, with dashed reference lines at
    ``levels`` (paper Sec. 7, "Uniform Superposition": D* sticks at 1 and 1/2).

    Args:
      inverse_probability: (instances,) 1/p of each model.
      dims_per_feature: (instances,) D* of each model.
    """
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    for level in levels:
        reference_line(ax, level, f"{level:g}", line_color="0.6", text_color="0.4", ls="--")
    ax.plot(inverse_probability, dims_per_feature, "o-", color="k", ms=3.5, lw=1)
    ax.set_xscale("log")
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("1 / p")
    ax.set_ylabel("dimensions per feature  m / ‖W‖²_F")
    fig.tight_layout()
    return fig


def feature_dimensionality_scatter(
    inverse_probability: np.ndarray,
    dimensionality: np.ndarray,
    dims_per_feature: np.ndarray | None = None,
    fractions: Sequence[tuple[int, int]] = DIMENSION_FRACTIONS,
    min_dimensionality: float = 0.02,
) -> Figure:
    """Every feature's dimensionality D_i at each sparsity, jittered sideways, over reference lines at the
    fractions the paper finds D_i sticks to (paper Sec. 7, "Feature Dimensionality"); D* as a line if given.

    Args:
      inverse_probability: (instances,) 1/p.
      dimensionality: (instances, features) D_i; features below ``min_dimensionality`` (not learned) are hidden.
      dims_per_feature: optional (instances,) D*.
    """
    inverse_probability = np.asarray(inverse_probability, dtype=float)
    dimensionality = np.asarray(dimensionality, dtype=float)
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for top, bottom in fractions:
        reference_line(ax, top / bottom, f"{top}/{bottom}", alpha=0.35)
    logs = np.log(inverse_probability)
    spacing = np.min(np.diff(np.sort(logs))) if len(logs) > 1 else 0.1
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, dimensionality.shape) * spacing
    x = np.exp(logs[:, None] + jitter)
    shown = dimensionality >= min_dimensionality
    # Thousands of points: rasterised so the SVG stays small.
    ax.scatter(x[shown], dimensionality[shown], s=2, color="k", alpha=0.35, lw=0, rasterized=True)
    if dims_per_feature is not None:
        ax.plot(inverse_probability, dims_per_feature, color="tab:red", lw=1, label="D* = m / ‖W‖²_F")
        ax.legend(fontsize=8, loc="upper right", frameon=False)
    ax.set_xscale("log")
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("1 / p")
    ax.set_ylabel("feature dimensionality D_i")
    fig.tight_layout()
    return fig


def neuron_feature_weights(
    W: np.ndarray,
    importance: np.ndarray | None = None,
    titles: Sequence[str] | None = None,
    axes: Sequence | None = None,
) -> Figure:
    """Each neuron's weights as a stacked bar, one coloured segment per feature (yellow = most important),
    positive weights up and negative down, one panel per instance (paper Sec. 8, "Privileged Basis": monosemantic
    neurons have one segment, polysemantic neurons several).

    Args:
      W: (instances, hidden, features) input weights of the hidden neurons.
      importance: (features,) colours; uniform when None.
      titles: one title per panel.
      axes: one matplotlib Axes per instance to draw into (e.g. part of a larger figure); a new figure when None.
    """
    W = np.asarray(W, dtype=float)
    if W.ndim != 3:
        raise ValueError(f"W: neuron_feature_weights needs shape (instances, hidden, features), got {W.shape}")
    n_instances, n_hidden, n_features = W.shape
    colors = importance_colors(np.ones(n_features) if importance is None else np.asarray(importance))
    own_figure = axes is None
    if own_figure:
        fig, grid = plt.subplots(
            1, n_instances, figsize=(max(2.0, 0.28 * n_hidden + 0.8) * n_instances, 2.8), squeeze=False, sharey=True
        )
        axes = grid[0]
    else:
        fig = axes[0].get_figure(root=True)
    top = float(np.clip(W, 0, None).sum(axis=2).max())
    bottom = float(np.clip(W, None, 0).sum(axis=2).min())
    for index, ax in enumerate(axes):
        _stacked_bars(ax, W[index], colors)
        ax.set_xlim(-0.6, n_hidden - 0.4)
        ax.set_ylim(bottom * 1.05 - 0.05, top * 1.05 + 0.05)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_xticks([])
        ax.set_xlabel("neuron", fontsize=8)
        if titles is not None:
            ax.set_title(titles[index], fontsize=9)
    axes[0].set_ylabel("weight W[neuron, feature]")
    if own_figure:
        fig.tight_layout()
    return fig


def _stacked_bars(ax, W: np.ndarray, colors: np.ndarray, width: float = 0.8) -> None:
    """Stack each neuron's (row's) weights as rectangles, positive up and negative down, in one collection (fast
    for thousands of weights; rasterised in vector output when there are many)."""
    from matplotlib.collections import PolyCollection

    positive, negative = np.clip(W, 0, None), np.clip(W, None, 0)
    bottoms = np.where(W >= 0, np.cumsum(positive, axis=1) - positive, np.cumsum(negative, axis=1) - negative)
    neuron, feature = np.nonzero(np.abs(W) > 1e-3)
    left, low = neuron - width / 2, bottoms[neuron, feature]
    high = low + W[neuron, feature]
    boxes = np.stack(
        [
            np.stack([left, low], 1),
            np.stack([left + width, low], 1),
            np.stack([left + width, high], 1),
            np.stack([left, high], 1),
        ],
        axis=1,
    )
    ax.add_collection(
        PolyCollection(boxes, facecolors=colors[feature], edgecolors="none", rasterized=len(boxes) > 2000)
    )


def dimensionality_over_training(
    steps: np.ndarray,
    dimensionality: np.ndarray,
    loss_steps: np.ndarray,
    loss: np.ndarray,
    fractions: Sequence[tuple[int, int]] = DIMENSION_FRACTIONS,
    log_time: bool = False,
) -> Figure:
    """Every feature's dimensionality D_i through training (one line each) above the loss curve (paper Sec. 7,
    "Learning Dynamics": D_i moves in discrete jumps between levels, and the loss drops with them).

    Args:
      steps: (snapshots,) training step of each snapshot.
      dimensionality: (snapshots, features) D_i at each snapshot.
      loss_steps, loss: the loss curve.
      fractions: the levels drawn as reference lines.
      log_time: a log-scaled step axis, as in the paper (snapshots and loss blocks at step 0 are left out).
    """
    steps, dimensionality = np.asarray(steps), np.asarray(dimensionality, dtype=float)
    loss_steps, loss = np.asarray(loss_steps), np.asarray(loss)
    if log_time:
        dimensionality, steps = dimensionality[steps > 0], steps[steps > 0]
        loss, loss_steps = loss[loss_steps > 0], loss_steps[loss_steps > 0]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.5, 4.6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    for numerator, denominator in fractions:
        reference_line(top, numerator / denominator, f"{numerator}/{denominator}", alpha=0.3)
    cmap = plt.get_cmap("tab20")
    for feature in range(dimensionality.shape[1]):  # hundreds of lines: rasterised so the SVG stays small
        top.plot(steps, dimensionality[:, feature], lw=0.8, alpha=0.8, color=cmap(feature % 20), rasterized=True)
    top.set_ylim(-0.02, 1.1)
    top.set_ylabel("feature dimensionality D_i")
    bottom.plot(loss_steps, loss, color="k", lw=0.8)
    bottom.set_yscale("log")
    if log_time:
        bottom.set_xscale("log")
    bottom.set_xlabel("training step" + (" (log scale)" if log_time else ""))
    bottom.set_ylabel("loss")
    fig.tight_layout()
    return fig


def phase_diagrams(results: Sequence[dict]) -> Figure:
    """Several phase diagrams, one row each: empirical beside theoretical (the layout of ``phase_diagram``).

    Args:
      results: dicts as returned by ``toysup.phase.run_phase`` (``feature_probability``, ``importance``,
        ``empirical``, ``theoretical``, ``labels``, ``agreement``, ``features``, ``hidden``).
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    fig, axes = plt.subplots(len(results), 2, figsize=(9.5, 3.9 * len(results)), squeeze=False)
    for row, result in enumerate(results):
        labels = result["labels"]
        cmap = ListedColormap(["white", *PHASE_COLORS[: len(labels)]])
        for ax, key in zip(axes[row], ("empirical", "theoretical")):
            ax.pcolormesh(
                _edges(result["feature_probability"]),
                _edges(result["importance"]),
                np.asarray(result[key]) + 1,
                cmap=cmap,
                vmin=-0.5,
                vmax=len(labels) + 0.5,
                shading="flat",
            )
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("feature probability p")
            name = "trained" if key == "empirical" else "theory"
            ax.set_title(f"n={result['features']}, m={result['hidden']}: {name}", fontsize=10)
        axes[row, 0].set_ylabel("relative importance of the extra feature")
        axes[row, 1].legend(
            handles=[Patch(color=PHASE_COLORS[i], label=name) for i, name in enumerate(labels)],
            fontsize=7,
            loc="center left",
            bbox_to_anchor=(1.02, 0.5),
            frameon=False,
            title=f"agreement {result['agreement']:.0%}",
            title_fontsize=8,
        )
    fig.tight_layout()
    return fig
