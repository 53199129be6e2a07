"""The chunk runner under every sweep (``toysup.chunks``): each finished chunk is written at once, an interrupted
run resumes without redoing finished chunks, and a folder holding different work is refused."""

import json

import numpy as np
import pytest

from toysup.chunks import MANIFEST, chunk_path, read_chunk, run_chunks

WORK = {"work": "squares", "n_chunks": 4}


def square(index: int) -> dict[str, np.ndarray]:
    return {"x": np.full(3, index**2)}


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
    with pytest.raises(ValueError, match="unfinished: chunk_00002.npz is missing"):
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
        np.testing.assert_array_equal(read_chunk(tmp_path, index)["x"], [index**2] * 3)
    assert json.loads((tmp_path / MANIFEST).read_text()) == WORK


def test_a_folder_holding_different_work_is_refused(tmp_path):
    run_chunks(tmp_path, WORK, 1, square, progress=False)
    with pytest.raises(ValueError, match="holds a different sweep"):
        run_chunks(tmp_path, {**WORK, "n_chunks": 5}, 1, pytest.fail, progress=False)
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(ValueError, match="is corrupted"):
        run_chunks(tmp_path, WORK, 1, pytest.fail, progress=False)
