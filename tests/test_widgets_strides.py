"""Tests for course.widgets.strides: the stride explorer draws at once and redraws on a change."""

import ipywidgets
import pytest

from course import widgets


def test_stride_explorer_draws_its_first_picture_without_a_front_end():
    """Does the explorer produce a figure as soon as it is created (for nbval and grading)?"""
    explorer = widgets.stride_explorer()
    assert isinstance(explorer, ipywidgets.interactive)
    assert "stride (1, 4)" in explorer.result.axes[1].get_title()


def test_stride_explorer_redraws_when_a_control_changes():
    """Does choosing another view or shape change the picture?"""
    explorer = widgets.stride_explorer()
    rows, cols, operation = explorer.children[:3]
    operation.value = "x.t().contiguous()"
    assert "a new copy" in explorer.result._suptitle.get_text()
    cols.value = 5
    assert "shape (5, 3)" in explorer.result.axes[1].get_title()


@pytest.mark.parametrize("operation", list(widgets.VIEW_OPERATIONS))
@pytest.mark.parametrize("shape", [(2, 2), (5, 6)])
def test_every_view_operation_draws_at_every_shape(operation, shape):
    """Can every choice in the dropdown be drawn at the smallest and largest shapes?"""
    fig = widgets.draw_view(*shape, operation)
    shares = "shares memory" in fig._suptitle.get_text()
    assert shares == (operation != "x.t().contiguous()")
