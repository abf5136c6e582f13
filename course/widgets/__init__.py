"""Interactive explorers for the lessons, built on ipywidgets, one module per topic.

Each explorer is an `ipywidgets.interactive`: in JupyterLab its controls redraw the picture; with no
front end attached (nbval, autograding) it still draws its first picture once, so the notebook runs
headless, and `explorer.result` holds the last figure drawn.
"""

from course.widgets.conv import conv_explorer, conv_output_size, draw_conv
from course.widgets.descent import SURFACES, descend, descent_explorer, draw_descent
from course.widgets.strides import VIEW_OPERATIONS, draw_view, stride_explorer
from course.widgets.tracing import branch_explorer, branch_versions, draw_branches

__all__ = [
    "SURFACES",
    "VIEW_OPERATIONS",
    "branch_explorer",
    "branch_versions",
    "conv_explorer",
    "conv_output_size",
    "descend",
    "descent_explorer",
    "draw_branches",
    "draw_conv",
    "draw_descent",
    "draw_view",
    "stride_explorer",
]
