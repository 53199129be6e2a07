"""``toysup animate``: train with snapshots of W and write the geometry forming as a GIF or MP4.

    toysup animate --features 5 --hidden 2 --feature-probability 0.05 --steps 3000 --every 50 --out pentagon.gif

The frames are drawn and written by ``toysup.animation``.
"""

from __future__ import annotations

import argparse
import time

from .. import animation
from ..config import ToyConfig
from .flags import add_train_flags, config_from_args

DEFAULTS = ToyConfig(steps=3000, learning_rate=1e-2)


def add_parser(commands) -> None:
    """Register ``toysup animate`` on the ``toysup`` subcommands."""
    animate = commands.add_parser("animate", help="train with snapshots and write the geometry forming as GIF/MP4")
    add_train_flags(animate, DEFAULTS)
    animate.add_argument("--every", type=int, default=50, help="steps between snapshots (frames)")
    animate.add_argument("--fps", type=int, default=10, help="frames per second")
    animate.add_argument("--out", default="toysup-out/animation.gif", help="a .gif, or .mp4 (needs ffmpeg)")
    animate.add_argument("--quiet", action="store_true")
    animate.set_defaults(handler=cmd_animate)


def cmd_animate(args: argparse.Namespace) -> int:
    from ..snapshots import snapshot_steps, train_with_snapshots

    config = config_from_args(args, DEFAULTS)
    animation.check_output(args.out)  # before any training
    if args.every < 1 or -(-config.steps // args.every) + 1 > animation.MAX_FRAMES:
        raise ValueError(
            f"every: must be >= 1 and give at most {animation.MAX_FRAMES} frames (steps / every + 1), got {args.every}"
        )
    if not 1 <= args.fps <= 60:
        raise ValueError(f"fps: must be in [1, 60], got {args.fps}")
    start = time.perf_counter()
    report = None if args.quiet else (lambda done, total: print(f"\rstep {done}/{total}", end="", flush=True))
    result, snapshots = train_with_snapshots(config, args.every, on_chunk=report)
    if not args.quiet:
        print()
    steps = snapshot_steps(len(snapshots), args.every, result.steps_done)
    probability = config.feature_probability_array()[:, 0]
    titles = [f"1−S = {p:.3g}" for p in probability] if config.n_instances > 1 else None
    path = animation.save_animation(
        snapshots, steps, args.out, fps=args.fps, importance=config.importance_array()[0], titles=titles
    )
    print(f"{len(snapshots)} frames of {result.steps_done} steps in {time.perf_counter() - start:.1f} s: {path}")
    return 0
