"""Tests for course.widgets.conv: sizes match nn.Conv2d, the explorer draws headless, and the
package leaves the size formula (lesson 03's first exercise) to the student."""

import itertools

import ipywidgets
import pytest
import torch
from matplotlib.colors import to_rgb
from torch import nn

from course import widgets
from course.widgets import conv

GRID = list(
    itertools.product([1, 2, 3, 4, 7, 12], range(1, 6), range(1, 4), range(0, 3), range(1, 4))
)


def real_conv2d_width(size, kernel, stride, padding, dilation):
    """The output width of a real nn.Conv2d layer, 0 when it refuses the input."""
    layer = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    try:
        with torch.no_grad():
            return layer(torch.zeros(1, 1, size, size)).shape[-1]
    except RuntimeError:
        return 0


def test_sizes_agree_with_nn_conv2d_on_a_grid_of_configurations():
    """Does the explorer's size agree with a real nn.Conv2d layer everywhere on the grid?"""
    for size, kernel, stride, padding, dilation in GRID:
        options = {"stride": stride, "padding": padding, "dilation": dilation}
        got = conv.torch_conv_output_size(size, kernel, **options)
        assert got == real_conv2d_width(size, kernel, stride, padding, dilation), (size, options)


def test_the_package_does_not_export_the_exercise_answer():
    """Is the formula lesson 03 asks for (conv_output_size) left out of course.widgets?"""
    assert not hasattr(conv, "conv_output_size")
    assert "conv_output_size" not in widgets.__all__


@pytest.mark.parametrize(
    "config",
    [(28, 5, 1, 0, 1), (12, 5, 1, 0, 1), (8, 3, 2, 1, 1), (9, 3, 1, 0, 3), (4, 5, 1, 0, 1)],
)
def test_torch_conv_output_size_matches_a_real_layer(config):
    """Does the helper that asks PyTorch agree with an nn.Conv2d module, also when it refuses?"""
    size, kernel, stride, padding, dilation = config
    options = {"stride": stride, "padding": padding, "dilation": dilation}
    assert conv.torch_conv_output_size(size, kernel, **options) == real_conv2d_width(*config)


def test_lenet_chain():
    """Does the 28 -> 24 -> 12 -> 8 -> 4 chain (conv 5, pool 2, conv 5, pool 2) come out?"""
    sizes = [28]
    for kernel, stride in [(5, 1), (2, 2), (5, 1), (2, 2)]:
        sizes.append(conv.torch_conv_output_size(sizes[-1], kernel, stride=stride))
    assert sizes == [28, 24, 12, 8, 4]


def test_explorer_draws_its_first_picture_without_a_front_end():
    """Does the explorer draw at once, with the formula's result and nn.Conv2d's in the title?"""
    explorer = widgets.conv_explorer()
    assert isinstance(explorer, ipywidgets.interactive)
    title = explorer.result._suptitle.get_text()
    assert "⌊(7 + 2·0 − 1·(3−1) − 1) / 1⌋ + 1 = 5" in title and "nn.Conv2d" in title


def test_explorer_redraws_and_limits_the_window_slider():
    """Does moving a slider redraw, and does the window slider stop at the last output cell?"""
    explorer = widgets.conv_explorer()
    size, kernel, stride, padding, dilation, window = explorer.children[:6]
    stride.value = 2
    assert "/ 2⌋ + 1 = 3" in explorer.result._suptitle.get_text()
    assert window.max == 3 * 3 - 1
    window.value = 8
    padding.value = 1
    assert window.max == 4 * 4 - 1
    assert "output 4×4" in explorer.result.axes[1].get_title()


def test_explorer_says_when_the_kernel_does_not_fit():
    """Does a kernel larger than the padded input give a message instead of an error?"""
    explorer = widgets.conv_explorer()
    size, kernel = explorer.children[:2]
    kernel.value = 7
    size.value = 3
    assert "raises an error" in explorer.result._suptitle.get_text()
    assert explorer.children[5].max == 0


@pytest.mark.parametrize("config", [(5, 3, 1, 0, 1), (7, 3, 2, 2, 2), (12, 1, 4, 3, 1)])
def test_draw_conv_marks_kernel_squared_taps(config):
    """Are exactly kernel**2 input cells marked as the window's taps, wherever the window is?"""
    size, kernel, stride, padding, dilation = config
    options = {"stride": stride, "padding": padding, "dilation": dilation}
    out = conv.torch_conv_output_size(size, kernel, **options)
    for window in (0, out * out - 1, 10_000):
        fig = conv.draw_conv(size, kernel, window=window, **options)
        taps = [p for p in fig.axes[0].patches if p.get_facecolor()[:3] == to_rgb(conv._TAP)]
        assert len(taps) == kernel * kernel
        side = size + 2 * padding
        assert len(fig.axes[0].patches) == side * side


def test_lesson_answer_agrees_with_the_explorer():
    """Does lesson 03's model answer for conv_output_size agree with the explorer's sizes?"""
    from autograder.submissions import answers_of
    from conftest import read_source_notebook

    namespace = {}
    exec(answers_of(read_source_notebook("03_nn_module"))["conv_output_size"], namespace)
    lesson = namespace["conv_output_size"]
    for size, kernel, stride, padding, dilation in GRID:
        expected = conv.torch_conv_output_size(
            size, kernel, stride=stride, padding=padding, dilation=dilation
        )
        if expected < 1:
            with pytest.raises(ValueError):
                lesson(size, kernel, stride, padding, dilation)
        else:
            assert lesson(size, kernel, stride, padding, dilation) == expected
