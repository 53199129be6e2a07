"""``toysup animate``: train with snapshots of W and write the geometry forming as a GIF or MP4.

    toysup animate --features 5 --hidden 2 --feature-probability 0.05 --steps 3000 --every 50 --out pentagon.gif

The frames are drawn and written by ``toysup.animation``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .. import animation
from ..config import ToyConfig
from ..validation import check_memory
from .flags import add_config_flags, checking_input, config_from_args, interrupted

DEFAULTS = ToyConfig(steps=3000, learning_rate=1e-2)


def add_parser(commands) -> None:
    """Register ``toysup animate`` on the ``toysup`` subcommands."""
    animate = commands.add_parser("animate", help="train with snapshots and write the geometry forming as GIF/MP4")
    add_config_flags(animate, DEFAULTS)
    animate.add_argument("--every", type=int, default=50, help="steps between snapshots (frames)")
    animate.add_argument("--fps", type=int, default=10, help="frames per second, 1 to 60")
    animate.add_argument("--out", default="toysup-out/animation.gif", help="a .gif, or .mp4 (needs ffmpeg)")
    animate.add_argument("--overwrite", action="store_true", help="replace the file already at --out")
    animate.add_argument("--quiet", action="store_true", help="no step counter")
    animate.set_defaults(handler=cmd_animate)


def cmd_animate(args: argparse.Namespace) -> int:
    from ..snapshots import snapshot_steps, train_with_snapshots

    with checking_input():  # before any training
        config = config_from_args(args, DEFAULTS)
        if Path(args.out).suffix.lower() not in animation.FORMATS:
            raise ValueError(f"out: must end in {' or '.join(animation.FORMATS)}, got {Path(args.out).name!r}")
        if args.every < 1 or -(-config.steps // args.every) + 1 > animation.MAX_FRAMES:
            raise ValueError(
                f"every: must be >= 1 and give at most {animation.MAX_FRAMES} frames (steps / every + 1), "
                f"got {args.every}"
            )
        if not 1 <= args.fps <= 60:
            raise ValueError(f"fps: must be in [1, 60], got {args.fps}")
        if config.n_instances > animation.MAX_COLUMNS:  # the rest would be trained but never drawn
            raise ValueError(
                f"n_instances: a frame draws at most {animation.MAX_COLUMNS} instances, got {config.n_instances}"
            )
        check_memory(snapshot_memory(config, -(-config.steps // args.every) + 1))
    animation.check_output(args.out, overwrite=args.overwrite)  # MP4 without ffmpeg, a file there: exit status 1
    start = time.perf_counter()
    report = None if args.quiet else (lambda done, total: print(f"\rstep {done}/{total}", end="", flush=True))
    result, snapshots = train_with_snapshots(config, args.every, on_chunk=report)
    if not args.quiet:
        print()
    if result.steps_done == 0:  # Ctrl-C before the first chunk finished: no frame worth writing
        return interrupted(0, config.steps)
    steps = snapshot_steps(len(snapshots), args.every, result.steps_done)
    probability = config.feature_probability_array()[:, 0]
    titles = [f"p = {p:.3g}" for p in probability] if config.n_instances > 1 else None
    path = animation.save_animation(
        snapshots,
        steps,
        args.out,
        fps=args.fps,
        importance=config.importance_array()[0],
        titles=titles,
        overwrite=args.overwrite,
    )
    print(f"{len(snapshots)} frames of {result.steps_done} steps in {time.perf_counter() - start:.1f} s: {path}")
    if result.steps_done < config.steps:  # Ctrl-C: the frames up to there were written
        return interrupted(result.steps_done, config.steps, path, what="animation")
    return 0


def snapshot_memory(config: ToyConfig, frames: int) -> dict[str, int]:
    """The run's memory (see :meth:`toysup.config.ToyConfig.memory_terms`) with its snapshots: every copy's
    embedding per frame (float32), and, when m != 2, each drawn column's WᵀW heat map (float64, a few copies)."""
    copies = config.n_instances * config.restarts
    terms = config.memory_terms()
    terms["frames × n_instances × restarts × n_hidden × n_features"] = (
        2 * 4 * frames * copies * config.n_hidden * config.n_features
    )
    if config.n_hidden != 2:
        columns = min(config.n_instances, animation.MAX_COLUMNS)
        terms["n_features × n_features (WᵀW heat maps)"] = 4 * 8 * columns * config.n_features**2
    return terms
