"""The stride explorer: how indexing and view operations map a tensor onto its storage."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import torch
from matplotlib.figure import Figure

from course import plot
from course.widgets._base import explorer

__all__ = ["VIEW_OPERATIONS", "draw_view", "stride_explorer"]

# Each entry turns the base tensor x (rows, cols) into a view, copy or expansion of it.
VIEW_OPERATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "x": lambda x: x,
    "x.t()": lambda x: x.t(),
    "x[:, 1:]": lambda x: x[:, 1:],
    "x[::2]": lambda x: x[::2],
    "x[1:, ::2]": lambda x: x[1:, ::2],
    "x[0]": lambda x: x[0],
    "x[:, 0]": lambda x: x[:, 0],
    "x.reshape(cols, rows)": lambda x: x.reshape(x.shape[1], x.shape[0]),
    "x.t().contiguous()": lambda x: x.t().contiguous(),
    "x[:1].expand(rows, cols)": lambda x: x[:1].expand(x.shape[0], x.shape[1]),
}


def draw_view(rows: int, cols: int, operation: str) -> Figure:
    """Draw `operation` applied to `x = torch.arange(rows * cols).reshape(rows, cols)`."""
    x = torch.arange(rows * cols).reshape(rows, cols)
    view = VIEW_OPERATIONS[operation](x)
    shares = view.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    fig = plot.show_layout(view)
    fig.suptitle(
        f"{operation}: {'shares memory with x' if shares else 'a new copy of the data'}",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def stride_explorer(rows: int = 3, cols: int = 4) -> widgets.interactive:
    """Pick a shape and an indexing or view operation; see which storage slot each element reads.

    Colours match storage slots, so a view that only changes strides keeps every colour, and a
    copy gets a storage of its own.
    """

    return explorer(
        draw_view,
        rows=widgets.IntSlider(value=rows, min=2, max=5, description="rows"),
        cols=widgets.IntSlider(value=cols, min=2, max=6, description="cols"),
        operation=widgets.Dropdown(
            options=list(VIEW_OPERATIONS), value="x.t()", description="view"
        ),
    )
