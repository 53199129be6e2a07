"""Snapshots of W taken inside the compiled run (``toysup.snapshots``), and ``toysup animate`` / ``toysup app``."""

import subprocess

import numpy as np
import pytest
from PIL import Image

import toysup
from toysup import animation as animate
from toysup.cli import main
from toysup.snapshots import snapshot_steps, train_with_snapshots

CONFIG = toysup.ToyConfig(n_features=5, n_hidden=2, n_instances=2, feature_probability=(1.0, 0.05), steps=60,
                          learning_rate=1e-2, batch_size=256)


def test_snapshots_end_where_plain_training_ends():
    result, snapshots = train_with_snapshots(CONFIG, every=25, log_every=5)
    plain = toysup.train(CONFIG, chunk_steps=20, log_every=5, progress=False)
    assert snapshots.shape == (4, 2, 2, 5)  # step 0, 25, 50, 60
    np.testing.assert_array_equal(snapshot_steps(len(snapshots), 25, result.steps_done), [0, 25, 50, 60])
    np.testing.assert_allclose(snapshots[-1], plain.W, atol=1e-5)
    np.testing.assert_allclose(result.W, plain.W, atol=1e-5)
    np.testing.assert_allclose(result.final_loss, plain.final_loss, rtol=1e-4)
    assert result.steps_done == 60 and result.loss_history.shape == (12, 2)
    assert not np.allclose(snapshots[0], snapshots[-1])  # it learned between the first and last snapshot


def test_snapshots_follow_the_kept_restart_of_each_instance():
    config = CONFIG.replace(restarts=3, model="abs", n_features=3, n_hidden=4)
    result, snapshots = train_with_snapshots(config, every=30)
    assert snapshots.shape == (3, 2, 4, 3)
    np.testing.assert_allclose(snapshots[-1], result.params["W1"])
    np.testing.assert_allclose(result.W, toysup.train(config, progress=False).W, atol=1e-5)


def test_an_interrupt_keeps_the_finished_chunks():
    def stop_after_two(done, total):
        if done >= 20:
            raise KeyboardInterrupt

    result, snapshots = train_with_snapshots(CONFIG, every=10, on_chunk=stop_after_two)
    assert result.steps_done == 20 and len(snapshots) == 3 and result.loss_history.shape == (2, 2)


@pytest.mark.parametrize("every", [0, -5, 2.5, True])
def test_a_bad_interval_is_refused(every):
    with pytest.raises(ValueError, match="every"):
        train_with_snapshots(CONFIG, every=every)


def test_animate_writes_a_gif_with_one_frame_per_snapshot(tmp_path, capsys):
    out = tmp_path / "learning.gif"
    assert main(["animate", "--features", "4", "--feature-probability", "1,0.1", "--steps", "40", "--every", "10",
                 "--batch-size", "128", "--out", str(out), "--quiet"]) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 5
    assert "5 frames" in capsys.readouterr().out


def test_animate_draws_heat_maps_when_m_is_not_2(tmp_path):
    snapshots = np.random.default_rng(0).normal(size=(3, 1, 3, 6))
    fig = animate.frame_figure(snapshots[0], 0)
    assert len(fig.axes) == 2 and fig.axes[0].get_title().startswith("D* =")
    path = animate.save_animation(snapshots, [0, 10, 20], tmp_path / "heat.gif", fps=5)
    with Image.open(path) as gif:
        assert gif.n_frames == 3


@pytest.mark.parametrize("args, message", [
    (["--out", "learning.txt"], "must end in .gif or .mp4"),
    (["--every", "0"], "every: must be >= 1"),
    (["--every", "1", "--steps", "5000"], "at most 1000 frames"),
    (["--fps", "0"], "fps"),
    (["--hidden", "0"], "n_hidden"),
])
def test_animate_refuses_bad_input_before_training(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(animate, "save_animation", lambda *a, **k: pytest.fail("trained despite bad input"))
    assert main(["animate", "--steps", "20", "--every", "10", *args]) == 2
    assert message in capsys.readouterr().err


def test_mp4_without_ffmpeg_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(animate.shutil, "which", lambda name: None)
    assert main(["animate", "--steps", "20", "--every", "10", "--out", str(tmp_path / "a.mp4")]) == 2
    assert "needs ffmpeg" in capsys.readouterr().err
    assert not (tmp_path / "a.mp4").exists()


def test_app_command_runs_streamlit_on_the_app_file(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda command: calls.append(command) or 0)
    assert main(["app", "--port", "8765"]) == 0
    command = calls[0]
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4].endswith("app/streamlit_app.py")
    assert command[command.index("--server.port") + 1] == "8765"
