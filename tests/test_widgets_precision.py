"""Tests for course.widgets.precision: what float16 does to scaled values, and the explorer."""

import time

import ipywidgets
import torch
from matplotlib.figure import Figure

from course import widgets
from course.widgets import precision


def test_float16_fate_matches_a_real_cast():
    """Are the four shares what casting to float16 really does?"""
    values = torch.tensor([1e-9, 1e-6, 1e-3, 1.0, 1e6, 0.0])
    fate = precision.float16_fate(values)
    # zeros are left out: 1e-9 vanishes, 1e-6 is subnormal, 1e-3 and 1 are normal, 1e6 overflows
    assert fate == {"zero": 0.2, "subnormal": 0.2, "normal": 0.4, "inf": 0.2}
    assert abs(sum(fate.values()) - 1) < 1e-12


def test_scaling_rescues_small_values_and_breaks_large_ones():
    values = torch.tensor([1e-9, 2e-8, 1e-7])
    assert precision.float16_fate(values)["zero"] > 0
    assert precision.float16_fate(values, 2.0**16) == {
        "zero": 0.0,
        "subnormal": 0.0,
        "normal": 1.0,
        "inf": 0.0,
    }
    assert precision.float16_fate(torch.tensor([1.0]), 2.0**20)["inf"] == 1.0


def test_float16_fate_of_nothing():
    assert precision.float16_fate(torch.zeros(3)) == {
        "zero": 0.0,
        "subnormal": 0.0,
        "normal": 0.0,
        "inf": 0.0,
    }


def test_draw_loss_scaling_titles_the_shares():
    values = torch.logspace(-12, -2, 50)
    fig = precision.draw_loss_scaling(values, 10)
    assert isinstance(fig, Figure)
    title = fig.axes[0].get_title()
    fate = precision.float16_fate(values, 2.0**10)
    assert title.startswith("scale 2^10:") and f"{fate['zero']:.1%} underflow" in title


def test_explorer_draws_once_headless_and_fast():
    start = time.perf_counter()
    explorer = widgets.loss_scaling_explorer(torch.logspace(-10, 0, 100), scale_exponent=4)
    assert time.perf_counter() - start < 5
    assert isinstance(explorer, ipywidgets.interactive)
    assert isinstance(explorer.result, Figure)
    assert explorer.result.axes[0].get_title().startswith("scale 2^4:")
