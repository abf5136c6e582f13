"""Tests for course.widgets itself: every public name is reachable, and the shared explorer."""

import importlib
import pkgutil

import ipywidgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

import course.widgets
from course.widgets._base import explorer


def widget_modules() -> list[str]:
    return [m.name for m in pkgutil.iter_modules(course.widgets.__path__) if m.name[0] != "_"]


def test_every_public_name_of_every_widget_module_is_reachable():
    """Is each name in a widget module's `__all__` also `course.widgets.NAME`, the same object,
    and listed in `course.widgets.__all__` (nothing more)?"""
    expected = {}
    for name in widget_modules():
        module = importlib.import_module(f"course.widgets.{name}")
        expected.update({public: getattr(module, public) for public in module.__all__})
    unreachable = [n for n in expected if getattr(course.widgets, n, None) is not expected[n]]
    assert unreachable == [], f"not reachable as course.widgets.NAME: {unreachable}"
    assert sorted(course.widgets.__all__) == sorted(expected)


def test_an_unknown_name_raises_attribute_error():
    """Does a typo give the usual AttributeError (so hasattr and tab completion work)?"""
    assert not hasattr(course.widgets, "no_such_explorer")
    assert "stride_explorer" in dir(course.widgets)


def test_explorer_draws_once_at_creation_and_redraws_on_a_change():
    """Does the shared explorer call `draw` with the controls' values, keep the figure as
    `result`, and draw again with the new value when a control moves?"""
    calls = []

    def draw(size: int, label: str) -> Figure:
        calls.append((size, label))
        fig, ax = plt.subplots()
        ax.set_title(f"{label} {size}")
        return fig

    size = ipywidgets.IntSlider(value=2, min=1, max=5)
    label = ipywidgets.Dropdown(options=["a", "b"], value="a")
    shown = explorer(draw, size=size, label=label)
    assert isinstance(shown, ipywidgets.interactive)
    assert calls == [(2, "a")] and shown.result.axes[0].get_title() == "a 2"
    assert list(shown.children[:2]) == [size, label]  # controls in the order given
    size.value = 4
    assert calls[-1] == (4, "a") and shown.result.axes[0].get_title() == "a 4"
