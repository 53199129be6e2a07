"""Every paper figure in quick mode: it runs, writes its files and gallery entry, and — where the paper's claim
shows at small scale — its check holds. The checks themselves are tested on hand-made weights that must pass
or fail, so a check that cannot fail would be caught (the shared measures, from ``toysup.metrics``, in
tests/test_metrics.py). Redrawing a gallery from its saved results (``replot_figures``) reuses the quick figures.
``toysup figures``: tests/cli/test_cli_figures.py."""

import json
import shutil

import numpy as np
import pytest

from toysup.cli import main
from toysup.figures import FIGURES, make_figures, replot_figures
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


@pytest.fixture
def saved_intro(quick_figures, tmp_path):
    """A gallery holding only the quick intro figure (copied from the quick figures, not trained again)."""
    out, _ = quick_figures
    gallery = tmp_path / "gallery"
    gallery.mkdir()
    for name in ("toysup.json", "intro.png", "intro.svg", "intro.json"):
        shutil.copy(out / name, gallery / name)
    return gallery


def test_replot_redraws_and_refreshes_the_text_but_keeps_what_was_measured(saved_intro, monkeypatch):
    module = FIGURES["intro"]
    before = json.loads((saved_intro / "intro.json").read_text())

    def check(data):
        """The new criterion."""
        pytest.fail("the check ran again on the saved data")

    monkeypatch.setattr(module, "run", lambda *args: pytest.fail("trained again"))
    monkeypatch.setattr(module, "check", check)
    monkeypatch.setattr(module, "CAPTION", "A new caption, in p.")
    for name in ("intro.png", "intro.svg"):
        (saved_intro / name).write_text("old")
    records = replot_figures(None, out=saved_intro)  # every saved figure: only intro here
    after = json.loads((saved_intro / "intro.json").read_text())
    assert [record["name"] for record in records] == ["intro"] and records[0] == after
    assert after["caption"] == "A new caption, in p." and after["criterion"] == "The new criterion."
    assert list(after) == list(before)  # the same fields, in the same order
    for field in ("check", "data", "seconds", "mode", "command", "title", "section"):
        assert after[field] == before[field], field
    assert (saved_intro / "intro.png").read_bytes().startswith(b"\x89PNG")
    assert (saved_intro / "intro.png").stat().st_size > 10_000
    assert (saved_intro / "intro.svg").read_text().lstrip().startswith("<?xml")
    readme = (saved_intro / "README.md").read_text()
    assert "A new caption, in p." in readme and "The new criterion." in readme
    assert "replot" not in readme.lower() and "redr" not in readme.lower()  # nothing new is said about the verdict


def test_replot_from_the_command_line(saved_intro, monkeypatch, capsys):
    monkeypatch.setattr(FIGURES["intro"], "run", lambda *args: pytest.fail("trained again"))
    assert main(["figures", "--replot", "intro", "--out", str(saved_intro)]) == 0
    out = capsys.readouterr().out
    assert "[1/1] intro" in out and "redrew 1 figure from" in out and (saved_intro / "README.md").exists()
