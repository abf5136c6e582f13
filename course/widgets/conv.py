"""The convolution explorer: how kernel, stride, padding and dilation set a conv output's size.

The picture shows the zero-padded input, the cells that one window reads (its taps) and the
output cell that window produces. Output sizes come from running a real convolution on a dummy
input, so the explorer checks the formula the lesson teaches (and writing that formula is lesson
03's first exercise).
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from course.widgets._base import explorer

__all__ = ["conv_explorer", "draw_conv", "torch_conv_output_size"]

_PAD, _INPUT, _TAP, _OUT, _HIT = "#eeeeee", "#dbe9f6", "#f5a65b", "#e8f2d8", "#8cc063"


def torch_conv_output_size(
    size: int, kernel: int, *, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Ask PyTorch: the output width of `nn.functional.conv2d` on a (1, 1, size, size) input.

    Returns 0 when PyTorch refuses because the (dilated) kernel is larger than the padded input.
    """
    x = torch.zeros(1, 1, size, size)
    weight = torch.zeros(1, 1, kernel, kernel)
    try:
        y = torch.nn.functional.conv2d(x, weight, stride=stride, padding=padding, dilation=dilation)
    except RuntimeError:
        return 0
    return y.shape[-1]


def _window_origin(index: int, out: int, stride: int) -> tuple[int, int]:
    """Top-left corner (row, col) in padded coordinates of output cell `index` (reading order)."""
    row, col = divmod(index, out)
    return row * stride, col * stride


def _draw_input(ax: Axes, size: int, padding: int, taps: set[tuple[int, int]]) -> None:
    side = size + 2 * padding
    for r in range(side):
        for c in range(side):
            inside = padding <= r < padding + size and padding <= c < padding + size
            color = _TAP if (r, c) in taps else (_INPUT if inside else _PAD)
            ax.add_patch(Rectangle((c, side - 1 - r), 1, 1, facecolor=color, edgecolor="grey"))
            if not inside:
                ax.text(c + 0.5, side - 0.5 - r, "0", ha="center", va="center", fontsize=7)
    _frame(ax, side)


def _draw_output(ax: Axes, out: int, hit: tuple[int, int]) -> None:
    for r in range(out):
        for c in range(out):
            color = _HIT if (r, c) == hit else _OUT
            ax.add_patch(Rectangle((c, out - 1 - r), 1, 1, facecolor=color, edgecolor="grey"))
    _frame(ax, out)


def _frame(ax: Axes, side: int) -> None:
    ax.set_xlim(-0.2, side + 0.2)
    ax.set_ylim(-0.2, side + 0.2)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_conv(
    size: int,
    kernel: int,
    *,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    window: int = 0,
) -> Figure:
    """Draw a square `size` x `size` input, zero-padded, with the taps of one kernel window, and
    the output grid with the cell that window computes.

    `window` numbers the output cells in reading order; it is clipped to the last one. The title
    gives the formula with these numbers and the width `nn.functional.conv2d` really returns.
    """
    out = torch_conv_output_size(size, kernel, stride=stride, padding=padding, dilation=dilation)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(8, 4.2), gridspec_kw={"width_ratios": [size + 2 * padding, max(out, 1)]}
    )
    formula = f"out = ⌊({size} + 2·{padding} − {dilation}·({kernel}−1) − 1) / {stride}⌋ + 1"
    if out < 1:
        _draw_input(left, size, padding, set())
        left.set_title("input (grey: zero padding)", fontsize=10)
        right.axis("off")
        right.text(0.5, 0.5, "the kernel does not fit:\nno output", ha="center", va="center")
        fig.suptitle(f"{formula} < 1   (nn.Conv2d raises an error)", fontsize=11)
        return fig
    window = min(max(window, 0), out * out - 1)
    top, left_col = _window_origin(window, out, stride)
    taps = {
        (top + i * dilation, left_col + j * dilation) for i in range(kernel) for j in range(kernel)
    }
    _draw_input(left, size, padding, taps)
    left.set_title(
        f"input {size}×{size}, padding {padding} (orange: the window's taps)", fontsize=9
    )
    _draw_output(right, out, divmod(window, out))
    right.set_title(f"output {out}×{out}", fontsize=10)
    fig.suptitle(f"{formula} = {out}   (what nn.Conv2d gives)", fontsize=11)
    return fig


def conv_explorer(
    size: int = 7, kernel: int = 3, stride: int = 1, padding: int = 0, dilation: int = 1
) -> widgets.interactive:
    """Move the sliders for input size, kernel, stride, padding and dilation; see the padded input,
    the taps of one window (pick which with `window`) and the output size from the formula, next
    as a real `nn.Conv2d` returns it.
    """

    sliders = {
        "size": widgets.IntSlider(value=size, min=1, max=12, description="input size"),
        "kernel": widgets.IntSlider(value=kernel, min=1, max=7, description="kernel"),
        "stride": widgets.IntSlider(value=stride, min=1, max=4, description="stride"),
        "padding": widgets.IntSlider(value=padding, min=0, max=3, description="padding"),
        "dilation": widgets.IntSlider(value=dilation, min=1, max=3, description="dilation"),
        "window": widgets.IntSlider(value=0, min=0, max=143, description="window"),
    }
    conv = explorer(draw_conv, **sliders)

    def limit_window(_change: object = None) -> None:
        """Let the window slider reach exactly the output cells that exist."""
        options = {k: sliders[k].value for k in ("stride", "padding", "dilation")}
        out = torch_conv_output_size(sliders["size"].value, sliders["kernel"].value, **options)
        sliders["window"].max = max(out, 1) ** 2 - 1

    for name in ("size", "kernel", "stride", "padding", "dilation"):
        sliders[name].observe(limit_window, names="value")
    limit_window()
    return conv
