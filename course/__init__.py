"""Helpers for the PyTorch course notebooks: data, pictures, explorers, training and checks.

Lessons import the modules they need, e.g. `from course import checks, plot, utils`. Modules load
on first use, so a lesson does not pay for torchvision or ONNX helpers it never touches.
"""

import importlib
from types import ModuleType

from course.checks import (
    assert_close,
    assert_device,
    assert_dtype,
    assert_equal,
    assert_grad_close,
    assert_gradcheck,
    assert_requires_grad,
    assert_shape,
    assert_tensor,
    assert_vectorised,
)
from course.utils import Timer, get_device, seed_everything, time_it

_MODULES = (
    "checks",
    "data",
    "deploy",
    "distributed",
    "gan",
    "graph",
    "perf",
    "plot",
    "summary",
    "train",
    "utils",
    "widgets",
)


def __getattr__(name: str) -> ModuleType:
    if name in _MODULES:
        return importlib.import_module(f"course.{name}")
    raise AttributeError(f"module 'course' has no attribute {name!r}")


__all__ = [
    "Timer",
    "assert_close",
    "assert_device",
    "assert_dtype",
    "assert_equal",
    "assert_grad_close",
    "assert_gradcheck",
    "assert_requires_grad",
    "assert_shape",
    "assert_tensor",
    "assert_vectorised",
    "checks",
    "data",
    "deploy",
    "distributed",
    "gan",
    "get_device",
    "graph",
    "perf",
    "plot",
    "seed_everything",
    "summary",
    "time_it",
    "train",
    "utils",
    "widgets",
]
