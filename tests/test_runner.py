"""`runner.Snapshot` reads namespaces' version tags and functions' code pointers as raw words
(`runner.Words`) to skip what did not change; every kind of change must still be seen.

Each case runs in a forked child of this process (torch, NumPy and `course` loaded, like a
lesson's zygote), which takes a snapshot, makes one change and reports what `restore` found.
"""

import contextlib
import json
import os
import sys
from pathlib import Path

import numpy  # noqa: F401  (the words are read through NumPy, as in a lesson's zygote)
import numpy.testing  # noqa: F401  (loaded by every zygote)
import pytest
import torch  # noqa: F401

import course.checks  # noqa: F401

AUTOGRADER = Path(__file__).resolve().parent.parent / "autograder"

CHANGES = {
    "nothing": "pass",
    "a function of course.checks rebound": "course.checks.assert_close = print",
    "a name added to course.checks": "course.checks.extra = print",
    "a torch.Tensor method replaced": "torch.Tensor.sum = torch.Tensor.mean",
    "a numpy.testing function rebound": "numpy.testing.assert_allclose = print",
    "a module swapped in sys.modules": "sys.modules['course.checks'] = sys.modules['json']",
    "a protected function's __code__ swapped": (
        "course.checks.assert_close.__code__ = (lambda *a, **k: None).__code__"
    ),
    "a protected function's defaults swapped": (
        "f = course.checks.assert_close\nf.__kwdefaults__ = dict(f.__kwdefaults__ or {})"
    ),
}
EXPECTED = {
    "nothing": [],
    "a function of course.checks rebound": ["course.checks.assert_close"],
    "a name added to course.checks": ["course.checks.extra"],
    "a torch.Tensor method replaced": ["torch.Tensor.sum"],
    "a numpy.testing function rebound": ["numpy.testing.assert_allclose"],
    "a module swapped in sys.modules": ["sys.modules['course.checks']"],
    "a protected function's __code__ swapped": ["course.checks.assert_close"],
    "a protected function's defaults swapped": ["course.checks.assert_close"],
}


def snapshot_then(change: str) -> dict:
    """In a forked child: snapshot, run `change`, restore twice; what each restore reported."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        report = {}
        try:
            sys.path.insert(0, str(AUTOGRADER))
            import runner

            snapshot = runner.Snapshot()
            snapshot.trusted = contextlib.nullcontext  # no guard installed in this child
            report["words"] = [snapshot.versions is not None, snapshot.function_words is not None]
            exec(change, {"course": course, "torch": torch, "numpy": numpy, "sys": sys})
            report["first"] = snapshot.restore(student_only=True)
            report["second"] = snapshot.restore(student_only=True)
        except BaseException as exc:  # noqa: BLE001 (reported to the parent)
            report["error"] = f"{type(exc).__name__}: {exc}"
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)


@pytest.mark.parametrize("change", list(CHANGES))
def test_restore_sees_each_change_through_the_words(change):
    report = snapshot_then(CHANGES[change])
    assert "error" not in report, report.get("error")
    assert report["words"] == [True, True], "the snapshot compared everything (words not read)"
    assert report["first"] == EXPECTED[change], f"restore reported {report['first']}"
    assert report["second"] == [], f"a second restore still found {report['second']}"


def test_words_are_off_where_the_interpreter_keeps_no_such_words(monkeypatch):
    """A layout the experiment rejects turns the words off; restore then compares everything."""
    sys.path.insert(0, str(AUTOGRADER))
    try:
        import runner
    finally:
        sys.path.remove(str(AUTOGRADER))
        sys.modules.pop("runner", None)
    monkeypatch.setattr(runner, "_DICT_VERSION", 8)  # ob_type: no change moves it
    monkeypatch.setattr(runner, "_FUNCTION_FIELDS", (32, 40, 48))  # name, qualname, code
    assert runner._words([id({})], runner._dict_versions_work) is None
    assert runner._words([id(len)], runner._function_fields_work) is None
