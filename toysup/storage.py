"""Writing and reading results so that nothing is lost and nothing damaged is believed.

* **Atomic writes.** :func:`write_atomic` writes a file to a temporary sibling, flushes it to disk and renames it
  into place, so a crash leaves the old file or the new one, never a mix. :func:`replace_folder` does the same for
  a whole result folder: the new folder is written beside the old one and swapped in by renames.
* **Ownership.** Every result folder toysup writes holds ``toysup.json`` (what made it: ``{"kind": …}``).
  :func:`check_output` refuses, before any compute, an output that is a file, is not writable, or is a folder
  holding something toysup did not make or a different kind of result — unless the caller passes
  ``overwrite=True``, and even then only toysup's own results are replaced.
* **One writer at a time.** :func:`locked` takes an exclusive, non-blocking lock on ``.DIR.lock`` beside the
  folder (removed again afterwards); a second writer fails at once with one line instead of interleaving files.
* **Bounded reads.** :func:`read_json` refuses files over a size and JSON nested deeper than a limit;
  :func:`read_npy` and :func:`read_npz` check each array's header (shape × dtype, no objects) before reading it.
  Every problem with a file is a :class:`DamagedFileError` naming the file and what is wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
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


def temporary_sibling(path: str | Path, suffix: str = ".tmp") -> Path:
    """A fresh, unused hidden name beside ``path`` (``.NAME.<pid>.<random><suffix>``), for writing before a rename."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{suffix}")


def write_atomic(path: str | Path, write: Callable[[IO[bytes]], Any]) -> Path:
    """Write ``path`` by calling ``write(handle)`` on a temporary sibling, then fsync and rename it into place.

    The parent folder must exist. A failure (a full disk, an exception in ``write``) leaves ``path`` as it was and
    removes the temporary file. The file gets the permissions of any new file (the umask applies), unlike
    ``tempfile.mkstemp``'s owner-only ones.
    """
    path = Path(path)
    temporary = temporary_sibling(path)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
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


def write_figure(path: str | Path, figure: Any, **options: Any) -> Path:
    """:func:`write_atomic` of a matplotlib figure, in the format the suffix names (``.png``, ``.svg``);
    ``options`` go to ``savefig`` (``dpi=150``)."""
    path = Path(path)
    file_format = path.suffix.lstrip(".").lower()
    return write_atomic(path, lambda handle: figure.savefig(handle, format=file_format, **options))


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


LEGACY_GALLERY_HEADING = '# Figures of "Toy Models of Superposition"'  # the first line of a figures README.md


def marker(folder: str | Path) -> dict[str, Any] | None:
    """What made the result folder ``folder``: its ``toysup.json``, or for a folder written before markers existed,
    the kind its files show (``{"kind": …, "legacy": True}``); None when neither says (an unreadable marker
    included)."""
    folder = Path(folder)
    path = folder / MARKER
    if path.exists():
        try:
            value = read_json(path, max_bytes=2**16)
        except DamagedFileError:
            return None
        return value if isinstance(value, dict) and isinstance(value.get("kind"), str) else None
    kind = legacy_kind(folder)
    return None if kind is None else {"kind": kind, "legacy": True}


def legacy_kind(folder: str | Path) -> str | None:
    """The kind of a result folder that toysup wrote before it marked its folders, recognised by its files, so
    that such folders can still be resumed, loaded and replaced: a ``config.json`` holding ``toysup_version``
    and a ``config`` object is a ``run`` (with a ``data`` object instead, an ``sae``); a ``sweep.json`` is a
    ``recovery`` diagram when it says so, else a ``phase`` diagram beside ``phase.json``, else a ``sweep``; a
    ``README.md`` gallery of the paper's figures is ``figures``. None for anything else."""
    folder = Path(folder)
    if (folder / "config.json").is_file():
        try:
            stored = read_json(folder / "config.json")
        except DamagedFileError:
            stored = None
        if isinstance(stored, dict) and isinstance(stored.get("config"), dict):
            if "toysup_version" in stored:
                return "run"
            if isinstance(stored.get("data"), dict):
                return "sae"
    if (folder / "sweep.json").is_file():
        try:
            description = read_json(folder / "sweep.json")
        except DamagedFileError:
            description = None
        if isinstance(description, dict) and description.get("kind") == "sae recovery diagram":
            return "recovery"
        return "phase" if (folder / "phase.json").is_file() else "sweep"
    readme = folder / "README.md"
    if readme.is_file():
        with contextlib.suppress(OSError, UnicodeDecodeError):
            with open(readme, encoding="utf-8") as handle:
                if handle.readline().strip() == LEGACY_GALLERY_HEADING:
                    return "figures"
    return None


def _check_writable(path: Path) -> None:
    """``path`` (a result folder or file) can be created or replaced: no parent is a file, and the nearest existing
    parent (where the result, its lock and its temporary sibling go) can be written."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"out: {parent} is a file, not a folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise OutputError(f"out: {parent} is not writable")
            break


def check_output(
    path: str | Path, kind: str, *, overwrite: bool = False, resume: bool = False, need_bytes: int = 0
) -> Path:
    """Check, before any compute, that a result of ``kind`` may be written to the folder ``path``.

    Refused (``OutputError``): a path that is a file; a parent that cannot be created or written; too little free
    space for ``need_bytes``; an existing folder that holds files but no ``toysup.json`` (something toysup did not
    make; folders toysup wrote before it marked them are recognised, see :func:`legacy_kind`); a folder holding a
    toysup result of another kind; a folder holding a result of this kind, unless ``overwrite`` (replace it) or
    ``resume`` (work that continues in place, like a sweep's chunks).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"out: {path} is a file, not a folder")
    _check_writable(path)
    if path.is_dir() and not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"out: {path} is not writable")
    if need_bytes:
        existing = next((p for p in (path, *path.parents) if p.exists()), Path("."))
        free = shutil.disk_usage(existing).free
        if free < need_bytes:
            raise OutputError(
                f"out: {existing} has {free / 2**20:.0f} MB free, the result needs about {need_bytes / 2**20:.0f} MB"
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


def check_file_output(path: str | Path, *, overwrite: bool = False) -> Path:
    """Check, before any compute, that the single file ``path`` (an animation, say) may be written: it is not a
    folder, its folder can be created or written, and an existing file is replaced only with ``overwrite``."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"out: {path} is a folder; name a file")
    _check_writable(path)
    if path.exists() and not overwrite:
        raise OutputError(f"out: {path} already exists; pass --overwrite to replace it")
    return path


def replace_folder(
    path: str | Path, kind: str, write: Callable[[Path], Any], *, overwrite: bool = False, owner: str | None = None
) -> Path:
    """Write a whole result folder atomically: ``write(folder)`` fills a fresh temporary sibling, which gets
    ``toysup.json`` and is then swapped in for ``path`` by renames. An existing ``path`` is checked with
    :func:`check_output` (``overwrite`` to replace a result of the same kind), before and again under the lock, so
    a writer that finished meanwhile is not replaced unasked. A failure leaves ``path`` as it was.

    ``owner`` is recorded in the marker (``{"kind": …, "owner": …}``): the command that made the folder, so that it
    may replace its own earlier output (``toysup demo``).
    """
    path = check_output(Path(os.path.abspath(path)), kind, overwrite=overwrite)  # "." and "a/.." have a name
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        check_output(path, kind, overwrite=overwrite)
        staging = temporary_sibling(path, ".new")
        staging.mkdir()
        try:
            write(staging)
            write_json(staging / MARKER, {"kind": kind} if owner is None else {"kind": kind, "owner": owner})
            _fsync_folder(staging)
            if path.exists():
                old = temporary_sibling(path, ".old")
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


def mark(folder: str | Path, kind: str) -> Path:
    """Create ``folder`` if needed and record in its ``toysup.json`` that it holds a toysup result of ``kind``, for
    results that grow in place (a sweep's chunks, a gallery of figures). Call :func:`check_output` first; a marker
    of another kind is an ``OutputError``, one of this kind is kept."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stored = marker(folder)
    if stored is not None and stored.get("kind") != kind:
        raise OutputError(f"out: {folder} holds a toysup {stored.get('kind')!s} result, not a {kind}")
    if stored is None or stored.get("legacy"):
        write_json(folder / MARKER, {"kind": kind})
    return folder


def empty_folder(folder: str | Path, kind: str) -> Path:
    """Remove everything in ``folder``, which must hold a toysup result of ``kind`` (``--overwrite`` of a result
    that grows in place); anything else is an ``OutputError`` and nothing is removed. The marker goes last, so an
    interrupted clean-up leaves a folder that is still recognised as toysup's."""
    folder = Path(folder)
    stored = marker(folder)
    if stored is None or stored.get("kind") != kind:
        raise OutputError(f"out: {folder} does not hold a toysup {kind}; nothing was removed")
    for child in sorted(folder.iterdir(), key=lambda child: child.name == MARKER):
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    return folder


@contextlib.contextmanager
def locked(path: str | Path) -> Iterator[None]:
    """An exclusive lock on the result at ``path`` (the hidden file ``.NAME.lock`` beside it), held for the block; a
    second writer gets ``OutputError`` at once instead of waiting or interleaving.

    The lock file is removed when the block ends (while still locked), so none is left behind; a writer that
    opened it just before finds, once it holds the lock, that the file is no longer the one at the path and
    tries again.
    """
    import fcntl

    path = Path(os.path.abspath(path))  # "." and "a/.." have a name
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(f".{path.name}.lock")
    while True:
        handle = open(lock_path, "a+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise OutputError(
                f"out: {path} is being written by another toysup process; wait for it or choose another folder"
            ) from None
        try:
            current = os.stat(lock_path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            current = False
        if current:
            break
        handle.close()  # the previous holder removed this file after we opened it
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


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
    except OSError as error:
        raise DamagedFileError(f"{path}: cannot be read ({error.strerror or error})") from None
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


def _declared_bytes(shape: tuple[int, ...], dtype: np.dtype) -> int:
    """Bytes of the array an ``.npy`` header declares (before any is read)."""
    return int(np.prod(shape, dtype=np.float64)) * dtype.itemsize if shape else dtype.itemsize


def _size(n_bytes: float) -> str:
    """A byte count for a message: ``12 B``, ``3.4 MB``, ``1.2 GB``."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes:.0f} B"


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
    except Exception as error:  # a hostile header fails in the parser in many ways
        raise DamagedFileError(f"{label}: not a numpy array file ({error})") from None
    if dtype.hasobject or dtype.kind not in "biuf":
        raise DamagedFileError(f"{label}: holds {dtype} values, not numbers")
    declared = _declared_bytes(shape, dtype)
    if declared > max_bytes:
        raise DamagedFileError(
            f"{label}: declares shape {shape} of {dtype} ({_size(declared)}), more than the {_size(max_bytes)} "
            f"it can hold here"
        )
    return shape, dtype


def read_npy(path: str | Path, *, max_bytes: int = MAX_ARRAY_BYTES) -> np.ndarray:
    """A ``.npy`` array of numbers (no objects, no pickles) whose header is checked before any memory is taken: at
    most ``max_bytes``, and no larger than the file holds (a truncated file is found before reading)."""
    path = Path(path)
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise DamagedFileError(f"{path}: missing") from None
    except OSError as error:
        raise DamagedFileError(f"{path}: cannot be read ({error.strerror or error})") from None
    with handle:
        shape, dtype = _checked_header(handle, str(path), max_bytes)
        if handle.tell() + _declared_bytes(shape, dtype) > os.fstat(handle.fileno()).st_size:
            raise DamagedFileError(f"{path}: truncated (its header declares shape {shape} of {dtype})")
        handle.seek(0)
        try:
            return np.load(handle, allow_pickle=False)
        except Exception as error:  # whatever fails in reading a checked file is damage
            raise DamagedFileError(f"{path}: truncated or damaged ({error})") from None


def read_npz(path: str | Path, *, max_bytes: int = MAX_ARRAY_BYTES) -> dict[str, np.ndarray]:
    """Every array of a ``.npz`` archive of numbers, each header checked before the array is read (no larger than
    its member of the archive, and all of them together at most ``max_bytes``)."""
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
                    header_bytes = member.tell()
                if header_bytes + _declared_bytes(shape, dtype) > info.file_size:
                    raise DamagedFileError(f"{label}: truncated (its header declares shape {shape} of {dtype})")
                with archive.open(info) as member:
                    array = np.lib.format.read_array(member, allow_pickle=False)
                if array.shape != tuple(shape):
                    raise DamagedFileError(f"{label}: truncated")
                total += array.nbytes
                arrays[info.filename.removesuffix(".npy")] = array
    except DamagedFileError:
        raise
    except Exception as error:  # bad CRCs, encryption, unknown compression, short reads …
        raise DamagedFileError(f"{path}: not a readable .npz archive ({error})") from None
    return arrays


__all__ = [
    "MARKER",
    "DamagedFileError",
    "OutputError",
    "check_file_output",
    "check_output",
    "empty_folder",
    "legacy_kind",
    "locked",
    "mark",
    "marker",
    "plain",
    "read_json",
    "read_npy",
    "read_npz",
    "replace_folder",
    "temporary_sibling",
    "write_atomic",
    "write_figure",
    "write_json",
    "write_text",
]
