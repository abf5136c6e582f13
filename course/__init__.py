"""Helpers for the PyTorch course notebooks: data, pictures, explorers, training and checks.

Lessons import the modules they need, e.g. `from course import checks, plot, utils`. Modules load
on first use, so a lesson does not pay for torchvision or ONNX helpers it never touches. The
checks and the setup helpers (`course.checks.__all__`, `course.utils.__all__`) are also names of
the package itself: `course.assert_close`, `course.seed_everything`.
"""

import importlib
import pkgutil
from types import ModuleType

from course import checks, utils
from course.checks import *  # noqa: F403 - the names listed in checks.__all__
from course.utils import *  # noqa: F403 - the names listed in utils.__all__

# every module of the package, found on disk, so a new module needs no entry here
_MODULES = sorted(
    m.name
    for m in pkgutil.iter_modules(__path__)  # noqa: F405 - the package's own __path__
    if not m.name.startswith("_")
)


def __getattr__(name: str) -> ModuleType:
    if name in _MODULES:
        return importlib.import_module(f"course.{name}")
    raise AttributeError(f"module 'course' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES})


__all__ = sorted({*checks.__all__, *utils.__all__, *_MODULES})
