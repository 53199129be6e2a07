"""The chunk runner under every sweep (``toysup.chunks``): each finished chunk is written at once, an interrupted
run resumes without redoing finished chunks, a damaged, truncated, empty or misplaced chunk is found and trained
again, and a folder holding different work, something else or another writer is refused before any compute."""

import json
import shutil

import numpy as np
import pytest

import toysup
from toysup import storage
from toysup.chunks import FINGERPRINT_KEY, INDEX_KEY, MANIFEST, chunk_path, read_chunk, run_chunks
from toysup.storage import DamagedFileError, OutputError
from toysup.sweeps import load_sweep, run_sweep, sweep_spec

WORK = {"work": "squares", "n_chunks": 4}


def square(index: int) -> dict[str, np.ndarray]:
    return {"x": np.full(1000, float(index**2))}


def test_an_interrupted_run_resumes_and_skips_finished_chunks(tmp_path):
    ran = []

    def interrupted_at_two(index):
        ran.append(index)
        return None if index == 2 else square(index)

    with pytest.raises(KeyboardInterrupt, match="re-run to resume"):
        run_chunks(tmp_path, WORK, 4, interrupted_at_two, progress=False)
    assert ran == [0, 1, 2]
    # Only the finished chunks are there, and no temporary file is left behind.
    assert sorted(path.name for path in (tmp_path / "chunks").iterdir()) == ["chunk_00000.npz", "chunk_00001.npz"]
    with pytest.raises(DamagedFileError, match="unfinished: chunk_00002.npz is missing"):
        read_chunk(tmp_path, 2)
    stamp = chunk_path(tmp_path, 0).stat().st_mtime_ns

    ran.clear()
    progress = []
    run_chunks(
        tmp_path,
        WORK,
        4,
        lambda index: ran.append(index) or square(index),
        progress=False,
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert ran == [2, 3]  # the finished chunks are not run again
    assert progress == [(3, 4), (4, 4)]
    assert chunk_path(tmp_path, 0).stat().st_mtime_ns == stamp
    for index in range(4):
        np.testing.assert_array_equal(read_chunk(tmp_path, index)["x"], square(index)["x"])
    assert json.loads((tmp_path / MANIFEST).read_text()) == WORK
    assert storage.marker(tmp_path) == {"kind": "sweep"}
    stored = np.load(chunk_path(tmp_path, 3))
    assert int(stored[INDEX_KEY]) == 3 and stored[FINGERPRINT_KEY].shape == (32,)


def test_a_folder_holding_different_work_is_refused(tmp_path):
    run_chunks(tmp_path, WORK, 1, square, progress=False)
    with pytest.raises(OutputError, match="holds a different sweep"):
        run_chunks(tmp_path, {**WORK, "n_chunks": 5}, 1, pytest.fail, progress=False)
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(OutputError, match="is corrupted"):
        run_chunks(tmp_path, WORK, 1, pytest.fail, progress=False)


def test_overwrite_starts_afresh_in_a_folder_of_the_same_kind(tmp_path):
    run_chunks(tmp_path, WORK, 4, square, progress=False)
    other = {"work": "cubes"}
    run_chunks(tmp_path, other, 1, lambda index: {"x": np.full(2, 8.0)}, progress=False, overwrite=True)
    assert [path.name for path in (tmp_path / "chunks").iterdir()] == ["chunk_00000.npz"]
    assert json.loads((tmp_path / MANIFEST).read_text()) == other
    np.testing.assert_array_equal(read_chunk(tmp_path, 0)["x"], [8.0, 8.0])


def test_a_folder_holding_something_else_is_refused_before_any_chunk(tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    phase = storage.mark(tmp_path / "phase", "phase")
    (tmp_path / "a-file").write_text("x")
    refusals = {foreign: "toysup did not write", phase: "holds a toysup phase result", tmp_path / "a-file": "a file"}
    for folder, words in refusals.items():
        for overwrite in (False, True):
            with pytest.raises(OutputError, match=words):
                run_chunks(folder, WORK, 4, pytest.fail, progress=False, overwrite=overwrite)
    assert [path.name for path in foreign.iterdir()] == ["notes.txt"]


def test_a_second_run_into_the_same_folder_fails_at_once(tmp_path):
    def start_another(index):
        with pytest.raises(OutputError, match="being written by another toysup process"):
            run_chunks(tmp_path, WORK, 4, pytest.fail, progress=False)
        return square(index)

    run_chunks(tmp_path, WORK, 1, start_another, progress=False)


def flip_a_byte(path):
    content = bytearray(path.read_bytes())
    content[len(content) // 3] ^= 0x10  # inside the first array's values
    path.write_bytes(bytes(content))


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def empty(path):
    path.write_bytes(b"")


def misplace(path):
    shutil.copyfile(path.with_name("chunk_00000.npz"), path)  # a valid chunk, under the wrong index


DAMAGE = {"bit-flipped": flip_a_byte, "truncated": truncate, "empty": empty, "misplaced": misplace}


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_chunk_is_reported_and_trained_again(tmp_path, capsys, kind):
    run_chunks(tmp_path, WORK, 4, square, progress=False)
    DAMAGE[kind](chunk_path(tmp_path, 2))
    ran = []
    run_chunks(tmp_path, WORK, 4, lambda index: ran.append(index) or square(index), progress=False)
    assert ran == [2]
    report = [line for line in capsys.readouterr().err.splitlines() if "retraining" in line]
    assert len(report) == 1 and "chunk 2" in report[0] and "chunk_00002.npz" in report[0]
    for index in range(4):
        np.testing.assert_array_equal(read_chunk(tmp_path, index)["x"], square(index)["x"])


def test_a_chunk_of_other_work_is_trained_again(tmp_path):
    run_chunks(tmp_path / "other", {"work": "other"}, 1, lambda index: {"x": np.zeros(3)}, progress=False)
    run_chunks(tmp_path / "mine", WORK, 1, square, progress=False)
    shutil.copyfile(chunk_path(tmp_path / "other", 0), chunk_path(tmp_path / "mine", 0))
    ran = []
    run_chunks(tmp_path / "mine", WORK, 1, lambda index: ran.append(index) or square(index), progress=False)
    assert ran == [0]


# --- a sweep: damaged chunks and a damaged sweep.nc never change the result ---------------------------------------

BASE = toysup.ToyConfig(n_features=3, n_hidden=2, steps=100, batch_size=64, learning_rate=1e-2)
SPEC = sweep_spec(BASE, ["feature_probability=0.1,0.5,1.0"], seeds=2, chunk_copies=2)  # three chunks of two


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uninterrupted") / "sweep"
    return folder, run_sweep(SPEC, folder, progress=False)


def copy_sweep(folder, tmp_path):
    target = tmp_path / "sweep"
    shutil.copytree(folder, target)
    return target


def assert_same_dataset(dataset, expected):
    assert set(dataset.data_vars) == set(expected.data_vars)
    for name in expected.data_vars:
        np.testing.assert_array_equal(dataset[name].values, expected[name].values)


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_sweep_with_a_damaged_chunk_gives_the_uninterrupted_result(uninterrupted, tmp_path, capsys, kind):
    folder, expected = uninterrupted
    folder = copy_sweep(folder, tmp_path)
    DAMAGE[kind](chunk_path(folder, 1))
    trained = []
    dataset = run_sweep(SPEC, folder, progress=False, on_progress=lambda done, total: trained.append(done))
    assert trained == [3] and "retraining chunk 1" in capsys.readouterr().err
    assert_same_dataset(dataset, expected)
    assert_same_dataset(load_sweep(folder), expected)


def test_a_truncated_sweep_file_is_a_damaged_file_and_a_rerun_rebuilds_it(uninterrupted, tmp_path):
    folder, expected = uninterrupted
    folder = copy_sweep(folder, tmp_path)
    result = folder / "sweep.nc"
    result.write_bytes(result.read_bytes()[: result.stat().st_size // 2])
    with pytest.raises(DamagedFileError, match="corrupted sweep"):
        load_sweep(folder)
    assert toysup.load_sweep is load_sweep
    dataset = run_sweep(SPEC, folder, progress=False, on_progress=lambda done, total: pytest.fail("retrained"))
    assert_same_dataset(dataset, expected)
    assert_same_dataset(load_sweep(folder), expected)


def test_a_sweep_written_before_markers_resumes(uninterrupted, tmp_path):
    """Folders of 0.1: no toysup.json, chunks without their index and fingerprint."""
    folder, expected = uninterrupted
    folder = copy_sweep(folder, tmp_path)
    (folder / "toysup.json").unlink()
    for index in range(2):
        arrays = dict(np.load(chunk_path(folder, index)))
        del arrays[INDEX_KEY], arrays[FINGERPRINT_KEY]
        np.savez(chunk_path(folder, index), **arrays)
    chunk_path(folder, 2).unlink()
    trained = []
    dataset = run_sweep(SPEC, folder, progress=False, on_progress=lambda done, total: trained.append(done))
    assert trained == [3]  # only the missing chunk
    assert_same_dataset(dataset, expected)
    assert storage.marker(folder) == {"kind": "sweep"}
