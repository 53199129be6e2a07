"""The recovery phase diagram (``toysup.sae.recovery``) on the chunked sweeps machinery: resume, coordinates
and its errors. Its small grid is the ``recovery_grid`` fixture of tests/conftest.py, shared with the
``toysup sae --recovery`` test in tests/cli/test_cli_sae.py."""

import json
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from toysup.sae.plots import recovery_heatmaps
from toysup.sae.recovery import load_recovery, recovery_diagram


def test_an_interrupted_diagram_resumes_without_retraining_finished_chunks(tmp_path, recovery_grid):
    def stop_after_first(done, total):
        assert total == 4
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        recovery_diagram("topk", out=tmp_path, on_progress=stop_after_first, **recovery_grid)
    chunks = sorted((tmp_path / "chunks").iterdir())
    assert [c.name for c in chunks] == ["chunk_00000.npz"]
    with pytest.raises(ValueError, match="recovery.nc is missing"):
        load_recovery(tmp_path)
    stamp = chunks[0].stat().st_mtime_ns

    calls = []
    diagram = recovery_diagram(
        "topk", out=tmp_path, on_progress=lambda done, total: calls.append(done), **recovery_grid
    )
    assert chunks[0].stat().st_mtime_ns == stamp  # the finished chunk was not trained again
    assert calls == [2, 3, 4] and len(list((tmp_path / "chunks").iterdir())) == 4

    assert dict(diagram.sizes) == {"mean_active": 2, "ratio": 2, "penalty": 2, "seed": 2}
    assert diagram["mcc"].dims == ("mean_active", "ratio", "penalty", "seed")
    np.testing.assert_array_equal(diagram.mean_active, [2.0, 4.0])
    np.testing.assert_array_equal(diagram.ratio, [0.5, 1.0])
    np.testing.assert_array_equal(diagram.penalty, [2, 4])
    np.testing.assert_array_equal(diagram.seed, [0, 1])
    np.testing.assert_array_equal(diagram.n_latents, [16, 32])
    assert diagram.attrs["arch"] == "topk" and diagram.attrs["penalty_field"] == "k"
    assert json.loads(diagram.attrs["recovery"])["ratios"] == [0.5, 1.0]
    # Every cell was filled from its own chunk: TopK's L0 is its k, the true L0 the row's mean_active.
    assert np.all((diagram.mcc.values > 0) & (diagram.mcc.values <= 1))
    np.testing.assert_allclose(diagram.l0.transpose("penalty", ...).values.reshape(2, -1).T, [[2, 4]] * 8, atol=0.05)
    np.testing.assert_allclose(diagram.true_l0.mean(["ratio", "penalty", "seed"]), [2.0, 4.0], rtol=0.05)
    loaded = load_recovery(tmp_path)
    np.testing.assert_array_equal(loaded["mcc"], diagram["mcc"])
    np.testing.assert_array_equal(loaded.n_latents, [16, 32])
    assert isinstance(recovery_heatmaps([diagram, loaded]), Figure)
    # A different grid never mixes into a finished folder.
    with pytest.raises(ValueError, match="different sweep"):
        recovery_diagram("topk", out=tmp_path, **{**recovery_grid, "penalties": [2, 3]})
    # Without a folder (as the lesson and the app call it) it runs in a temporary one.
    alone = recovery_diagram("topk", **{**recovery_grid, "ratios": [1.0]})  # the ratio-1 chunks' compiled program
    assert dict(alone.sizes) == {"mean_active": 2, "ratio": 1, "penalty": 2, "seed": 2}
    assert np.all(np.isfinite(alone.mcc.values))


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(ratios=[0.0, 1.0]), "ratios: every value must be > 0, got 0"),
        (dict(mean_active=[2.0, 40.0]), "mean_active: every value must be in (0, 32], got 40"),
        (dict(penalties=[2, 20]), "penalties: at ratio 0.5, k: must be in [1, n_latents=16], got 20"),
        (dict(penalties=[2.5]), "penalties: k must be an integer for topk"),
        (dict(seeds=0), "seeds: must be >= 1, got 0"),
        (dict(k=3), "config: k are set by the grid"),
        (dict(stepz=3), "config: unknown SAEConfig field(s) stepz"),
        (dict(steps=0), "steps: must be >= 1"),
    ],
)
def test_bad_grid_values_are_refused_before_any_compute(tmp_path, recovery_grid, changes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        recovery_diagram("topk", out=tmp_path / "out", **{**recovery_grid, **changes})
    assert not (tmp_path / "out").exists()
