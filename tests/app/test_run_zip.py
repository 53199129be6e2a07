"""The app's run zip (app/run_zip.py): a run round-trips, and uploads that are not a safe toysup run are refused."""

import numpy as np
import pytest
from app_helpers import bad_uploads, run_files, zip_of
from run_zip import RUN_FILES, run_from_zip, run_to_zip


def test_run_zip_round_trips(small_run):
    loaded = run_from_zip(run_to_zip(small_run))
    assert loaded.config == small_run.config
    np.testing.assert_array_equal(loaded.W, small_run.W)
    np.testing.assert_array_equal(loaded.loss_history, small_run.loss_history)
    in_a_folder = zip_of({f"my-run/{name}": content for name, content in run_files(small_run).items()})
    np.testing.assert_array_equal(run_from_zip(in_a_folder).b, small_run.b)
    assert sorted(run_files(small_run)) == sorted(RUN_FILES)


def test_run_zip_refuses_unsafe_and_foreign_zips(small_run):
    for data, words in bad_uploads(small_run).values():
        with pytest.raises(ValueError, match=words):
            run_from_zip(data)
