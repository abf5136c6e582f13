"""Tests for the course package itself: its public names, and that importing it stays cheap."""

import importlib
import pkgutil
import subprocess
import sys

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
