"""Every paper figure in quick mode: it runs, writes its files and gallery entry, and — where the paper's claim
shows at small scale — its check holds. The checks themselves are tested on hand-made weights that must pass
or fail, so a check that cannot fail would be caught (the shared measures, from ``toysup.metrics``, in
tests/test_metrics.py). ``toysup figures``: tests/cli/test_cli_figures.py."""

import json

import numpy as np
import pytest

from toysup.figures import FIGURES, make_figures
from toysup.figures.correlated_features import pair_sum_share
from toysup.figures.uniform_superposition import longest_run

# Phase diagrams and learning dynamics are left out: a 6×6 quick grid sits one cell from its threshold, and the
# quick learning-dynamics model (n = 100, m = 8) has too few features for the three jumps its check requires;
# computation in superposition does not reproduce at any scale (its check says so, with the evidence).
HOLD_IN_QUICK_MODE = (
    "intro",
    "basic_results",
    "uniform_superposition",
    "feature_dimensionality",
    "perturb_one_feature",
    "correlated_features",
    "adversarial",
    "privileged_basis",
)


@pytest.fixture(scope="session")
def quick_figures(tmp_path_factory):
    """All figures made once in quick mode into one folder; (folder, records by name)."""
    out = tmp_path_factory.mktemp("figures")
    records = make_figures(None, quick=True, out=out)
    return out, {record["name"]: record for record in records}


def test_claim_measures_separate_the_cases():
    # Two correlated features on one direction versus orthogonal.
    assert pair_sum_share(np.array([[1.0, 1.0], [0.0, 0.0]])) == pytest.approx(1.0)
    assert pair_sum_share(np.eye(2)) == pytest.approx(0.5)
    assert longest_run([True, False, True, True, True, False]) == 3


def test_every_figure_writes_png_json_and_gallery_entry(quick_figures):
    out, records = quick_figures
    assert list(records) == list(FIGURES)
    readme = (out / "README.md").read_text()
    for name, record in records.items():
        assert (out / f"{name}.png").stat().st_size > 10_000
        stored = json.loads((out / f"{name}.json").read_text())
        assert stored["check"] == record["check"] and isinstance(stored["check"]["holds"], bool)
        assert stored["caption"] and stored["seconds"] > 0 and stored["data"]
        assert f"({name}.png)" in readme and f"toysup figures {name} --quick --out {out}" in readme


@pytest.mark.parametrize("name", HOLD_IN_QUICK_MODE)
def test_claim_holds_at_small_scale(quick_figures, name):
    check = quick_figures[1][name]["check"]
    assert check["holds"], check
