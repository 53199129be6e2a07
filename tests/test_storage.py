"""Writing and reading results (``toysup.storage``): atomic files and folders, one writer at a time, ownership of
output folders, and readers that refuse damaged or hostile files before building anything."""

import io
import json
import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from toysup import storage
from toysup.storage import DamagedFileError, OutputError


def npy_with_header(shape, dtype="<f8", data=b"") -> bytes:
    """An .npy file whose header declares ``shape`` but that holds only ``data``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + data


# --- atomic writes --------------------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = storage.write_text(tmp_path / "result.json", "old")

    def fail_half_way(handle):
        handle.write(b"new, but only half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        storage.write_atomic(path, fail_half_way)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_written_files_and_folders_get_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        path = storage.write_json(tmp_path / "a.json", {"x": 1})
        folder = storage.replace_folder(tmp_path / "run", "run", lambda f: storage.write_text(f / "x", "1"))
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644
    assert folder.stat().st_mode & 0o777 == 0o755


def test_write_json_turns_numpy_and_non_finite_numbers_into_plain_json(tmp_path):
    value = {"n": np.int64(3), "x": np.float32(0.5), "bad": [np.nan, np.inf, 1.0], "a": np.arange(2)}
    storage.write_json(tmp_path / "v.json", value)
    assert json.loads((tmp_path / "v.json").read_text()) == {"n": 3, "x": 0.5, "bad": [None, None, 1.0], "a": [0, 1]}


def test_a_failed_folder_replacement_leaves_the_old_folder(tmp_path):
    path = storage.replace_folder(tmp_path / "out", "run", lambda f: storage.write_text(f / "a.txt", "old"))

    def fail_half_way(folder):
        storage.write_text(folder / "a.txt", "new")
        raise RuntimeError("crashed while writing")

    with pytest.raises(RuntimeError):
        storage.replace_folder(path, "run", fail_half_way, overwrite=True)
    assert (path / "a.txt").read_text() == "old" and storage.marker(path) == {"kind": "run"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder or lock left


def test_a_result_is_replaced_only_with_overwrite(tmp_path):
    path = storage.replace_folder(tmp_path / "out", "run", lambda f: storage.write_text(f / "a.txt", "old"))
    with pytest.raises(OutputError, match="pass --overwrite"):
        storage.replace_folder(path, "run", lambda f: storage.write_text(f / "a.txt", "new"))
    storage.replace_folder(path, "run", lambda f: storage.write_text(f / "a.txt", "new"), overwrite=True, owner="demo")
    assert (path / "a.txt").read_text() == "new" and storage.marker(path) == {"kind": "run", "owner": "demo"}


HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from toysup import storage
    with storage.locked(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(30)
""")


def test_a_second_writer_fails_at_once_while_the_first_writes(tmp_path):
    path = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        start = time.perf_counter()
        with pytest.raises(OutputError, match="being written by another toysup process"):
            storage.replace_folder(path, "run", lambda f: storage.write_text(f / "a.txt", "mine"))
        assert time.perf_counter() - start < 1.0
        assert not path.exists()
    finally:
        holder.kill()
        holder.wait()
    storage.replace_folder(path, "run", lambda f: storage.write_text(f / "a.txt", "mine"))  # free again


# --- ownership --------------------------------------------------------------------------------------------------


def test_check_output_refuses_what_toysup_may_not_write(tmp_path):
    (tmp_path / "a-file").write_text("x")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    sweep = storage.mark(tmp_path / "sweep", "sweep")
    (sweep / "sweep.json").write_text("{}")
    run = storage.replace_folder(tmp_path / "run", "run", lambda f: None)
    refusals = {
        tmp_path / "a-file": "is a file",
        tmp_path / "a-file" / "below": "is a file",
        foreign: "holds files toysup did not write",
        sweep: "holds a toysup sweep result, not a run",
        run: "already holds a run; pass --overwrite",
    }
    for path, words in refusals.items():
        with pytest.raises(OutputError, match=words):
            storage.check_output(path, "run")
    with pytest.raises(OutputError, match="toysup did not write"):
        storage.check_output(foreign, "run", overwrite=True)  # overwrite never replaces what toysup did not make
    assert storage.check_output(run, "run", overwrite=True) == run
    assert storage.check_output(sweep, "sweep", resume=True) == sweep
    (tmp_path / "empty").mkdir()
    for fresh in (tmp_path / "empty", tmp_path / "new" / "deeper"):
        assert storage.check_output(fresh, "run") == fresh
    with pytest.raises(OutputError, match="MB free"):
        storage.check_output(tmp_path / "new", "run", need_bytes=2**62)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_check_output_refuses_an_unwritable_folder(tmp_path):
    locked_away = tmp_path / "read-only"
    locked_away.mkdir(mode=0o555)
    with pytest.raises(OutputError, match="not writable"):
        storage.check_output(locked_away / "out", "run")


def test_folders_written_before_markers_are_recognised(tmp_path):
    def folder(name, files):
        path = tmp_path / name
        path.mkdir()
        for file, text in files.items():
            (path / file).write_text(text)
        return path

    run = folder("run", {"config.json": json.dumps({"config": {}, "toysup_version": "0.1.0"}), "loss.npy": ""})
    sae = folder("sae", {"config.json": json.dumps({"config": {}, "data": {}})})
    sweep = folder("sweep", {"sweep.json": "{}"})
    phase = folder("phase", {"sweep.json": "{}", "phase.json": "{}"})
    recovery = folder("recovery", {"sweep.json": json.dumps({"kind": "sae recovery diagram"})})
    gallery = folder("figures", {"README.md": storage.LEGACY_GALLERY_HEADING + "\n\ntext"})
    user = folder("user", {"config.json": json.dumps({"config": {}}), "README.md": "# My notes"})
    kinds = {run: "run", sae: "sae", sweep: "sweep", phase: "phase", recovery: "recovery", gallery: "figures"}
    for path, kind in kinds.items():
        assert storage.marker(path) == {"kind": kind, "legacy": True}
        assert storage.check_output(path, kind, overwrite=True) == path
    assert storage.marker(user) is None
    storage.mark(sweep, "sweep")
    assert json.loads((sweep / "toysup.json").read_text()) == {"kind": "sweep"}


def test_empty_folder_removes_only_a_toysup_result_of_its_kind(tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="nothing was removed"):
        storage.empty_folder(foreign, "sweep")
    assert (foreign / "notes.txt").exists()
    sweep = storage.mark(tmp_path / "sweep", "sweep")
    (sweep / "chunks").mkdir()
    (sweep / "chunks" / "chunk_00000.npz").write_bytes(b"x")
    with pytest.raises(OutputError):
        storage.empty_folder(sweep, "phase")
    storage.empty_folder(sweep, "sweep")
    assert list(sweep.iterdir()) == []


def test_check_file_output(tmp_path):
    (tmp_path / "old.gif").write_bytes(b"GIF")
    with pytest.raises(OutputError, match="pass --overwrite"):
        storage.check_file_output(tmp_path / "old.gif")
    assert storage.check_file_output(tmp_path / "old.gif", overwrite=True)
    with pytest.raises(OutputError, match="is a folder"):
        storage.check_file_output(tmp_path)
    with pytest.raises(OutputError, match="is a file"):
        storage.check_file_output(tmp_path / "old.gif" / "new.gif")


# --- bounded readers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, words",
    [
        ("[" * 100_000 + "]" * 100_000, "nested deeper"),
        ('{"a": ' * 40 + "1" + "}" * 40, "nested deeper"),
        ('{"loss": 1e400}', "not finite"),
        ('{"loss": NaN}', "not a number JSON allows"),
        ('{"loss": -Infinity}', "not a number JSON allows"),
        ('{"n": ' + "9" * 5000 + "}", "not valid JSON"),
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
    ],
)
def test_read_json_refuses_deep_huge_and_non_finite_json(tmp_path, text, words):
    path = tmp_path / "config.json"
    path.write_text(text)
    start = time.perf_counter()
    with pytest.raises(DamagedFileError, match=words) as error:
        storage.read_json(path)
    assert str(path) in str(error.value) and time.perf_counter() - start < 1.0


def test_read_json_refuses_large_binary_and_missing_files(tmp_path):
    (tmp_path / "big.json").write_text(" " * 2000)
    with pytest.raises(DamagedFileError, match="MB"):
        storage.read_json(tmp_path / "big.json", max_bytes=1000)
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DamagedFileError, match="UTF-8"):
        storage.read_json(tmp_path / "binary.json")
    with pytest.raises(DamagedFileError, match="missing"):
        storage.read_json(tmp_path / "nowhere.json")
    with pytest.raises(DamagedFileError, match="cannot be read"):
        storage.read_json(tmp_path)


def test_read_npy_refuses_objects_huge_headers_and_truncation_without_allocating(tmp_path):
    objects = tmp_path / "objects.npy"
    np.save(objects, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    huge = tmp_path / "huge.npy"
    huge.write_bytes(npy_with_header((10**6, 10**6), data=b"\0" * 1024))
    lying = tmp_path / "lying.npy"
    lying.write_bytes(npy_with_header((10**7,), data=b"\0" * 1024))  # 80 MB declared, within the limit
    truncated = tmp_path / "truncated.npy"
    np.save(truncated, np.arange(100.0))
    truncated.write_bytes(truncated.read_bytes()[:-8])
    npz = tmp_path / "an-npz.npy"
    np.savez(npz.with_suffix(""), x=np.arange(3))
    npz.write_bytes(npz.with_suffix(".npz").read_bytes())
    cases = {
        objects: "not numbers",
        huge: "declares shape",
        lying: "truncated",
        truncated: "truncated",
        npz: "not a numpy array file",
        tmp_path: "cannot be read",
        tmp_path / "missing.npy": "missing",
    }
    tracemalloc.start()
    try:
        for path, words in cases.items():
            with pytest.raises(DamagedFileError, match=words):
                storage.read_npy(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20
    np.save(tmp_path / "good.npy", np.arange(4.0))
    np.testing.assert_array_equal(storage.read_npy(tmp_path / "good.npy"), np.arange(4.0))


def test_read_npz_checks_every_header_before_reading(tmp_path):
    good = tmp_path / "good.npz"
    np.savez(good, W=np.ones((2, 3), np.float32), b=np.zeros(3))
    arrays = storage.read_npz(good)
    assert sorted(arrays) == ["W", "b"] and arrays["W"].dtype == np.float32

    def archive(name, members):
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as handle:
            for member, content in members.items():
                handle.writestr(member, content)
        return path

    huge = archive("huge.npz", {"W.npy": npy_with_header((10**6, 10**6), data=b"\0" * 4096)})
    lying = archive("lying.npz", {"W.npy": npy_with_header((10**7,), data=b"\0" * 4096)})
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    objects = archive("objects.npz", {"W.npy": pickled.getvalue()})
    foreign = archive("foreign.npz", {"evil.py": b"import os"})
    nested = archive("nested.npz", {"a/W.npy": npy_with_header((1,), data=b"\0" * 8)})
    flipped = tmp_path / "flipped.npz"
    np.savez(flipped, W=np.arange(1000.0))
    content = bytearray(flipped.read_bytes())
    content[len(content) // 2] ^= 0x10
    flipped.write_bytes(bytes(content))
    cases = {
        huge: "declares shape",
        lying: "truncated",
        objects: "not numbers",
        foreign: "unexpected member",
        nested: "unexpected member",
        flipped: "Bad CRC",
        tmp_path / "missing.npz": "missing",
    }
    tracemalloc.start()
    try:
        for path, words in cases.items():
            with pytest.raises(DamagedFileError, match=words):
                storage.read_npz(path)
        with pytest.raises(DamagedFileError, match="declares shape"):
            storage.read_npz(good, max_bytes=30)  # the arrays together are larger
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20
