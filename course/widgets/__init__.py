"""Interactive explorers for the lessons, built on ipywidgets, one module per topic.

Each explorer is an `ipywidgets.interactive`: in JupyterLab its controls redraw the picture; with no
front end attached (nbval, autograding) it still draws its first picture once, so the notebook runs
headless, and `explorer.result` holds the last figure drawn. Modules load on first use.
"""

import importlib
from typing import Any

# where each public name lives
_NAMES = {
    "SURFACES": "descent",
    "VIEW_OPERATIONS": "strides",
    "augment_explorer": "augment",
    "augment_images": "augment",
    "branch_explorer": "tracing",
    "branch_versions": "tracing",
    "conv_explorer": "conv",
    "descend": "descent",
    "descent_explorer": "descent",
    "draw_augmentations": "augment",
    "draw_branches": "tracing",
    "draw_conv": "conv",
    "draw_descent": "descent",
    "draw_interpolation": "latent",
    "draw_loss_scaling": "precision",
    "draw_shards": "sharding",
    "draw_training": "training",
    "draw_view": "strides",
    "float16_fate": "precision",
    "interpolate": "latent",
    "latent_code": "latent",
    "latent_explorer": "latent",
    "loss_scaling_explorer": "precision",
    "quick_train": "training",
    "shard_explorer": "sharding",
    "shard_table": "sharding",
    "stride_explorer": "strides",
    "torch_conv_output_size": "conv",
    "training_explorer": "training",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(importlib.import_module(f"course.widgets.{_NAMES[name]}"), name)
    raise AttributeError(f"module 'course.widgets' has no attribute {name!r}")
