"""Writing and reading results so that nothing is lost and nothing damaged is believed.

* **Atomic writes.** :func:`write_atomic` writes a file to a temporary sibling, flushes it to disk and renames it
  into place, so a crash leaves the old file or the new one, never a mix. :func:`replace_folder` does the same for
  a whole result folder: the new folder is written beside the old one and swapped in by renames.
* **Ownership.** Every result folder toysup writes holds ``toysup.json`` (what made it: ``{"kind": …}``).
  :func:`check_output` refuses, before any compute, an output that is a file, is not writable, or is a folder
  holding something toysup did not make or a different kind of result — unless the caller passes
  ``overwrite=True``, and even then only toysup's own results are replaced.
* **One writer at a time.** :func:`locked` takes an exclusive, non-blocking lock on ``.DIR.lock`` beside the
  folder; a second writer fails at once with one line instead of interleaving files.
* **Bounded reads.** :func:`read_json` refuses files over a size and JSON nested deeper than a limit;
  :func:`read_npy` and :func:`read_npz` check each array's header (shape × dtype, no objects) before reading it.
  Every problem with a file is a :class:`DamagedFileError` naming the file and what is wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

MARKER = "toysup.json"
MAX_JSON_BYTES = 16 * 2**20
MAX_JSON_DEPTH = 32
MAX_ARRAY_BYTES = 2 * 2**30  # the largest array a loader reads: 2 GiB


class DamagedFileError(ValueError):
    """A result file that is missing, truncated, of the wrong shape or kind, or too large to read safely. The
    message names the file and what is wrong."""


class OutputError(ValueError):
    """An output location that cannot or may not be written: ``out: <path> …``."""


# --- writing ------------------------------------------------------------------------------------------------


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened for fsync
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_atomic(path: str | Path, write: Callable[[IO[bytes]], Any]) -> Path:
    """Write ``path`` by calling ``write(handle)`` on a temporary sibling, then fsync and rename it into place.

    The parent folder must exist. A failure (a full disk, an exception in ``write``) leaves ``path`` as it was and
    removes the temporary file.
    """
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(path.parent)
    return path


def write_text(path: str | Path, text: str) -> Path:
    """:func:`write_atomic` of UTF-8 text."""
    return write_atomic(path, lambda handle: handle.write(text.encode()))


def write_json(path: str | Path, value: Any) -> Path:
    """:func:`write_atomic` of ``value`` as indented JSON; numpy numbers and arrays become plain JSON values and
    non-finite floats are written as ``null`` (JSON has no NaN)."""
    return write_text(path, json.dumps(plain(value), indent=2, allow_nan=False))


def plain(value: Any) -> Any:
    """``value`` with numpy scalars and arrays turned into Python numbers and lists, tuples into lists and
    non-finite floats into None, recursively."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def marker(folder: str | Path) -> dict[str, Any] | None:
    """The ``toysup.json`` of a result folder, or None when it has none (or an unreadable one)."""
    path = Path(folder) / MARKER
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def check_output(
    path: str | Path, kind: str, *, overwrite: bool = False, resume: bool = False, need_bytes: int = 0
) -> Path:
    """Check, before any compute, that a result of ``kind`` may be written to the folder ``path``.

    Refused (``OutputError``): a path that is a file; a parent that cannot be created or written; too little free
    space for ``need_bytes``; an existing folder that holds files but no ``toysup.json`` (something toysup did not
    make); a folder holding a toysup result of another kind; a folder holding a result of this kind, unless
    ``overwrite`` (replace it) or ``resume`` (work that continues in place, like a sweep's chunks).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"out: {path} is a file, not a folder")
    existing = path if path.exists() else next((p for p in path.parents if p.exists()), Path("."))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"out: {existing} is not writable")
    if need_bytes and shutil.disk_usage(existing).free < need_bytes:
        raise OutputError(
            f"out: {existing} has {shutil.disk_usage(existing).free / 2**20:.0f} MB free, the result "
            f"needs about {need_bytes / 2**20:.0f} MB"
        )
    if path.is_dir() and any(path.iterdir()):
        stored = marker(path)
        if stored is None:
            raise OutputError(f"out: {path} holds files toysup did not write; choose an empty or new folder")
        if stored.get("kind") != kind:
            raise OutputError(
                f"out: {path} holds a toysup {stored.get('kind')!s} result, not a {kind}; choose another folder"
            )
        if not (overwrite or resume):
            raise OutputError(f"out: {path} already holds a {kind}; pass --overwrite to replace it")
    return path


def replace_folder(path: str | Path, kind: str, write: Callable[[Path], Any], *, overwrite: bool = False) -> Path:
    """Write a whole result folder atomically: ``write(folder)`` fills a fresh temporary sibling, which gets
    ``toysup.json`` and is then swapped in for ``path`` by renames. An existing ``path`` is checked with
    :func:`check_output` (``overwrite`` to replace a result of the same kind). A failure leaves ``path`` as it was.
    """
    path = check_output(path, kind, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent))
        try:
            write(staging)
            write_json(staging / MARKER, {"kind": kind})
            _fsync_folder(staging)
            if path.exists():
                old = path.with_name(f".{path.name}.{os.getpid()}.old")
                os.replace(path, old)
                os.replace(staging, path)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(staging, path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _fsync_folder(path.parent)
    return path


@contextlib.contextmanager
def locked(path: str | Path) -> Iterator[None]:
    """An exclusive lock on the result at ``path`` (the hidden file ``.NAME.lock`` beside it), held for the block; a
    second writer gets ``OutputError`` at once instead of waiting or interleaving."""
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(f".{path.name}.lock")
    with open(lock_path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"out: {path} is being written by another toysup process; wait for it or choose another folder"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- reading ------------------------------------------------------------------------------------------------


def _depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value (iterative, so a hostile file cannot exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return deepest


def _nesting_before_parse(text: str, limit: int) -> bool:
    """Whether the brackets of ``text`` (outside strings) nest deeper than ``limit``, found without parsing."""
    level, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            level += 1
            if level > limit:
                return True
        elif char in "]}":
            level -= 1
    return False


def read_json(path: str | Path, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A JSON file of at most ``max_bytes`` nested at most ``max_depth`` deep, with finite numbers only;
    ``DamagedFileError`` otherwise (a missing file included)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DamagedFileError(f"{path}: missing") from None
    if size > max_bytes:
        raise DamagedFileError(
            f"{path}: {size / 2**20:.1f} MB, more than the {max_bytes / 2**20:.0f} MB a toysup file can be"
        )
    try:
        text = path.read_bytes().decode()
    except (OSError, UnicodeDecodeError) as error:
        raise DamagedFileError(f"{path}: cannot be read as UTF-8 text ({error})") from None
    if _nesting_before_parse(text, max_depth):
        raise DamagedFileError(f"{path}: JSON nested deeper than {max_depth} levels")

    def finite(number: str) -> float:
        value = float(number)
        if not np.isfinite(value):
            raise ValueError(f"number {number} is not finite")
        return value

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not a number JSON allows")

    try:
        value = json.loads(text, parse_float=finite, parse_constant=refuse)
    except (ValueError, RecursionError) as error:
        raise DamagedFileError(f"{path}: not valid JSON ({error})") from None
    if _depth(value) > max_depth:
        raise DamagedFileError(f"{path}: JSON nested deeper than {max_depth} levels")
    return value


def _checked_header(handle: IO[bytes], label: str, max_bytes: int) -> tuple[tuple[int, ...], np.dtype]:
    from numpy.lib import format as npy

    try:
        version = npy.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = npy.read_array_header_1_0(handle, max_header_size=10_000)
        elif version == (2, 0):
            shape, _, dtype = npy.read_array_header_2_0(handle, max_header_size=10_000)
        else:
            raise ValueError(f"format version {version} is not one toysup writes")
    except (ValueError, OSError, EOFError, SyntaxError) as error:
        raise DamagedFileError(f"{label}: not a numpy array file ({error})") from None
    if dtype.hasobject or dtype.kind not in "biuf":
        raise DamagedFileError(f"{label}: holds {dtype} values, not numbers")
    count = int(np.prod(shape, dtype=np.float64)) if shape else 1
    if count * dtype.itemsize > max_bytes:
        raise DamagedFileError(
            f"{label}: declares shape {shape} of {dtype} ({count * dtype.itemsize / 2**30:.1f} "
            f"GiB), more than a toysup result can be"
        )
    return shape, dtype


def read_npy(path: str | Path, *, max_bytes: int = MAX_ARRAY_BYTES) -> np.ndarray:
    """A ``.npy`` array of numbers (no objects, no pickles) whose header is checked before any memory is taken."""
    path = Path(path)
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise DamagedFileError(f"{path}: missing") from None
    with handle:
        _checked_header(handle, str(path), max_bytes)
        handle.seek(0)
        try:
            return np.load(handle, allow_pickle=False)
        except (ValueError, OSError, EOFError) as error:
            raise DamagedFileError(f"{path}: truncated or damaged ({error})") from None


def read_npz(path: str | Path, *, max_bytes: int = MAX_ARRAY_BYTES) -> dict[str, np.ndarray]:
    """Every array of a ``.npz`` archive of numbers, each header checked before the array is read, their total
    at most ``max_bytes``."""
    path = Path(path)
    if not path.exists():
        raise DamagedFileError(f"{path}: missing")
    arrays, total = {}, 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy") or "/" in info.filename:
                    raise DamagedFileError(f"{path}: unexpected member {info.filename!r}")
                label = f"{path} [{info.filename}]"
                with archive.open(info) as member:
                    shape, dtype = _checked_header(member, label, max_bytes - total)
                with archive.open(info) as member:
                    array = np.lib.format.read_array(member, allow_pickle=False)
                if array.shape != tuple(shape):
                    raise DamagedFileError(f"{label}: truncated")
                total += array.nbytes
                arrays[info.filename.removesuffix(".npy")] = array
    except DamagedFileError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as error:
        raise DamagedFileError(f"{path}: not a readable .npz archive ({error})") from None
    return arrays


__all__ = [
    "MARKER",
    "DamagedFileError",
    "OutputError",
    "check_output",
    "locked",
    "marker",
    "plain",
    "read_json",
    "read_npy",
    "read_npz",
    "replace_folder",
    "write_atomic",
    "write_json",
    "write_text",
]
