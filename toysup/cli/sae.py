"""``toysup sae``: train SAEs on a saved toy run or a synthetic dictionary and score them.

    toysup sae --run DIR --arch topk --latents 16 --k 1 --out OUT
    toysup sae --synthetic --true-features 512 --dim 256 --firing uniform --arch relu --l1 0.6 --out OUT
    toysup sae --recovery --arch topk --true-features 64 --dim 32 --mean-active 2,5 --ratios 0.5,1,2 \
               --penalties 2,5,10 --seeds 2 --steps 1000 --out OUT

``--out`` writes config.json, params.npz (W_enc, b_enc, W_dec, b_dec, …; leading instance axis) and
metrics.json (every metric of ``toysup.sae.metrics``). No pickles. With ``--recovery`` it trains the recovery
phase diagram of ``toysup.sae.recovery`` instead (resumable: re-run into the same folder) and writes
``recovery.nc`` and ``recovery.png`` (MCC heat maps). Bad input: a ValueError naming the field.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from ..sae.config import ARCHITECTURES, RESAMPLING, SAEConfig
from ..sae.data import FIRING
from .flags import number_list


def add_parser(commands) -> None:
    """Register ``toysup sae`` on the ``toysup`` subcommands."""
    parser = commands.add_parser("sae", help="train sparse autoencoders and score them against the ground truth")
    add = parser.add_argument
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--run", default=None, help="a saved toy run (toysup train --out): its hidden activations")
    source.add_argument("--synthetic", action="store_true", help="a synthetic dictionary (see --true-features)")
    source.add_argument(
        "--recovery",
        action="store_true",
        help="the recovery phase diagram over --mean-active x --ratios x --penalties x --seeds",
    )
    add("--true-features", type=int, default=512, help="synthetic: number of true features N")
    add("--dim", type=int, default=256, help="synthetic: input dimension d")
    add("--firing", default="uniform", help=f"synthetic: one of {', '.join(FIRING[:2])}")
    add(
        "--mean-active",
        type=number_list("mean_active"),
        default=None,
        help="synthetic: expected true L0 (default 5); --recovery: a list (default 2,5,10)",
    )
    add(
        "--ratios",
        type=number_list("ratios"),
        default=[0.5, 1.0, 2.0],
        help="--recovery: latents / true features (default 0.5,1,2)",
    )
    add(
        "--penalties",
        type=number_list("penalties"),
        default=None,
        help="--recovery: L1 (relu, gated) or L0 (jumprelu) coefficients, or k (topk, batchtopk)",
    )
    add("--seeds", type=int, default=1, help="--recovery: seeds per grid point (SAE and dictionary)")
    add("--arch", default="topk", help=f"one of {', '.join(ARCHITECTURES)}")
    add("--latents", type=int, default=None, help="dictionary size (default: 2 × true features)")
    add("--l1", type=float, default=None, help="L1 coefficient (relu, gated) or L0 coefficient (jumprelu)")
    add("--k", type=float, default=None, help="active latents (topk; batchtopk: mean per sample)")
    add("--instances", type=int, default=1, help="SAEs trained together (different initialisations)")
    add("--steps", type=int, default=1000)
    add("--batch-size", type=int, default=1024)
    add("--lr", type=float, default=1e-3)
    add("--warmup", type=int, default=None, help="penalty warm-up steps (default: steps / 5)")
    add("--resampling", default="none", help=f"one of {', '.join(RESAMPLING)}")
    add("--seed", type=int, default=0)
    add(
        "--out",
        default=None,
        help="folder for config.json, params.npz, metrics.json (--recovery: "
        "recovery.nc, recovery.png, chunks/; re-run to resume)",
    )
    add("--quiet", action="store_true")
    parser.set_defaults(handler=cmd_sae)


def _activations(args: argparse.Namespace):
    from ..sae.data import synthetic_activations, toy_activations

    if args.run:
        from ..io import load

        return toy_activations(load(args.run))
    if not args.synthetic:
        raise ValueError("run: give --run DIR or --synthetic")
    if args.firing not in FIRING[:2]:
        raise ValueError(f"firing: must be one of {', '.join(FIRING[:2])}, got {args.firing!r}")
    mean_active = args.mean_active or [5.0]
    if len(mean_active) != 1:
        raise ValueError(f"mean_active: one value without --recovery, got {len(mean_active)}")
    return synthetic_activations(
        args.true_features, args.dim, firing=args.firing, mean_active=mean_active[0], seed=args.seed
    )


def _training_fields(args: argparse.Namespace) -> dict:
    """The SAEConfig fields set by the shared training flags."""
    warmup = (
        args.warmup
        if args.warmup is not None
        else (args.steps // 5 if isinstance(args.steps, int) and args.steps > 0 else 0)
    )
    return dict(
        steps=args.steps,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        penalty_warmup_steps=warmup,
        resampling=args.resampling,
        seed=args.seed,
    )


def _loop_settings(args: argparse.Namespace) -> dict:
    """How the training loop runs (not part of the config): chunks of up to 500 steps, the loss of every step."""
    return dict(chunk_steps=min(500, max(args.steps, 1)), log_every=1)


def sae_config_from_args(args: argparse.Namespace, n_inputs: int, n_features: int) -> SAEConfig:
    """The SAEConfig of ``toysup sae --run/--synthetic``; SAEConfig's validation names any bad field."""
    penalty = {}
    if args.l1 is not None:
        penalty["l0_coefficient" if args.arch == "jumprelu" else "l1_coefficient"] = args.l1
    if args.k is not None:
        if args.arch != "batchtopk" and args.k != int(args.k):
            raise ValueError(f"k: must be an integer for arch={args.arch!r}, got {args.k}")
        penalty["k"] = args.k if args.arch == "batchtopk" else int(args.k)
    return SAEConfig(
        arch=args.arch,
        n_inputs=n_inputs,
        n_latents=args.latents or 2 * n_features,
        n_instances=args.instances,
        **_training_fields(args),
        **penalty,
    )


def _json_ready(values: dict) -> dict:
    return {name: np.asarray(value).tolist() for name, value in values.items()}


def cmd_sae(args: argparse.Namespace) -> int:
    if args.arch not in ARCHITECTURES:  # before loading or building anything
        raise ValueError(f"arch: must be one of {', '.join(ARCHITECTURES)}, got {args.arch!r}")
    if args.recovery:
        return cmd_recovery(args)
    activations = _activations(args)
    config = sae_config_from_args(args, activations.n_inputs, activations.n_features)
    from ..sae.metrics import evaluate
    from ..sae.train import train_sae

    start = time.perf_counter()
    result = train_sae(config, activations, progress=not args.quiet, **_loop_settings(args))
    elapsed = time.perf_counter() - start
    scores = evaluate(result, activations)
    for name in ("mcc", "mmcs", "recovered_0.9", "explained_variance", "l0", "true_l0", "dead_share"):
        print(f"{name:>20}: {' '.join(f'{v:.4f}' for v in scores[name])}")
    print(
        f"trained {config.n_instances} {config.arch} SAE(s), {config.n_latents} latents, {result.steps_done} steps "
        f"in {elapsed:.1f} s"
    )
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        described = {
            "config": config.to_dict(),
            "data": {
                "sampler": activations.sampler,
                "options": [list(o) for o in activations.options],
                "run": args.run,
            },
        }
        (out / "config.json").write_text(json.dumps(described, indent=2))
        np.savez(out / "params.npz", **result.params, truth=activations.truth)
        (out / "metrics.json").write_text(
            json.dumps({"steps_done": result.steps_done, **_json_ready(scores)}, indent=2)
        )
        print(f"saved to {out}")
    return 0


def cmd_recovery(args: argparse.Namespace) -> int:
    """``toysup sae --recovery``: the recovery phase diagram into ``--out``, with its MCC heat maps."""
    for flag, value, allowed in (
        ("latents", args.latents, "--ratios"),
        ("l1", args.l1, "--penalties"),
        ("k", args.k, "--penalties"),
    ):
        if value is not None:
            raise ValueError(f"{flag}: not with --recovery, the grid sets it through {allowed}")
    if args.instances != 1:
        raise ValueError("instances: not with --recovery, the grid sets it through --seeds")
    if args.out is None:
        raise ValueError("out: --recovery needs --out DIR for recovery.nc and its chunks")
    from ..sae.recovery import PENALTY_FIELD, recovery_diagram

    if args.penalties is None:
        raise ValueError(f"penalties: --recovery needs --penalties (the {PENALTY_FIELD[args.arch]} values)")
    from ..sae.plots import recovery_heatmaps

    start = time.perf_counter()
    diagram = recovery_diagram(
        args.arch,
        out=args.out,
        n_features=args.true_features,
        n_inputs=args.dim,
        mean_active=args.mean_active or [2.0, 5.0, 10.0],
        ratios=args.ratios,
        penalties=args.penalties,
        seeds=args.seeds,
        firing=args.firing,
        progress=not args.quiet,
        **_loop_settings(args),
        **_training_fields(args),
    )
    mcc = diagram["mcc"].mean("seed")
    print(
        f"{args.arch}: MCC (mean over {args.seeds} seed(s)); rows: mean_active, columns: "
        f"{diagram.attrs['penalty_field']} = {' '.join(f'{p:g}' for p in diagram.penalty.values)}"
    )
    for ratio in diagram.ratio.values:
        print(f"  latents/features = {ratio:g}")
        for m in diagram.mean_active.values:
            row = mcc.sel(ratio=ratio, mean_active=m).values
            print(f"    {m:>8g}: {' '.join(f'{v:.3f}' for v in row)}")
    out = Path(args.out)
    recovery_heatmaps(diagram, "mcc").savefig(out / "recovery.png", dpi=120)
    print(
        f"{diagram['mcc'].size} SAEs in {time.perf_counter() - start:.1f} s; wrote {out / 'recovery.nc'} and "
        f"{out / 'recovery.png'}"
    )
    return 0
