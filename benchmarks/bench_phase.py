"""Speed of the phase-diagram sweep: the 40 × 40 grid (1,600 cells) of n=2, m=1 models, batch 1,024.

Prints the sweep's instance-steps per second, the compile time and its share of the run, the time a full
phase diagram takes (``--restarts`` fits per cell × ``--full-steps`` steps, extrapolated from the measured
rate unless ``--run-full``), and, with ``--peer-python``, the PyTorch peer on the same 1,600-instance
workload and the ratio.

    python benchmarks/bench_phase.py --steps 500
    python benchmarks/bench_phase.py --steps 500 --peer-python ~/venv-torch/bin/python
    python benchmarks/bench_phase.py --run-full --full-steps 2000 --restarts 10
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from toysup.phase import phase_spec, run_phase
from toysup.sweeps import run_sweep

REPO = Path(__file__).resolve().parent.parent


def timed_sweep(grid: int, restarts: int, steps: int) -> tuple[float, int]:
    """Seconds for one sweep into a fresh folder, and its instance-steps."""
    spec = phase_spec(2, 1, grid=grid, restarts=restarts, steps=steps)
    folder = Path(tempfile.mkdtemp(prefix="toysup-bench-"))
    try:
        start = time.perf_counter()
        run_sweep(spec, folder, progress=False)
        return time.perf_counter() - start, grid * grid * restarts * steps
    finally:
        shutil.rmtree(folder)


def peer_rate(python: str, script: Path, steps: int) -> float:
    done = subprocess.run(
        [
            python,
            str(script),
            "--instances",
            "1600",
            "--features",
            "2",
            "--hidden",
            "1",
            "--batch",
            "1024",
            "--steps",
            str(steps),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(re.search(r"instance_steps_per_s=([0-9.e+]+)", done.stdout).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grid", type=int, default=40)
    parser.add_argument("--steps", type=int, default=500, help="steps of the timed sweep (one fit per cell)")
    parser.add_argument("--restarts", type=int, default=10, help="fits per cell of the full diagram")
    parser.add_argument("--full-steps", type=int, default=10_000, help="steps of the full diagram")
    parser.add_argument("--run-full", action="store_true", help="run the full diagram and report its agreement")
    parser.add_argument("--peer-python", default=None, help="a python with torch, to run the peer")
    parser.add_argument("--peer-script", default=str(REPO.parent / "shared" / "bench" / "peer_torch.py"))
    parser.add_argument("--peer-steps", type=int, default=300)
    args = parser.parse_args()

    # Same shapes, 20 steps: compile plus a little; then the real run reuses the compiled chunk.
    short_seconds, _ = timed_sweep(args.grid, 1, 20)
    seconds, instance_steps = timed_sweep(args.grid, 1, args.steps)
    rate = instance_steps / seconds
    compile_seconds = max(short_seconds - 20 * args.grid**2 / rate, 0.0)
    full = args.grid**2 * args.restarts * args.full_steps
    print(
        f"sweep {args.grid}x{args.grid} n=2 m=1 batch 1024: {rate:,.0f} instance-steps/s "
        f"({args.steps} steps in {seconds:.1f} s)"
    )
    print(
        f"compile ~{compile_seconds:.1f} s = {compile_seconds / (compile_seconds + full / rate):.1%} of a full "
        f"diagram ({args.restarts} fits x {args.full_steps} steps), estimated {full / rate / 60:.1f} min"
    )
    if args.peer_python:
        peer = peer_rate(args.peer_python, Path(args.peer_script), args.peer_steps)
        print(f"peer (PyTorch, 1600 instances): {peer:,.0f} instance-steps/s; toysup / peer = {rate / peer:.1f}x")
    if args.run_full:
        folder = Path(tempfile.mkdtemp(prefix="toysup-phase-"))
        try:
            start = time.perf_counter()
            result = run_phase(
                phase_spec(2, 1, grid=args.grid, restarts=args.restarts, steps=args.full_steps), folder, progress=True
            )
            print(f"full diagram: {time.perf_counter() - start:.0f} s, agreement with theory {result['agreement']:.1%}")
        finally:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
