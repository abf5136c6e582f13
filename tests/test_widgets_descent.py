"""Tests for course.widgets.descent: autograd's descent is right, and the explorer draws."""

import ipywidgets
import pytest
import torch

from course import widgets
from course.widgets import descent


def test_descend_takes_exact_gradient_steps_on_a_quadratic():
    """On f(p) = 0.5 x² + 10 y², is each step p − lr · (x, 20 y), as the hand gradient says?"""
    path = descent.descend(descent.SURFACES["elongated bowl"].fn, (2.0, 1.0), lr=0.01, steps=3)
    assert path.shape == (4, 2) and path.dtype == torch.float64
    expected = torch.tensor([2.0, 1.0], dtype=torch.float64)
    for k in range(1, 4):
        expected = expected - 0.01 * torch.stack([expected[0], 20 * expected[1]])
        torch.testing.assert_close(path[k], expected)


@pytest.mark.parametrize("name", list(descent.SURFACES))
def test_the_default_learning_rate_goes_downhill(name):
    """Does every surface's default learning rate lower the height without diverging?"""
    spec = descent.SURFACES[name]
    path = descent.descend(spec.fn, spec.start, lr=spec.lr, steps=100)
    assert len(path) == 101
    assert spec.fn(path[-1]) < 0.5 * spec.fn(path[0])


@pytest.mark.parametrize(("name", "lr"), [("elongated bowl", 0.2), ("Rosenbrock", 0.05)])
def test_a_big_learning_rate_diverges_and_says_so(name, lr):
    """Does too large a step stop the walk early and put 'diverged' in the title?"""
    spec = descent.SURFACES[name]
    path = descent.descend(spec.fn, spec.start, lr=lr, steps=200)
    assert len(path) < 201
    fig = descent.draw_descent(name, lr, 200)
    assert "diverged" in fig.axes[0].get_title()


def test_a_walk_that_climbs_is_called_diverging_before_it_leaves_the_window():
    """Is a walk whose height grows labelled as diverging even before it flies off?"""
    fig = descent.draw_descent("elongated bowl", 0.105, 20)
    assert fig.axes[0].get_title().endswith("20 steps, going uphill: diverging")


def test_explorer_draws_its_first_picture_without_a_front_end():
    """Does the explorer produce a figure as soon as it is created (for nbval and grading)?"""
    explorer = widgets.descent_explorer()
    assert isinstance(explorer, ipywidgets.interactive)
    assert explorer.result.axes[0].get_title() == "elongated bowl, lr=0.08: 40 steps"


def test_explorer_redraws_when_a_control_changes():
    """Do the surface, learning rate and steps controls each change the picture?"""
    explorer = widgets.descent_explorer()
    surface, lr, steps = explorer.children[:3]
    steps.value = 10
    assert explorer.result.axes[0].get_title().endswith(": 10 steps")
    lr.value = 0.5
    assert "diverged" in explorer.result.axes[0].get_title()
    surface.value = "Rosenbrock"
    lr.value = 0.001
    assert explorer.result.axes[0].get_title() == "Rosenbrock, lr=0.001: 10 steps"
