"""Pictures of tensors: matrices with their values, memory layouts, broadcasting and image grids."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

__all__ = ["show_broadcast", "show_images", "show_layout", "show_matrix"]


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def _draw_cells(ax: Axes, values: torch.Tensor, *, colors: Sequence[str] | None = None) -> None:
    """Draw a 2-D grid of boxes labelled with `values` (rows top to bottom)."""
    rows, cols = values.shape
    for r in range(rows):
        for c in range(cols):
            color = colors[r * cols + c] if colors else "#dbe9f6"
            ax.add_patch(Rectangle((c, rows - 1 - r), 1, 1, facecolor=color, edgecolor="black"))
            ax.text(c + 0.5, rows - 0.5 - r, _fmt(values[r, c]), ha="center", va="center")
    ax.set_xlim(-0.1, cols + 0.1)
    ax.set_ylim(-0.1, rows + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")


def _fmt(value: torch.Tensor) -> str:
    number = value.item()
    return f"{number:.2f}" if isinstance(number, float) else str(number)


def show_matrix(t: torch.Tensor, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Draw a 0-, 1- or 2-D tensor as a grid of labelled boxes, with its shape in the title."""
    t = t.detach().cpu()
    grid = t.reshape(1, -1) if t.dim() < 2 else t
    if grid.dim() != 2:
        raise ValueError(f"show_matrix draws at most 2 dimensions, got shape {tuple(t.shape)}")
    fig, ax = _new_axes(ax, (max(2.0, 0.6 * grid.shape[1]), max(1.0, 0.6 * grid.shape[0])))
    _draw_cells(ax, grid)
    ax.set_title(title or f"shape {tuple(t.shape)}")
    return fig


def _palette(n: int) -> list[str]:
    cmap = plt.get_cmap("tab20", max(n, 1))
    return [cmap(i) for i in range(n)]


def show_layout(view: torch.Tensor, *, title: str | None = None) -> Figure:
    """Show how a 2-D (or 1-D) `view` maps onto its storage: each element of the view has the
    colour of the storage slot it reads, and the title gives shape, stride and offset.
    """
    view = view.detach().cpu()
    grid = view.reshape(1, -1) if view.dim() < 2 else view
    if grid.dim() != 2:
        raise ValueError(f"show_layout draws at most 2 dimensions, got {tuple(view.shape)}")
    storage_size = view.untyped_storage().nbytes() // view.element_size()
    storage = torch.empty(0, dtype=view.dtype).set_(view.untyped_storage(), 0, (storage_size,))
    colors = _palette(storage_size)
    rows, cols = grid.shape
    stride = grid.stride()
    offset = view.storage_offset()
    offsets = [offset + r * stride[0] + c * stride[1] for r in range(rows) for c in range(cols)]
    fig, (top, bottom) = plt.subplots(
        2,
        1,
        figsize=(max(4.0, 0.55 * storage_size), 1.2 + 0.6 * rows),
        gridspec_kw={"height_ratios": [1, max(rows, 1)]},
    )
    _draw_cells(top, storage.reshape(1, -1), colors=colors)
    top.set_title(f"storage: {storage_size} elements in one row of memory", fontsize=10)
    _draw_cells(bottom, grid, colors=[colors[o] for o in offsets])
    bottom.set_title(
        title
        or f"view: shape {tuple(view.shape)}, stride {view.stride()}, "
        f"offset {view.storage_offset()}, contiguous={view.is_contiguous()}",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def show_broadcast(a_shape: Sequence[int], b_shape: Sequence[int]) -> Figure:
    """Line up two shapes from the right, as broadcasting does, and show the result or the clash."""
    width = max(len(a_shape), len(b_shape))
    a = [None] * (width - len(a_shape)) + list(a_shape)
    b = [None] * (width - len(b_shape)) + list(b_shape)
    try:
        out = list(torch.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    except RuntimeError:
        out = None
    fig, ax = plt.subplots(figsize=(1.2 * width + 1.5, 2.2))
    for row, (label, dims) in enumerate([("a", a), ("b", b), ("result", out or [None] * width)]):
        y = 2 - row
        ax.text(-0.2, y + 0.5, label, ha="right", va="center")
        for col, dim in enumerate(dims):
            clash = out is None and a[col] not in (None, 1) and b[col] not in (None, 1, a[col])
            color = "#f4b6b6" if clash else ("#eeeeee" if dim in (None, 1) else "#dbe9f6")
            ax.add_patch(Rectangle((col, y), 1, 1, facecolor=color, edgecolor="black"))
            text = "" if dim is None else str(dim)
            ax.text(col + 0.5, y + 0.5, text if out or row < 2 else "✗", ha="center", va="center")
    verdict = f"broadcast to {tuple(out)}" if out is not None else "cannot broadcast"
    ax.set_title(f"{tuple(a_shape)} with {tuple(b_shape)}: {verdict}")
    ax.set_xlim(-1.2, width + 0.1)
    ax.set_ylim(-0.1, 3.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def show_images(
    images: torch.Tensor,
    labels: Sequence[object] | None = None,
    *,
    ncols: int = 8,
    cmap: str = "gray_r",
    vmin: float | None = None,
    vmax: float | None = None,
) -> Figure:
    """Show a batch of images in a grid. images: (N, H, W) or (N, C, H, W); labels: N titles.

    `vmin`/`vmax` fix the value range shared by every panel (default: each image its own range).
    """
    images = torch.as_tensor(images).detach().cpu()  # a NumPy batch is welcome too
    if images.dim() not in (3, 4):
        raise ValueError(
            f"show_images: expected a batch of images (N, H, W) or (N, C, H, W), got shape "
            f"{tuple(images.shape)} (one image? add a batch dimension: x[None])"
        )
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"show_images: ncols must be a whole number 1 or more, got {ncols!r}")
    if labels is not None and len(labels) != images.shape[0]:
        raise ValueError(
            f"show_images: {len(labels)} labels for {images.shape[0]} images; give one each"
        )
    if images.dim() == 4:
        images = images.permute(0, 2, 3, 1)  # matplotlib wants channels last
        if images.shape[-1] == 1:
            images = images[..., 0]
    n = images.shape[0]
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.2 * ncols, 1.3 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i].numpy(), cmap=cmap, vmin=vmin, vmax=vmax)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=9)
    fig.tight_layout()
    return fig
