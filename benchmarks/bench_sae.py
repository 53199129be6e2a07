"""SAE training throughput and recovery at the issue's 512-in-256 synthetic setting.

    python benchmarks/bench_sae.py [--steps 500] [--arch topk,relu] [--zipf]

512 random unit directions in 256 dims, each firing with probability 5/512, magnitudes U[0, 1]; 1,024 latents,
batch 1,024, Adam 3e-3 with a cosine schedule. TopK: k = 5; L1 (relu): λ = 0.6 with a λ warm-up over the first
20% of steps. Samples/s = batch × steps / wall time of one ``train_sae`` call after a compile run (the data
are drawn inside the compiled step). With ``--zipf`` also TopK with vs without AuxK on a Zipf-like profile.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--arch", default="topk,relu")
    parser.add_argument("--zipf", action="store_true")
    args = parser.parse_args(argv)

    import jax

    from toysup import sae

    print(f"jax {jax.__version__} on {jax.devices()[0].platform}, {os.cpu_count()} CPUs", flush=True)
    base = dict(
        n_inputs=256,
        n_latents=1024,
        batch_size=1024,
        steps=args.steps,
        learning_rate=3e-3,
        schedule="cosine",
        dead_window=50,
    )
    penalties = {
        "topk": dict(k=5),
        "relu": dict(l1_coefficient=0.6, penalty_warmup_steps=args.steps // 5),
        "batchtopk": dict(k=5.0),
        "jumprelu": dict(l0_coefficient=0.05, jumprelu_initial_threshold=0.1),
        "gated": dict(l1_coefficient=0.6, penalty_warmup_steps=args.steps // 5),
    }
    runs = [(arch, penalties[arch], "uniform") for arch in args.arch.split(",")]
    if args.zipf:
        runs += [("topk", dict(k=5), "zipf"), ("topk", dict(k=5, aux_coefficient=0.0), "zipf")]
    for arch, penalty, firing in runs:
        data = sae.synthetic_activations(512, 256, firing=firing, mean_active=5.0, seed=0)
        config = sae.SAEConfig(arch=arch, **penalty, **base)
        start = time.perf_counter()
        sae.train_sae(
            config.replace(steps=100), data, chunk_steps=100, progress=False
        )  # compile (same static shapes but steps)
        compile_s = time.perf_counter() - start
        start = time.perf_counter()
        result = sae.train_sae(config, data, chunk_steps=100, progress=False)
        elapsed = time.perf_counter() - start
        scores = sae.evaluate(result, data, n_samples=16_384)
        rate = config.batch_size * config.steps / elapsed
        label = f"{arch} {penalty} {firing}"
        print(
            f"{label}: {config.steps} steps in {elapsed:.1f} s (first call {compile_s:.1f} s) "
            f"samples_per_s={rate:,.0f}  MCC={scores['mcc'][0]:.4f} MMCS={scores['mmcs'][0]:.4f} "
            f"recovered>0.9={scores['recovered_0.9'][0]:.3f} EV={scores['explained_variance'][0]:.3f} "
            f"L0={scores['l0'][0]:.2f} (true {scores['true_l0'][0]:.2f}) "
            f"gamma={scores['relative_reconstruction_bias'][0]:.3f} "
            f"dead={scores['dead_share'][0]:.3f}",
            flush=True,
        )
    np.set_printoptions()


if __name__ == "__main__":
    main()
