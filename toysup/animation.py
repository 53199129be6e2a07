"""The geometry of a toy model forming during training, as frames and as a GIF or MP4.

A frame shows one snapshot of W (``toysup.snapshots``): the feature directions W_i in the plane when m = 2,
else the WᵀW heat map above each feature's dimensionality D_i (paper Sec. 7), one column per instance.

    >>> from toysup.snapshots import snapshot_steps, train_with_snapshots
    >>> result, snapshots = train_with_snapshots(config, every=50)          # doctest: +SKIP
    >>> steps = snapshot_steps(len(snapshots), 50, result.steps_done)       # doctest: +SKIP
    >>> save_animation(snapshots, steps, "pentagon.gif")                    # doctest: +SKIP

The command line's ``toysup animate`` does this from flags.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from . import metrics, plots
from .storage import check_file_output, temporary_sibling

MAX_COLUMNS = 8  # instances drawn per frame; more would be unreadable
MAX_FRAMES = 1000  # frames an animation may have (``toysup animate`` checks before training)
FORMATS = (".gif", ".mp4")


def _limit(snapshots: np.ndarray) -> float:
    """One axis limit for every frame, so the plane does not rescale while the animation plays."""
    return max(1.2, float(np.abs(snapshots).max()) * 1.1)


def draw_frame(
    fig: Figure,
    W: np.ndarray,
    step: int,
    importance: np.ndarray | None = None,
    limit: float | None = None,
    titles: Sequence[str] | None = None,
) -> Figure:
    """Clear ``fig`` and draw one snapshot into it.

    Args:
      W: (instances, hidden, features); at most ``MAX_COLUMNS`` instances are drawn.
      step: the training step, shown in the title.
      importance: (features,) colours the directions, yellow = most important; uniform when None.
      limit: axis half-width of the m = 2 plane (default from W).
      titles: one per instance.
    """
    W = np.asarray(W, dtype=float)[:MAX_COLUMNS]
    n_instances, n_hidden, n_features = W.shape
    fig.clear()
    if n_hidden == 2:
        importance = np.ones(n_features) if importance is None else np.asarray(importance, dtype=float)
        limit = _limit(W) if limit is None else limit
        axes = fig.subplots(1, n_instances, squeeze=False)[0]
        for index, ax in enumerate(axes):
            plots.draw_feature_directions(
                ax,
                W[index],
                plots.importance_colors(importance),
                limit,
                None if titles is None else titles[index],
                fontsize=8,
            )
    else:
        dimensionality = np.asarray(metrics.feature_dimensionality(W))
        dims_per_feature = np.asarray(metrics.dimensions_per_feature(W))
        axes = fig.subplots(2, n_instances, squeeze=False, gridspec_kw={"height_ratios": [3, 1]})
        for index in range(n_instances):
            top, bottom = axes[:, index]
            top.imshow(W[index].T @ W[index], cmap="RdBu_r", vmin=-1, vmax=1)
            top.set_xticks([])
            top.set_yticks([])
            title = f"D* = {dims_per_feature[index]:.2f}"
            top.set_title(title if titles is None else f"{titles[index]}\n{title}", fontsize=8)
            bottom.bar(np.arange(n_features), dimensionality[index], color="k", width=0.8)
            bottom.set_ylim(0, 1.05)
            bottom.set_xticks([])
        axes[0, 0].set_ylabel("WᵀW", fontsize=8)
        axes[1, 0].set_ylabel("D_i", fontsize=8)
    fig.suptitle(f"step {step}", fontsize=10)
    return fig


def check_output(path: str | Path, *, overwrite: bool = False) -> Path:
    """The output path, if it names a format that can be written here (MP4 needs ffmpeg) in a folder that can be
    written, and is not an existing file (unless ``overwrite``); ``ValueError`` (``OutputError``) otherwise."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"out: must end in {' or '.join(FORMATS)}, got {path.name!r}")
    if path.suffix.lower() == ".mp4" and shutil.which("ffmpeg") is None:
        raise ValueError(
            "out: writing MP4 needs ffmpeg on the PATH (e.g. `apt-get install ffmpeg`); write a .gif instead"
        )
    return check_file_output(path, overwrite=overwrite)


def frame_size(W: np.ndarray) -> tuple[float, float]:
    """Figure size in inches for snapshots of this shape."""
    columns = min(np.shape(W)[-3], MAX_COLUMNS)
    return (max(2.6, 2.2 * columns), 2.8 if np.shape(W)[-2] == 2 else 3.6)


def frame_figure(
    W: np.ndarray,
    step: int,
    importance: np.ndarray | None = None,
    limit: float | None = None,
    titles: Sequence[str] | None = None,
) -> Figure:
    """A new figure holding one frame (see ``draw_frame``)."""
    return draw_frame(Figure(figsize=frame_size(W), layout="constrained"), W, step, importance, limit, titles)


def save_animation(
    snapshots: np.ndarray,
    steps: Sequence[int],
    path: str | Path,
    *,
    fps: int = 10,
    importance: np.ndarray | None = None,
    titles: Sequence[str] | None = None,
    dpi: int = 100,
    overwrite: bool = False,
) -> Path:
    """Write every snapshot as a frame of a GIF (Pillow) or an MP4 (ffmpeg), chosen by the file's suffix.

    The frames go to a hidden temporary sibling that is renamed into place when complete, so an interrupted or
    failed write leaves no half-written animation (and an earlier file as it was).

    Args:
      snapshots: (frames, instances, hidden, features).
      steps: the training step of each frame.
      path: ``….gif`` or ``….mp4``; an MP4 needs ``ffmpeg`` on the PATH.
      overwrite: replace an existing file (otherwise refused).
    """
    from matplotlib.animation import FFMpegWriter, PillowWriter

    path = check_output(path, overwrite=overwrite)
    suffix = path.suffix.lower()
    if not isinstance(fps, int) or not 1 <= fps <= 60:
        raise ValueError(f"fps: must be an integer in [1, 60], got {fps!r}")
    snapshots = np.asarray(snapshots)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=frame_size(snapshots[0]), layout="constrained")
    writer = PillowWriter(fps=fps) if suffix == ".gif" else FFMpegWriter(fps=fps)
    limit = _limit(snapshots[:, :MAX_COLUMNS])
    temporary = temporary_sibling(path, path.suffix)  # the writers pick the format from the suffix
    try:
        with writer.saving(fig, str(temporary), dpi):
            for W, step in zip(snapshots, steps):
                draw_frame(fig, W, int(step), importance, limit, titles)
                writer.grab_frame()
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


__all__ = ["MAX_COLUMNS", "MAX_FRAMES", "check_output", "draw_frame", "frame_figure", "frame_size", "save_animation"]
