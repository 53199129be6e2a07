"""The app's own figures (those ``toysup.plots`` and ``toysup.sae.plots`` do not have). They return figures."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure


def truth_beside_decoder(truth: np.ndarray, decoder: np.ndarray, matched: np.ndarray, cosines: np.ndarray) -> Figure:
    """True feature directions beside the SAE's decoder rows, paired by the matching.

    In 2-D the directions are arrows (true: black, learned: coloured by its feature's match, grey if unmatched);
    otherwise heat maps: true directions (features × inputs) beside the matched decoder rows in feature order,
    then the unmatched rows.

    Args:
      truth: (features, inputs) unit directions; decoder: (latents, inputs); matched: (features,) latent of each
        feature, −1 if none; cosines: (features,) the matched cosines.
    """
    from matplotlib import colormaps

    truth, decoder = np.asarray(truth, float), np.asarray(decoder, float)
    unit = decoder / np.maximum(np.linalg.norm(decoder, axis=1, keepdims=True), 1e-12)
    colors = colormaps["tab10"](np.arange(len(truth)) % 10)
    if truth.shape[1] == 2:
        fig = Figure(figsize=(6.4, 3.2), layout="constrained")
        left, right = fig.subplots(1, 2)
        for feature, (x, y) in enumerate(truth):
            left.annotate("", (x, y), (0, 0), arrowprops={"arrowstyle": "->", "color": colors[feature], "lw": 1.5})
        paired = {latent: feature for feature, latent in enumerate(matched) if latent >= 0}
        for latent, (x, y) in enumerate(unit):
            color = colors[paired[latent]] if latent in paired else "0.7"
            right.annotate("", (x, y), (0, 0), arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5})
        for ax, title in ((left, "true directions"), (right, "decoder rows (unit), colour = matched feature")):
            ax.set_xlim(-1.2, 1.2)
            ax.set_ylim(-1.2, 1.2)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(title, fontsize=9)
        return fig
    order = [latent for latent in matched if latent >= 0]
    order += [latent for latent in range(len(decoder)) if latent not in set(order)]
    fig = Figure(figsize=(7.0, 0.25 * max(len(truth), len(decoder)) + 1.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.imshow(truth, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    left.set_title("true directions (features × inputs)", fontsize=9)
    left.set_ylabel("feature")
    image = right.imshow(unit[order], cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    right.set_title("decoder rows, matched first (unit)", fontsize=9)
    right.set_yticks(range(len(order)), [str(latent) for latent in order], fontsize=6)
    right.set_ylabel("latent")
    for row, cosine in enumerate(cosines):
        if matched[row] >= 0:
            right.annotate(
                f"{cosine:.2f}",
                (1.0, row),
                xycoords=("axes fraction", "data"),
                xytext=(2, 0),
                textcoords="offset points",
                fontsize=6,
                va="center",
            )
    fig.colorbar(image, ax=[left, right], shrink=0.8)
    return fig
