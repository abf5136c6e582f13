"""What every explorer shares: the `interactive` that draws a figure, shows it and keeps it."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["explorer"]


def explorer(draw: Callable[..., Figure], **controls: widgets.Widget) -> widgets.interactive:
    """An `ipywidgets.interactive` whose controls are `controls` (name -> widget, in display order)
    and that calls `draw(**values)` whenever one changes.

    In JupyterLab `plt.show()` puts each figure in the explorer's output area (the inline backend
    then closes it, so redraws do not pile up figures). `explorer.result` keeps the last figure, for
    tests and headless runs, where the first picture is drawn once, when the explorer is created.
    """

    def update(**values: object) -> Figure:
        fig = draw(**values)
        plt.show()
        return fig

    return widgets.interactive(update, **controls)
