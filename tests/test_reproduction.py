"""The code reproduces the outputs of a fixed set of seeded runs recorded before the training loops were unified
into ``toysup.engine`` (``tests/reference/``): each toy model kind with restarts, correlated and anticorrelated
sets, a sweep, snapshots, each SAE architecture on toy and synthetic data, and a penalty grid of SAEs.

On the machine that recorded them the arrays are bit-identical. Elsewhere XLA may fuse or reorder float32 sums
differently, and a few hundred Adam steps can carry such rounding differences forward, so the comparison allows
a relative and absolute tolerance of 1e-4: far below any change a code change would cause (a different key,
step, sample or update changes these arrays at the 1e-2 … 1 level).
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

REFERENCE = Path(__file__).parent / "reference"
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def outputs():
    spec = importlib.util.spec_from_file_location("make_reference", REFERENCE / "make_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reference_outputs()


def test_the_code_reproduces_the_recorded_outputs(outputs):
    with np.load(REFERENCE / "reference.npz") as stored:
        reference = {name: stored[name] for name in stored.files}
    assert sorted(outputs) == sorted(reference)
    for name, expected in reference.items():
        np.testing.assert_allclose(outputs[name], expected, rtol=TOLERANCE, atol=TOLERANCE, err_msg=name)
