"""Tests for course.widgets.augment: seeded per-image augmentations and a headless explorer."""

import ipywidgets
import torch
from matplotlib.figure import Figure

from course import widgets
from course.widgets import augment


def test_augment_is_seeded_per_image_and_leaves_global_rng_alone():
    """Same seed, same result; each image gets its own draw; torch's global stream is untouched."""
    images = torch.zeros(5, 1, 12, 12)
    images[:, :, 3:9, 5:7] = 1.0  # the same vertical bar in every image
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    first = augment.augment_images(images, degrees=60, translate=0.1, seed=4)
    assert torch.equal(torch.rand(1), expected_next)
    assert first.shape == images.shape
    assert torch.equal(first, augment.augment_images(images, degrees=60, translate=0.1, seed=4))
    assert not torch.equal(first[0], first[1])  # independent draws, not one for the batch


def test_zero_augmentation_is_identity():
    images = torch.rand(3, 1, 8, 8)
    assert torch.allclose(augment.augment_images(images, degrees=0), images)


def test_draw_augmentations_grid_and_verdict():
    """One row per digit, original plus copies; large angles are flagged."""
    fig = augment.draw_augmentations(10, digits=(6, 9), copies=3)
    assert isinstance(fig, Figure) and len(fig.axes) == 2 * 4
    assert "same digits" in fig._suptitle.get_text()
    assert "no longer" in augment.draw_augmentations(90, digits=(6,), copies=2)._suptitle.get_text()


def test_augment_explorer_draws_once_headless():
    explorer = widgets.augment_explorer(degrees=30)
    assert isinstance(explorer, ipywidgets.interactive)
    assert isinstance(explorer.result, Figure)
    assert set(explorer.kwargs) == {"degrees", "translate", "zoom", "seed"}
    assert explorer.kwargs["degrees"] == 30
