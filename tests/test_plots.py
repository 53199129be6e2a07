"""Figures of toy models (``toysup.plots``): each returns a Figure, with one panel per instance where it draws
instances side by side, and loss curves against the step each logged block ends at."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from toysup import plots


def test_feature_directions_2d_draws_one_panel_per_instance():
    W = np.random.default_rng(0).normal(size=(3, 2, 5))
    fig = plots.feature_directions_2d(W, importance=0.9 ** np.arange(5), titles=["a", "b", "c"])
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c"]
    for ax, instance in zip(fig.axes, W, strict=True):
        assert len(ax.lines) == 5  # one arrow per feature, from the origin to W_i
        np.testing.assert_allclose([line.get_xydata()[1] for line in ax.lines], instance.T)
    plt.close(fig)
    with pytest.raises(ValueError, match=r"W: feature_directions_2d needs shape \(instances, 2, features\)"):
        plots.feature_directions_2d(np.zeros((2, 3, 5)))


def test_loss_curves_plot_each_block_at_the_step_it_ends():
    loss_history = np.linspace(1.0, 0.1, 8).reshape(4, 2)  # 4 logged blocks, 2 instances
    fig = plots.loss_curves(loss_history, log_every=25, labels=["sparse", "dense"])
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    for index, line in enumerate(ax.lines):
        np.testing.assert_array_equal(line.get_xdata(), [25, 50, 75, 100])
        np.testing.assert_array_equal(line.get_ydata(), loss_history[:, index])
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["sparse", "dense"]
    plt.close(fig)


def test_gram_and_bias_has_three_panels_per_instance():
    W = np.random.default_rng(1).normal(size=(2, 3, 4))
    fig = plots.gram_and_bias(W, np.zeros((2, 4)), titles=["one", "two"])
    assert isinstance(fig, Figure) and len(fig.axes) == 3 * 2  # WᵀW, b and ‖W_i‖ for each instance
    assert [fig.axes[0].get_title(), fig.axes[1].get_title()] == ["one", "two"]
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), W[0].T @ W[0], rtol=1e-6)
    plt.close(fig)


def test_dimensionality_over_training_on_a_log_time_axis_leaves_out_step_0():
    steps = np.array([0, 10, 100, 1000])
    dimensionality = np.array([[0.1, 0.1], [0.1, 0.2], [0.5, 0.0], [0.5, 0.0]])
    loss_steps, loss = np.array([10, 100, 1000]), np.array([3.0, 2.0, 1.0])
    fig = plots.dimensionality_over_training(steps, dimensionality, loss_steps, loss, log_time=True)
    top, bottom = fig.axes
    assert top.get_xscale() == bottom.get_xscale() == "log"
    curves = [line for line in top.lines if len(line.get_xdata()) == 3]
    assert len(curves) == 2 and all(list(line.get_xdata()) == [10, 100, 1000] for line in curves)
    np.testing.assert_array_equal(curves[0].get_ydata(), [0.1, 0.5, 0.5])
    plt.close(fig)
    linear = plots.dimensionality_over_training(steps, dimensionality, loss_steps, loss)
    assert linear.axes[1].get_xscale() == "linear"
    plt.close(linear)
