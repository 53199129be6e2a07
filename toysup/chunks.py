"""Chunked, resumable, multi-process work: the machinery under every sweep.

A piece of work is split into numbered chunks. Each finished chunk's arrays are written at once to
``DIR/chunks/chunk_NNNNN.npz`` (atomically: a temporary file, then a rename), together with the chunk's index and
the work's fingerprint (a hash of its description). Running the same work into the same folder again resumes: every
existing chunk is checked first — readable through the bounded reader, the right index, the same work — and one
that is damaged, truncated, empty or misplaced is reported in one line and trained again; the rest are skipped.

The folder is a toysup result of one kind (``sweep``, ``phase``, ``recovery``: its ``toysup.json``), checked before
any compute, and ``DIR/sweep.json`` holds the work's description, written atomically: a different description
refuses to mix into the folder, unless ``overwrite`` starts afresh (removing the folder's old contents — only ever
a toysup result of the same kind). Under ``jax.distributed`` each process takes every ``process_count``-th chunk
and all processes meet at a barrier at the end; a single process holds the folder's lock while it works, so a
second run into the same folder fails at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np
from tqdm.auto import tqdm

from .engine import progress_enabled
from .storage import (
    DamagedFileError,
    OutputError,
    check_output,
    empty_folder,
    locked,
    mark,
    plain,
    read_json,
    read_npz,
    write_atomic,
    write_json,
)

MANIFEST = "sweep.json"
INDEX_KEY = "toysup_chunk_index"  # stored in every chunk beside its arrays
FINGERPRINT_KEY = "toysup_work_fingerprint"


def chunk_path(directory: Path, index: int) -> Path:
    return Path(directory) / "chunks" / f"chunk_{index:05d}.npz"


def fingerprint(description: dict[str, Any]) -> np.ndarray:
    """The work's fingerprint stored in each chunk: the SHA-256 of its description as canonical JSON, as 32 bytes."""
    text = json.dumps(plain(description), sort_keys=True, separators=(",", ":"))
    return np.frombuffer(hashlib.sha256(text.encode()).digest(), dtype=np.uint8).copy()


def manifest_fingerprint(directory: str | Path) -> np.ndarray:
    """The fingerprint of the work described by the folder's ``sweep.json``."""
    return fingerprint(read_manifest(Path(directory) / MANIFEST))


def read_manifest(path: Path) -> dict[str, Any]:
    """A work's description (``sweep.json``); ``DamagedFileError`` when it is missing or not a JSON object."""
    description = read_json(path)
    if not isinstance(description, dict):
        raise DamagedFileError(f"{path}: must hold a JSON object describing the work")
    return description


def read_chunk(directory: Path, index: int, work: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The arrays of a finished chunk (no pickles), without the index and fingerprint stored beside them.

    Raises ``DamagedFileError`` when the chunk is missing (the work is unfinished), unreadable, stored under
    another index, or — when ``work`` (a :func:`fingerprint`) is given — from other work. Chunks written before
    chunks recorded their index and work are read as they are.
    """
    path = chunk_path(directory, index)
    if not path.exists():
        raise DamagedFileError(f"sweep in {directory} is unfinished: {path.name} is missing; run it again to resume")
    arrays = read_npz(path)
    stored_index = arrays.pop(INDEX_KEY, None)
    stored_work = arrays.pop(FINGERPRINT_KEY, None)
    if stored_index is not None and (stored_index.shape != () or int(stored_index) != index):
        raise DamagedFileError(f"{path}: holds chunk {stored_index.ravel()[:1].tolist()} of the work, not {index}")
    if work is not None and stored_work is not None and not np.array_equal(stored_work, work):
        raise DamagedFileError(f"{path}: is a chunk of other work (its fingerprint differs from sweep.json's)")
    if not arrays:
        raise DamagedFileError(f"{path}: holds no arrays")
    return arrays


def read_dataset(path: Path, missing: str, corrupted: str) -> Any:
    """An xarray dataset written as netCDF, loaded into memory; a missing or unreadable file is a
    ``DamagedFileError`` that starts with ``missing`` or ``corrupted``."""
    import xarray as xr

    if not path.exists():
        raise DamagedFileError(f"{missing}: {path} is missing")
    try:
        with xr.open_dataset(path, engine="scipy") as dataset:
            return dataset.load()
    except Exception as error:  # a damaged file fails in the netCDF reader in many ways
        raise DamagedFileError(f"{corrupted}: {path} cannot be read ({type(error).__name__}: {error})") from None


def write_dataset(dataset: Any, path: Path) -> Path:
    """Write an xarray dataset as netCDF 3 atomically: a crash leaves the old file or the new one."""
    return write_atomic(path, lambda handle: handle.write(dataset.to_netcdf(engine="scipy")))


def _write_manifest(directory: Path, description: dict[str, Any]) -> None:
    manifest = directory / MANIFEST
    wanted = json.loads(json.dumps(plain(description)))
    if manifest.exists():
        try:
            stored = read_manifest(manifest)
        except DamagedFileError as error:
            raise OutputError(
                f"out: {manifest} is corrupted ({error}); pass --overwrite (overwrite=True) to start afresh"
            ) from None
        if stored != wanted:
            raise OutputError(
                f"out: {directory} holds a different sweep; use another folder, or pass --overwrite "
                f"(overwrite=True) to replace it"
            )
    else:
        write_json(manifest, wanted)


def _chunk_problem(directory: Path, index: int, work: np.ndarray) -> str | None:
    """Why an existing chunk cannot be kept (damaged, truncated, empty, misplaced, of other work), or None."""
    try:
        read_chunk(directory, index, work)
    except DamagedFileError as error:
        return str(error)
    return None


def prepare(directory: str | Path, kind: str, description: dict[str, Any], *, overwrite: bool = False) -> Path:
    """Check and set up the folder of a work before any compute: a toysup result of ``kind`` (or new, or empty),
    emptied first with ``overwrite``, then marked and given its manifest (a different work there is refused)."""
    directory = check_output(directory, kind, overwrite=overwrite, resume=True)
    if overwrite and directory.is_dir() and any(directory.iterdir()):
        empty_folder(directory, kind)
    mark(directory, kind)
    _write_manifest(directory, description)
    return directory


def run_chunks(
    directory: str | Path,
    description: dict[str, Any],
    n_chunks: int,
    run_chunk: Callable[[int], dict[str, np.ndarray] | None],
    *,
    kind: str = "sweep",
    overwrite: bool = False,
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """Run every unfinished chunk of this process, writing each as it finishes.

    Args:
      directory: the work's folder.
      description: JSON-ready description of the work (the same work must give the same description).
      n_chunks: number of chunks.
      run_chunk: computes chunk ``i``'s arrays, or returns None when interrupted.
      kind: what the folder holds (``sweep``, ``phase``, ``recovery``), recorded in its ``toysup.json``.
      overwrite: start afresh, removing what an earlier run of this kind left in the folder.
      progress: a tqdm bar over chunks (while :func:`toysup.engine.progress_enabled`); damaged chunks are reported
        above it either way.
      on_progress: called as ``on_progress(chunks_done, n_chunks)`` after each chunk.

    Raises:
      OutputError: before any compute, when the folder holds something else, a different work, or is being written
        by another process.
      KeyboardInterrupt: after an interrupted chunk, once the finished ones are safely written.
    """
    directory = Path(directory)
    process, n_processes = jax.process_index(), jax.process_count()
    # Processes of one distributed run share the folder, so only a single process takes its lock.
    guard = locked(directory) if n_processes == 1 else contextlib.nullcontext()
    with guard:
        if process == 0:
            prepare(directory, kind, description, overwrite=overwrite)
        if n_processes > 1:
            from jax.experimental import multihost_utils

            # The others wait until process 0 has checked, emptied (with overwrite) and marked the folder.
            multihost_utils.sync_global_devices("toysup chunks: folder prepared")
        (directory / "chunks").mkdir(parents=True, exist_ok=True)
        work = fingerprint(description)
        mine = range(process, n_chunks, n_processes)
        todo = []
        for index in mine:
            if not chunk_path(directory, index).exists():
                todo.append(index)
                continue
            problem = _chunk_problem(directory, index, work)
            if problem is not None:
                tqdm.write(f"toysup: retraining chunk {index}: {problem}", file=sys.stderr)
                todo.append(index)
        theirs = [index for index in range(n_chunks) if index % n_processes != process]
        others = sum(chunk_path(directory, index).exists() for index in theirs)
        done = others + len(mine) - len(todo)
        show = progress and progress_enabled()
        with tqdm(total=n_chunks, initial=done, unit="chunk", desc="sweep", disable=not show) as bar:
            for index in todo:
                arrays = run_chunk(index)
                if arrays is None:
                    raise KeyboardInterrupt(f"sweep interrupted; finished chunks are in {directory}, re-run to resume")
                stored = {**arrays, INDEX_KEY: np.asarray(index, np.int64), FINGERPRINT_KEY: work}
                write_atomic(chunk_path(directory, index), lambda handle, stored=stored: np.savez(handle, **stored))
                done += 1
                bar.update(1)
                if on_progress is not None:
                    on_progress(done, n_chunks)
        if n_processes > 1:
            from jax.experimental import multihost_utils

            multihost_utils.sync_global_devices("toysup chunks written")
