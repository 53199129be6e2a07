"""``toysup sweep``: a sweep from a TOML file plus ``--axis`` flags, and a one-line error for a bad axis."""

import textwrap

from toysup.cli import main
from toysup.sweeps import load_sweep


def test_cli_sweep_from_toml_and_flags(tmp_path, capsys):
    config = tmp_path / "sweep.toml"
    config.write_text(
        textwrap.dedent("""
        seeds = 2
        [base]
        n_features = 3
        n_hidden = 2
        steps = 100
        batch_size = 64
        learning_rate = 0.01
        [axes]
        feature_probability = [0.1, 0.5, 1.0]
    """)
    )
    out = tmp_path / "out"
    assert (
        main(
            ["sweep", "--config", str(config), "--axis", "importance[2]=logspace(-1,1,2)", "--out", str(out), "--quiet"]
        )
        == 0
    )
    assert dict(load_sweep(out).sizes)["importance_2"] == 2
    assert main(["sweep", "--axis", "feature_probability=2", "--out", str(tmp_path / "bad"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "feature_probability" in err and "(0, 1]" in err
