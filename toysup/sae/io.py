"""Saved SAE results (``toysup sae --out``): a folder with config.json (the SAEConfig and where the activations came
from), params.npz (the SAEs' parameters, leading instance axis, and ``truth``, the ground-truth directions),
metrics.json (``steps_done`` and every score of ``toysup.sae.metrics.evaluate``) and the marker toysup.json
(kind ``sae``).

The folder is written whole or not at all (:func:`toysup.storage.replace_folder`). It never goes where a toy run
is: ``--out`` equal to (or inside) the ``--run`` folder the activations came from is refused, as is any folder
holding something other than an SAE result, so the toy run stays loadable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..storage import OutputError, check_output, replace_folder, write_atomic, write_json
from .data import Activations
from .metrics import evaluate
from .train import SAEResult

KIND = "sae"


def check_sae_output(out: str | Path, *, overwrite: bool = False, run: str | Path | None = None) -> Path:
    """Check, before any compute, that SAE results may be written to the folder ``out``: not the toy run's folder
    ``run`` nor inside it, and otherwise as :func:`toysup.storage.check_output` says (new, empty, or an SAE result
    replaced with ``overwrite``). ``OutputError`` otherwise."""
    out = Path(out)
    if run is not None:
        run_folder, target = Path(run).resolve(), out.resolve()
        if target == run_folder or run_folder in target.parents:
            raise OutputError(
                f"out: {out} is the toy run's folder (--run {run}) or inside it; choose another folder so the run "
                f"stays loadable"
            )
    return check_output(out, KIND, overwrite=overwrite)


def save_sae(
    result: SAEResult,
    activations: Activations,
    out: str | Path,
    *,
    overwrite: bool = False,
    run: str | Path | None = None,
    scores: dict[str, Any] | None = None,
) -> Path:
    """Write the SAEs, their training data's description and their scores to the folder ``out`` atomically.

    Args:
      result: the trained SAEs.
      activations: what they were trained on (its sampler, options and ground truth are saved).
      out: the folder; created, or replaced when it holds an SAE result and ``overwrite`` is given.
      overwrite: replace an earlier SAE result.
      run: the toy run the activations came from (``toysup sae --run``), recorded and never written into.
      scores: ``evaluate(result, activations)`` when already computed.

    Raises:
      OutputError: ``out`` is the toy run's folder, a file, unwritable, or holds anything but an SAE result (or
        one, without ``overwrite``).
    """
    check_sae_output(out, overwrite=overwrite, run=run)
    scores = evaluate(result, activations) if scores is None else scores
    described = {
        "config": result.config.to_dict(),
        "data": {
            "sampler": activations.sampler,
            "options": [list(option) for option in activations.options],
            "run": None if run is None else str(run),
        },
    }
    arrays = {**{name: np.asarray(value) for name, value in result.params.items()}, "truth": activations.truth}
    stored_metrics = {"steps_done": int(result.steps_done), **{name: np.asarray(v) for name, v in scores.items()}}

    def write(folder: Path) -> None:
        write_json(folder / "config.json", described)
        write_atomic(folder / "params.npz", lambda handle: np.savez(handle, **arrays))
        write_json(folder / "metrics.json", stored_metrics)

    return replace_folder(out, KIND, write, overwrite=overwrite)


__all__ = ["KIND", "check_sae_output", "save_sae"]
