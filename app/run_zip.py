"""A saved run (``toysup.save``'s four files) as one zip, for the app's download and upload.

An upload is untrusted: member names are checked (no paths outside one optional top folder, no ``..``, no
absolute or Windows paths, nothing but the four run files), sizes are bounded before and while reading, the
config's sizes are bounded before ``toysup.load`` builds any array, and the files are written under fixed
names into a fresh temporary folder, never under the names in the zip. ``toysup.load`` then reads only JSON and
pickle-free numpy files. Every problem is a ``ValueError`` with a one-line message.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import toysup

RUN_FILES = ("config.json", "params.npz", "metrics.json", "loss.npy")
MAX_UPLOAD_MB = 20
MAX_FILE_BYTES = 64 * 2**20  # uncompressed, per member
MAX_VALUES = 10_000_000  # n_instances × n_features (and × n_hidden) a loaded config may ask for


def run_to_zip(result: toysup.TrainResult) -> bytes:
    """The run's files (``toysup.save``) in a zip, at its top level."""
    with tempfile.TemporaryDirectory() as folder:
        toysup.save(result, folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in RUN_FILES:
                archive.write(Path(folder) / name, name)
    return buffer.getvalue()


def _member_file(name: str) -> tuple[str, str]:
    """(top folder or '', file name) of a safe member name; ValueError otherwise."""
    path = PurePosixPath(name)
    if "\\" in name or name.startswith("/") or ":" in name or ".." in path.parts or len(path.parts) > 2:
        raise ValueError(f"upload: unsafe or unexpected path {name!r} in the zip")
    if path.name not in RUN_FILES:
        raise ValueError(f"upload: unexpected file {name!r}; a run zip holds only {', '.join(RUN_FILES)}")
    return (path.parts[0] if len(path.parts) == 2 else ""), path.name


def _check_config_sizes(text: bytes) -> None:
    """Refuse configs whose arrays would be huge before ``ToyConfig`` allocates them."""
    try:
        stored = json.loads(text)
        config = stored["config"]
        sizes = [config.get(name, 1) for name in ("n_instances", "n_features", "n_hidden", "restarts")]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValueError("not a toysup run: config.json is not a JSON object with a 'config' object") from None
    if not all(isinstance(size, int) and not isinstance(size, bool) and size >= 1 for size in sizes):
        raise ValueError(
            "corrupted run: config.json sizes (n_instances, n_features, n_hidden, restarts) must be positive integers"
        )
    instances, features, hidden, _ = sizes
    if instances * features * max(hidden, 1) > MAX_VALUES:
        raise ValueError(
            f"upload: run too large for the app ({instances} instances × {features} features × {hidden} hidden)"
        )


def run_from_zip(data: bytes) -> toysup.TrainResult:
    """The run inside an uploaded zip; ValueError with a clear message when it is not a safe toysup run."""
    if len(data) > MAX_UPLOAD_MB * 2**20:
        raise ValueError(f"upload: the zip is larger than {MAX_UPLOAD_MB} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValueError("upload: not a zip file") from None
    with archive:
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
        contents = {}
        for name, (_, info) in members.items():
            try:
                with archive.open(info) as handle:
                    content = handle.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
                raise ValueError(f"upload: {name} cannot be read from the zip ({error})") from None
            if len(content) > MAX_FILE_BYTES:
                raise ValueError(f"upload: {name} is larger than {MAX_FILE_BYTES // 2**20} MB")
            contents[name] = content
    _check_config_sizes(contents["config.json"])
    with tempfile.TemporaryDirectory() as folder:
        for name, content in contents.items():
            (Path(folder) / name).write_bytes(content)
        try:
            return toysup.load(folder)
        except ValueError as error:
            raise ValueError(str(error).replace(folder + "/", "").replace(folder, "the zip")) from None
        except (TypeError, KeyError, OSError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(f"corrupted run: {error}") from None
