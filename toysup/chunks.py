"""Chunked, resumable, multi-process work: the machinery under every sweep.

A piece of work is split into numbered chunks. Each finished chunk's arrays are written at once to
``DIR/chunks/chunk_NNNNN.npz`` (atomically: a temporary file, then a rename); running the same work into
the same folder again skips finished chunks, so an interrupted run resumes. ``DIR/sweep.json`` holds the
work's description, and a different description refuses to mix into the folder. Under ``jax.distributed``
each process takes every ``process_count``-th chunk and all processes meet at a barrier at the end.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np
from tqdm.auto import tqdm

MANIFEST = "sweep.json"


def chunk_path(directory: Path, index: int) -> Path:
    return Path(directory) / "chunks" / f"chunk_{index:05d}.npz"


def read_chunk(directory: Path, index: int) -> dict[str, np.ndarray]:
    """The arrays of a finished chunk (no pickles)."""
    path = chunk_path(directory, index)
    if not path.exists():
        raise ValueError(f"sweep in {directory} is unfinished: {path.name} is missing; run it again to resume")
    with np.load(path, allow_pickle=False) as stored:
        return {name: stored[name] for name in stored.files}


def read_dataset(path: Path, missing: str, corrupted: str) -> Any:
    """An xarray dataset written as netCDF, loaded into memory; a missing or unreadable file is a ValueError that
    starts with ``missing`` or ``corrupted``."""
    import xarray as xr

    if not path.exists():
        raise ValueError(f"{missing}: {path} is missing")
    try:
        with xr.open_dataset(path, engine="scipy") as dataset:
            return dataset.load()
    except (ValueError, OSError, TypeError) as error:
        raise ValueError(f"{corrupted}: {path} cannot be read ({error})") from None


def _save_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    temporary = path.with_name(path.stem + f".tmp{os.getpid()}.npz")
    np.savez(temporary, **arrays)
    temporary.replace(path)


def _write_manifest(directory: Path, description: dict[str, Any]) -> None:
    manifest = directory / MANIFEST
    if manifest.exists():
        try:
            stored = json.loads(manifest.read_text())
        except json.JSONDecodeError:
            raise ValueError(f"out: {manifest} is corrupted; use an empty folder") from None
        if stored != json.loads(json.dumps(description)):
            raise ValueError(f"out: {directory} holds a different sweep; use another folder to start a new one")
    else:
        manifest.write_text(json.dumps(description, indent=2))


def run_chunks(
    directory: str | Path,
    description: dict[str, Any],
    n_chunks: int,
    run_chunk: Callable[[int], dict[str, np.ndarray] | None],
    *,
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """Run every unfinished chunk of this process, writing each as it finishes.

    Args:
      directory: the work's folder.
      description: JSON-ready description of the work (the same work must give the same description).
      n_chunks: number of chunks.
      run_chunk: computes chunk ``i``'s arrays, or returns None when interrupted.
      progress: a tqdm bar over chunks.
      on_progress: called as ``on_progress(chunks_done, n_chunks)`` after each chunk.

    Raises:
      KeyboardInterrupt: after an interrupted chunk, once the finished ones are safely written.
    """
    directory = Path(directory)
    (directory / "chunks").mkdir(parents=True, exist_ok=True)
    process, n_processes = jax.process_index(), jax.process_count()
    if process == 0:
        _write_manifest(directory, description)
    done = sum(chunk_path(directory, index).exists() for index in range(n_chunks))
    with tqdm(total=n_chunks, initial=done, unit="chunk", desc="sweep", disable=not progress) as bar:
        for index in range(process, n_chunks, n_processes):
            path = chunk_path(directory, index)
            if path.exists():
                continue
            arrays = run_chunk(index)
            if arrays is None:
                raise KeyboardInterrupt(f"sweep interrupted; finished chunks are in {directory}, re-run to resume")
            _save_atomic(path, arrays)
            done += 1
            bar.update(1)
            if on_progress is not None:
                on_progress(done, n_chunks)
    if n_processes > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices("toysup chunks written")
