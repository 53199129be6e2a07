"""``toysup phase``: the phase diagram's JSON and figure, and a one-line error for a shape without a
theory."""

import json

import numpy as np

from toysup.cli import main


def test_cli_phase_writes_json_and_figure(tmp_path, capsys):
    out = tmp_path / "phase"
    assert (
        main(
            [
                "phase",
                "--features",
                "3",
                "--hidden",
                "2",
                "--grid",
                "4",
                "--seeds",
                "2",
                "--steps",
                "300",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    result = json.loads((out / "phase.json").read_text())
    assert 0.0 <= result["agreement"] <= 1.0 and np.array(result["empirical"]).shape == (4, 4)
    assert (out / "phase.png").stat().st_size > 10_000
    assert main(["phase", "--features", "4", "--hidden", "2", "--out", str(tmp_path / "x")]) == 2
    assert "features/hidden" in capsys.readouterr().err
