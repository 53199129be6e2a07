"""Matplotlib figures of toy models. Every function returns a ``Figure``; none shows or saves it."""

from __future__ import annotations

from typing import Sequence

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from . import metrics  # noqa: E402


def _colors(importance: np.ndarray) -> np.ndarray:
    """Yellow for the most important feature down to purple for the least, as in the paper."""
    importance = np.asarray(importance, dtype=float)
    span = importance.max() - importance.min()
    shade = (importance - importance.min()) / span if span > 0 else np.ones_like(importance)
    return plt.get_cmap("viridis")(shade)


def feature_directions_2d(W: np.ndarray, importance: np.ndarray | None = None,
                          titles: Sequence[str] | None = None) -> Figure:
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
        colors = _colors(importance[index])
        for feature in range(n_features):
            x, y = W[index, :, feature]
            ax.plot([0, x], [0, y], color=colors[feature], lw=1.5)
            ax.scatter([x], [y], color=colors[feature], s=18, zorder=3)
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[index], fontsize=9)
    fig.tight_layout()
    return fig


def gram_and_bias(W: np.ndarray, b: np.ndarray, titles: Sequence[str] | None = None) -> Figure:
    """Per instance: the WᵀW heat map (red positive, blue negative), the bias, and ‖W_i‖ bars coloured by
    interference (black: no interference, yellow: in superposition), as in the paper's basic results."""
    W, b = np.asarray(W), np.asarray(b)
    n_instances, _, n_features = W.shape
    norms = np.asarray(metrics.feature_norms(W))
    interference = np.clip(np.asarray(metrics.interference(W)), 0.0, 1.0)
    fig, axes = plt.subplots(3, n_instances, figsize=(1.8 * n_instances, 5.6), squeeze=False,
                             gridspec_kw={"height_ratios": [n_features, 1, n_features]})
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


def phase_diagram(feature_probability: np.ndarray, importance: np.ndarray, empirical: np.ndarray,
                  theoretical: np.ndarray, labels: Sequence[str], agreement: float | None = None) -> Figure:
    """Empirical beside theoretical phase diagram: regions coloured and labelled, both axes log-scaled.

    Args:
      feature_probability: (columns,) the x axis, 1 − S.
      importance: (rows,) the y axis, the extra feature's relative importance.
      empirical, theoretical: int label grids (rows, columns); −1 marks an unclassified cell.
      labels: the name of each label.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    colors = ["white", *PHASE_COLORS[:len(labels)]]
    cmap = ListedColormap(colors)
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4.2), sharey=True)
    for ax, grid, title in ((axes[0], empirical, "empirical"), (axes[1], theoretical, "theory")):
        ax.pcolormesh(_edges(feature_probability), _edges(importance), np.asarray(grid) + 1, cmap=cmap,
                      vmin=-0.5, vmax=len(labels) + 0.5, shading="flat")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("feature probability 1 − S")
        ax.set_title(title)
    axes[0].set_ylabel("relative importance of the extra feature")
    handles = [Patch(color=PHASE_COLORS[i], label=name) for i, name in enumerate(labels)]
    fig.legend(handles=handles, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    if agreement is not None:
        fig.suptitle(f"agreement {agreement:.0%} of cells", fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges for log-spaced centres (geometric midpoints, extended at both ends)."""
    logs = np.log10(np.asarray(centres, dtype=float))
    if len(logs) == 1:
        return 10 ** np.array([logs[0] - 0.5, logs[0] + 0.5])
    middle = (logs[1:] + logs[:-1]) / 2
    return 10 ** np.concatenate([[2 * logs[0] - middle[0]], middle, [2 * logs[-1] - middle[-1]]])
