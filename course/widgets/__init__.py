"""Interactive explorers for the lessons, built on ipywidgets, one module per topic.

Each explorer is an `ipywidgets.interactive`: in JupyterLab its controls redraw the picture; with no
front end attached (nbval, autograding) it still draws its first picture once, so the notebook runs
headless, and `explorer.result` holds the last figure drawn.
"""

from course.widgets.augment import augment_explorer, augment_images, draw_augmentations
from course.widgets.conv import conv_explorer, conv_output_size, draw_conv
from course.widgets.descent import SURFACES, descend, descent_explorer, draw_descent
from course.widgets.latent import draw_interpolation, interpolate, latent_code, latent_explorer
from course.widgets.strides import VIEW_OPERATIONS, draw_view, stride_explorer
from course.widgets.tracing import branch_explorer, branch_versions, draw_branches
from course.widgets.training import draw_training, quick_train, training_explorer

__all__ = [
    "SURFACES",
    "VIEW_OPERATIONS",
    "augment_images",
    "augment_explorer",
    "branch_explorer",
    "branch_versions",
    "conv_explorer",
    "conv_output_size",
    "descend",
    "descent_explorer",
    "draw_augmentations",
    "draw_branches",
    "draw_conv",
    "draw_descent",
    "draw_interpolation",
    "draw_training",
    "draw_view",
    "interpolate",
    "latent_code",
    "latent_explorer",
    "quick_train",
    "stride_explorer",
    "training_explorer",
]
