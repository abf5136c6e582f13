"""Interactive explorers for the lessons, built on ipywidgets, one module per topic.

Each explorer is an `ipywidgets.interactive`: in JupyterLab its controls redraw the picture; with no
front end attached (nbval, autograding) it still draws its first picture once, so the notebook runs
headless, and `explorer.result` holds the last figure drawn. Modules load on first use: every name
in a module's `__all__` is also `course.widgets.NAME`, found by reading the module's source (not
importing it), so a new explorer needs no entry here.
"""

import ast
import importlib
import pkgutil
from pathlib import Path
from typing import Any


def _public_names(module: str) -> list[str]:
    """The `__all__` list of course/widgets/<module>.py, read from its source."""
    tree = ast.parse(Path(__path__[0], f"{module}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return list(ast.literal_eval(node.value))
    return []


# where each public name lives: name -> module
_NAMES = {
    name: module.name
    for module in pkgutil.iter_modules(__path__)
    if not module.name.startswith("_")
    for name in _public_names(module.name)
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(importlib.import_module(f"course.widgets.{_NAMES[name]}"), name)
    raise AttributeError(f"module 'course.widgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_NAMES})
