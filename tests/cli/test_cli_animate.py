"""``toysup animate``: a GIF with one frame per snapshot, bad input refused before training, mp4 only with
ffmpeg."""

import importlib

import pytest
from PIL import Image

from toysup import animation as animate
from toysup.cli import main

snapshots = importlib.import_module("toysup.snapshots")


def test_animate_writes_a_gif_with_one_frame_per_snapshot(tmp_path, capsys):
    out = tmp_path / "learning.gif"
    assert (
        main(
            [
                "animate",
                "--features",
                "4",
                "--feature-probability",
                "1,0.1",
                "--steps",
                "40",
                "--every",
                "10",
                "--batch-size",
                "128",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    with Image.open(out) as gif:
        assert gif.n_frames == 5
    assert "5 frames" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--out", "learning.txt"], "must end in .gif or .mp4"),
        (["--every", "0"], "every: must be >= 1"),
        (["--every", "1", "--steps", "5000"], "at most 1000 frames"),
        (["--fps", "0"], "fps"),
        (["--hidden", "0"], "n_hidden"),
    ],
)
def test_animate_refuses_bad_input_before_training(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(animate, "save_animation", lambda *a, **k: pytest.fail("trained despite bad input"))
    assert main(["animate", "--steps", "20", "--every", "10", *args]) == 2
    assert message in capsys.readouterr().err


def test_mp4_without_ffmpeg_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(animate.shutil, "which", lambda name: None)
    assert main(["animate", "--steps", "20", "--every", "10", "--out", str(tmp_path / "a.mp4")]) == 1
    assert "needs ffmpeg" in capsys.readouterr().err
    assert not (tmp_path / "a.mp4").exists()


def test_an_existing_file_is_replaced_only_with_overwrite(tmp_path, capsys, monkeypatch):
    out = tmp_path / "learning.gif"
    out.write_bytes(b"my own animation")
    flags = ["animate", "--steps", "20", "--every", "10", "--batch-size", "64", "--quiet"]
    argv = [*flags, "--out", str(out)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(snapshots, "train_with_snapshots", lambda *a, **k: pytest.fail("trained"))
        assert main(argv) == 1
        assert "already exists; pass --overwrite" in capsys.readouterr().err
        (tmp_path / "a-file").write_text("x")
        assert main([*flags, "--out", str(tmp_path / "a-file" / "x.gif")]) == 1
        assert "is a file" in capsys.readouterr().err
    assert out.read_bytes() == b"my own animation"
    assert main([*argv, "--overwrite"]) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 3
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a-file", "learning.gif"]  # no temporary left
