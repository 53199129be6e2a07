"""A saved run (``toysup.save``'s four files) as one zip, for the app's download and upload.

An upload is untrusted: member names are checked (no paths outside one optional top folder, no ``..``, no
absolute or Windows paths, nothing but the four run files and the optional marker ``toysup.json``), sizes are
bounded before and while reading (each member is copied in bounded pieces, never held whole in memory), and the
files are written under fixed names into a fresh temporary folder, never under the names in the zip. Its
config.json is read with ``toysup.storage``'s bounded reader (size, nesting depth, finite numbers) and its sizes are
bounded before ``toysup.load`` builds any array; ``toysup.load`` then checks every ``.npy`` header inside
params.npz (and loss.npy) against the config before reading a single array. Every problem is a ``ValueError``
(a ``DamagedFileError`` for a damaged run) with a one-line message.
"""

from __future__ import annotations

import io
import tempfile
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import toysup
from toysup.storage import DamagedFileError, read_json

RUN_FILES = ("config.json", "params.npz", "metrics.json", "loss.npy")
OPTIONAL_FILES = ("toysup.json",)  # the marker of a run folder zipped as it is
MAX_UPLOAD_MB = 20
MAX_FILE_BYTES = 64 * 2**20  # uncompressed, per member
MAX_CONFIG_BYTES = 2**20  # a run's config.json is a few KB
MAX_VALUES = 10_000_000  # n_instances × n_features (and × n_hidden) a loaded config may ask for
COPY_BYTES = 2**20  # members are copied out of the zip in pieces of this size


def run_to_zip(result: toysup.TrainResult) -> bytes:
    """The run's files (``toysup.save``) in a zip, at its top level."""
    with tempfile.TemporaryDirectory() as folder:
        run = toysup.save(result, Path(folder) / "run")  # inside, so the save's lock file goes with the folder
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in RUN_FILES:
                archive.write(run / name, name)
    return buffer.getvalue()


def _member_file(name: str) -> tuple[str, str]:
    """(top folder or '', file name) of a safe member name; ValueError otherwise."""
    path = PurePosixPath(name)
    if "\\" in name or name.startswith("/") or ":" in name or ".." in path.parts or len(path.parts) > 2:
        raise ValueError(f"upload: unsafe or unexpected path {name!r} in the zip")
    if path.name not in RUN_FILES + OPTIONAL_FILES:
        raise ValueError(f"upload: unexpected file {name!r}; a run zip holds only {', '.join(RUN_FILES)}")
    return (path.parts[0] if len(path.parts) == 2 else ""), path.name


def _check_config_sizes(path: Path) -> None:
    """Refuse configs that are deep, large or declare huge arrays, before ``ToyConfig`` allocates them."""
    stored = read_json(path, max_bytes=MAX_CONFIG_BYTES)
    config = stored.get("config") if isinstance(stored, dict) else None
    if not isinstance(config, dict):
        raise DamagedFileError("not a toysup run: config.json is not a JSON object with a 'config' object")
    sizes = [config.get(name, 1) for name in ("n_instances", "n_features", "n_hidden", "restarts")]
    if not all(isinstance(size, int) and not isinstance(size, bool) and size >= 1 for size in sizes):
        raise DamagedFileError(
            "corrupted run: config.json sizes (n_instances, n_features, n_hidden, restarts) must be positive integers"
        )
    instances, features, hidden, _ = sizes
    if instances * features * max(hidden, 1) > MAX_VALUES:
        raise ValueError(
            f"upload: run too large for the app ({instances} instances × {features} features × {hidden} hidden)"
        )


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, target: Path) -> None:
    """Copy one member to ``target`` in bounded pieces, refusing it once it passes ``MAX_FILE_BYTES`` (whatever
    size its zip entry claims)."""
    copied = 0
    try:
        with archive.open(info) as source, open(target, "wb") as destination:
            while piece := source.read(COPY_BYTES):
                copied += len(piece)
                if copied > MAX_FILE_BYTES:
                    raise ValueError(f"upload: {name} is larger than {MAX_FILE_BYTES // 2**20} MB")
                destination.write(piece)
    except ValueError:
        raise
    except Exception as error:  # bad CRCs, unknown compression, encryption, short members …
        raise ValueError(f"upload: {name} cannot be read from the zip ({error})") from None


def run_from_zip(data: bytes) -> toysup.TrainResult:
    """The run inside an uploaded zip; ValueError with a clear message when it is not a safe toysup run."""
    if len(data) > MAX_UPLOAD_MB * 2**20:
        raise ValueError(f"upload: the zip is larger than {MAX_UPLOAD_MB} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # a damaged central directory fails in many ways
        raise ValueError("upload: not a zip file") from None
    with archive, tempfile.TemporaryDirectory(prefix="toysup-upload-") as folder:
        members = {}
        for info in archive.infolist():
            if info.is_dir():
                continue
            top, name = _member_file(info.filename)
            if name in members:
                raise ValueError(f"upload: {name} appears twice in the zip")
            if info.flag_bits & 0x1:
                raise ValueError("upload: encrypted zips are not supported")
            if info.file_size > MAX_FILE_BYTES:
                raise ValueError(f"upload: {name} is larger than {MAX_FILE_BYTES // 2**20} MB")
            members[name] = (top, info)
        missing = [name for name in RUN_FILES if name not in members]
        if missing:
            raise ValueError(
                f"not a toysup run: the zip has no {', '.join(missing)} (a run zip holds {', '.join(RUN_FILES)})"
            )
        if len({top for top, _ in members.values()}) > 1:
            raise ValueError("upload: the run files must be in one folder of the zip")
        for name, (_, info) in members.items():
            _copy_member(archive, info, name, Path(folder) / name)
        try:
            _check_config_sizes(Path(folder) / "config.json")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a partial run: the run view says so itself
                return toysup.load(folder)
        except DamagedFileError as error:
            raise DamagedFileError(str(error).replace(folder + "/", "").replace(folder, "the zip")) from None
