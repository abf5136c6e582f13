"""The gradient descent explorer: autograd's gradients walking downhill on a 2-D surface."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from course.widgets._base import explorer

__all__ = ["SURFACES", "Surface", "descend", "descent_explorer", "draw_descent"]

# Beyond this distance from the origin a path counts as diverged (and the walk stops).
_DIVERGED = 1e6


@dataclass(frozen=True)
class Surface:
    """A function of two variables to walk down, with where to start and what to show."""

    fn: Callable[[torch.Tensor], torch.Tensor]  # p: (..., 2) -> height (...)
    start: tuple[float, float]  # where the walk begins
    minimum: tuple[float, float]  # where the lowest point is
    xlim: tuple[float, float]  # the window drawn
    ylim: tuple[float, float]
    lr: float  # a learning rate that works, the explorer's default


def _bowl(p: torch.Tensor) -> torch.Tensor:
    # 20 times steeper along y than along x: gradient descent is stable for lr < 2 / 20.
    return 0.5 * p[..., 0] ** 2 + 10.0 * p[..., 1] ** 2


def _rosenbrock(p: torch.Tensor) -> torch.Tensor:
    return (1 - p[..., 0]) ** 2 + 100.0 * (p[..., 1] - p[..., 0] ** 2) ** 2


SURFACES: dict[str, Surface] = {
    "elongated bowl": Surface(_bowl, (-4.0, 1.5), (0.0, 0.0), (-5, 5), (-2.5, 2.5), 0.08),
    "Rosenbrock": Surface(_rosenbrock, (-1.5, 2.0), (1.0, 1.0), (-2, 2), (-1, 3), 0.001),
}


def descend(
    fn: Callable[[torch.Tensor], torch.Tensor],
    start: tuple[float, float],
    *,
    lr: float,
    steps: int,
) -> torch.Tensor:
    """Run `steps` steps of gradient descent on `fn` from `start`, gradients from autograd.

    Returns the path, (k + 1, 2) float64: the start and every point visited. k = steps unless
    the walk diverged (left a disc of radius 1e6 or hit inf/nan), in which case it stops there.
    """
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    path = [p.detach().clone()]
    for _ in range(steps):
        loss = fn(p)
        loss.backward()
        with torch.no_grad():  # the update itself must not become part of the graph
            p -= lr * p.grad
        p.grad = None  # gradients accumulate; clear them before the next backward
        path.append(p.detach().clone())
        if not torch.isfinite(p).all() or p.detach().norm() > _DIVERGED:
            break
    return torch.stack(path)


def _diverged(path: torch.Tensor) -> bool:
    last = path[-1]
    return bool(not torch.isfinite(last).all() or last.norm() > _DIVERGED)


def _heights(surface: Surface, n: int = 150) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs = torch.linspace(*surface.xlim, n, dtype=torch.float64)
    ys = torch.linspace(*surface.ylim, n, dtype=torch.float64)
    grid_x, grid_y = torch.meshgrid(xs, ys, indexing="xy")  # (n, n) each
    z = surface.fn(torch.stack([grid_x, grid_y], dim=-1))
    return grid_x.numpy(), grid_y.numpy(), z.numpy()


def draw_descent(
    surface: str, lr: float, steps: int, *, figsize: tuple[float, float] = (10, 4)
) -> Figure:
    """Draw the contours of `SURFACES[surface]`, the descent path, and the height per step."""
    spec = SURFACES[surface]
    path = descend(spec.fn, spec.start, lr=lr, steps=steps)
    heights = spec.fn(path).numpy()
    fig, (left, right) = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [3, 2]})
    gx, gy, gz = _heights(spec)
    left.contour(gx, gy, np.log1p(gz), levels=20, cmap="viridis", linewidths=0.8)
    left.plot(path[:, 0], path[:, 1], "o-", color="tab:red", markersize=3, linewidth=1)
    left.plot(*spec.start, "s", color="black", label="start")
    left.plot(*spec.minimum, "*", color="gold", markersize=14, markeredgecolor="k", label="minimum")
    left.set_xlim(*spec.xlim)
    left.set_ylim(*spec.ylim)
    left.legend(loc="upper right", fontsize=8)
    taken = len(path) - 1
    if _diverged(path):
        verdict = f"diverged after {taken} steps"
    elif heights[-1] > heights[0]:
        verdict = f"{taken} steps, going uphill: diverging"
    else:
        verdict = f"{taken} steps"
    left.set_title(f"{surface}, lr={lr:.3g}: {verdict}", fontsize=10)
    right.semilogy(np.arange(len(heights)), np.clip(heights, 1e-12, None), color="tab:red")
    right.set_xlabel("step")
    right.set_ylabel("height f(p) (log scale)")
    right.yaxis.set_minor_formatter(NullFormatter())  # their mathtext labels are slow to draw
    right.set_title(f"final height {heights[-1]:.3g}", fontsize=10)
    # fixed margins (in inches) rather than tight_layout, which costs a second per redraw
    width, height = figsize
    fig.subplots_adjust(
        left=0.5 / width, right=1 - 0.2 / width, bottom=0.6 / height, top=1 - 0.4 / height,
        wspace=0.3,
    )  # fmt: skip
    return fig


def descent_explorer(
    surface: str = "elongated bowl", *, lr: float | None = None, steps: int = 40
) -> widgets.interactive:
    """Pick a surface, a learning rate and a number of steps; watch gradient descent walk.

    Too small a learning rate crawls; too large a one zig-zags across the valley and, past a
    limit set by the steepest direction, flies off (diverges).
    """

    return explorer(
        draw_descent,
        surface=widgets.Dropdown(options=list(SURFACES), value=surface, description="surface"),
        lr=widgets.FloatLogSlider(
            value=lr or SURFACES[surface].lr, base=10, min=-4, max=0, step=0.05,
            description="lr", readout_format=".4f",
        ),
        steps=widgets.IntSlider(value=steps, min=1, max=500, description="steps"),
    )  # fmt: skip
