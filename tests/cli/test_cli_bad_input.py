"""Every flag of every command, given bad values by a careless or hostile user: negative, zero, NaN, infinite,
huge (1e12, 1e400), of the wrong type, of the wrong length, or in a combination where it would have no effect.

Each case must exit with status 2 (a usage error) within seconds, with exactly one line on stderr that names the
field (or the flag), and without a traceback; a flag that takes one of a fixed set of values is refused by the
parser, naming the flag and every allowed value. An output the command may not write, a damaged saved result and a
run that diverges are no usage errors: they exit with status 1, in one line too. The training, sweeping, drawing
and building functions are replaced by ones that fail the test when called, which proves every check comes before
any compute; the largest sizes also run in a subprocess whose address space is capped at 2 GB, which proves nothing
big is allocated before the refusal.
"""

import json
import os
import resource
import subprocess
import sys
import textwrap
import time

import pytest

from toysup.cli import main
from toysup.storage import mark

LIMIT_S = 5.0  # seconds a refusal may take, imports of the command's modules included
HUGE = "1000000000000"  # 1e12, as an integer argparse accepts
OUT = "{tmp}/out"  # replaced by a fresh folder per test


def _forbidden(name):
    def called(*args, **kwargs):
        raise AssertionError(f"{name} was called: the bad input was not refused before compute")

    return called


@pytest.fixture(autouse=True)
def no_compute(monkeypatch):
    """Every function that trains, sweeps, draws, builds or launches fails the test when called, and the memory
    budget is fixed at 8 GB so the cases do not depend on this machine's memory."""
    import importlib

    monkeypatch.setenv("TOYSUP_MEMORY_GB", "8")
    for module, name in [
        ("toysup.engine", "run"),
        ("toysup.train", "train"),
        ("toysup.train", "train_copies"),
        ("toysup.snapshots", "train_with_snapshots"),
        ("toysup.sae.train", "train_sae"),
        ("toysup.sae.metrics", "evaluate"),
        ("toysup.sweeps", "run_sweep"),
        ("toysup.phase", "run_phase"),
        ("toysup.sae.recovery", "run_chunks"),
        ("toysup.figures", "make_figures"),
        ("toysup.lessons.course", "build"),
        ("toysup.lessons.course", "pack"),
        ("toysup.lessons.course", "build_wheel"),
        ("subprocess", "call"),
    ]:
        monkeypatch.setattr(importlib.import_module(module), name, _forbidden(f"{module}.{name}"))


# The toy-model training flags, shared by train, sweep and animate: (flags, a word the error must contain; several
# words separated by | mean any of them). Dashes count as underscores, so "importance_decay" matches both the
# config's field and argparse's "--importance-decay".
TRAIN_FLAG_CASES = [
    (["--features", "-1"], "n_features"),
    (["--features", "0"], "n_features"),
    (["--features", "abc"], "features"),
    (["--features", "1.5"], "features"),
    (["--features", "nan"], "features"),
    (["--features", "1e12"], "features"),
    (["--features", HUGE], "n_features"),
    (["--features", "2147483647"], "n_features × batch_size"),
    (["--features", "1,2"], "features"),
    (["--features", "2000000"], "the run needs about"),
    (["--hidden", "0"], "n_hidden"),
    (["--hidden", "-3"], "n_hidden"),
    (["--hidden", "10000000000"], "n_hidden"),
    (["--hidden", "1000000000"], "n_hidden × batch_size"),
    (["--hidden", "x"], "hidden"),
    (["--model", "tanh"], "model"),
    (["--model", ""], "model"),
    (["--instances", "0"], "n_instances"),
    (["--instances", "-2"], "n_instances"),
    (["--instances", "abc"], "instances"),
    (["--instances", HUGE], "n_instances"),
    (["--instances", "100000000"], "the run needs about"),
    (["--instances", "3", "--feature-probability", "0.1,0.2"], "feature_probability"),
    (["--feature-probability", "0"], "feature_probability"),
    (["--feature-probability", "-0.5"], "feature_probability"),
    (["--feature-probability", "1.5"], "feature_probability"),
    (["--feature-probability", "nan"], "feature_probability"),
    (["--feature-probability", "inf"], "feature_probability"),
    (["--feature-probability", "1e400"], "feature_probability"),
    (["--feature-probability", "1e-50"], "feature_probability"),
    (["--feature-probability", "0.1,abc"], "feature_probability"),
    (["--feature-probability", ","], "feature_probability"),
    (["--importance", "0"], "importance"),
    (["--importance", "-1"], "importance"),
    (["--importance", "nan"], "importance"),
    (["--importance", "inf"], "importance"),
    (["--importance", "1e39"], "importance"),
    (["--importance", "1e400"], "importance"),
    (["--importance", "1e-40"], "importance"),
    (["--importance", "abc"], "importance"),
    (["--importance", "1,2"], "importance"),
    (["--importance-decay", "0"], "importance_decay"),
    (["--importance-decay", "1.5"], "importance_decay"),
    (["--importance-decay", "nan"], "importance_decay"),
    (["--importance-decay", "-1"], "importance_decay"),
    (["--importance-decay", "0.5,0.6"], "importance_decay"),
    (["--features", "2000", "--importance-decay", "0.9"], "importance"),
    (["--correlated-sets", "1"], "correlated_sets"),
    (["--correlated-sets", "2.5"], "correlated_sets"),
    (["--correlated-sets", "6"], "correlated_sets"),
    (["--correlated-sets", "3", "--anticorrelated-sets", "3"], "correlated_sets"),
    (["--anticorrelated-sets", "1"], "anticorrelated_sets"),
    (["--anticorrelated-sets", "abc"], "anticorrelated_sets"),
    (["--optimizer", "sgd"], "optimizer"),
    (["--lr", "0"], "learning_rate"),
    (["--lr", "-1"], "learning_rate"),
    (["--lr", "nan"], "learning_rate"),
    (["--lr", "inf"], "learning_rate"),
    (["--lr", "1e400"], "learning_rate"),
    (["--lr", "1e30"], "learning_rate"),
    (["--lr", "abc"], "lr"),
    (["--lr", "0.1,0.2"], "lr"),
    (["--weight-decay", "0.1"], "weight_decay"),
    (["--weight-decay", "-1"], "weight_decay"),
    (["--optimizer", "adamw", "--weight-decay", "-1"], "weight_decay"),
    (["--optimizer", "adamw", "--weight-decay", "nan"], "weight_decay"),
    (["--optimizer", "adamw", "--weight-decay", "inf"], "weight_decay"),
    (["--optimizer", "adamw", "--weight-decay", "2000"], "weight_decay"),
    (["--optimizer", "adamw", "--lr", "0.5", "--weight-decay", "2"], "weight_decay"),
    (["--schedule", "step"], "schedule"),
    (["--warmup-steps", "-1"], "warmup_steps"),
    (["--steps", "100", "--warmup-steps", "100"], "warmup_steps"),
    (["--warmup-steps", "abc"], "warmup_steps"),
    (["--steps", "0"], "steps"),
    (["--steps", "-5"], "steps"),
    (["--steps", "ten"], "steps"),
    (["--steps", "1e12"], "steps"),
    (["--steps", HUGE], "steps"),
    (["--steps", "2147483648"], "steps"),
    (["--batch-size", "0"], "batch_size"),
    (["--batch-size", "abc"], "batch_size"),
    (["--batch-size", HUGE], "batch_size"),
    (["--batch-size", "1073741824"], "n_features × batch_size"),
    (["--batch-size", "100000000"], "the run needs about"),
    (["--restarts", "0"], "restarts"),
    (["--restarts", "abc"], "restarts"),
    (["--restarts", HUGE], "restarts"),
    (["--restarts", "100000000"], "the run needs about"),
    (["--rng", "mersenne"], "rng"),
    (["--seed", "-1"], "seed"),
    (["--seed", "2147483648"], "seed"),
    (["--seed", "abc"], "seed"),
]

CHUNK_STEPS_CASES = [
    (["--chunk-steps", "0"], "chunk_steps"),
    (["--chunk-steps", "-1"], "chunk_steps"),
    (["--chunk-steps", "abc"], "chunk_steps"),
    (["--chunk-steps", HUGE], "chunk_steps"),
]

SWEEP = ["sweep", "--out", OUT, "--quiet"]
AXIS = ["--axis", "importance_decay=0.5,1"]
ANIMATE = ["animate", "--out", OUT + "/a.gif", "--quiet"]

CASES = (
    [(["train", *flags], word) for flags, word in TRAIN_FLAG_CASES + CHUNK_STEPS_CASES]
    + [([*SWEEP, *AXIS, *flags], word) for flags, word in TRAIN_FLAG_CASES + CHUNK_STEPS_CASES]
    + [([*ANIMATE, *flags], word) for flags, word in TRAIN_FLAG_CASES]
    + [
        (["train", "--out"], "out"),
        (["train", "--overwrite"], "overwrite"),
        (["sae", "--synthetic", "--overwrite", "--quiet"], "overwrite"),
        # demo
        (["demo", "--steps", "0"], "steps"),
        (["demo", "--steps", "-1"], "steps"),
        (["demo", "--steps", "abc"], "steps"),
        (["demo", "--steps", "1e12"], "steps"),
        (["demo", "--steps", HUGE], "steps"),
        (["demo", "--seed", "-1"], "seed"),
        (["demo", "--seed", "2147483648"], "seed"),
        (["demo", "--seed", "x"], "seed"),
        (["demo", "--steps", "1,2"], "steps"),
        # sweep's own flags and combinations
        ([*SWEEP], "axes"),
        ([*SWEEP, *AXIS, "--seeds", "0"], "seeds"),
        ([*SWEEP, *AXIS, "--seeds", "-1"], "seeds"),
        ([*SWEEP, *AXIS, "--seeds", "abc"], "seeds"),
        ([*SWEEP, *AXIS, "--seeds", HUGE], "seeds"),
        ([*SWEEP, *AXIS, "--seeds", "100000000"], "grid points × seeds"),
        ([*SWEEP, *AXIS, "--chunk-copies", "0"], "chunk_copies"),
        ([*SWEEP, *AXIS, "--chunk-copies", "abc"], "chunk_copies"),
        ([*SWEEP, *AXIS, "--chunk-copies", HUGE], "chunk_copies"),
        ([*SWEEP, "--axis", "nothing"], "axis"),
        ([*SWEEP, "--axis", "feature_probability="], "axis"),
        ([*SWEEP, "--axis", "nosuch=1,2"], "axis"),
        ([*SWEEP, "--axis", "n_instances=1,2"], "axis"),
        ([*SWEEP, "--axis", "seed=1,2"], "axis"),
        ([*SWEEP, "--axis", "feature_probability=2"], "feature_probability"),
        ([*SWEEP, "--axis", "feature_probability=abc"], "feature_probability"),
        ([*SWEEP, "--axis", "feature_probability=nan"], "feature_probability"),
        ([*SWEEP, "--axis", "feature_probability=1e-50"], "feature_probability"),
        ([*SWEEP, "--axis", "importance[9]=1,2"], "importance"),
        ([*SWEEP, "--axis", "n_hidden=1,1"], "axis"),
        ([*SWEEP, "--axis", "n_hidden=1,2", "--axis", "n_hidden=3"], "axes"),
        ([*SWEEP, "--axis", "feature_probability=logspace(-2,0,1000000000)"], "axis"),
        ([*SWEEP, "--axis", "feature_probability=logspace(-2,0,0)"], "axis"),
        ([*SWEEP, "--axis", "n_hidden=1000000,2000000"], "the run needs about"),
        (
            [
                *SWEEP,
                "--axis",
                "feature_probability=logspace(-2,0,400)",
                "--axis",
                "importance_decay=linspace(0.1,1,400)",
            ],
            "grid points",
        ),
        ([*SWEEP, "--hidden", "3", "--axis", "n_hidden=1,2"], "n_hidden"),
        ([*SWEEP, "--lr", "0.01", "--axis", "learning_rate=0.1,0.2"], "learning_rate"),
        ([*SWEEP, "--instances", "2", *AXIS], "n_instances"),
        ([*SWEEP, "--feature-probability", "0.1,0.2", *AXIS], "n_instances"),
        ([*SWEEP, "--config", "{tmp}/missing.toml"], "config"),
        ([*SWEEP, "--config", "{tmp}"], "config"),
        ([*SWEEP, "--config", "{tmp}/bad.toml"], "config"),
        ([*SWEEP, "--config", "{tmp}/binary.toml"], "config"),
        ([*SWEEP, "--config", "{tmp}/unknown_key.toml"], "config"),
        ([*SWEEP, "--config", "{tmp}/base_not_table.toml"], "base"),
        ([*SWEEP, "--config", "{tmp}/axes_not_table.toml"], "axes"),
        ([*SWEEP, "--config", "{tmp}/base_unknown.toml"], "base"),
        ([*SWEEP, "--config", "{tmp}/base_retired.toml"], "base"),
        ([*SWEEP, "--config", "{tmp}/base_wrong_type.toml"], "n_features"),
        ([*SWEEP, "--config", "{tmp}/base_instances.toml"], "n_instances"),
        ([*SWEEP, "--config", "{tmp}/axis_number.toml"], "axes.feature_probability"),
        ([*SWEEP, "--config", "{tmp}/axis_nested.toml"], "axis"),
        ([*SWEEP, "--config", "{tmp}/axis_table.toml"], "axes.feature_probability"),
        ([*SWEEP, "--config", "{tmp}/seeds_string.toml"], "seeds"),
        ([*SWEEP, "--config", "{tmp}/chunk_copies_float.toml"], "chunk_copies"),
        ([*SWEEP, "--config", "{tmp}/good.toml", "--axis", "n_hidden=1,2"], "n_hidden"),
        ([*SWEEP, "--config", "{tmp}/good.toml", "--steps", "0"], "steps"),
        # phase
        (["phase", "--features", "3"], "features"),
        (["phase", "--features", "4", "--hidden", "3"], "features"),
        (["phase", "--features", "abc"], "features"),
        (["phase", "--hidden", "5"], "features"),
        (["phase", "--grid", "1"], "grid"),
        (["phase", "--grid", "0"], "grid"),
        (["phase", "--grid", "201"], "grid"),
        (["phase", "--grid", "100000"], "grid"),
        (["phase", "--grid", HUGE], "grid"),
        (["phase", "--grid", "abc"], "grid"),
        (["phase", "--restarts", "0"], "restarts"),
        (["phase", "--restarts", "abc"], "restarts"),
        (["phase", "--restarts", HUGE], "restarts"),
        (["phase", "--seeds", "0"], "restarts"),  # the old name of --restarts, kept for the README's examples
        (["phase", "--seeds", "abc"], "seeds"),
        (["phase", "--seeds", HUGE], "restarts"),
        (["phase", "--steps", "0"], "steps"),
        (["phase", "--steps", HUGE], "steps"),
        (["phase", "--lr", "0"], "learning_rate"),
        (["phase", "--lr", "nan"], "learning_rate"),
        (["phase", "--lr", "inf"], "learning_rate"),
        (["phase", "--lr", "1e30"], "learning_rate"),
        (["phase", "--lr", "abc"], "lr"),
        (["phase", "--seed", "-1"], "seed"),
        (["phase", "--seed", "2147483648"], "seed"),
        # sae: sources
        (["sae"], "run"),
        (["sae", "--run", "x", "--synthetic"], "synthetic"),
        (["sae", "--run", "{tmp}/none", "--dim", "5"], "dim"),
        (["sae", "--run", "{tmp}/none", "--true-features", "5"], "true_features"),
        (["sae", "--run", "{tmp}/none", "--firing", "zipf"], "firing"),
        (["sae", "--run", "{tmp}/none", "--mean-active", "2"], "mean_active"),
        (["sae", "--synthetic", "--ratios", "1"], "ratios"),
        (["sae", "--synthetic", "--penalties", "1"], "penalties"),
        (["sae", "--synthetic", "--seeds", "2"], "seeds"),
        # sae --synthetic values
        (["sae", "--synthetic", "--true-features", "0"], "true_features"),
        (["sae", "--synthetic", "--true-features", "abc"], "true_features"),
        (["sae", "--synthetic", "--true-features", HUGE], "true_features"),
        (["sae", "--synthetic", "--true-features", "10000000", "--dim", "100"], "true_features × dim"),
        (["sae", "--synthetic", "--true-features", "2000000", "--dim", "2", "--latents", "16"], "true features"),
        (["sae", "--synthetic", "--dim", "0"], "dim"),
        (["sae", "--synthetic", "--dim", "-4"], "dim"),
        (["sae", "--synthetic", "--firing", "given"], "firing"),
        (["sae", "--synthetic", "--mean-active", "0"], "feature_probability"),
        (["sae", "--synthetic", "--mean-active", "nan"], "feature_probability"),
        (["sae", "--synthetic", "--mean-active", "1e-9"], "feature_probability"),
        (["sae", "--synthetic", "--mean-active", "1000"], "feature_probability"),
        (["sae", "--synthetic", "--mean-active", "1,2"], "mean_active"),
        (["sae", "--synthetic", "--mean-active", "abc"], "mean_active"),
        (["sae", "--synthetic", "--arch", "lasso"], "arch"),
        (["sae", "--synthetic", "--latents", "0"], "n_latents"),
        (["sae", "--synthetic", "--latents", "-1"], "n_latents"),
        (["sae", "--synthetic", "--latents", HUGE], "n_latents"),
        (["sae", "--synthetic", "--latents", "100000000"], "n_latents × batch_size"),
        (["sae", "--synthetic", "--latents", "1000000", "--batch-size", "16"], "n_latents × n_inputs"),
        (["sae", "--synthetic", "--arch", "topk", "--l1", "0.1"], "l1"),
        (["sae", "--synthetic", "--arch", "batchtopk", "--l1", "0.1"], "l1"),
        (["sae", "--synthetic", "--arch", "relu", "--l1", "-1"], "l1_coefficient"),
        (["sae", "--synthetic", "--arch", "relu", "--l1", "nan"], "l1_coefficient"),
        (["sae", "--synthetic", "--arch", "relu", "--l1", "1e400"], "l1_coefficient"),
        (["sae", "--synthetic", "--arch", "gated", "--l1", "1e31"], "l1_coefficient"),
        (["sae", "--synthetic", "--arch", "jumprelu", "--l1", "inf"], "l0_coefficient"),
        (["sae", "--synthetic", "--arch", "relu", "--l1", "abc"], "l1"),
        (["sae", "--synthetic", "--arch", "relu", "--k", "3"], "k"),
        (["sae", "--synthetic", "--arch", "jumprelu", "--k", "3"], "k"),
        (["sae", "--synthetic", "--k", "0"], "k"),
        (["sae", "--synthetic", "--k", "-1"], "k"),
        (["sae", "--synthetic", "--k", "inf"], "k"),
        (["sae", "--synthetic", "--k", "nan"], "k"),
        (["sae", "--synthetic", "--k", "1e400"], "k"),
        (["sae", "--synthetic", "--k", "1.5"], "k"),
        (["sae", "--synthetic", "--k", "5000"], "k"),
        (["sae", "--synthetic", "--k", "abc"], "k"),
        (["sae", "--synthetic", "--arch", "batchtopk", "--k", "inf"], "k"),
        (["sae", "--synthetic", "--arch", "batchtopk", "--k", "0"], "k"),
        (["sae", "--synthetic", "--instances", "0"], "n_instances"),
        (["sae", "--synthetic", "--instances", HUGE], "n_instances"),
        (["sae", "--synthetic", "--instances", "100000"], "the run needs about"),
        (["sae", "--synthetic", "--steps", "0"], "steps"),
        (["sae", "--synthetic", "--steps", HUGE], "steps"),
        (["sae", "--synthetic", "--batch-size", "0"], "batch_size"),
        (["sae", "--synthetic", "--batch-size", "10000000"], "n_latents × batch_size"),
        (["sae", "--synthetic", "--lr", "0"], "learning_rate"),
        (["sae", "--synthetic", "--lr", "nan"], "learning_rate"),
        (["sae", "--synthetic", "--lr", "1e30"], "learning_rate"),
        (["sae", "--synthetic", "--arch", "topk", "--warmup", "5"], "warmup"),
        (["sae", "--synthetic", "--arch", "relu", "--warmup", "-1"], "penalty_warmup_steps"),
        (["sae", "--synthetic", "--arch", "relu", "--warmup", "5000"], "penalty_warmup_steps"),
        (["sae", "--synthetic", "--resampling", "sometimes"], "resampling"),
        (["sae", "--synthetic", "--arch", "topk", "--resampling", "random"], "resampling"),
        (["sae", "--synthetic", "--seed", "-1"], "seed"),
        (["sae", "--synthetic", "--seed", "2147483648"], "seed"),
        # sae --recovery
        (["sae", "--recovery", "--out", OUT], "penalties"),
        (["sae", "--recovery", "--penalties", "2"], "out"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--latents", "4"], "latents"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--k", "4"], "k"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--instances", "2"], "instances"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "nan"], "penalties"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "1.5"], "penalties"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2,2"], "penalties"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--ratios", "0"], "ratios"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--ratios", "inf"], "ratios"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--ratios", "1e9"], "n_latents"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--seeds", "0"], "seeds"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--seeds", HUGE], "seeds"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--seeds", "1000000"], "seeds"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--mean-active", "0"], "mean_active"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--mean-active", "1e-12"], "mean_active"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--firing", "given"], "firing"),
        (["sae", "--recovery", "--out", OUT, "--penalties", "2", "--true-features", HUGE], "n_features"),
        (["sae", "--recovery", "--out", OUT, "--arch", "relu", "--penalties", "-1"], "l1_coefficient"),
        # circuit: every check comes before the run is read ({tmp}/none does not exist)
        (["circuit"], "run"),
        (["circuit", "--run", "{tmp}/none", "--arch", "lasso"], "arch"),
        (["circuit", "--run", "{tmp}/none", "--instance", "-1"], "instance"),
        (["circuit", "--run", "{tmp}/none", "--instance", "abc"], "instance"),
        (["circuit", "--run", "{tmp}/none", "--instance", HUGE], "instance"),
        (["circuit", "--run", "{tmp}/none", "--input", "3"], "input"),
        (["circuit", "--run", "{tmp}/none", "--input", "a=0.5"], "input"),
        (["circuit", "--run", "{tmp}/none", "--input", "3=abc"], "input"),
        (["circuit", "--run", "{tmp}/none", "--input", "3=nan"], "input"),
        (["circuit", "--run", "{tmp}/none", "--input", "3=inf"], "input"),
        (["circuit", "--run", "{tmp}/none", "--input", "3=0.5,3=0.2"], "input"),
        (["circuit", "--run", "{tmp}/none", "--input", ","], "input"),
        (["circuit", "--run", "{tmp}/none", "--threshold", "-0.1"], "threshold"),
        (["circuit", "--run", "{tmp}/none", "--threshold", "1.5"], "threshold"),
        (["circuit", "--run", "{tmp}/none", "--threshold", "nan"], "threshold"),
        (["circuit", "--run", "{tmp}/none", "--threshold", "1e400"], "threshold"),
        (["circuit", "--run", "{tmp}/none", "--threshold", "abc"], "threshold"),
        (["circuit", "--run", "{tmp}/none", "--samples", "1"], "samples"),
        (["circuit", "--run", "{tmp}/none", "--samples", "-5"], "samples"),
        (["circuit", "--run", "{tmp}/none", "--samples", HUGE], "samples"),
        (["circuit", "--run", "{tmp}/none", "--samples", "abc"], "samples"),
        (["circuit", "--run", "{tmp}/none", "--steps", "0"], "steps"),
        (["circuit", "--run", "{tmp}/none", "--steps", HUGE], "steps"),
        (["circuit", "--run", "{tmp}/none", "--steps", "abc"], "steps"),
        (["circuit", "--run", "{tmp}/none", "--seed", "-1"], "seed"),
        (["circuit", "--run", "{tmp}/none", "--seed", "2147483648"], "seed"),
        (["circuit", "--run", "{tmp}/none", "--seed", "x"], "seed"),
        (["circuit", "--run", "{tmp}/none", "--overwrite"], "overwrite"),
        # animate's own flags
        ([*ANIMATE, "--every", "0"], "every"),
        ([*ANIMATE, "--every", "-1"], "every"),
        ([*ANIMATE, "--every", "abc"], "every"),
        ([*ANIMATE, "--every", "1"], "every"),
        ([*ANIMATE, "--fps", "0"], "fps"),
        ([*ANIMATE, "--fps", "61"], "fps"),
        ([*ANIMATE, "--fps", "abc"], "fps"),
        (["animate", "--out", "{tmp}/a.txt"], "out"),
        ([*ANIMATE, "--instances", "9"], "n_instances"),
        ([*ANIMATE, "--features", "30000", "--hidden", "3"], "WᵀW"),
        # figures, lessons, info, app, the command itself
        (["figures", "nosuch"], "nosuch"),
        (["figures", "intro", "--quick", "again"], "again"),
        (["figures", "--replot", "--quick"], "quick"),
        (["figures", "--replot", "--overwrite"], "overwrite"),
        (["lessons"], "list,build,open,pack"),
        (["lessons", "nope"], "nope"),
        (["lessons", "build", "--out"], "out"),
        (["lessons", "build", "--solutions", "yes"], "yes"),
        (["lessons", "build", "--overwrite", "yes"], "yes"),
        (["lessons", "list", "--x"], "--x"),
        (["lessons", "open"], "N"),
        (["lessons", "open", "99"], "lesson"),
        (["lessons", "open", "-1"], "lesson"),
        (["lessons", "open", "abc"], "N"),
        (["lessons", "open", "1.5"], "N"),
        (["lessons", "open", HUGE], "lesson"),
        (["lessons", "open", "1", "2"], "2"),
        (["lessons", "open", "1", "--port", "0"], "port"),
        (["lessons", "open", "1", "--port", "65536"], "port"),
        (["lessons", "open", "1", "--port", "abc"], "port"),
        (["lessons", "open", "1", "--no-browser", "yes"], "yes"),
        (["lessons", "pack", "--out", "{tmp}/bad.toml"], "out"),
        (["lessons", "pack", "--out", "{tmp}"], "out"),
        (["lessons", "pack", "--out", "{tmp}/class.tar"], ".zip"),
        (["lessons", "pack", "--solutions", "yes"], "yes"),
        (["info", "--x"], "--x"),
        (["info", "extra"], "extra"),
        (["app", "--port", "0"], "port"),
        (["app", "--port", "-1"], "port"),
        (["app", "--port", "65536"], "port"),
        (["app", "--port", "abc"], "port"),
        (["app", "--port", HUGE], "port"),
        ([], "command"),
        (["nosuch"], "nosuch"),
    ]
)

TOML = {
    "bad.toml": "seeds = [",
    "unknown_key.toml": "seeds = 2\nsteps = 100\n[axes]\nimportance_decay = [0.5, 1.0]\n",
    "base_not_table.toml": "base = 3\n[axes]\nimportance_decay = [0.5, 1.0]\n",
    "axes_not_table.toml": "axes = [1, 2]\n",
    "base_unknown.toml": "[base]\nn_featurs = 3\n[axes]\nimportance_decay = [0.5, 1.0]\n",
    "base_retired.toml": "[base]\nchunk_steps = 3\n[axes]\nimportance_decay = [0.5, 1.0]\n",
    "base_wrong_type.toml": '[base]\nn_features = "five"\n[axes]\nimportance_decay = [0.5, 1.0]\n',
    "base_instances.toml": "[base]\nn_instances = 2\n[axes]\nimportance_decay = [0.5, 1.0]\n",
    "axis_number.toml": "[axes]\nfeature_probability = 0.5\n",
    "axis_nested.toml": "[axes]\nfeature_probability = [[0.5, 1.0]]\n",
    "axis_table.toml": "[axes.feature_probability]\nlow = 0.5\n",
    "seeds_string.toml": 'seeds = "two"\n[axes]\nimportance_decay = [0.5, 1.0]\n',
    "chunk_copies_float.toml": "chunk_copies = 2.5\n[axes]\nimportance_decay = [0.5, 1.0]\n",
    "good.toml": "[base]\nn_hidden = 2\nsteps = 100\n[axes]\nimportance_decay = [0.5, 1.0]\n",
}


@pytest.fixture
def folder(tmp_path):
    for name, text in TOML.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00seeds = 1")
    return tmp_path


def _case_id(case) -> str:
    argv, _ = case
    return " ".join(argv).replace(OUT, "OUT").replace("{tmp}", "TMP")[:80] or "(nothing)"


@pytest.mark.parametrize("argv, word", CASES, ids=[_case_id(case) for case in CASES])
def test_bad_input_is_one_line_naming_the_field_before_any_compute(argv, word, folder, capsys):
    argv = [arg.replace("{tmp}", str(folder)) for arg in argv]
    start = time.perf_counter()
    status = main(argv)
    elapsed = time.perf_counter() - start
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert status == 2, (status, captured.out[-500:], err[-500:])
    assert len(err.splitlines()) == 1, err
    assert err.startswith("toysup: error: ") and "Traceback" not in err
    normalised = err.replace("-", "_")
    assert any(w.replace("-", "_") in normalised for w in word.split("|")), err
    assert elapsed < LIMIT_S, f"{elapsed:.1f} s"


def test_every_flag_of_every_command_has_a_bad_value_case():
    """The table above tries every flag (a new flag needs its cases)."""
    from toysup.cli import build_parser

    parser = build_parser()
    commands = next(action for action in parser._actions if hasattr(action, "choices") and action.choices)
    tried = {(argv[0], arg) for argv, _ in CASES if argv for arg in argv if arg.startswith("--")}
    untested = {"--quiet", "--overwrite", "--help", "--quick", "--out", "--run", "--synthetic", "--recovery"}
    missing = []
    for name, command in commands.choices.items():
        for action in command._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag not in untested and (name, flag) not in tried:
                    missing.append(f"{name} {flag}")
    assert not missing, f"flags without a bad-value case: {missing}"


# Flags that take one of a fixed set of values: the parser refuses any other, naming the flag and every choice.
CHOICE_CASES = [
    (["train", "--model", "tanh"], "--model", ("linear", "relu_output", "relu_hidden", "abs")),
    (["sweep", "--optimizer", "sgd"], "--optimizer", ("adam", "adamw")),
    (["animate", "--schedule", "step"], "--schedule", ("constant", "linear", "cosine")),
    (["train", "--rng", "mersenne"], "--rng", ("hash", "threefry")),
    (["sae", "--synthetic", "--arch", "lasso"], "--arch", ("relu", "topk", "batchtopk", "jumprelu", "gated")),
    (["sae", "--synthetic", "--firing", "given"], "--firing", ("uniform", "zipf")),
    (["sae", "--synthetic", "--resampling", "sometimes"], "--resampling", ("none", "random", "inputs")),
    (["circuit", "--run", "x", "--arch", "lasso"], "--arch", ("relu", "topk", "batchtopk", "jumprelu", "gated")),
]


@pytest.mark.parametrize("argv, flag, allowed", CHOICE_CASES, ids=[" ".join(case[0]) for case in CHOICE_CASES])
def test_a_value_outside_a_flags_choices_is_refused_by_the_parser(argv, flag, allowed, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"toysup: error: argument {flag}: invalid choice"), err
    assert all(repr(value) in err for value in allowed), err


# What is no usage error: (argv, a word the error must contain), each exiting with status 1 before any compute.
RUNTIME_CASES = [
    (["lessons", "build", "--out", "{tmp}/bad.toml"], "is a file"),
    (["lessons", "open", "1", "--out", "{tmp}/bad.toml"], "is a file"),
    (["train", "--out", "{tmp}/bad.toml", "--steps", "10"], "is a file"),
    (["sweep", "--out", "{tmp}/bad.toml", *AXIS], "is a file"),
    (["phase", "--out", "{tmp}/bad.toml"], "is a file"),
    (["demo", "--out", "{tmp}/bad.toml"], "is a file"),
    (["sae", "--synthetic", "--out", "{tmp}/bad.toml"], "bad.toml"),
    (["sae", "--recovery", "--penalties", "2", "--out", "{tmp}/bad.toml"], "is a file"),
    (["figures", "intro", "--out", "{tmp}/bad.toml"], "bad.toml"),
    (["figures", "--replot", "intro", "--out", "{tmp}/gallery"], "gallery"),  # no saved record to redraw
    (["sae", "--run", "{tmp}/none"], "none"),  # no saved run there
    (["sae", "--run", "{tmp}/damaged"], "config.json"),
    (["circuit", "--run", "{tmp}/none"], "none"),
    (["circuit", "--run", "{tmp}/damaged"], "config.json"),
    (["circuit", "--run", "{tmp}/none", "--out", "{tmp}/bad.toml"], "bad.toml"),
]


@pytest.mark.parametrize("argv, word", RUNTIME_CASES, ids=[_case_id(case) for case in RUNTIME_CASES])
def test_an_unusable_output_or_a_damaged_run_exits_1_in_one_line_before_any_compute(argv, word, folder, capsys):
    mark(folder / "damaged", "run")
    (folder / "damaged" / "config.json").write_text("{not json")
    argv = [arg.replace("{tmp}", str(folder)) for arg in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("toysup: error: ") and word in err, err


def test_a_diverged_run_exits_1_in_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys):
    import importlib

    from toysup import DivergedError

    def diverge(config, **options):
        raise DivergedError(7)

    monkeypatch.setattr(importlib.import_module("toysup.train"), "train", diverge)
    out = tmp_path / "run"
    assert main(["train", "--steps", "100", "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "toysup: error: diverged at step 7: the loss became non-finite; try a lower learning_rate"
    assert not out.exists()


HUGE_CASES = [
    ["train", "--features", "2147483647"],
    ["train", "--hidden", "10000000000"],
    ["train", "--features", "1000000", "--instances", "1000", "--batch-size", "1"],
    ["train", "--features", "100000", "--hidden", "100000", "--batch-size", "1"],
    ["train", "--steps", "2147483647", "--restarts", "100"],
    ["sweep", "--out", "{tmp}/s", "--axis", "feature_probability=logspace(-2,0,1000000000)"],
    ["sweep", "--out", "{tmp}/s", "--axis", "n_hidden=1,2", "--seeds", "100000000"],
    ["phase", "--grid", "100000", "--out", "{tmp}/p"],
    ["sae", "--synthetic", "--true-features", "2000000000"],
    ["sae", "--synthetic", "--true-features", "10000000", "--dim", "200"],
    ["sae", "--synthetic", "--latents", "100000000"],
    ["sae", "--synthetic", "--instances", "100000000"],
    ["animate", "--out", "{tmp}/a.gif", "--features", "100000", "--hidden", "3"],
]

CAPPED = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
from toysup.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    start = time.perf_counter()
    status = main(argv)
    results.append((status, time.perf_counter() - start))
print(json.dumps(results))
"""


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_AS"), reason="needs RLIMIT_AS")
def test_huge_sizes_are_refused_within_a_2_gb_address_space(tmp_path):
    cases = [[arg.replace("{tmp}", str(tmp_path)) for arg in argv] for argv in HUGE_CASES]
    env = dict(os.environ, TOYSUP_MEMORY_GB="1")
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CAPPED), json.dumps(cases)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    errors = [line for line in done.stderr.splitlines() if line.startswith("toysup: error: ")]
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr, done.stderr[-2000:]
    assert len(errors) == len(cases), done.stderr[-2000:]
    for argv, (status, elapsed), error in zip(cases, results, errors):
        assert status == 2 and elapsed < LIMIT_S, (argv, status, elapsed, error)
