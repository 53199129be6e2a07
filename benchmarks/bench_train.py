"""Training throughput of ``toysup.train`` on three workloads, optionally against the PyTorch peer.

    python benchmarks/bench_train.py [--steps N] [--repeats R] [--workload a|b|c|all]
    python benchmarks/bench_train.py --peer ~/venv-torch/bin/python [--peer-steps N]

Workloads (batch 1,024, ``relu_output``, Adam lr 1e-3, the colab-style sweep of the peer: feature probability
20**-linspace(0, 1, instances) per instance, importance 0.9**i):

  a: 10 instances, 20 features, 5 hidden
  b: 1,600 instances, 2 features, 1 hidden
  c: 30 instances, 400 features, 30 hidden

For each workload the script times ``toysup.train(config, progress=False)`` through the public API. The
compiled program is cached per static config, and ``steps`` is part of it, so the first call with the
benchmark's own config pays the compile; compile seconds are reported as (first run − median steady run).
Steady-state instance-steps/s = instances × steps / wall time of one whole ``train`` call (init, every chunk
and the copy back to numpy included), median of ``--repeats`` runs.

With ``--peer PYTHON`` (an interpreter with torch) the peer script (``--peer-script``, by default
``../shared/bench/peer_torch.py`` relative to the repository root, where it lives beside the project) runs with
the same workload, and the ratio toysup/peer is printed.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

WORKLOADS = {
    "a": dict(n_instances=10, n_features=20, n_hidden=5),
    "b": dict(n_instances=1600, n_features=2, n_hidden=1),
    "c": dict(n_instances=30, n_features=400, n_hidden=30),
}
DEFAULT_STEPS = {"a": 2000, "b": 2000, "c": 200}
DEFAULT_PEER_STEPS = {"a": 1000, "b": 300, "c": 300}
BATCH = 1024
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PEER_SCRIPT = REPO_ROOT.parent / "shared" / "bench" / "peer_torch.py"


def make_config(workload: str, steps: int):
    import toysup

    shape = WORKLOADS[workload]
    n = shape["n_instances"]
    probability = tuple(float(p) for p in 20.0 ** -np.linspace(0.0, 1.0, n))
    return toysup.ToyConfig(
        **shape,
        model="relu_output",
        feature_probability=probability,  # one value per instance
        importance_decay=0.9,  # importance 0.9**i
        learning_rate=1e-3,
        batch_size=BATCH,
        steps=steps,
        seed=0,
    )


def bench_toysup(workload: str, steps: int, repeats: int) -> dict:
    import toysup

    config = make_config(workload, steps)
    n = config.n_instances

    def timed() -> float:
        start = time.perf_counter()
        result = toysup.train(config, progress=False)
        elapsed = time.perf_counter() - start
        assert result.steps_done == steps and np.all(np.isfinite(result.final_loss))
        return elapsed

    first = timed()  # compiles init, run_chunk and evaluate for this static config
    runs = [timed() for _ in range(repeats)]
    steady = statistics.median(runs)
    return {
        "compile_s": max(first - steady, 0.0),
        "steady_s": steady,
        "rate": n * steps / steady,
        "rates": [n * steps / r for r in runs],
    }


def bench_peer(python: str, script: Path, workload: str, steps: int, repeats: int, threads: int) -> dict:
    shape = WORKLOADS[workload]
    command = [
        python,
        str(script),
        "--instances",
        str(shape["n_instances"]),
        "--features",
        str(shape["n_features"]),
        "--hidden",
        str(shape["n_hidden"]),
        "--batch",
        str(BATCH),
        "--steps",
        str(steps),
    ]
    if threads:
        command += ["--threads", str(threads)]
    rates = []
    for _ in range(repeats):
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        match = re.search(r"instance_steps_per_s=([0-9.eE+-]+)", output)
        if not match:
            raise RuntimeError(f"peer printed no instance_steps_per_s=:\n{output}")
        rates.append(float(match.group(1)))
    return {"rate": statistics.median(rates), "rates": rates}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", choices=["a", "b", "c", "all"], default="all")
    parser.add_argument("--steps", type=int, default=None, help="toysup steps per run (default: a=2000, b=2000, c=200)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per workload; the median is reported")
    parser.add_argument(
        "--peer",
        metavar="PYTHON",
        default=None,
        help="a python interpreter with torch: also run the PyTorch peer and print the ratio",
    )
    parser.add_argument(
        "--peer-script",
        metavar="PATH",
        type=Path,
        default=DEFAULT_PEER_SCRIPT,
        help="the peer script (default: ../shared/bench/peer_torch.py from the repository root)",
    )
    parser.add_argument(
        "--peer-steps",
        type=int,
        default=None,
        help="peer steps per run (default: --steps if given, else a=1000, b=300, c=300)",
    )
    parser.add_argument("--peer-threads", type=int, default=0, help="torch threads for the peer; 0 = torch default")
    args = parser.parse_args(argv)

    if args.peer and not args.peer_script.is_file():
        parser.error(f"--peer-script: no such file {args.peer_script}")

    import jax

    workloads = ["a", "b", "c"] if args.workload == "all" else [args.workload]
    print(
        f"jax {jax.__version__} on {jax.devices()[0].platform}, {os.cpu_count()} CPUs, batch {BATCH}, "
        f"repeats {args.repeats} (median)",
        flush=True,
    )
    rows = []
    for name in workloads:
        steps = args.steps or DEFAULT_STEPS[name]
        ours = bench_toysup(name, steps, args.repeats)
        shape = WORKLOADS[name]
        row = {"name": name, "shape": shape, "steps": steps, **ours}
        line = (
            f"[{name}] toysup: steps={steps} compile={ours['compile_s']:.2f}s run={ours['steady_s']:.3f}s "
            f"instance_steps_per_s={ours['rate']:.4g} (runs: {', '.join(f'{r:.4g}' for r in ours['rates'])})"
        )
        if args.peer:
            peer_steps = args.peer_steps or args.steps or DEFAULT_PEER_STEPS[name]
            peer = bench_peer(args.peer, args.peer_script, name, peer_steps, args.repeats, args.peer_threads)
            row.update(peer_rate=peer["rate"], peer_steps=peer_steps)
            line += (
                f"\n[{name}] peer: steps={peer_steps} instance_steps_per_s={peer['rate']:.4g} "
                f"(runs: {', '.join(f'{r:.4g}' for r in peer['rates'])})"
            )
        print(line, flush=True)
        rows.append(row)

    print()
    header = "| workload | toysup steps | compile s | toysup inst-steps/s |"
    rule = "|---|---|---|---|"
    if args.peer:
        header += " peer steps | peer inst-steps/s | toysup/peer |"
        rule += "---|---|---|"
    print(header)
    print(rule)
    for row in rows:
        s = row["shape"]
        label = f"{row['name']}: {s['n_instances']} inst, {s['n_features']} feat, {s['n_hidden']} hid"
        line = f"| {label} | {row['steps']} | {row['compile_s']:.2f} | {row['rate']:,.0f} |"
        if args.peer:
            line += f" {row['peer_steps']} | {row['peer_rate']:,.0f} | {row['rate'] / row['peer_rate']:.2f}× |"
        print(line)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
