"""Tests for course.widgets.tracing: the branch explorer draws headless, its four versions agree
where they should, and the trace goes wrong exactly across the branch."""

import ipywidgets
import pytest
import torch

from course import widgets
from course.widgets import tracing


def test_branch_flips_inside_the_slider_range():
    """Can the slider reach both sides of the branch?"""
    versions = tracing.branch_versions()
    assert -2.5 < versions.flip_at < 2.5
    assert versions.gate_sum(versions.flip_at) == pytest.approx(0.0, abs=1e-6)


def test_gate_sum_is_what_the_cell_computes():
    """Is gate_sum(s) the sum of linear(x + s) that the gate tests?"""
    versions = tracing.branch_versions()
    linear = versions.models["eager"].linear
    with torch.no_grad():
        actual = float(linear(versions.x + 1.3).sum())
    assert versions.gate_sum(1.3) == pytest.approx(actual, abs=1e-5)


@pytest.mark.parametrize("traced_on", list(tracing.TRACED_ON))
def test_only_the_trace_goes_wrong_and_only_on_the_other_side(traced_on):
    """Do scripted and exported follow eager everywhere, and the trace only on its own side?"""
    versions = tracing.branch_versions(traced_on)
    for shift in [versions.flip_at - 1.0, versions.flip_at + 1.0]:
        x = versions.x + shift
        with torch.no_grad():
            out = {name: m(x, versions.h) for name, m in versions.models.items()}
        torch.testing.assert_close(out["scripted"], out["eager"])
        torch.testing.assert_close(out["exported"], out["eager"])
        traced_side = tracing.TRACED_ON[traced_on] > 0
        agrees = torch.allclose(out["traced"], out["eager"], atol=1e-6)
        assert agrees == ((versions.gate_sum(shift) > 0) == traced_side)


def test_branch_explorer_draws_its_first_picture_without_a_front_end():
    """Does the explorer produce a figure at once, saying whether the trace is wrong?"""
    explorer = widgets.branch_explorer(shift=2.5)
    assert isinstance(explorer, ipywidgets.interactive)
    assert "is WRONG" in explorer.result.axes[0].get_title()


def test_branch_explorer_redraws_when_a_control_changes():
    """Does moving the slider or choosing the other traced side change the verdict?"""
    explorer = widgets.branch_explorer(shift=2.5)
    shift, traced_on = explorer.children[:2]
    traced_on.value = "negate (sum <= 0)"
    assert "traced agrees" in explorer.result.axes[0].get_title()
    shift.value = -2.5
    assert "is WRONG" in explorer.result.axes[0].get_title()
    assert len(explorer.result.axes[1].get_lines()) == 6  # four versions, flip and shift markers
