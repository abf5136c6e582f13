"""Does `course` answer any exercise? The package may help a student, never do the exercise.

For every exercise of every lesson in solutions/, each name the model answer defines (a function or
a class) is replaced by a thin wrapper around a public callable of `course` or `course.widgets`
that can be called the same way, and the exercise's full test cell (hidden tests included) runs.
It must fail for every such wrapper: a wrapper that passes means the package holds the answer.

Kept fast by cheap filters: only callables whose signature accepts the answer's required
arguments are tried, each trial has a time limit, and the lesson's setup cell runs once.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import pkgutil
import signal
import socket
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import matplotlib.pyplot as plt
import pytest

from autograder.submissions import answers_of, exercises
from conftest import LESSONS, read_source_notebook

TRIAL_SECONDS = 3.0


class TrialTimeout(Exception):
    """A trial ran past TRIAL_SECONDS (a training helper called with the wrong arguments)."""


def course_modules() -> list[Any]:
    """`course`, `course.widgets` and every public module inside them."""
    found = []
    for package_name in ("course", "course.widgets"):
        package = importlib.import_module(package_name)
        found.append(package)
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                found.append(importlib.import_module(f"{package_name}.{info.name}"))
    return found


def course_callables() -> dict[str, Callable[..., Any]]:
    """Every public function or class defined in `course`, by dotted name (each once)."""
    found: dict[str, Callable[..., Any]] = {}
    seen: set[int] = set()
    for module in course_modules():
        for name in getattr(module, "__all__", dir(module)):
            obj = getattr(module, name, None)
            if id(obj) not in seen and _is_public_course_callable(name, obj):
                seen.add(id(obj))
                found[f"{module.__name__}.{name}"] = obj
    return found


def _is_public_course_callable(name: str, obj: Any) -> bool:
    """A function or class of `course` (not one it imported from elsewhere, like `torch`)."""
    if name.startswith("_") or not callable(obj) or inspect.ismodule(obj):
        return False
    return getattr(obj, "__module__", "").startswith("course")


def defined_names(answer: str) -> dict[str, ast.AST]:
    """The top-level functions and classes an answer cell defines."""
    return {
        node.name: node
        for node in ast.parse(answer).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }


def required_call(node: ast.AST) -> tuple[int, list[str]]:
    """How the answer is called at least: (required positional arguments, required keywords)."""
    if isinstance(node, ast.ClassDef):
        init = next(
            (n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"),
            None,
        )
        if init is None:
            return 0, []
        args, skip = init.args, 1  # self
    else:
        args, skip = node.args, 0
    positional = [*args.posonlyargs, *args.args][skip:]
    required = len(positional) - len(args.defaults)
    keywords = [
        a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None
    ]
    return required, keywords


def accepts(candidate: Callable[..., Any], positional: int, keywords: list[str]) -> bool:
    """Can `candidate` be called with `positional` arguments and these keywords?"""
    try:
        signature = inspect.signature(candidate)
    except (TypeError, ValueError):
        return False
    try:
        signature.bind(*range(positional), **dict.fromkeys(keywords))
    except TypeError:
        return False
    return True


def wrapper_for(candidate: Callable[..., Any]) -> Callable[..., Any]:
    """A class stands in for a class answer as it is; a function gets a forwarding wrapper."""
    if inspect.isclass(candidate):
        return candidate

    def thin_wrapper(*args: Any, **kwargs: Any) -> Any:
        return candidate(*args, **kwargs)

    return thin_wrapper


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum, frame):
        raise TrialTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def passes(test_code: Any, namespace: dict) -> bool:
    """Does the test cell run to the end in a copy of `namespace`?"""
    loaded = set(sys.modules)
    try:
        with (
            time_limit(TRIAL_SECONDS),
            contextlib.redirect_stdout(None),
            contextlib.redirect_stderr(None),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")  # a helper called the wrong way may well complain
            exec(test_code, dict(namespace))
    except TrialTimeout:
        # The time limit may have stopped an import half way (`course` loads sklearn on first
        # use): its package would stay broken for every later test of this worker (scipy's
        # `ndimage` then raised NameError on each import). What the trial loaded is forgotten,
        # but compiled extensions, which load once per process.
        for name in set(sys.modules) - loaded:
            if not str(getattr(sys.modules[name], "__file__", None) or "").endswith(".so"):
                del sys.modules[name]
        return False
    except Exception:  # noqa: BLE001 (any failure means the wrapper is no answer)
        return False
    finally:
        plt.close("all")
    return True


def cells_by_grade_id(notebook) -> dict[str, str]:
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in notebook.cells
        if "nbgrader" in cell.metadata
    }


def answering_wrappers(lesson: str) -> list[str]:
    """Every (exercise, name, course callable) whose thin wrapper passes the full test cell."""
    notebook = read_source_notebook(lesson)
    sources = cells_by_grade_id(notebook)
    setup = next(cell.source for cell in notebook.cells if cell.cell_type == "code")
    base: dict = {"__name__": "__main__"}
    with contextlib.redirect_stdout(None):
        exec(compile(setup, f"<{lesson} setup>", "exec"), base)
    candidates = course_callables()
    found = []
    for grade_id, answer in answers_of(notebook).items():
        test_id, _ = exercises(notebook)[grade_id]
        test_code = compile(sources[test_id], f"<{test_id}>", "exec")
        answered = dict(base)
        exec(compile(answer, f"<{grade_id} answer>", "exec"), answered)
        for name, node in defined_names(answer).items():
            positional, keywords = required_call(node)
            for dotted, candidate in candidates.items():
                if not accepts(candidate, positional, keywords):
                    continue
                if passes(test_code, {**answered, name: wrapper_for(candidate)}):
                    found.append(f"{grade_id}: {name} = thin wrapper around {dotted}")
    return found


@pytest.fixture
def sealed(monkeypatch, tmp_path):
    """No network and a scratch working folder, whatever a wrongly called helper tries."""

    def refuse(*args, **kwargs):
        raise OSError("the network is off during this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_exercise_is_answered_by_course(lesson, sealed):
    """Does every exercise's test cell fail when its answer just calls into `course`?"""
    found = answering_wrappers(lesson)
    assert not found, (
        f"{lesson}: `course` holds the answer to an exercise; a one-line call into it passes the "
        "whole test cell (hidden tests included):\n  "
        + "\n  ".join(found)
        + "\nThe package may help, never answer: remove the helper or reduce it to what is not "
        "the answer, and let the lesson teach it."
    )


def test_the_check_catches_an_answer_hidden_in_course(monkeypatch, sealed):
    """Would this test notice a course helper that is an exercise's answer?"""
    import course.utils

    def scaled_pixels(images):
        """Lesson 01's first exercise, as a helper would hand it out."""
        return images.float() / 255

    scaled_pixels.__module__ = "course.utils"
    monkeypatch.setattr(course.utils, "scaled_pixels", scaled_pixels, raising=False)
    # A helper is handed out by listing it in its module's __all__, which is what the scan reads.
    monkeypatch.setattr(course.utils, "__all__", [*course.utils.__all__, "scaled_pixels"])
    found = answering_wrappers("01_tensors")
    expected = "to_unit_range: to_unit_range = thin wrapper around course.utils.scaled_pixels"
    assert found == [expected]
