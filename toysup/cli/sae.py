"""``toysup sae``: train SAEs on a saved toy run or a synthetic dictionary and score them.

    toysup sae --run DIR --arch topk --out OUT
    toysup sae --synthetic --true-features 512 --dim 256 --firing uniform --arch relu --l1 0.6 --out OUT
    toysup sae --recovery --arch topk --true-features 64 --dim 32 --mean-active 2,5 --ratios 0.5,1,2 \
               --penalties 2,5,10 --seeds 2 --steps 1000 --out OUT

A setting not given is derived from the data by :func:`toysup.sae.config.derive_settings` (one SAE per
instance of ``--run``, the latents, k or the L1/L0 coefficient from the expected number of active true features
and their size, the penalty warm-up, …) and printed, one ``derived name = value (reason)`` line each; a flag given
always wins.

``--out`` writes config.json, params.npz (W_enc, b_enc, W_dec, b_dec, …; leading instance axis) and
metrics.json (every metric of ``toysup.sae.metrics``) atomically, via ``toysup.sae.io.save_sae``; it is never the
``--run`` folder, and an earlier SAE result there is replaced only with ``--overwrite``. No pickles. With
``--recovery`` it trains the recovery phase diagram of ``toysup.sae.recovery`` instead (resumable: re-run into the
same folder) and writes ``recovery.nc`` and ``recovery.png`` (MCC heat maps). Bad input: a ValueError naming the
field (exit status 2), and so is a flag that would have no effect (:func:`check_flags`: ``--l1`` with TopK, ``--k``
with an L1 or L0 SAE, ``--warmup`` with TopK, ``--dim`` with ``--run``, ``--ratios`` without ``--recovery`` …). A
loss that turns non-finite stops with exit status 1, and so does an unusable ``--out`` or a ``--run`` that cannot be
read; Ctrl-C with 130, saving what the SAEs reached if any step was done.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from ..sae.config import (
    ARCHITECTURES,
    DEFAULT_LEARNING_RATE,
    DEFAULT_STEPS,
    PENALTY_WARMUP_SHARE,
    RESAMPLING,
    DerivedSettings,
    SAEConfig,
    derive_settings,
)
from ..sae.data import FIRING
from .flags import checking_input, interrupted, number_list, show_default


def add_parser(commands) -> None:
    """Register ``toysup sae`` on the ``toysup`` subcommands."""
    parser = commands.add_parser("sae", help="train sparse autoencoders and score them against the ground truth")
    add = parser.add_argument
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--run", default=None, help="a saved toy run (toysup train --out): its hidden activations (default: none)"
    )
    source.add_argument("--synthetic", action="store_true", help="a synthetic dictionary (see --true-features)")
    source.add_argument(
        "--recovery",
        action="store_true",
        help="the recovery phase diagram over --mean-active x --ratios x --penalties x --seeds",
    )
    add(
        "--true-features",
        type=int,
        default=None,
        help=f"synthetic: number of true features N (default: {SYNTHETIC_DEFAULTS['true_features']})",
    )
    add("--dim", type=int, default=None, help=f"synthetic: input dimension d (default: {SYNTHETIC_DEFAULTS['dim']})")
    add(
        "--firing",
        default=None,
        choices=FIRING[:2],
        help=f"synthetic: how often the true features fire (default: {SYNTHETIC_DEFAULTS['firing']})",
    )
    add(
        "--mean-active",
        type=number_list("mean_active"),
        default=None,
        help="synthetic: expected true L0; --recovery: a list (default: 5; --recovery: 2,5,10)",
    )
    add(
        "--ratios",
        type=number_list("ratios"),
        default=None,
        help="--recovery: latents / true features (default: 0.5,1,2)",
    )
    add(
        "--penalties",
        type=number_list("penalties"),
        default=None,
        help="--recovery: L1 (relu, gated) or L0 (jumprelu) coefficients, or k (topk, batchtopk) "
        "(default: none, required with --recovery)",
    )
    add("--seeds", type=int, default=None, help="--recovery: seeds per grid point (SAE and dictionary) (default: 1)")
    add("--arch", default="topk", choices=ARCHITECTURES, help="the SAE architecture")
    add("--latents", type=int, default=None, help="dictionary size, >= 1 (default: derived, 2 × true features)")
    add(
        "--l1",
        type=float,
        default=None,
        help="L1 coefficient (relu, gated) or L0 coefficient (jumprelu) only (default: derived from the data)",
    )
    add(
        "--k",
        type=float,
        default=None,
        help="active latents (topk; batchtopk: mean per sample) only (default: derived, the expected true L0)",
    )
    add(
        "--instances",
        type=int,
        default=None,
        help="SAEs trained together (default: one per instance of --run, else 1); more than the data's one "
        "instance: different initialisations",
    )
    add("--steps", type=int, default=None, help=f"optimisation steps (default: {DEFAULT_STEPS}; --recovery: 1000)")
    add("--batch-size", type=int, default=1024, help="samples per step and SAE")
    add(
        "--lr",
        type=float,
        default=None,
        help=f"Adam's peak learning rate, cosine decay (default: {DEFAULT_LEARNING_RATE:g}; --recovery: 1e-3, "
        "constant)",
    )
    add("--warmup", type=int, default=None, help="penalty warm-up steps of relu, gated, jumprelu (default: steps / 5)")
    show_default(
        add("--resampling", default=None, choices=RESAMPLING, help="dead-latent resampling of relu, gated, jumprelu"),
        "derived: inputs for jumprelu, else none; --recovery: none",
    )
    add("--seed", type=int, default=0, help="seed of every random draw (SAE and dictionary)")
    add(
        "--out",
        default=None,
        help="folder for config.json, params.npz, metrics.json (--recovery: "
        "recovery.nc, recovery.png, chunks/; re-run to resume) (default: not saved; required with --recovery)",
    )
    add("--overwrite", action="store_true", help="replace the SAE result (--recovery: the diagram) in --out")
    add("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(handler=cmd_sae)


SYNTHETIC_DEFAULTS = {"true_features": 512, "dim": 256, "firing": "uniform"}
RECOVERY_GRID_DEFAULTS = {"ratios": [0.5, 1.0, 2.0], "seeds": 1}
RECOVERY_DEFAULTS = {"steps": 1000, "learning_rate": 1e-3}  # --recovery's training, when not given
K_ARCHITECTURES = ("topk", "batchtopk")  # they keep k latents; the others take an L1 or L0 coefficient


def check_flags(args: argparse.Namespace) -> None:
    """Refuse a flag that would have no effect with the chosen source and architecture, then fill in the defaults
    of the flags that depend on the source (left None by the parser so that "given" can be told)."""
    if args.run:
        for flag in ("true_features", "dim", "firing", "mean_active"):
            if getattr(args, flag) is not None:
                raise ValueError(f"{flag}: only with --synthetic or --recovery; --run's activations are the toy run's")
    if not args.recovery:
        for flag in ("ratios", "penalties", "seeds"):
            if getattr(args, flag) is not None:
                raise ValueError(f"{flag}: only with --recovery")
    if args.l1 is not None and args.arch in K_ARCHITECTURES:
        raise ValueError(f"l1: {args.arch} has no L1 or L0 penalty (it keeps k latents; use --k), got {args.l1:g}")
    if args.k is not None and args.arch not in K_ARCHITECTURES:
        raise ValueError(f"k: only topk and batchtopk keep k latents ({args.arch} takes --l1), got {args.k:g}")
    if args.warmup is not None and args.arch in K_ARCHITECTURES:
        raise ValueError(f"warmup: only relu, gated and jumprelu warm up a penalty, got arch={args.arch!r}")
    for defaults in (SYNTHETIC_DEFAULTS, RECOVERY_GRID_DEFAULTS):
        for flag, value in defaults.items():
            if getattr(args, flag) is None:
                setattr(args, flag, value)


def _activations(args: argparse.Namespace):
    from ..sae.data import synthetic_activations, toy_activations

    if args.run:
        from ..io import load

        return toy_activations(load(args.run))
    if not args.synthetic:
        raise ValueError("run: give --run DIR or --synthetic")
    mean_active = args.mean_active or [5.0]
    if len(mean_active) != 1:
        raise ValueError(f"mean_active: one value without --recovery, got {len(mean_active)}")
    return synthetic_activations(
        args.true_features, args.dim, firing=args.firing, mean_active=mean_active[0], seed=args.seed
    )


def _training_fields(args: argparse.Namespace) -> dict:
    """The SAEConfig fields set by the shared training flags of ``--recovery`` (its defaults filled in: a grid
    keeps the cheaper 1000 steps at a constant 1e-3 it always had)."""
    steps = RECOVERY_DEFAULTS["steps"] if args.steps is None else args.steps
    warmup = (
        args.warmup
        if args.warmup is not None
        else (int(PENALTY_WARMUP_SHARE * steps) if isinstance(steps, int) and steps > 0 else 0)
    )
    return dict(
        steps=steps,
        batch_size=args.batch_size,
        learning_rate=RECOVERY_DEFAULTS["learning_rate"] if args.lr is None else args.lr,
        penalty_warmup_steps=warmup,
        resampling=args.resampling or "none",
        seed=args.seed,
    )


def _given_fields(args: argparse.Namespace) -> dict:
    """The SAEConfig fields the user set explicitly (they win over every derived value)."""
    given = {"batch_size": args.batch_size, "seed": args.seed}
    for name, flag in (
        ("steps", "steps"),
        ("learning_rate", "lr"),
        ("penalty_warmup_steps", "warmup"),
        ("resampling", "resampling"),
        ("n_instances", "instances"),
        ("n_latents", "latents"),
    ):
        if getattr(args, flag) is not None:
            given[name] = getattr(args, flag)
    return given


def _loop_settings(args: argparse.Namespace) -> dict:
    """How the training loop runs (not part of the config): chunks of up to 500 steps, the loss of every step."""
    steps = args.steps if args.steps is not None else (RECOVERY_DEFAULTS if args.recovery else {}).get("steps")
    steps = DEFAULT_STEPS if steps is None else steps
    return dict(chunk_steps=min(500, max(steps, 1)), log_every=1)


def derived_settings(args: argparse.Namespace, activations) -> DerivedSettings:
    """The settings of ``toysup sae --run/--synthetic``: the flags given, the rest derived from the activations
    (:func:`toysup.sae.config.derive_settings`)."""
    given = _given_fields(args)
    if args.l1 is not None:
        given["l0_coefficient" if args.arch == "jumprelu" else "l1_coefficient"] = args.l1
    if args.k is not None:
        if args.arch == "batchtopk":
            given["k"] = args.k
        elif math.isfinite(args.k) and args.k == int(args.k):
            given["k"] = int(args.k)
        else:
            n_latents = args.latents if args.latents is not None else "2 × true features"
            raise ValueError(f"k: must be an integer in [1, n_latents={n_latents}], got {args.k:g}")
    return derive_settings(args.arch, activations, **given)


def sae_config_from_args(args: argparse.Namespace, activations) -> SAEConfig:
    """The SAEConfig of ``toysup sae --run/--synthetic``; SAEConfig's validation names any bad field."""
    return SAEConfig(**derived_settings(args, activations).fields)


def cmd_sae(args: argparse.Namespace) -> int:
    with checking_input():  # before loading or building anything
        check_flags(args)
    if args.recovery:
        return cmd_recovery(args)
    from ..sae.io import check_sae_output, save_sae

    with checking_input():
        if args.overwrite and not args.out:
            raise ValueError("overwrite: only with --out (there is nothing to replace)")
    if args.out:
        check_sae_output(args.out, overwrite=args.overwrite, run=args.run)  # before loading or training anything
    with checking_input():  # a --run that cannot be read stays a DamagedFileError, exit status 1
        activations = _activations(args)
        derived = derived_settings(args, activations)
        config = SAEConfig(**derived.fields)
        config.check_memory(activations.arrays["feature_probability"].shape[-1])  # with the activations' draws
    for line in derived.lines():
        print(f"derived {line}")
    from ..sae.metrics import METRICS, evaluate
    from ..sae.train import train_sae

    start = time.perf_counter()
    result = train_sae(config, activations, progress=not args.quiet, **_loop_settings(args))
    if result.steps_done == 0:  # Ctrl-C before the first chunk finished: nothing to score or save
        return interrupted(0, config.steps)
    elapsed = time.perf_counter() - start
    scores = evaluate(result, activations)
    shown = ("mcc", "matched_cosine", "mmcs", "recovered_0.9", "uniqueness", "explained_variance", "l0", "true_l0")
    for name in (*shown, "dead_share"):  # plain-language labels; every definition: toysup.sae.metrics.METRICS
        print(f"{METRICS[name][0]:>20}: {' '.join(f'{v:.4f}' for v in scores[name])}")
    print(
        f"trained {config.n_instances} {config.arch} SAE(s), {config.n_latents} latents, {result.steps_done} steps "
        f"in {elapsed:.1f} s"
    )
    out = None
    if args.out:
        out = save_sae(result, activations, args.out, overwrite=args.overwrite, run=args.run, scores=scores)
        print(f"saved to {out}")
    if result.steps_done < config.steps:  # Ctrl-C: metrics.json records steps_done
        return interrupted(result.steps_done, config.steps, out, what="SAEs")
    return 0


def cmd_recovery(args: argparse.Namespace) -> int:
    """``toysup sae --recovery``: the recovery phase diagram into ``--out``, with its MCC heat maps.

    ``recovery_diagram`` checks its grid itself before any compute (a ``ValueError``, exit status 2); an ``--out``
    it may not write (``OutputError``) and a run that diverges stay runtime errors (exit status 1)."""
    from ..sae.recovery import KIND, PENALTY_FIELD, recovery_diagram
    from ..storage import check_output, write_figure

    with checking_input():
        for flag, value, allowed in (
            ("latents", args.latents, "--ratios"),
            ("l1", args.l1, "--penalties"),
            ("k", args.k, "--penalties"),
        ):
            if value is not None:
                raise ValueError(f"{flag}: not with --recovery, the grid sets it through {allowed}")
        if args.instances is not None:
            raise ValueError("instances: not with --recovery, the grid sets it through --seeds")
        if args.out is None:
            raise ValueError("out: --recovery needs --out DIR for recovery.nc and its chunks")
        if args.penalties is None:
            raise ValueError(f"penalties: --recovery needs --penalties (the {PENALTY_FIELD[args.arch]} values)")
    from ..sae.plots import recovery_heatmaps

    check_output(args.out, KIND, overwrite=args.overwrite, resume=True)  # a bad --out fails before training
    start = time.perf_counter()
    with checking_input():
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
            overwrite=args.overwrite,
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
    write_figure(out / "recovery.png", recovery_heatmaps(diagram, "mcc"), dpi=120)
    print(
        f"{diagram['mcc'].size} SAEs in {time.perf_counter() - start:.1f} s; wrote {out / 'recovery.nc'} and "
        f"{out / 'recovery.png'}"
    )
    return 0
