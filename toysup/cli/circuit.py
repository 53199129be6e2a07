"""``toysup circuit``: train transcoders on a saved run of a model that computes, trace their attribution graphs and
score them against the task's graph and the model's own.

    toysup circuit --run RUN --out OUT
    toysup circuit --run RUN --arch topk --instance 2 --input "3=0.8,7=-0.5" --threshold 0.1 --out OUT

One transcoder per instance of ``--run`` (an ``abs`` or ``relu_output`` run: the models that compute something a
replacement can imitate; :mod:`toysup.circuits.transcoders`), its settings derived from the run's data by
:func:`toysup.sae.config.derive_settings` and printed, one ``derived name = value (reason)`` line each; a flag given
always wins. Each transcoder's attribution graph (:mod:`toysup.circuits.attribution`) is averaged over
``--samples`` seeded samples of the model's data, pruned at ``--threshold`` (default
``toysup.circuits.CIRCUIT_THRESHOLD``, measured on the sparse |x| model) and scored twice: against the task's
graph (output i depends on feature i only) and against the graph of the model itself (the features it computes);
the table printed has, per instance, the transcoder's imitation (the share of the model's output variance it
explains, its L0) and both graph scores (precision, recall, F1) with the share of the output variance the pruned
graph explains. ``--input`` also traces the graph of one input of ``--instance``.

``--out`` writes, atomically, into a folder marked as a ``circuit`` result (never the ``--run`` folder; an earlier
circuit there is replaced only with ``--overwrite``): ``graph.json`` (the settings, every instance's imitation and
scores, and ``--instance``'s pruned graph; with ``--input``, its one-input graph too), ``graph.png`` and
``graph.svg`` (``--instance``'s graph; ``input.png`` for the one-input graph). Bad input is one line naming the
field, exit status 2, before the run is trained on: a run of a model that computes nothing (``linear``,
``relu_hidden``) included; an unusable ``--out`` or a run that cannot be read exits with 1, Ctrl-C with 130 (the
transcoders' training is not saved).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from ..sae.config import ARCHITECTURES, DEFAULT_STEPS
from .flags import checking_input, interrupted

KIND = "circuit"  # the kind of result a circuit folder holds (its toysup.json)
MAX_SAMPLES = 2**16  # --samples: at most this many samples behind a traced graph


def add_parser(commands) -> None:
    """Register ``toysup circuit`` on the ``toysup`` subcommands."""
    from ..circuits.transcoders import CIRCUIT_THRESHOLD, TRACE_SAMPLES

    parser = commands.add_parser(
        "circuit", help="train transcoders on a saved run, trace their attribution graphs and score them"
    )
    add = parser.add_argument
    add(
        "--run",
        required=True,
        help="a saved run of an abs or relu_output model (toysup train --out) (default: none, required)",
    )
    add(
        "--arch",
        default="relu",
        choices=ARCHITECTURES,
        help="the transcoder's architecture (relu: the graphs of SPARSE_ABS's transcoders score edge F1 >= 0.9)",
    )
    add("--instance", type=int, default=0, help="the instance whose graph is drawn (and traced for --input)")
    add(
        "--input",
        default=None,
        help="one input to trace as FEATURE=VALUE pairs, e.g. '3=0.8,7=-0.5' (the other features 0; values in the "
        "model's data range: [-1, 1] for abs, [0, 1] for relu_output) (default: none)",
    )
    add(
        "--threshold",
        type=float,
        default=CIRCUIT_THRESHOLD,
        help="pruning θ in [0, 1]: nodes under θ of the largest node's weight and edges under θ of the strongest "
        "into their node are dropped",
    )
    add("--samples", type=int, default=TRACE_SAMPLES, help=f"samples the graph is averaged over, in [2, {MAX_SAMPLES}]")
    add("--steps", type=int, default=None, help=f"the transcoders' optimisation steps (default: {DEFAULT_STEPS})")
    add("--seed", type=int, default=0, help="seed of the transcoders' initialisation and data stream")
    add("--out", default=None, help="folder for graph.json, graph.png, graph.svg (default: not saved)")
    add("--overwrite", action="store_true", help="replace the circuit result in --out")
    add("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(handler=cmd_circuit)


def parse_input(text: str) -> dict[int, float]:
    """``'3=0.8,7=-0.5'`` as {feature: value}; a malformed pair, a repeated feature or a non-finite value is a
    ValueError naming ``input``."""
    pairs: dict[int, float] = {}
    for item in (part.strip() for part in text.replace(" ", ",").split(",")):
        if not item:
            continue
        feature, sep, value = item.partition("=")
        try:
            index, number = int(feature), float(value)
        except ValueError:
            index = number = None
        if not sep or index is None or number is None:
            raise ValueError(
                f"input: must be FEATURE=VALUE pairs separated by commas, e.g. '3=0.8,7=-0.5', got {text!r}"
            )
        if not math.isfinite(number):
            raise ValueError(f"input: feature {index}'s value must be finite, got {value}")
        if index in pairs:
            raise ValueError(f"input: must name each feature once, got feature {index} twice")
        pairs[index] = number
    if not pairs:
        raise ValueError(f"input: must set at least one feature (FEATURE=VALUE), got {text!r}")
    return pairs


def input_features(pairs: dict[int, float], model: str, n_features: int):
    """The one input of ``--input`` as features x (1, n_features), each checked against the model's data range."""
    import numpy as np

    low = -1.0 if model == "abs" else 0.0
    x = np.zeros((1, n_features), np.float32)
    for feature, value in pairs.items():
        if not 0 <= feature < n_features:
            raise ValueError(f"input: features must be in [0, {n_features - 1}], got {feature}")
        if not low <= value <= 1.0:
            raise ValueError(f"input: values of a {model} model's features must be in [{low:g}, 1], got {value:g}")
        x[0, feature] = value
    return x


def check_flags(args: argparse.Namespace) -> dict[int, float] | None:
    """Everything the command line alone can tell, before the run is read: the parsed ``--input``."""
    from ..validation import integer, real

    if args.overwrite and not args.out:
        raise ValueError("overwrite: only with --out (there is nothing to replace)")
    real("threshold", args.threshold, 0.0, 1.0)
    integer("samples", args.samples, 2, MAX_SAMPLES)
    integer("instance", args.instance, 0, 2**31 - 1)
    integer("seed", args.seed, 0, 2**31 - 1)
    if args.steps is not None:
        integer("steps", args.steps, 1, 2**31 - 1)
    return None if args.input is None else parse_input(args.input)


def check_circuit_output(out: str | Path, *, overwrite: bool, run: str | Path) -> Path:
    """``--out`` may take a circuit result: not the run's folder nor inside it, and as
    :func:`toysup.storage.check_output` says otherwise; ``OutputError`` before any compute."""
    from ..storage import OutputError, check_output

    run_folder, target = Path(run).resolve(), Path(out).resolve()
    if target == run_folder or run_folder in target.parents:
        raise OutputError(f"out: {out} is the run's folder (--run {run}) or inside it; choose another folder")
    return check_output(out, KIND, overwrite=overwrite)


def cmd_circuit(args: argparse.Namespace) -> int:
    with checking_input():  # before reading or training anything
        pairs = check_flags(args)
    if args.out:
        check_circuit_output(args.out, overwrite=args.overwrite, run=args.run)
    from ..circuits import attribution, transcoders
    from ..io import load
    from ..sae.config import SAEConfig, derive_settings
    from ..validation import at_most, integer

    run = load(args.run)  # a run that cannot be read: DamagedFileError, exit status 1
    with checking_input():
        data = transcoders.transcoder_data(run)  # a model that computes nothing: "run: model must be …"
        integer("instance", args.instance, 0, data.n_instances - 1)
        x_input = None if pairs is None else input_features(pairs, run.config.model, data.n_features)
        given = {"seed": args.seed, **({} if args.steps is None else {"steps": args.steps})}
        derived = derive_settings(args.arch, data.activations, **given)
        config = SAEConfig(**derived.fields)
        config.check_memory(data.activations.arrays["feature_probability"].shape[-1])
        at_most(
            "samples × n_features × n_latents",
            args.samples * data.n_features * config.n_latents,
            attribution.MAX_EFFECT_ELEMENTS,
        )
    for line in derived.lines():
        print(f"derived {line}")
    start = time.perf_counter()
    result = transcoders.train_transcoder(
        config, data, progress=not args.quiet, chunk_steps=min(500, config.steps), log_every=1
    )
    if result.steps_done < config.steps:  # Ctrl-C: a half-trained transcoder's graph is no answer
        return interrupted(result.steps_done, config.steps, what="transcoders")
    elapsed = time.perf_counter() - start
    imitation = transcoders.imitation(result, data)
    circuits = [
        transcoders.trace_transcoder(result, data, i, threshold=args.threshold, n_samples=args.samples)
        for i in range(config.n_instances)
    ]
    print(table(imitation, circuits))
    print(
        f"trained {config.n_instances} {config.arch} transcoder(s), {config.n_latents} latents, {result.steps_done} "
        f"steps in {elapsed:.1f} s; graphs over {args.samples} samples, pruned at θ = {args.threshold:g}"
    )
    one = None
    if x_input is not None:
        one = transcoders.trace_transcoder(result, data, args.instance, threshold=args.threshold, x=x_input)
        kept = [(int(i), int(k)) for i, k in zip(*one.graph.input_output_kept.nonzero())]
        print(f"input {args.input!r} (instance {args.instance}): kept feature → output edges {kept or 'none'}")
    if args.out:
        out = save_circuit(args, derived, imitation, circuits, one)
        print(f"saved to {out}")
    return 0


def _scores(score) -> dict | None:
    return None if score is None else score.to_json_dict()


def table(imitation: dict, circuits: list) -> str:
    """The printed table: per instance, the imitation and both graph scores."""
    header = (
        f"{'instance':>8} {'imitation':>9} {'L0':>5} │ {'task P':>6} {'R':>5} {'F1':>5} │ "
        f"{'model P':>7} {'R':>5} {'F1':>5} │ {'graph EV':>8}"
    )
    lines = [header]
    for circuit in circuits:
        i, task, model = circuit.instance, circuit.task, circuit.model
        if task is None:  # the model's output never varies: nothing to explain or score
            lines.append(
                f"{i:>8} {imitation['explained_variance'][i]:>9.3f} {imitation['l0'][i]:>5.2f} │ constant output"
            )
            continue
        own = f"{model.precision:>7.3f} {model.recall:>5.3f} {model.f1:>5.3f}" if model else f"{'no edge':>19}"
        lines.append(
            f"{i:>8} {imitation['explained_variance'][i]:>9.3f} {imitation['l0'][i]:>5.2f} │ {task.precision:>6.3f} "
            f"{task.recall:>5.3f} {task.f1:>5.3f} │ {own} │ {task.explained_variance:>8.3f}"
        )
    lines.append(
        "imitation: share of the model's output variance the transcoder explains; task: scored against output i ← "
        "feature i; model: against the features the model computes; graph EV: output variance the pruned graph "
        "explains"
    )
    return "\n".join(lines)


def save_circuit(args: argparse.Namespace, derived, imitation: dict, circuits: list, one) -> Path:
    """Write graph.json, graph.png, graph.svg (and input.png for ``--input``) into ``--out`` as one atomic folder."""
    import matplotlib.pyplot as plt

    from ..circuits.plots import attribution_graph
    from ..storage import plain, replace_folder, write_figure, write_json

    shown = circuits[args.instance]
    record = {
        "run": str(args.run),
        "settings": plain(derived.fields),
        "derived": plain(derived.reasons),
        "threshold": args.threshold,
        "samples": args.samples,
        "instances": [
            {
                "instance": circuit.instance,
                "imitation": {name: float(values[circuit.instance]) for name, values in imitation.items()},
                "task": _scores(circuit.task),
                "model": _scores(circuit.model),
            }
            for circuit in circuits
        ],
        "instance": args.instance,
        "graph": shown.graph.to_json_dict(),
    }
    if one is not None:
        record["input"] = {"text": args.input, "graph": one.graph.to_json_dict()}

    def write(folder: Path) -> None:
        write_json(folder / "graph.json", record)
        f1 = "" if shown.task is None else f": F1 {shown.task.f1:.2f} against the task"
        title = f"instance {args.instance}{f1}, θ = {args.threshold:g}"
        fig = attribution_graph(shown.graph, title=title)
        try:
            write_figure(folder / "graph.png", fig, dpi=150)
            write_figure(folder / "graph.svg", fig)
        finally:
            plt.close(fig)
        if one is not None:
            fig = attribution_graph(one.graph, title=f"one input: {args.input}")
            try:
                write_figure(folder / "input.png", fig, dpi=150)
            finally:
                plt.close(fig)

    return replace_folder(args.out, KIND, write, overwrite=args.overwrite, owner="toysup circuit")
