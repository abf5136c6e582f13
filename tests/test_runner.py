"""`runner.Snapshot` reads namespaces' version tags and functions' code pointers as raw words
(`runner.Words`) to skip what did not change; every kind of change must still be seen.

The cases run in a forked child of this process (torch, NumPy and `course` loaded, like a
lesson's zygote), which takes a snapshot, then makes each change in turn and reports what
`restore` found.
"""

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


def _plain_restore(f, code, defaults, kwdefaults) -> None:
    """The guard's trusted write, for a child without a guard."""
    f.__code__, f.__defaults__, f.__kwdefaults__ = code, defaults, kwdefaults


@pytest.fixture(scope="module")
def reports() -> dict:
    """In one forked child: a snapshot, then for each change: make it, restore twice; what each
    restore reported, by change (the second restore must find nothing)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        found = {}
        try:
            sys.path.insert(0, str(AUTOGRADER))
            import runner

            snapshot = runner.Snapshot()
            snapshot.restore_function = _plain_restore  # no guard installed in this child
            found["words"] = [snapshot.versions is not None, snapshot.function_words is not None]
            for name, change in CHANGES.items():
                exec(change, {"course": course, "torch": torch, "numpy": numpy, "sys": sys})
                first = snapshot.restore(student_only=True)
                found[name] = [first, snapshot.restore(student_only=True)]
        except BaseException as exc:  # noqa: BLE001 (reported to the parent)
            found["error"] = f"{type(exc).__name__}: {exc}"
        os.write(write_end, json.dumps(found).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    found = json.loads(data)
    assert "error" not in found, found["error"]
    return found


def test_the_words_are_read_on_this_interpreter(reports):
    assert reports["words"] == [True, True], "the snapshot compared everything (words not read)"


@pytest.mark.parametrize("change", list(CHANGES))
def test_restore_sees_each_change_through_the_words(reports, change):
    first, second = reports[change]
    assert first == EXPECTED[change], f"restore reported {first}"
    assert second == [], f"a second restore still found {second}"


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


def _gives_its_caller_frame():
    import inspect

    frame = inspect.currentframe()
    while frame is not None and frame.f_code.co_name != "test":
        frame = frame.f_back
    return frame


def _gives_a_frame_variables():
    return sys._getframe(1).f_globals


def _reads_a_frame_only():
    frame = sys._getframe(1)
    return frame.f_code.co_name, frame.f_lineno


def _stacks_tensors(xs):
    stacked = torch.stack(xs)
    return stacked


def test_library_functions_that_return_a_frame_are_found():
    """Does the guard find the library functions that hand a frame (or its variables) back to
    their caller, torch's own among them, and not those that only read one?"""
    import torch.fx.experimental.symbolic_shapes
    import torch.fx.proxy

    sys.path.insert(0, str(AUTOGRADER))
    try:
        import guard
    finally:
        sys.path.remove(str(AUTOGRADER))
    ours = [_gives_its_caller_frame, _gives_a_frame_variables, _reads_a_frame_only, _stacks_tensors]
    codes = [f.__code__ for f in ours] + [
        torch.fx.experimental.symbolic_shapes._find_user_code_frame.__code__,
        torch.fx.experimental.symbolic_shapes.ShapeEnv._get_user_frame.__code__,
        torch.fx.proxy.TracerBase._find_user_frame.__code__,
    ]
    returners = guard._frame_returners(codes)
    found = {c.co_name for c in codes if id(c) in returners}
    assert found == {
        "_gives_its_caller_frame",
        "_gives_a_frame_variables",
        "_find_user_code_frame",
        "_get_user_frame",
        "_find_user_frame",
    }


TEARDOWN_FORGERY = '''
import sys, threading
class Forge:
    def __init__(self, slot):
        self.slot = slot
    def __del__(self):  # runs on this thread as the interpreter clears its thread-local data
        self.slot[0] = None  # "passed"
frame = sys._getframe()  # the grader refuses this; here it stands for a frame torch handed out
while frame.f_code.co_filename != "<grader>":
    frame = frame.f_back
parked = threading.local()
parked.forge = Forge(frame.f_locals["slot"])
raise AssertionError("wrong answer")
'''


def test_an_outcome_is_read_before_its_thread_ends():
    """Does a `__del__` that runs as the student's thread is torn down (a thread-local's) leave
    the outcome that thread reported, even when it holds the outcome's slot?"""
    import subprocess

    script = (
        f"import sys; sys.path.insert(0, {str(AUTOGRADER)!r}); import runner\n"
        f"code = compile({TEARDOWN_FORGERY!r}, '<cell>', 'exec')\n"
        "namespace = {'__name__': '__main__', '__builtins__': __builtins__}\n"
        "print(runner.run_on_own_thread(code, namespace)[:2])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "('AssertionError', 'wrong answer')", done.stdout + done.stderr


# Student code that reached the runner's thread body (a frame a library handed out) writes a
# passing outcome into its slot, tells the runner it is done, and stops its own thread there.
EARLY_FORGERY = '''
import sys, threading
frame = sys._getframe()  # the grader refuses this; here it stands for a frame torch handed out
while frame.f_code.co_filename != "<grader>":
    frame = frame.f_back
frame.f_locals["slot"][0] = None  # "passed"
frame.f_locals["done"].release()
threading.Event().wait()  # the wrong answer below is never reached
raise AssertionError("wrong answer")
'''


def test_an_outcome_counts_only_once_its_code_has_run():
    """Does an outcome written into the body's slot, reported while the student's code still
    runs on that thread, count as forged rather than passed?"""
    import subprocess

    script = (
        f"import sys; sys.path.insert(0, {str(AUTOGRADER)!r}); import guard, runner\n"
        "runner._outcome_of = guard._outcome_reader(set())\n"
        f"code = compile({EARLY_FORGERY!r}, '<cell>', 'exec')\n"
        "namespace = {'__name__': '__main__', '__builtins__': __builtins__}\n"
        "print(runner.run_on_own_thread(code, namespace)[0])\n"
        "print(runner.run_on_own_thread(compile('x = 1', '<cell>', 'exec'), namespace))\n"
        "import os; os._exit(0)  # the first cell's thread waits for ever\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.split() == ["OutcomeForged", "None"], done.stdout + done.stderr


def test_emptying_a_flat_folder_reads_the_clock_as_it_goes(tmp_path, monkeypatch):
    """A sandbox left holding a folder of many empty files: does emptying it look at its
    deadline every few entries, instead of listing and examining them all first (which a
    million files made cost the next student 11 s)?"""
    folder = tmp_path / "home"
    folder.mkdir()
    for i in range(3000):
        (folder / str(i)).touch()
    sys.path.insert(0, str(AUTOGRADER))
    try:
        import runner
    finally:
        sys.path.remove(str(AUTOGRADER))
        sys.modules.pop("runner", None)
    looked_at = []
    for name in ("lstat", "unlink"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda path, *a, real=real, **k: looked_at.append(path)
                            or real(path, *a, **k))
    assert runner._empty(str(folder), deadline=0.0) is False  # past its deadline from the start
    assert len(looked_at) < 300, f"{len(looked_at)} files examined past the deadline"
    assert runner._empty(str(folder), deadline=float("inf")) is True
    assert not any(folder.iterdir())
