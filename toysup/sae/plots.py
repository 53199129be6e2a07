"""SAE figures. Functions return a ``matplotlib.figure.Figure``; they never show or save it."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure


def recovery_heatmaps(diagrams: list[xr.Dataset] | xr.Dataset, variable: str = "mcc") -> Figure:
    """One row per architecture, one panel per dictionary ratio: ``variable`` (mean over seeds) over
    penalty (x) × expected true L0 (y), colour scale [0, 1] for MCC-like scores."""
    diagrams = [diagrams] if isinstance(diagrams, xr.Dataset) else list(diagrams)
    n_cols = max(len(d.ratio) for d in diagrams)
    fig = Figure(figsize=(3.2 * n_cols, 2.8 * len(diagrams)), layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(diagrams), n_cols, squeeze=False))
    image = None
    for row, diagram in enumerate(diagrams):
        mean = diagram[variable].mean("seed")
        for col in range(n_cols):
            ax = axes[row, col]
            if col >= len(diagram.ratio):
                ax.set_axis_off()
                continue
            panel = mean.isel(ratio=col).values  # (mean_active, penalty)
            image = ax.imshow(panel, origin="lower", aspect="auto", vmin=0, vmax=1, cmap="viridis")
            for (i, j), value in np.ndenumerate(panel):
                ax.text(
                    j,
                    i,
                    f"{value:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="black" if value > 0.6 else "white",
                )
            ax.set_xticks(range(len(diagram.penalty)), [f"{p:g}" for p in diagram.penalty.values])
            ax.set_yticks(range(len(diagram.mean_active)), [f"{m:g}" for m in diagram.mean_active.values])
            ax.set_title(
                f"{diagram.attrs.get('arch', '')}: latents/features = {float(diagram.ratio[col]):g}", fontsize=9
            )
            ax.set_xlabel(diagram.attrs.get("penalty_field", "penalty"))
            if col == 0:
                ax.set_ylabel("true L0 (mean active)")
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label=variable)
    return fig


__all__ = ["recovery_heatmaps"]
