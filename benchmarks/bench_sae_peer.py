"""SAE training speed beside the PyTorch peer, in one sitting, with the share of the CPU's matmul peak.

    python benchmarks/bench_sae_peer.py --peer ~/venv-torch/bin/python [--steps 300] [--repeats 3]

The workload of the peer (``peer_sae_torch.py``, by default ``../shared/bench/`` from the repository root, where it
lives beside the project): 512 random unit directions in 256 dims, each firing with probability 5/512, magnitudes
U[0, 1], drawn every step; 1,024 latents, batch 1,024, Adam at a constant 3e-3. TopK: k = 5, unit decoder rows, no
AuxK (the peer has none; toysup's default AuxK is timed as a second row); ReLU: L1 coefficient 0.6 weighted by the
decoder norms. Samples/s = batch × steps / wall time of one ``train_sae`` call after a compile run; the peer's
``samples_per_s=`` after its own warm-up. Medians of ``--repeats``, toysup and the peer alternating.

The matmul peak is the median rate of a compiled float32 1,024 × 1,024 × 1,024 product. The share of it a run
reaches counts the floating-point work of one step (multiply-adds × 2, the dense products only; see
``step_gflop``), so a share near 1 means the step cannot get faster without doing less work.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PEER_SCRIPT = REPO_ROOT.parent / "shared" / "bench" / "peer_sae_torch.py"
FEATURES, INPUTS, LATENTS, BATCH, K, L1, LEARNING_RATE = 512, 256, 1024, 1024, 5, 0.6, 3e-3


def step_gflop(row: str) -> float:
    """GFLOP of one training step: the data (codes @ directions), then per row's code path. Gathered TopK: the
    dense encoder product only (decoder and gradients take k rows per sample). With AuxK four more dense products
    (the dead latents' reconstruction, its two gradients and the encoder's). Gathered ReLU: the dense encoder
    product only (decoder and gradients take the batch's active latents, in the smallest room that holds them, see
    ``toysup.sae.models._relu``); its dense step (encoder, decoder and three gradient products) runs only while the
    batch has more active pairs than the largest room (``RELU_GATHERED_L0`` = 4 per sample), here the first 13
    steps (seed 0), which this count leaves out (over 300 steps they add 4 × 13 / 300 ≈ 0.17 products per step)."""
    product = 2 * BATCH * INPUTS * LATENTS / 1e9
    data = 2 * BATCH * FEATURES * INPUTS / 1e9
    return data + {"topk": 1, "topk+auxk": 5, "relu": 1}[row] * product


def matmul_peak(repeats: int) -> float:
    """GFLOP/s of a compiled float32 1,024³ matrix product (median of ``repeats`` timings of 20 products)."""
    import jax
    import jax.numpy as jnp

    a = jax.random.normal(jax.random.key(0), (1024, 1024), jnp.float32)

    @jax.jit
    def twenty(a):
        return jax.lax.fori_loop(0, 20, lambda _, m: (m @ a) * (1.0 / 32.0), a)

    twenty(a).block_until_ready()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        twenty(a).block_until_ready()
        rates.append(20 * 2 * 1024**3 / (time.perf_counter() - start) / 1e9)
    return statistics.median(rates)


def toysup_rate(row: str, steps: int) -> float:
    from toysup import sae

    data = sae.synthetic_activations(FEATURES, INPUTS, mean_active=float(K), seed=0)
    arch = "relu" if row == "relu" else "topk"
    penalty = dict(l1_coefficient=L1) if arch == "relu" else dict(k=K, aux_coefficient=1 / 32 if "aux" in row else 0.0)
    config = sae.SAEConfig(
        arch=arch,
        n_inputs=INPUTS,
        n_latents=LATENTS,
        batch_size=BATCH,
        steps=steps,
        learning_rate=LEARNING_RATE,
        schedule="constant",
        **penalty,
    )
    sae.train_sae(config, data, chunk_steps=steps, progress=False)  # compile
    start = time.perf_counter()
    sae.train_sae(config, data, chunk_steps=steps, progress=False)
    return BATCH * steps / (time.perf_counter() - start)


def peer_rate(python: str, script: Path, arch: str, steps: int, threads: int) -> float:
    command = [python, str(script), "--arch", arch, "--features", str(FEATURES), "--dim", str(INPUTS)]
    command += ["--latents", str(LATENTS), "--k", str(K), "--l1", str(L1), "--batch", str(BATCH)]
    command += ["--steps", str(steps), "--lr", str(LEARNING_RATE)]
    if threads:
        command += ["--threads", str(threads)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    match = re.search(r"samples_per_s=([0-9.eE+-]+)", output)
    if not match:
        raise RuntimeError(f"peer printed no samples_per_s=:\n{output}")
    return float(match.group(1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer", required=True, help="a python interpreter with torch, to run the peer")
    parser.add_argument("--peer-script", type=Path, default=DEFAULT_PEER_SCRIPT, help="the peer script")
    parser.add_argument("--peer-threads", type=int, default=0, help="torch threads for the peer; 0 = its default")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.peer_script.is_file():
        parser.error(f"--peer-script: no such file {args.peer_script}")

    import jax

    print(f"jax {jax.__version__} on {jax.devices()[0].platform}, {os.cpu_count()} CPUs", flush=True)
    peak = matmul_peak(args.repeats)
    print(f"matmul peak (float32 1,024³): {peak:.0f} GFLOP/s", flush=True)
    rows = []
    for row, peer_arch in (("topk", "topk"), ("topk+auxk", "topk"), ("relu", "relu")):
        ours, theirs = [], []
        for _ in range(args.repeats):
            ours.append(toysup_rate(row, args.steps))
            theirs.append(peer_rate(args.peer, args.peer_script, peer_arch, args.steps, args.peer_threads))
        rate, peer = statistics.median(ours), statistics.median(theirs)
        share = rate / BATCH * step_gflop(row) / peak
        rows.append((row, rate, peer, share))
        print(
            f"{row}: toysup {rate:,.0f} samples/s (runs {[round(r) for r in ours]}), peer ({peer_arch}) {peer:,.0f} "
            f"(runs {[round(r) for r in theirs]}), ratio {rate / peer:.2f}×, {share:.0%} of the matmul peak",
            flush=True,
        )
    print(
        "\n| toysup | toysup samples/s | peer samples/s | toysup/peer | share of matmul peak |\n|---|---|---|---|---|"
    )
    for row, rate, peer, share in rows:
        print(f"| {row} | {rate:,.0f} | {peer:,.0f} | {rate / peer:.2f}× | {share:.0%} |")


if __name__ == "__main__":
    main()
