"""Saved runs: a folder with config.json, params.npz, metrics.json and loss.npy.

Only JSON and plain numpy arrays are read (``allow_pickle=False``): a corrupted or foreign folder gives a
``ValueError`` that says what is wrong, never code execution.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import jax
import numpy as np

from . import metrics
from .config import ToyConfig
from .engine import DEFAULT_LOG_EVERY
from .models import kind
from .train import TrainResult
from .validation import integer
from .version import __version__


def _param_shapes(config: ToyConfig) -> dict[str, tuple[int, ...]]:
    shapes = kind(config.model).param_shapes(config.n_features, config.n_hidden)
    return {name: (config.n_instances, *shape) for name, shape in shapes.items()}


def run_metrics(result: TrainResult) -> dict[str, Any]:
    """Final loss per instance and the geometry metrics of ``toysup.metrics``, as JSON-ready lists."""
    values = {name: np.asarray(value).tolist() for name, value in metrics.summary(result.W).items()}
    return {
        "final_loss": result.final_loss.tolist(),
        "steps_done": result.steps_done,
        "log_every": result.log_every,
        **values,
    }


def save(result: TrainResult, directory: str | Path) -> Path:
    """Write the run to ``directory`` (created if needed) and return its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = {
        "config": result.config.to_dict(),
        "toysup_version": __version__,
        "jax_version": jax.__version__,
        "seed": result.config.seed,
    }
    (directory / "config.json").write_text(json.dumps(config, indent=2))
    np.savez(directory / "params.npz", **result.params)
    (directory / "metrics.json").write_text(json.dumps(run_metrics(result), indent=2))
    np.save(directory / "loss.npy", result.loss_history)
    return directory


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"not a toysup run: {path} is missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"corrupted run: {path} is not valid JSON ({error})") from None
    if not isinstance(value, dict):
        raise ValueError(f"corrupted run: {path} must hold a JSON object")
    return value


def _read_array(source: Any, label: str) -> np.ndarray:
    try:
        return np.load(source, allow_pickle=False)
    except FileNotFoundError:
        raise ValueError(f"not a toysup run: {label} is missing") from None
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
        raise ValueError(f"corrupted run: {label} is not a numpy file without pickles ({error})") from None


def load(directory: str | Path) -> TrainResult:
    """Read a run written by :func:`save` (or ``toysup train --out``)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"not a toysup run: {directory} is not a folder")
    stored = _read_json(directory / "config.json")
    if "config" not in stored or not isinstance(stored["config"], dict):
        raise ValueError(f"not a toysup run: {directory / 'config.json'} has no 'config' object")
    config = ToyConfig.from_dict(stored["config"])
    # Runs written before 0.2 kept log_every in their config.
    stored_log_every = stored["config"].get("log_every", DEFAULT_LOG_EVERY)

    archive = _read_array(directory / "params.npz", str(directory / "params.npz"))
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"corrupted run: {directory / 'params.npz'} is not an .npz archive")
    params = {}
    with archive:
        for name, shape in _param_shapes(config).items():
            if name not in archive.files:
                raise ValueError(f"corrupted run: params.npz has no array {name!r} (has {', '.join(archive.files)})")
            try:
                array = archive[name]
            except (ValueError, OSError, zipfile.BadZipFile) as error:
                raise ValueError(f"corrupted run: params.npz array {name!r} cannot be read ({error})") from None
            if array.shape != shape or not np.issubdtype(array.dtype, np.floating):
                raise ValueError(
                    f"corrupted run: params.npz {name!r} has shape {array.shape} {array.dtype}, expected float {shape}"
                )
            params[name] = array.astype(np.float32)

    stored_metrics = _read_json(directory / "metrics.json")
    final_loss = np.asarray(stored_metrics.get("final_loss", []), dtype=np.float32)
    if final_loss.shape != (config.n_instances,):
        raise ValueError(f"corrupted run: metrics.json final_loss must hold {config.n_instances} values")
    loss_history = _read_array(directory / "loss.npy", str(directory / "loss.npy"))
    if loss_history.ndim != 2 or loss_history.shape[1] != config.n_instances:
        raise ValueError(f"corrupted run: loss.npy must have shape (blocks, {config.n_instances})")
    return TrainResult(
        config=config,
        params=params,
        loss_history=loss_history.astype(np.float32),
        final_loss=final_loss,
        steps_done=int(stored_metrics.get("steps_done", config.steps)),
        log_every=_log_every(stored_metrics.get("log_every", stored_log_every)),
    )


def _log_every(value: Any) -> int:
    try:
        integer("log_every", value, 1)
    except ValueError as error:
        raise ValueError(f"corrupted run: metrics.json {error}") from None
    return int(value)
