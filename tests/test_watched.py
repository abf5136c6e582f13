"""`autograder/watched.py` rewrites a test into the body of a function, so that its values are
locals no student code reaches, each call it makes is checked first, and the names it binds are
noted as the test's own. The rewritten test must do what the test did: run here with hooks that
record, it gives the same results and says which calls and which names it made, in order."""

from __future__ import annotations

import operator
import sys

import pytest

from autograder.guard import (
    ATTRIBUTE_MARK,
    CALL_MARK,
    CELLS_MARK,
    METHOD_MARK,
    OPERATIONS,
    SEEN_MARK,
    SLICE_MARK,
)
from autograder.watched import watched


def run(source: str) -> tuple[dict, list]:
    """Run `watched(source)` with recording hooks; (the values the test's names were given,
    what the hooks saw)."""
    events: list = []
    values: dict = {}

    def call(function, /, *args, **kwargs):
        events.append(("call", getattr(function, "__name__", "?")))
        return function(*args, **kwargs)

    def seen(names):
        events.append(("seen", names))
        bound = sys._getframe(1).f_locals  # the test's function
        values.update({name: bound[name] for name in names if name in bound})

    def cells(reader):
        events.append(("cells", reader.__code__.co_freevars))

    def attribute(owner, name):
        events.append(("attribute", name))
        return getattr(owner, name)

    def method(owner, name, /, *args, **kwargs):
        events.append(("call", name))
        return getattr(owner, name)(*args, **kwargs)

    hooks = {CALL_MARK: call, SEEN_MARK: seen, ATTRIBUTE_MARK: attribute, METHOD_MARK: method}
    hooks[CELLS_MARK] = cells
    hooks |= {f"@op:{name}@": getattr(operator, name, None) for name in OPERATIONS}
    hooks |= {SLICE_MARK: slice, "@op:in@": lambda a, b: a in b, "@op:iter@": iter}
    hooks["@op:not_in@"] = lambda a, b: a not in b
    code = compile(watched(source), "<test>", "exec")
    code = _hooked(code, hooks)
    namespace: dict = {}
    exec(code, namespace)
    assert list(namespace) == ["__builtins__"], "the test bound a name outside its function"
    return values, events


def _hooked(code, hooks):
    consts = tuple(
        _hooked(c, hooks) if isinstance(c, type(code)) else hooks.get(c, c)
        if isinstance(c, str) else c
        for c in code.co_consts
    )
    return code.replace(co_consts=consts)


def test_every_call_is_checked_first_and_runs_as_written():
    namespace, events = run("def f(x):\n    return abs(x) + len([x])\nvalue = f(-2)\n")
    assert namespace["value"] == 3
    assert events == [
        ("call", "__test__"), ("seen", ("f",)), ("call", "f"), ("call", "abs"),
        ("call", "len"), ("call", "add"), ("seen", ("value",)),
    ]


def test_operators_subscripts_attributes_and_assertions_go_through_the_hooks_as_written():
    source = (
        "import types\n"
        "ns = types.SimpleNamespace(items=[3, 1, 2], word='ab')\n"
        "values = sorted(ns.items)[1:]\n"
        "grid = [[1, 2], [3, 4]]\n"
        "assert values == [2, 3] and 2 in values and 5 not in values, 'values'\n"
        "total = -values[0] + values[1] ** 2 - (values[1] // 2) * (values[1] % 2) / 1 + 2 ** 3\n"
        "flags = (not total, ~values[0], +values[0], 5 > 3, 5 <= 3, 1 < 2 < 3, ns is not None)\n"
        "corner = grid[1][0], ns.word.upper()\n"
        "squares = [v * v for v in values if v > 2]\n"
        "for v in values:\n"
        "    squares.append(-v)\n"
    )
    namespace, events = run(source)
    assert namespace["values"] == [2, 3]
    assert namespace["total"] == -2 + 9 - 1.0 + 8
    assert namespace["flags"] == (False, -3, 2, True, False, True, True)
    assert namespace["corner"] == (3, "AB")
    assert namespace["squares"] == [9, -2, -3]
    called = [name for kind, name in events if kind == "call"]
    for name in ("getitem", "eq", "truth", "neg", "pow", "floordiv", "mod", "not_", "invert",
                 "upper", "sorted", "iter"):
        assert name in called, (name, called)
    assert ("attribute", "items") in events and ("attribute", "word") in events


def test_names_bound_by_a_blocks_header_are_noted_before_its_first_call():
    source = (
        "import contextlib\n"
        "total = 0\n"
        "for step, (a, b) in enumerate([(1, 2)]):\n"
        "    total += abs(a)\n"
        "with contextlib.nullcontext(5) as first, contextlib.nullcontext(first) as second:\n"
        "    total += abs(second)\n"
        "try:\n"
        "    int('x')\n"
        "except ValueError as error:\n"
        "    message = str(error)\n"
    )
    namespace, events = run(source)
    assert namespace["total"] == 6 and "invalid literal" in namespace["message"]
    for name, call in (("step", "abs"), ("first", "nullcontext"), ("error", "str")):
        noted = next(i for i, e in enumerate(events) if e[0] == "seen" and name in e[1])
        assert noted < events.index(("call", call), noted), (name, events)


@pytest.mark.parametrize(
    "source",
    [
        "class Net:\n    def forward(self):\n        return super().__repr__()\n",
        "def f():\n    return locals(), globals(), vars(), dir()\n",
        "x = eval('1 + 1')\n",
    ],
)
def test_class_bodies_and_calls_that_read_their_frame_are_left_as_written(source):
    rewritten = watched(source)
    for name in ("super()", "locals()", "globals()", "vars()", "dir()", "eval("):
        assert (name in source) == (name in rewritten), rewritten
    run(source)


def test_f_strings_with_quotes_and_calls_stay_valid():
    source = (
        "d = {'k': 'v'}\n"
        "a = f\"{d['k']!r:>{len('xyz')}} {str('q')}\"\n"
        "b = f'''{str(\"x\")} \"y\"'''\n"
    )
    namespace, _ = run(source)
    assert namespace["a"] == "'v' q" and namespace["b"] == 'x "y"'


def test_a_source_that_does_not_parse_is_left_as_it_is():
    assert watched("def broken(:\n") == "def broken(:\n"


def test_the_tests_values_are_locals_and_its_cells_are_handed_over_first():
    """A class or function the test defines leads through its globals to none of the test's
    values; what they close over is handed to the runner before the test's first step."""
    source = (
        "expected = 40 + 2\n"
        "class Spy:\n"
        "    def note(self):\n"
        "        return expected\n"
        "helper = lambda: Spy\n"
        "found = helper().note.__globals__.get('expected')\n"
    )
    values, events = run(source)
    assert values["expected"] == 42 and values["found"] is None
    assert events[:2] == [("call", "__test__"), ("cells", ("Spy", "expected"))], events


def test_no_lesson_test_needs_the_test_namespace():
    """A test runs as a function's body: `global` would bind outside it, `import *` cannot, and
    a `nonlocal` rebinding its values from a function of its own looks like student code's."""
    import ast

    from autograder.submissions import exercises
    from conftest import LESSONS, read_source_notebook

    for lesson in LESSONS:
        notebook = read_source_notebook(lesson)
        cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in notebook.cells}
        for test_id, _ in exercises(notebook).values():
            tree = ast.parse(cells[test_id])
            for node in ast.walk(tree):
                star = isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
                rebinds = isinstance(node, (ast.Global, ast.Nonlocal))
                assert not (rebinds or star), f"{lesson} {test_id}"
