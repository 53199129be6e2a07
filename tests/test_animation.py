"""Drawing and writing the learning animation (``toysup.animation``); the ``toysup animate`` command is
tested in tests/cli/test_cli_animate.py."""

import numpy as np
from PIL import Image

from toysup import animation as animate


def test_animate_draws_heat_maps_when_m_is_not_2(tmp_path):
    snapshots = np.random.default_rng(0).normal(size=(3, 1, 3, 6))
    fig = animate.frame_figure(snapshots[0], 0)
    assert len(fig.axes) == 2 and fig.axes[0].get_title().startswith("D* =")
    path = animate.save_animation(snapshots, [0, 10, 20], tmp_path / "heat.gif", fps=5)
    with Image.open(path) as gif:
        assert gif.n_frames == 3
