"""Saved runs: a folder with config.json, params.npz, metrics.json, loss.npy and the marker toysup.json.

A run is written whole or not at all: :func:`save` fills a temporary sibling folder and swaps it in by renames,
under a lock (:func:`toysup.storage.replace_folder`), so a failure half-way, or a second writer, never leaves new
files beside old ones; an existing folder is replaced only when it is a toysup run and ``overwrite`` is given.

:func:`load` reads through storage's bounded readers (JSON of bounded size and depth with finite numbers only;
numpy headers checked before any array is built, no pickles), then checks every value against the config. Any
kind of damage — a missing, truncated or foreign file, a wrong shape, type or size — is a
:class:`~toysup.storage.DamagedFileError` (a ``ValueError``) naming the file and what is wrong, never another
exception. Runs written before the marker existed (no ``toysup.json``, no ``complete``, ``log_every`` in the
config) still load.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import jax
import numpy as np

from . import metrics
from .config import ToyConfig
from .engine import DEFAULT_LOG_EVERY
from .models import kind
from .storage import (
    MARKER,
    DamagedFileError,
    read_json,
    read_npy,
    read_npz,
    replace_folder,
    write_atomic,
    write_json,
)
from .train import TrainResult
from .validation import is_integer
from .version import __version__

KIND = "run"
RUN_FILES = ("config.json", "params.npz", "metrics.json", "loss.npy")
MAX_RUN_VALUES = 2**28  # instances × features × hidden a loaded config may declare: 1 GiB of float32 weights
_SIZE_FIELDS = ("n_instances", "n_features", "n_hidden")


def _param_shapes(config: ToyConfig) -> dict[str, tuple[int, ...]]:
    shapes = kind(config.model).param_shapes(config.n_features, config.n_hidden)
    return {name: (config.n_instances, *shape) for name, shape in shapes.items()}


def result_bytes(config: ToyConfig, log_every: int = DEFAULT_LOG_EVERY) -> int:
    """About how many bytes :func:`save` writes for a run of ``config``: its float32 parameters, its loss history
    and the JSON files; what ``--out`` must have free before training starts."""
    values = sum(int(np.prod(shape)) for shape in _param_shapes(config).values())
    blocks = -(-config.steps // max(int(log_every), 1))
    return 4 * (values + blocks * config.n_instances) + 64 * 2**10 + 64 * config.n_instances * config.n_features


def run_metrics(result: TrainResult) -> dict[str, Any]:
    """Final loss per instance, how far the run got (``steps_done``, ``complete``: all its steps) and the
    geometry metrics of ``toysup.metrics``, as JSON-ready values."""
    values = {name: np.asarray(value) for name, value in metrics.summary(result.W).items()}
    return {
        "final_loss": np.asarray(result.final_loss),
        "steps_done": int(result.steps_done),
        "complete": int(result.steps_done) == int(result.config.steps),
        "log_every": int(result.log_every),
        **values,
    }


def save(result: TrainResult, directory: str | Path, *, overwrite: bool = False, owner: str | None = None) -> Path:
    """Write the run to the folder ``directory`` atomically and return its path.

    Args:
      result: the run.
      directory: its folder; created, or replaced when it holds a toysup run and ``overwrite`` is given.
      overwrite: replace an existing run (a folder holding anything else is always refused).
      owner: the command that writes it, recorded in the marker (``toysup demo`` replaces its own earlier run).

    Raises:
      OutputError: ``directory`` is a file, unwritable, holds something other than a toysup run, holds a run and
        ``overwrite`` is not given, or is being written by another process.

    Numbers are written as plain JSON numbers (numpy scalars in a config included); non-finite ones as null.
    """
    stored_config = {
        "config": result.config.to_dict(),
        "toysup_version": __version__,
        "jax_version": jax.__version__,
        "seed": result.config.seed,
    }
    stored_metrics = run_metrics(result)
    params = {name: np.asarray(value) for name, value in result.params.items()}
    loss_history = np.asarray(result.loss_history)

    def write(folder: Path) -> None:
        write_json(folder / "config.json", stored_config)
        write_atomic(folder / "params.npz", lambda handle: np.savez(handle, **params))
        write_json(folder / "metrics.json", stored_metrics)
        write_atomic(folder / "loss.npy", lambda handle: np.save(handle, loss_history))

    return replace_folder(directory, KIND, write, overwrite=overwrite, owner=owner)


def load(directory: str | Path) -> TrainResult:
    """Read a run written by :func:`save` (or ``toysup train --out``), checking every file.

    Raises:
      DamagedFileError: the folder is missing or is not a toysup run, or one of its files is missing, truncated,
        too large, of the wrong type or shape, or holds a config that fails validation; the message names the
        file and what is wrong.

    A run that stopped before all its steps loads with a warning saying how far it got.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DamagedFileError(f"{directory}: not a toysup run (no such folder)")
    _check_marker(directory)
    config_path = directory / "config.json"
    stored = read_json(config_path)
    if not isinstance(stored, dict) or not isinstance(stored.get("config"), dict):
        raise DamagedFileError(f"{config_path}: not a toysup run's config (it needs a 'config' object)")
    config = _config(config_path, stored["config"])
    # Runs written before 0.2 kept log_every in their config.
    stored_log_every = stored["config"].get("log_every", DEFAULT_LOG_EVERY)
    params = _params(directory / "params.npz", config)

    metrics_path = directory / "metrics.json"
    stored_metrics = read_json(metrics_path)
    if not isinstance(stored_metrics, dict):
        raise DamagedFileError(f"{metrics_path}: must hold a JSON object")
    final_loss = _numbers(metrics_path, "final_loss", stored_metrics.get("final_loss"), config.n_instances)
    steps_done = _whole(metrics_path, "steps_done", stored_metrics.get("steps_done", config.steps), 0, config.steps)
    log_every = _whole(metrics_path, "log_every", stored_metrics.get("log_every", stored_log_every), 1, None)
    complete = stored_metrics.get("complete", steps_done == config.steps)
    if not isinstance(complete, bool) or complete != (steps_done == config.steps):
        raise DamagedFileError(
            f"{metrics_path}: complete must be true exactly when steps_done equals the config's {config.steps} "
            f"steps, got complete={complete!r} with steps_done={steps_done}"
        )
    loss_history = _loss_history(directory / "loss.npy", config)
    if not complete:
        warnings.warn(f"{directory} is a partial run: {steps_done} of {config.steps} steps", stacklevel=2)
    return TrainResult(
        config=config,
        params=params,
        loss_history=loss_history,
        final_loss=final_loss,
        steps_done=steps_done,
        log_every=log_every,
    )


def _check_marker(directory: Path) -> None:
    """A folder that says what made it must say a run (folders from before markers have none)."""
    path = directory / MARKER
    if not path.exists():
        return
    stored = read_json(path, max_bytes=2**16)
    if not isinstance(stored, dict) or not isinstance(stored.get("kind"), str):
        raise DamagedFileError(f"{path}: must hold a JSON object with a 'kind'")
    if stored["kind"] != KIND:
        raise DamagedFileError(f"{directory}: holds a toysup {stored['kind']} result, not a run ({path})")


def _config(path: Path, values: dict[str, Any]) -> ToyConfig:
    """The validated config; its sizes are bounded before ``ToyConfig`` builds any per-feature array."""
    sizes = [values.get(name, 1) for name in _SIZE_FIELDS]
    if all(is_integer(size) and size >= 1 for size in sizes) and math.prod(sizes) > MAX_RUN_VALUES:
        declared = " × ".join(f"{name}={size}" for name, size in zip(_SIZE_FIELDS, sizes))
        raise DamagedFileError(f"{path}: declares {declared}, more than {MAX_RUN_VALUES:,} weights a run can have")
    try:
        return ToyConfig.from_dict(values)
    except (ValueError, TypeError, ArithmeticError, LookupError, AttributeError, RecursionError) as error:
        raise DamagedFileError(f"{path}: {error}") from None


def _params(path: Path, config: ToyConfig) -> dict[str, np.ndarray]:
    """The weights, each of the shape the config gives and of a float type; headers are checked against that
    size before any array is read."""
    shapes = _param_shapes(config)
    expected_values = sum(math.prod(shape) for shape in shapes.values())
    arrays = read_npz(path, max_bytes=16 * expected_values + 2**16)  # any float type, and a little slack
    params = {}
    for name, shape in shapes.items():
        if name not in arrays:
            raise DamagedFileError(f"{path}: has no array {name!r} (has {', '.join(sorted(arrays)) or 'none'})")
        array = arrays[name]
        if array.shape != shape or array.dtype.kind != "f":
            raise DamagedFileError(f"{path} [{name}]: has shape {array.shape} {array.dtype}, expected float {shape}")
        params[name] = array.astype(np.float32)
    return params


def _loss_history(path: Path, config: ToyConfig) -> np.ndarray:
    """The loss history, (blocks, instances) numbers with at most one block per step."""
    bound = 16 * (config.steps + 1) * config.n_instances + 2**16
    history = read_npy(path, max_bytes=bound)
    if history.ndim != 2 or history.shape[1] != config.n_instances or history.shape[0] > config.steps:
        raise DamagedFileError(
            f"{path}: has shape {history.shape}, expected (blocks, {config.n_instances}) with at most "
            f"{config.steps} blocks"
        )
    if history.dtype.kind not in "fiu":
        raise DamagedFileError(f"{path}: holds {history.dtype} values, expected numbers")
    return history.astype(np.float32)


def _numbers(path: Path, name: str, values: Any, count: int) -> np.ndarray:
    """``count`` JSON numbers (null for a non-finite one, read as NaN) as float32."""
    if not isinstance(values, list) or len(values) != count:
        raise DamagedFileError(f"{path}: {name} must be a list of {count} numbers")
    if any(value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))) for value in values):
        raise DamagedFileError(f"{path}: {name} must hold numbers (or null), got {values!r:.80}")
    try:
        return np.asarray([math.nan if value is None else float(value) for value in values], dtype=np.float32)
    except OverflowError:
        raise DamagedFileError(f"{path}: {name} holds a number too large for a loss") from None


def _whole(path: Path, name: str, value: Any, low: int, high: int | None) -> int:
    """An integer in [low, high] (no upper bound when ``high`` is None)."""
    if not is_integer(value) or value < low or (high is not None and value > high):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise DamagedFileError(f"{path}: {name} must be an integer {bound}, got {value!r:.40}")
    return int(value)


__all__ = ["KIND", "MAX_RUN_VALUES", "RUN_FILES", "load", "run_metrics", "save"]
