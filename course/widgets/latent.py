"""The latent explorer: walk in a straight line between two latent codes of a trained generator."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import nn

from course.widgets._base import explorer

__all__ = ["draw_interpolation", "interpolate", "latent_code", "latent_explorer"]


def latent_code(seed: int, z_dim: int) -> torch.Tensor:
    """The latent code (z_dim,) drawn from N(0, I) by a generator seeded with `seed`."""
    return torch.randn(z_dim, generator=torch.Generator().manual_seed(seed))


def interpolate(z_a: torch.Tensor, z_b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Points (len(t), z_dim) on the line from z_a (z_dim,) at t = 0 to z_b at t = 1."""
    t = t.reshape(-1, 1).to(z_a.dtype)
    return (1 - t) * z_a + t * z_b


@torch.no_grad()
def _decode(G: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """G(z) without a graph, on the CPU; G is used in the mode it is in (put it in eval first)."""
    return G(z.to(next(G.parameters()).device)).cpu()


@torch.no_grad()
def _labels(classifier: nn.Module, images: torch.Tensor) -> list[str]:
    """'digit (confidence)' for each image, as `classifier` sees it."""
    classifier.eval()
    probs = torch.softmax(classifier(images.to(next(classifier.parameters()).device)), dim=1)
    return [f"{int(p.argmax())} ({p.max():.0%})" for p in probs.cpu()]


def draw_interpolation(
    G: nn.Module,
    z_a: torch.Tensor,
    z_b: torch.Tensor,
    t: float,
    *,
    steps: int = 9,
    classifier: nn.Module | None = None,
) -> Figure:
    """Top: G along the line from z_a to z_b in `steps` images. Bottom: G at the point `t`.

    G maps (N, z_dim) to square images in [-1, 1], e.g. (N, 1, 8, 8) or (N, 64); it runs in the
    mode it is in, so call `G.eval()` first when it has dropout or batch norm. With a
    `classifier` (taking G's images), each image is titled with its predicted digit.
    """
    ts = torch.cat([torch.linspace(0, 1, steps), torch.tensor([t])])
    output = _decode(G, interpolate(z_a, z_b, ts))
    titles = [""] * len(ts) if classifier is None else _labels(classifier, output)
    side = int(round(output[0].numel() ** 0.5))
    images = output.reshape(len(ts), side, side)
    fig = plt.figure(figsize=(1.1 * steps, 4.0))
    grid = fig.add_gridspec(2, steps, height_ratios=[1, 2.2])
    for i in range(steps):
        ax = fig.add_subplot(grid[0, i])
        ax.imshow(images[i].numpy(), cmap="gray_r", vmin=-1, vmax=1)
        ax.set_title(f"t={ts[i]:.2f}\n{titles[i]}", fontsize=8)
        ax.axis("off")
    big = fig.add_subplot(grid[1, steps // 2 - 1 : steps // 2 + 2])
    big.imshow(images[-1].numpy(), cmap="gray_r", vmin=-1, vmax=1)
    big.set_title(f"G((1 - t) z_a + t z_b) at t = {t:.2f}   {titles[-1]}", fontsize=10)
    big.axis("off")
    return fig


def latent_explorer(
    G: nn.Module,
    *,
    z_dim: int,
    classifier: nn.Module | None = None,
    seed_a: int = 0,
    seed_b: int = 1,
    steps: int = 9,
) -> widgets.interactive:
    """Pick two latent codes by their seeds and slide `t` from one to the other (G in eval mode).

    A generator that learned a smooth map turns the straight line between z_a and z_b into a
    gradual morph from one digit to another; sudden jumps show where the map folds.
    """

    def draw(seed_a: int, seed_b: int, t: float) -> Figure:
        z_a, z_b = latent_code(seed_a, z_dim), latent_code(seed_b, z_dim)
        return draw_interpolation(G, z_a, z_b, t, steps=steps, classifier=classifier)

    return explorer(
        draw,
        seed_a=widgets.IntSlider(value=seed_a, min=0, max=99, description="seed of z_a"),
        seed_b=widgets.IntSlider(value=seed_b, min=0, max=99, description="seed of z_b"),
        t=widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="t"),
    )
