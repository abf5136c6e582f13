"""Tests for course.plot: each picture draws what its title says."""

import pytest
import torch

from course import plot


def test_show_matrix_labels_every_element():
    """Does each element of a 2-D tensor get a box with its value?"""
    fig = plot.show_matrix(torch.arange(6).reshape(2, 3))
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["0", "1", "2", "3", "4", "5"]
    assert fig.axes[0].get_title() == "shape (2, 3)"


def test_show_matrix_rejects_more_than_two_dimensions():
    """Is a 3-D tensor refused with its shape in the message?"""
    with pytest.raises(ValueError, match=r"\(2, 2, 2\)"):
        plot.show_matrix(torch.zeros(2, 2, 2))


def test_show_layout_maps_view_elements_to_storage_slots():
    """Does a transposed view read the storage slots its strides say?"""
    x = torch.arange(6).reshape(2, 3)
    fig = plot.show_layout(x.t())
    storage_ax, view_ax = fig.axes
    assert [t.get_text() for t in storage_ax.texts] == [str(i) for i in range(6)]
    assert [t.get_text() for t in view_ax.texts] == ["0", "3", "1", "4", "2", "5"]
    assert "stride (1, 3)" in view_ax.get_title() and "contiguous=False" in view_ax.get_title()
    # each view box has the colour of the storage slot holding the same value
    slot_color = {
        t.get_text(): p.get_facecolor()
        for t, p in zip(storage_ax.texts, storage_ax.patches, strict=True)
    }
    for text, patch in zip(view_ax.texts, view_ax.patches, strict=True):
        assert patch.get_facecolor() == slot_color[text.get_text()]


def test_show_layout_of_a_slice_reports_its_offset():
    """Does a slice that starts mid-storage report a non-zero offset?"""
    fig = plot.show_layout(torch.arange(12).reshape(3, 4)[1:, 1:])
    assert "offset 5" in fig.axes[1].get_title()


@pytest.mark.parametrize(
    ("a", "b", "verdict"),
    [
        ((3, 1), (4,), "broadcast to (3, 4)"),
        ((2, 3), (4,), "cannot broadcast"),
        ((5, 1, 4), (3, 1), "broadcast to (5, 3, 4)"),
    ],
)
def test_show_broadcast_states_the_result(a, b, verdict):
    """Does the broadcast picture agree with torch.broadcast_shapes?"""
    fig = plot.show_broadcast(a, b)
    assert verdict in fig.axes[0].get_title()


def test_show_images_draws_one_panel_per_image():
    """Are N images drawn with their labels, for both (N, H, W) and (N, 1, H, W)?"""
    fig = plot.show_images(torch.rand(5, 1, 8, 8), labels=list("abcde"), ncols=3)
    titled = [ax.get_title() for ax in fig.axes if ax.images]
    assert titled == list("abcde")
    fig = plot.show_images(torch.rand(2, 8, 8))
    assert sum(bool(ax.images) for ax in fig.axes) == 2


def test_show_images_can_share_one_value_range():
    """With vmin/vmax, does every panel use the same colour scale instead of its own?"""
    fig = plot.show_images(torch.rand(3, 8, 8) * 0.5, vmin=-1.0, vmax=1.0)
    limits = {ax.images[0].get_clim() for ax in fig.axes if ax.images}
    assert limits == {(-1.0, 1.0)}
