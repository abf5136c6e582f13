"""Tests for the course package itself: its public names, and that importing it stays cheap."""

import importlib
import pkgutil
import re
import subprocess
import sys

import pytest

import course
from course import checks, utils


def test_checks_and_setup_helpers_are_names_of_the_package():
    """Is every name in `course.checks.__all__` and `course.utils.__all__` also `course.NAME`
    (the same object) and in `course.__all__`?"""
    for module in (checks, utils):
        for name in module.__all__:
            assert getattr(course, name) is getattr(module, name), f"course.{name}"
            assert name in course.__all__, f"{name} missing from course.__all__"


def test_every_module_is_reachable_as_an_attribute():
    """Does `course.NAME` load each module on disk (course/NAME.py or course/NAME/)?"""
    modules = [m.name for m in pkgutil.iter_modules(course.__path__) if m.name[0] != "_"]
    assert {"checks", "train", "widgets"} <= set(modules)
    for name in modules:
        assert getattr(course, name) is importlib.import_module(f"course.{name}")
        assert name in course.__all__


def test_importing_course_loads_no_heavy_helper():
    """Does `import course` leave torchvision, ONNX, ipywidgets and matplotlib unloaded until a
    lesson uses a module that needs them? (A fresh interpreter, so nothing is loaded already.)"""
    heavy = ["torchvision", "onnx", "onnxruntime", "ipywidgets", "matplotlib", "course.widgets"]
    code = f"import sys, course; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


WRONG_ARGUMENTS = [
    ("data.digits_as_mnist(train='test')", TypeError, "takes True (the training split) or False"),
    ("utils.time_it(print, repeat=0)", ValueError, "repeat must be a whole number 1 or more"),
    ("utils.seed_everything('abc')", ValueError, "seed must be a whole number"),
    ("plot.show_images(torch.zeros(4, 8, 8), ncols=0)", ValueError, "ncols must be"),
    ("plot.show_images(torch.zeros(4, 8, 8), labels=[1, 2])", ValueError, "2 labels for 4"),
    ("plot.show_images(torch.zeros(8, 8))", ValueError, "add a batch dimension"),
    ("checks.assert_dtype(torch.zeros(2), 'float32')", TypeError, "must be a torch.dtype"),
    ("checks.assert_shape(torch.zeros(2), 2)", TypeError, "shape must be a tuple"),
    ("checks.assert_close(torch.zeros(2), None)", TypeError, "expected must be a tensor"),
    ("checks.assert_close(torch.zeros(2), torch.zeros(2), rtol=-1)", ValueError, "0 or more"),
]


@pytest.mark.parametrize(("call", "error", "words"), WRONG_ARGUMENTS,
                         ids=[call for call, _, _ in WRONG_ARGUMENTS])
def test_wrong_arguments_to_the_helpers_say_what_is_wrong(call, error, words):
    """Does each helper refuse a wrong argument with an error that names it, instead of a
    result for another argument or an error from deep inside a library?"""
    import torch

    from course import checks, data, plot, utils

    names = {"torch": torch, "checks": checks, "data": data, "plot": plot, "utils": utils}
    with pytest.raises(error, match=re.escape(words)):
        eval(call, names)


def test_a_device_this_machine_lacks_is_refused_at_once(monkeypatch):
    """Is get_device('cuda') on a machine without a GPU an error there, not a later surprise?"""
    import torch

    from course import utils

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="no usable cuda device"):
        utils.get_device("cuda")
