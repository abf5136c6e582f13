"""The augmentation explorer: random rotations, shifts and zooms applied to handwritten digits.

Small random changes make more training examples that still show the same digit; large ones turn a
6 into a 9 or a 7 into an L. The sliders show where "the same digit" stops.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torchvision.transforms import v2

from course.data import load_digits
from course.utils import one_thread
from course.widgets._base import explorer

__all__ = ["augment_images", "augment_explorer", "draw_augmentations"]

# Beyond this many degrees some digits read as others (6 and 9, 2 and 7 on its side).
SAFE_DEGREES = 20.0


def augment_images(
    images: torch.Tensor,
    *,
    degrees: float,
    translate: float = 0.0,
    scale: tuple[float, float] = (1.0, 1.0),
    seed: int = 0,
) -> torch.Tensor:
    """Apply an independent random affine change to each image.

    images: (N, 1, H, W) float in [0, 1]. Each image is rotated by up to ±`degrees`, shifted by
    up to `translate` of its size and zoomed by a factor drawn from `scale`. Returns (N, 1, H, W).
    The draws come from `seed` alone: the global random state is left as it was.
    """
    transform = v2.RandomAffine(degrees=degrees, translate=(translate, translate), scale=scale)
    with one_thread(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return torch.stack([transform(image) for image in images])  # a fresh draw per image


def _examples(digits: tuple[int, ...], size: int) -> torch.Tensor:
    X, y = load_digits("train")
    firsts = torch.stack([X[(y == d).nonzero()[0, 0]] for d in digits])  # (D, 1, 8, 8)
    return F.interpolate(firsts, size=(size, size), mode="bilinear", align_corners=False)


def draw_augmentations(
    degrees: float,
    translate: float = 0.1,
    zoom: float = 0.1,
    *,
    digits: tuple[int, ...] = (6, 9, 2, 7),
    copies: int = 6,
    seed: int = 0,
) -> Figure:
    """One row per digit: the original (left, boxed) then `copies` random augmentations of it."""
    originals = _examples(digits, 28)  # (D, 1, 28, 28): upscaled so rotations stay readable
    repeated = originals.repeat_interleave(copies, dim=0)
    changed = augment_images(
        repeated, degrees=degrees, translate=translate, scale=(1 - zoom, 1 + zoom), seed=seed
    ).reshape(len(digits), copies, 28, 28)
    fig, axes = plt.subplots(
        len(digits), copies + 1, squeeze=False, figsize=(1.1 * (copies + 1), 1.15 * len(digits))
    )
    for row, digit in enumerate(digits):
        axes[row, 0].imshow(originals[row, 0].numpy(), cmap="gray_r", vmin=0, vmax=1)
        axes[row, 0].set_ylabel(f"a {digit}", rotation=0, labelpad=18)
        for col in range(copies):
            axes[row, col + 1].imshow(changed[row, col].numpy(), cmap="gray_r", vmin=0, vmax=1)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    for spine in axes[0, 0].spines.values():
        spine.set_color("tab:blue")
    verdict = (
        "still the same digits" if degrees <= SAFE_DEGREES else "some no longer read as the label"
    )
    fig.suptitle(f"rotation ±{degrees:.0f}°, shift ±{translate:.2f}, zoom ±{zoom:.2f}: {verdict}")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.02, top=0.88, wspace=0.05, hspace=0.08)
    return fig


def augment_explorer(*, degrees: float = 15.0) -> widgets.interactive:
    """Sliders for rotation, shift and zoom, and a seed for the random draws.

    The same seed gives the same draws, so moving the other sliders changes how far the digits
    turn, shift and zoom while keeping the direction of each change; move the seed slider to see
    other random augmentations.
    """
    return explorer(
        draw_augmentations,
        degrees=widgets.FloatSlider(value=degrees, min=0, max=180, step=5, description="rotate ±°"),
        translate=widgets.FloatSlider(value=0.1, min=0, max=0.4, step=0.02, description="shift"),
        zoom=widgets.FloatSlider(value=0.1, min=0, max=0.5, step=0.05, description="zoom ±"),
        seed=widgets.IntSlider(value=0, min=0, max=20, description="seed"),
    )
