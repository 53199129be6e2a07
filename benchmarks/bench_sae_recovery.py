"""Where SAE architectures differ: recovery of known features with a dictionary no larger than the truth.

    python benchmarks/bench_sae_recovery.py [--out DIR] [--steps 2000] [--seeds 3] [--arch relu,topk,...]

Part 1, comparable L0 (MCC over seeds). N = 512 true features in d = 64 dims (N/d = 8, the superposition of
the issue's 2,048-in-256 at 1/16 of the compute), each firing with probability 5/N (true L0 = 5), magnitudes
U[0, 1]; dictionaries of latents/N ∈ {0.5, 1}, so MCC <= min(1, latents/N). Every architecture runs at
settings that put its L0 near the true L0: ``topk`` / ``batchtopk`` k = 5; ``relu``, ``gated``, ``jumprelu`` at
two penalties that bracket L0 = 5 (found in pilot runs at these settings), and their MCC at L0 = 5 is
interpolated linearly in L0 between the two, seed by seed. Seed s draws the dictionary, the SAE's
initialisation and its data stream. Training: Adam 3e-3 with a cosine schedule, batch 256, ``--steps`` steps;
the penalty SAEs with a penalty warm-up over the first 20% of steps and resampling of dead latents towards
badly reconstructed inputs (every 100 steps in the first half), TopK / BatchTopK with AuxK (α = 1/32, dead
after 100 steps).

Part 2, a recovery phase diagram per architecture on a small grid: N = 128 true features in d = 32 dims,
true L0 ∈ {2, 6} × latents/N ∈ {0.5, 1, 2} × three penalties, ``--diagram-steps`` steps, one seed.

Everything runs through ``toysup.sae.recovery.recovery_diagram`` into ``--out`` (default
``toysup-out/bench-sae-recovery``): an interrupted benchmark resumes where it stopped when re-run with the same
settings. Prints markdown tables and writes ``recovery_diagrams.png`` (MCC heat maps) into ``--out``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ARCHS = ("relu", "topk", "batchtopk", "jumprelu", "gated")
PENALTY_ARCHS = ("relu", "gated", "jumprelu")
# Part 1: two penalties bracketing L0 = 5 for the penalty SAEs (pilot runs, 2,000 steps); k = 5 for the TopK ones.
COMPARE = {"relu": [0.4, 0.7], "gated": [0.5, 1.0], "jumprelu": [0.03, 0.07], "topk": [5], "batchtopk": [5]}
# Part 2: a low, middle and high sparsity setting per architecture.
DIAGRAM = {
    "relu": [0.2, 0.5, 1.0],
    "gated": [0.3, 0.7, 1.5],
    "jumprelu": [0.02, 0.06, 0.15],
    "topk": [2, 5, 10],
    "batchtopk": [2, 5, 10],
}


def training(arch: str, steps: int) -> dict:
    """The SAEConfig fields (and the loop's ``chunk_steps``) of every run of ``arch``."""
    fields = dict(steps=steps, batch_size=256, learning_rate=3e-3, schedule="cosine", dead_window=100, chunk_steps=250)
    if arch in PENALTY_ARCHS:
        fields.update(penalty_warmup_steps=steps // 5, resampling="inputs")
    if arch == "jumprelu":
        fields["jumprelu_initial_threshold"] = 0.1
    return fields


def compare(args: argparse.Namespace, archs: list[str]) -> None:
    from toysup.sae.metrics import at_matched_l0
    from toysup.sae.recovery import recovery_diagram

    print(
        f"\n## Part 1: N = {args.true_features} in d = {args.dim}, true L0 = {args.mean_active:g}, "
        f"{args.steps} steps, {args.seeds} seeds\n",
        flush=True,
    )
    results = {}
    for arch in archs:
        start = time.perf_counter()
        results[arch] = recovery_diagram(
            arch,
            out=Path(args.out) / f"compare-{arch}",
            n_features=args.true_features,
            n_inputs=args.dim,
            mean_active=[args.mean_active],
            ratios=[0.5, 1.0],
            penalties=COMPARE[arch],
            seeds=args.seeds,
            n_samples=8192,
            **training(arch, args.steps),
        ).isel(mean_active=0)
        print(f"{arch}: {time.perf_counter() - start:.0f} s", flush=True)

    print(
        "\n| arch | penalty | latents/N | L0 | MCC mean ± sd | MCC min–max | recovered ≥ 0.9 | EV "
        "| γ (rel. reconstruction bias) | dead |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    for arch, d in results.items():
        for ratio in d.ratio.values:
            for penalty in d.penalty.values:
                cell = d.sel(ratio=ratio, penalty=penalty)
                mcc = cell.mcc.values
                print(
                    f"| {arch} | {d.attrs['penalty_field']} = {penalty:g} | {ratio:g} | {cell.l0.mean():.2f} | "
                    f"{mcc.mean():.3f} ± {mcc.std(ddof=1) if mcc.size > 1 else 0:.3f} | "
                    f"{mcc.min():.3f}–{mcc.max():.3f} | {cell.recovered_0_9.mean():.3f} | "
                    f"{cell.explained_variance.mean():.3f} | {cell.relative_reconstruction_bias.mean():.3f} | "
                    f"{cell.dead_share.mean():.3f} |"
                )

    print(f"\nMCC at L0 = {args.mean_active:g} (mean ± sd over {args.seeds} seeds; * = not bracketed, nearest L0):\n")
    print("| arch | " + " | ".join(f"latents/N = {r:g}" for r in (0.5, 1.0)) + " |\n|---|---|---|")
    for arch, d in results.items():
        cells = []
        for ratio in d.ratio.values:
            cell = d.sel(ratio=ratio)
            l0 = cell.l0.transpose("penalty", "seed").values
            mcc = cell.mcc.transpose("penalty", "seed").values
            values, bracketed = at_matched_l0(l0, mcc, args.mean_active)
            spread = values.std(ddof=1) if values.size > 1 else 0.0
            cells.append(f"{values.mean():.3f} ± {spread:.3f}{'' if bracketed.all() else '*'}")
        print(f"| {arch} | " + " | ".join(cells) + " |")


def diagrams(args: argparse.Namespace, archs: list[str]) -> None:
    from toysup.sae.plots import recovery_heatmaps
    from toysup.sae.recovery import recovery_diagram

    print(
        f"\n## Part 2: recovery diagrams, N = {args.diagram_features} in d = {args.diagram_dim}, "
        f"{args.diagram_steps} steps, one seed; cells: MCC (L0)\n",
        flush=True,
    )
    results = []
    for arch in archs:
        start = time.perf_counter()
        d = recovery_diagram(
            arch,
            out=Path(args.out) / f"diagram-{arch}",
            n_features=args.diagram_features,
            n_inputs=args.diagram_dim,
            mean_active=[2.0, 6.0],
            ratios=[0.5, 1.0, 2.0],
            penalties=DIAGRAM[arch],
            seeds=1,
            **training(arch, args.diagram_steps),
        )
        results.append(d)
        print(f"{arch}: {time.perf_counter() - start:.0f} s\n", flush=True)
        field = d.attrs["penalty_field"]
        print(
            f"| {arch}: true L0 | latents/N | "
            + " | ".join(f"{field} = {p:g}" for p in d.penalty.values)
            + " |\n|---|---|"
            + "---|" * len(d.penalty)
        )
        for m in d.mean_active.values:
            for ratio in d.ratio.values:
                cell = d.sel(mean_active=m, ratio=ratio).isel(seed=0)
                print(
                    f"| {m:g} | {ratio:g} | "
                    + " | ".join(f"{c:.3f} ({l0:.1f})" for c, l0 in zip(cell.mcc.values, cell.l0.values))
                    + " |"
                )
        print(flush=True)
    recovery_heatmaps(results, "mcc").savefig(Path(args.out) / "recovery_diagrams.png", dpi=110)
    print(f"heat maps: {Path(args.out) / 'recovery_diagrams.png'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="toysup-out/bench-sae-recovery")
    parser.add_argument("--arch", default=",".join(ARCHS))
    parser.add_argument("--true-features", type=int, default=512)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--mean-active", type=float, default=5.0)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--diagram-features", type=int, default=128)
    parser.add_argument("--diagram-dim", type=int, default=32)
    parser.add_argument("--diagram-steps", type=int, default=1000)
    parser.add_argument("--part", choices=("both", "compare", "diagrams"), default="both")
    args = parser.parse_args(argv)
    archs = args.arch.split(",")
    unknown = sorted(set(archs) - set(ARCHS))
    if unknown:
        parser.error(f"arch: must be among {', '.join(ARCHS)}, got {', '.join(unknown)}")

    import jax

    print(
        f"jax {jax.__version__} on {jax.devices()[0].platform}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    start = time.perf_counter()
    if args.part in ("both", "compare"):
        compare(args, archs)
    if args.part in ("both", "diagrams"):
        diagrams(args, archs)
    print(f"\ntotal {time.perf_counter() - start:.0f} s, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
