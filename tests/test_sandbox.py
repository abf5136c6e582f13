"""`sandbox`: each exercise is judged in a fresh child that student code cannot reach.

Every attack here is one a tester who had read the runner's source made score points on the
previous engine. Each runs as a real submission in the real sandbox (bubblewrap where it works)
against a test it does not solve, and must score 0. An honest answer to the same test passes, so
a 0 means the attack failed, not that the harness is broken.
"""

import base64
import json
import time
from dataclasses import replace

import nbformat
import pytest

from autograder import sandbox
from autograder.execute import preloads
from autograder.guard import opened_test, sealed_test, signed_line
from autograder.sandbox import Limits, Plan, run_sandboxed

SETUP = "import json\n\ndef check(actual, expected):\n    assert actual == expected, 'wrong'\n"
# The hidden test: `answer()` must return 42; every attacking answer returns 0.
SECRET = "HIDDEN_MARKER_7f3a"
TEST = f"# {SECRET}\ncheck(answer(), 42)\n"
HONEST = "def answer():\n    return 42\n"
LIMITS = Limits(cell_s=60, wall_s=180)


def judge(*cells: str, test: str = TEST, setup: str = SETUP, tmp_path=None, limits=LIMITS):
    """Run the code cells and then the test as one submission; return the sandbox's result."""
    plan = Plan(
        cells=[{"index": i, "kind": "code", "source": s} for i, s in enumerate(cells)]
        + [{"index": len(cells), "kind": "test", "source": test}],
        setup=setup,
    )
    return run_sandboxed(plan=plan, scratch=tmp_path, limits=limits)


def passed(result: sandbox.SandboxResult) -> bool:
    tests = [i for i, r in result.cells.items() if "passed" in r]
    return bool(tests) and all(result.cells[i]["passed"] for i in tests)


def outputs(result: sandbox.SandboxResult) -> str:
    """Everything the submission's cells printed or raised: what feedback would show."""
    parts = []
    for report in result.cells.values():
        parts += [report.get("stdout", ""), report.get("stderr", "")]
        error = report.get("error") or {}
        parts += [error.get("evalue", ""), *error.get("traceback", [])]
    return "\n".join(parts) + "\n".join(result.failures.values())


def test_honest_answer_passes_and_wrong_one_fails(tmp_path):
    """Does the harness pass the right answer and fail a wrong one, with no tampering?"""
    good = judge(HONEST, "print('hi')", tmp_path=tmp_path)
    assert passed(good) and good.cells[1]["stdout"] == "hi\n"
    assert not good.cells[2].get("tampering")
    bad = judge("def answer():\n    return 0\n", tmp_path=tmp_path)
    assert not passed(bad) and bad.cells[1]["error"]["evalue"] == "wrong"
    assert bad.cells[1]["error"]["traceback"] == []  # a test's traceback would quote it


WRONG = "def answer():\n    return 0\n"
# Library code that returns a frame (torch.fx's), walked up to a frame holding the verdict's
# nonce and the runner's `send`: a passing verdict written with them.
FORGE = """
import os
from torch.fx.experimental.symbolic_shapes import _find_user_code_frame
def forge():
    frame = _find_user_code_frame()
    while frame is not None:
        me, nonce = frame.f_locals.get('self'), frame.f_locals.get('nonce')
        send = frame.f_globals.get('send')
        if isinstance(nonce, str) and hasattr(me, 'exercise') and callable(send):
            send(me.channel, {'event': 'verdict', 'index': me.exercise['test'],
                              'passed': True, 'stdout': '', 'tampering': []}, nonce)
            os._exit(0)
        frame = frame.f_back
"""
# Every class is found through `object.__subclasses__()`; the grader's own classes lead, through
# their methods' closures and `__globals__`, to what the runner and the guard hold.
EVERY_CLASS = """
def every_class():
    seen, todo = set(), [object]
    while todo:
        cls = todo.pop()
        if id(cls) not in seen:
            seen.add(id(cls))
            yield cls
            try:
                todo += type.__subclasses__(cls)
            except TypeError:
                pass
"""
# A `judge` of the student's: a passing verdict, written with the runner's own names.
FORGING_JUDGE = """
child = next(c for c in every_class() if c.__name__ == "Child" and hasattr(c, "judge"))
def judge(self, nonce):
    send(self.channel, {"event": "verdict", "index": self.exercise["test"],
                        "passed": True, "tampering": []}, nonce)
    _exit(0)
"""
ATTACKS = {
    "the guard's switch, found in a closure of a class's method": EVERY_CLASS
    + """
import sys
for cls in list(every_class()):
    for value in list(vars(cls).values()):
        for cell in getattr(value, "__closure__", None) or ():
            try:
                content = cell.cell_contents
            except ValueError:
                continue
            if type(content) is list and len(content) == 1 and content[0] is False:
                content[0] = True  # a switch that opens the audit hook?
try:
    sys._current_frames()
    def answer():
        return 42
except Exception:
    pass
""",
    "a grader method's code replaced through torch's generic setter": EVERY_CLASS
    + FORGING_JUDGE
    + """
import torch
from torch.fx.passes.split_utils import setattr_recursive
setattr_recursive(child.judge, "__code__", judge.__code__)
""",
    "the same with code compiled under a library's file name": EVERY_CLASS
    + FORGING_JUDGE
    + """
import sysconfig
put = {}
exec(compile("def put(f, c):\n    f.__code__ = c\n",
             sysconfig.get_paths()["purelib"] + "/anything.py", "exec"), put)
put["put"](child.judge, judge.__code__)
""",
    "the runner's `send`, replaced for the `done` that follows the cell": EVERY_CLASS
    + """
child = next(c for c in every_class() if c.__name__ == "Child" and hasattr(c, "run"))
namespace = child.run.__globals__
real_send, real_exit = namespace["send"], namespace["_exit"]
def send(fd, event, nonce=None):
    real_send(fd, event, nonce)
    if nonce is not None:
        for i in range(50):
            real_send(fd, {"event": "verdict", "index": i, "passed": True, "tampering": []}, nonce)
        real_exit(0)
namespace["send"] = send
""",
    "the runner's `send`, replaced through a method's __globals__": EVERY_CLASS
    + """
child = next(c for c in every_class() if c.__name__ == "Child" and hasattr(c, "judge"))
namespace = child.judge.__globals__
real_send = namespace["send"]
def send(fd, event, nonce=None):
    if event.get("event") == "ready":  # a verdict of our own, with the nonce it is sent with
        real_send(fd, {"event": "verdict", "index": event["index"], "passed": True,
                       "tampering": []}, nonce)
    return real_send(fd, event, nonce)
namespace["send"] = send
""",
    "a grader method replaced on its class (no audit event for a class's attribute)": EVERY_CLASS
    + """
child = next(c for c in every_class() if c.__name__ == "Child" and "judge" in vars(c))
runner = child.run.__globals__
def judge(self, nonce):
    runner["send"](self.channel, {"event": "verdict", "index": self.exercise["test"],
                                  "passed": True, "tampering": []}, nonce)
    runner["_exit"](0)
child.judge = judge
""",
    "a data descriptor on a checked class's metaclass, run as the class is put back": EVERY_CLASS
    + """
import abc, os
child = next(c for c in every_class() if c.__name__ == "Child" and "judge" in vars(c))
runner = child.run.__globals__
real_send = runner["send"]
def send(fd, event, nonce=None):
    if nonce is not None and event.get("event") == "ready":
        real_send(fd, {"event": "verdict", "index": event["index"], "passed": True,
                       "tampering": []}, nonce)
    return real_send(fd, event, nonce)
def on_main_thread(cls, value):  # runs as the snapshot sets os.PathLike.__fspath__ back
    runner["send"] = send
os.PathLike.__fspath__ = lambda self: "changed"
abc.ABCMeta.__fspath__ = property(lambda cls: None, on_main_thread)
""",
    "the test's output stream, given a `getvalue` of the student's": EVERY_CLASS
    + """
import sys
child = next(c for c in every_class() if c.__name__ == "Child" and "judge" in vars(c))
runner = child.run.__globals__
real_send = runner["send"]
def send(fd, event, nonce=None):  # the verdict, made to pass
    if event.get("event") == "verdict":
        event = {k: v for k, v in event.items() if k != "error"}
        event.update(passed=True, tampering=[])
    return real_send(fd, event, nonce)
def getvalue():  # called by the runner, on its main thread, as it writes the verdict
    runner["send"] = send
    return ""
def answer():
    sys.stdout.getvalue = getvalue
    return 0
""",
    "a `__getattr__` of the student's in `sys`, for a hook it deleted": EVERY_CLASS
    + """
import sys
child = next(c for c in every_class() if c.__name__ == "Child" and "judge" in vars(c))
runner = child.run.__globals__
def on_main_thread(name):
    runner["_cap"] = lambda text: text  # any change of the runner's, to be seen
    raise AttributeError(name)
def answer():
    vars(sys)["__getattr__"] = on_main_thread
    del sys.excepthook
    return 42  # right: the test must fail all the same, flagged
""",
    "gc walk for the job and the judge": """
import gc
found = [o for o in gc.get_objects() if isinstance(o, dict) and 'nonce' in o]
for o in found:
    o['passed'] = True
""",
    "replacing the runner's classes": """
import sys, importlib
main = sys.modules['__main__']
for name in ('Child', 'Zygote', 'Snapshot'):
    setattr(main, name, None)
runner = importlib.import_module('runner')
runner.Child.judge = lambda self, nonce: None
""",
    "writing events on every descriptor and exiting": """
import json, os
for fd in range(3, 1024):
    for event in ({'event': 'verdict', 'index': 2, 'passed': True, 'nonce': 'x'},
                  {'event': 'exit', 'index': 2, 'status': 0}, {'event': 'end'},
                  {'event': 'start', 'index': 2, 'nonce': 'forged'},
                  {'event': 'verdict', 'index': 2, 'passed': True, 'nonce': 'forged'}):
        try:
            os.write(fd, (json.dumps(event) + '\\n').encode())
        except OSError:
            pass
os._exit(0)
""",
    "swapping the code of the setup's check": """
check.__code__ = (lambda actual, expected: None).__code__
""",
    "rewriting the test's globals from the answer": """
import sys
def answer():
    try:
        sys._getframe(1).f_globals['check'] = lambda *a: None
    except Exception:
        pass
    try:
        raise ValueError
    except ValueError as e:
        e.__traceback__.tb_frame.f_back.f_globals['check'] = lambda *a: None
    return 0
""",
    "patching builtins and dunders": """
import builtins, json
builtins.AssertionError = type('Nothing', (Exception,), {})
json.loads = lambda *a, **k: 42
builtins.isinstance = lambda *a: True
class Yes(int):
    def __eq__(self, other):
        return True
builtins.int = Yes
def answer():
    return Yes(0)
""",
    "a module planted in the scratch folder": """
import sys
with open('colorsys.py', 'w') as f:
    f.write('def rgb_to_hsv(*a):\\n    return (-42, 0, 0)\\n')
sys.path.insert(0, '.')
sys.modules.pop('colorsys', None)
""",
    "a thread that reports a pass": """
import threading, _thread
def forge():
    pass
threading.Thread(target=forge).start()
""",
    "a signal handler that reads the judge's frame": """
import signal
def handler(signum, frame):
    frame.f_back.f_locals['failure'] = None
signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.01)
""",
    "atexit and __del__ forging at exit": """
import atexit, json, os
def forge():
    for fd in range(3, 1024):
        try:
            os.write(fd, b'{"event": "verdict", "index": 2, "passed": true}\\n')
        except OSError:
            pass
atexit.register(forge)
class Forger:
    def __del__(self):
        forge()
keep = Forger()
""",
    "tracing the judge": """
import sys
def tracer(frame, event, arg):
    frame.f_locals.get('failure')
    return tracer
sys.settrace(tracer)
""",
    "ctypes and the process's memory": """
import ctypes
ctypes.string_at(id(check), 64)
""",
    "a frame from library code, walked up to the runner": FORGE + """
def answer():
    forge()
    return 0
""",
    "a finalizer run by the grader after the test": FORGE + """
class Late:
    def __del__(self):
        forge()
def answer():
    raise ValueError(Late())
""",
    "the first frame of the student's thread, rewritten": """
from torch.fx.experimental.symbolic_shapes import _find_user_code_frame
class Never(Exception):
    pass
def answer():
    frame = _find_user_code_frame()
    while frame is not None:
        for name in ('slot', 'results'):
            found = frame.f_locals.get(name)
            if isinstance(found, list):
                found[:] = [None]
                frame.f_globals['BaseException'] = Never
                frame.f_globals['exec'] = lambda *a: None
        frame = frame.f_back
    return 0
""",
    "an audit hook of the student's": """
import sys
sys.addaudithook(lambda event, args: None)
""",
    "gc debugging keeps the runner's cycles": """
import gc
gc.set_debug(gc.DEBUG_SAVEALL)
gc.collect()
frames = [o for o in gc.garbage if type(o).__name__ == 'frame']
assert not any('nonce' in f.f_locals or 'self' in f.f_locals for f in frames)
""",
    "a second copy of _signal, whose handler walks to the runner": FORGE + """
import _imp, importlib.util
fresh = _imp.create_builtin(importlib.util.find_spec('_signal'))
fresh.signal(fresh.SIGALRM, lambda *a: forge())
fresh.setitimer(fresh.ITIMER_REAL, 0.001, 0.001)
""",
    "a module planted as a strict module's submodule": """
import sys, types, torch
from course import checks
fake = types.ModuleType("torch")
fake.__dict__.update(vars(torch))
fake.testing = types.ModuleType("torch.testing")
fake.testing.__dict__.update(vars(torch.testing))
fake.testing.assert_close = lambda *args, **kwargs: None
sys.modules["course.checks.torch"] = checks.torch = fake
""",
    "a key that is not a string in a module": """
import json
class Key(str):
    def __hash__(self):
        import os
        os._exit(0)
vars(json)[Key('x')] = 1
""",
}
PLANTED_TEST = (
    f"# {SECRET}\nimport colorsys\ncheck(answer() + colorsys.rgb_to_hsv(1, 0, 0)[0], 42)\n"
)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_scores_zero(attack, tmp_path):
    """Does the attack, followed by a wrong answer, still fail the test?"""
    test = PLANTED_TEST if "planted" in attack else TEST
    source = ATTACKS[attack]
    cells = (WRONG, source) if "def answer" not in source else (source,)
    # torch loaded by the setup, as in every lesson: its code is trusted to read frames.
    setup = "import torch\n" + SETUP if "torch" in source else SETUP
    result = judge(*cells, test=test, setup=setup, tmp_path=tmp_path)
    assert not passed(result), f"{attack}: {result}"


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ("import sys; sys._getframe()", "FrameRefused"),
        ("import sys; sys._current_frames()", "Refused"),
        ("import gc; gc.get_objects()", "Refused"),
        ("import gc; gc.get_referrers(check)", "Refused"),
        ("import gc; gc.get_referents(check)", "Refused"),
        ("import sys; sys.settrace(lambda *a: None)", "Refused"),
        ("import sys; sys.setprofile(lambda *a: None)", "Refused"),
        ("def g():\n    yield 1\nx = g(); x.gi_frame", "Refused"),
        ("try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__.tb_frame", "Refused"),
        (  # the walker torch.fx uses for its messages, asked by the student's own code
            "import traceback\ntry:\n    1 / 0\nexcept Exception as e:\n"
            "    list(traceback.walk_tb(e.__traceback__))",
            "Refused",
        ),
        ("check.__code__ = (lambda: 0).__code__", "Refused"),
        ("check.__defaults__ = (1,)", "Refused"),
        ("import ctypes; ctypes.string_at(id(check), 8)", "Refused"),
        ("import os; os.fork()", "Refused"),
        ("import subprocess; subprocess.run(['true'])", "Refused"),
        ("import os; os.system('true')", "Refused"),
        ("import os; os.kill(1, 9)", "Refused"),
        ("import threading; threading.Thread(target=print).start()", "Refused"),
        ("import signal; signal.signal(signal.SIGALRM, print)", "PermissionError"),
        ("import signal; signal.alarm(1)", "PermissionError"),
        ("import socket; socket.socket()", "Refused"),
        ("open('/proc/self/mem', 'rb')", ""),
        ("import os; os.listdir('/proc/self/fd')", ""),
        ("import _xxsubinterpreters", "Refused"),
        (  # the interpreter drops a refused hook silently: it must never be called
            "import sys\nseen = []\nsys.addaudithook(lambda e, a: seen.append(e))\n"
            "open('/dev/null').close()\nif not seen:\n    raise PermissionError('no hook')",
            "PermissionError",
        ),
        ("import _imp, gc; _imp.create_builtin(gc.__spec__)", "PermissionError"),
        # The snapshot reads and writes modules and classes: their type decides how.
        ("import json, types\nclass M(types.ModuleType): pass\njson.__class__ = M", "Refused"),
        ("import abc, os\nclass M(abc.ABCMeta): pass\nos.PathLike.__class__ = M", "Refused"),
        (
            "assert get_ipython()._orig_sys_modules_main_mod is None; 1 / 0",
            "ZeroDivisionError",
        ),
    ],
)
def test_guard_refuses(source, refused, tmp_path):
    """Is each primitive the attacks need refused inside the sandbox (with a clear error)?"""
    result = judge(WRONG, source, tmp_path=tmp_path)
    error = result.cells[1].get("error")
    assert error is not None, f"{source!r} was not refused"
    if refused:
        assert error["ename"] == refused, error


def test_hidden_test_never_reaches_student_output(tmp_path):
    """Can an answer print the hidden test, in any encoding, into what feedback shows?"""
    thief = """
import os, sys, base64
stolen = []
for fd in range(0, 1024):
    try:
        os.set_blocking(fd, False)
        stolen.append(os.read(fd, 1 << 16))
    except OSError:
        pass
blob = b''.join(stolen)
print(blob, base64.b64encode(blob), blob.hex())
def answer():
    print(base64.b64encode(b''.join(stolen)))
    return 0
"""
    result = judge(thief, tmp_path=tmp_path)
    shown = outputs(result)
    for encoded in (SECRET, base64.b64encode(SECRET.encode()).decode(), SECRET.encode().hex()):
        assert encoded not in shown
    assert not passed(result)


def test_fallback_without_bubblewrap_still_judges(tmp_path, monkeypatch):
    """Without bubblewrap, do cells still run under limits, with tests judged by the grader?"""
    monkeypatch.setattr(sandbox, "isolation", lambda: "WEAKER FALLBACK: test")
    result = judge(HONEST, tmp_path=tmp_path)
    assert result.isolation.startswith("WEAKER FALLBACK") and passed(result)


def test_bwrap_command_exposes_no_course_files(tmp_path):
    """Does the bubblewrap command bind only Python, the course package and the lesson's files,
    with a size-capped private home and no /proc of its own?"""
    command = sandbox.bwrap_command(tmp_path, sandbox.Limits())
    binds = [command[i + 1] for i, arg in enumerate(command) if arg in ("--bind", "--ro-bind")]
    root = sandbox.course_dir().parent
    assert str(root) not in binds
    assert not [b for b in binds if b.startswith(str(root / "solutions"))]
    assert "--unshare-net" in command and str(tmp_path) in binds and "--bind" not in command
    assert "--proc" not in command
    home = command.index(sandbox.INSIDE_WORKDIR)
    assert command[home - 1] == "--tmpfs" and "--size" in command[home - 6 : home]

    # /dev holds only device nodes, in the read-only root: bwrap's `--dev` would make a writable
    # tmpfs there, and, in a user namespace, a nested one where the runner could not remount
    # its folders noexec (runner.forbid_native_code); that remount needs CAP_SYS_ADMIN there.
    assert "--dev" not in command
    devices = [command[i + 1] for i, arg in enumerate(command) if arg == "--dev-bind"]
    assert devices == list(sandbox.DEVICES)


def test_as_a_normal_user_the_runner_may_remount_its_folders_once(monkeypatch):
    """bubblewrap in a user namespace grants the runner CAP_SYS_ADMIN, which it gives up."""
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    spaces = sandbox._namespaces()
    assert spaces[:3] == ["--unshare-user", "--cap-add", "CAP_SYS_ADMIN"]


def test_endless_answer_costs_only_its_cell(tmp_path):
    """Does a cell that never ends fail alone, with the sandbox killed, and later cells run?"""
    limits = Limits(cell_s=3, wall_s=120)
    plan = Plan(
        cells=[
            {"index": 0, "kind": "code", "source": "while True:\n    pass"},
            {"index": 1, "kind": "code", "source": HONEST},
            {"index": 2, "kind": "test", "source": TEST},
        ],
        setup=SETUP,
    )
    result = run_sandboxed(plan=plan, scratch=tmp_path, limits=limits)
    assert "more than 3 s" in result.failures[0]
    assert result.cells[2]["passed"]


def test_each_cell_starts_with_standard_interpreter_settings(tmp_path):
    """A cell that makes the collector run on every allocation, lowers the recursion limit or
    makes threads take turns constantly changes none of it for the test: it runs as fast and as
    deep as anyone's."""
    tinker = "import gc, sys\ngc.set_threshold(1, 1, 1)\nsys.setrecursionlimit(60)\n"
    tinker += "sys.setswitchinterval(1e-6)"
    look = "import gc, sys\nassert gc.get_threshold()[0] > 1 and sys.getrecursionlimit() > 60\n"
    look += "assert sys.getswitchinterval() > 1e-3"
    result = judge(HONEST, tinker, test=TEST + look, tmp_path=tmp_path)
    assert passed(result), result


@pytest.mark.skipif(sandbox.isolation() != "bubblewrap", reason="only bubblewrap keeps a box")
@pytest.mark.parametrize("own_user", [True, False])
def test_the_folder_of_students_files_is_open_only_to_the_sandbox(own_user, tmp_path, monkeypatch):
    """The folder a sandbox copies a submission's files from: readable by others only when the
    sandbox runs as a user of its own (as root), else by the grader's user alone."""
    (tmp_path / "data.txt").write_text("lesson file")
    monkeypatch.setattr(sandbox, "_other_user", lambda: own_user)
    sandbox._close_kept()
    try:
        result = judge(HONEST, "print(open('data.txt').read())", tmp_path=tmp_path)
        assert passed(result) and result.cells[1]["stdout"] == "lesson file\n", result
        (box,) = sandbox._KEPT.values()
        modes = {p.name: p.stat().st_mode & 0o777 for p in (box.staging, *box.staging.iterdir())}
    finally:
        sandbox._close_kept()
    folder, file = (0o755, 0o644) if own_user else (0o700, 0o600)
    assert modes == {box.staging.name: folder, "data.txt": file}


def test_next_submission_inherits_nothing(tmp_path):
    """When the sandbox is kept for the next student, does it start clean: no files left in its
    home, /tmp or /dev/shm, and no half-written line on its channel to garble the next run?"""
    litter = """
import os
for path in ('planted.txt', '/tmp/planted.txt', '/dev/shm/planted.txt'):
    open(path, 'w').write('x')
for fd in range(3, 1024):
    try:
        os.write(fd, b'{"event": "ready", "index": 1')
    except OSError:
        pass
"""
    # The half line garbles this cell's own report: it ends at its time limit, kept short here.
    judge(WRONG, litter, tmp_path=tmp_path, limits=replace(LIMITS, cell_s=5))
    paths = "('planted.txt', '/tmp/planted.txt', '/dev/shm/planted.txt')"
    look = f"import os\nprint([p for p in {paths} if os.path.exists(p)])"
    result = judge(HONEST, look, tmp_path=tmp_path)
    assert passed(result) and result.cells[1]["stdout"] == "[]\n"


NON_BLOCKING = """
import os, stat
for fd in range(3, 256):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.set_blocking(fd, False)
    except OSError:
        pass
"""


def test_a_tests_pipe_made_non_blocking_costs_the_next_student_nothing(tmp_path):
    """A submission that makes every pipe it holds non-blocking (a flag the sandbox's processes
    share): is the next submission in that sandbox still given its tests?"""
    judge(HONEST, NON_BLOCKING, tmp_path=tmp_path)
    assert passed(judge(HONEST, tmp_path=tmp_path))


def test_a_function_the_test_hands_over_cannot_rebind_the_tests_names(tmp_path):
    """A test that hands the student's function a function of its own gives it the test's
    globals (`f.__globals__`): does rebinding the setup's `check` there to a no-op still fail,
    and say so?"""
    hijack = (
        "def answer(made=None):\n"
        "    if made is not None:\n"
        "        made.__globals__['check'] = lambda *args: None\n"
        "    return 0\n"
    )
    test = "check(answer(lambda: 1), 42)\n"
    result = judge(hijack, test=test, tmp_path=tmp_path)
    assert not passed(result)
    verdict = next(r for r in result.cells.values() if "passed" in r)
    assert "the test's 'check'" in str(verdict.get("tampering")), verdict
    assert passed(judge(HONEST.replace("():", "(made=None):"), test=test, tmp_path=tmp_path))


# A test that hands student code a function of its own hands it the test's globals, and there
# the wrappers the student's functions return through: each attack tries to switch off the
# return check from there, then returns an object that equals anything.
ANYTHING = (
    "class Anything:\n"
    "    def __eq__(self, other):\n"
    "        return True\n"
    "    __hash__ = object.__hash__\n"
)
THROUGH_THE_TESTS_GLOBALS = {
    "the wrapper's closure cell rewritten": (
        "def answer(made):\n"
        "    for cell in made.__globals__['answer'].__closure__ or ():\n"
        "        if getattr(cell.cell_contents, '__name__', '') == 'check':\n"
        "            cell.cell_contents = lambda *args: None\n"
        "    return Anything()\n"
    ),
    "the check's state, found in the wrapper's constants, changed in place": (
        "def parts(code):\n"
        "    for const in code.co_consts:\n"
        "        yield const\n"
        "        if isinstance(const, tuple):\n"
        "            for item in const:\n"
        "                yield item\n"
        "                if isinstance(item, tuple):\n"
        "                    yield from item\n"
        "def answer(made):\n"
        "    wrapper = made.__globals__['answer']\n"
        "    found = list(parts(wrapper.__code__))\n"
        "    for value in list(found):\n"
        "        if callable(value) and hasattr(value, '__code__'):\n"
        "            found += parts(value.__code__)\n"
        "            value.__globals__.update(len=lambda x: 0, any=lambda x: False)\n"
        "            for cell in value.__closure__ or ():\n"
        "                if getattr(cell.cell_contents, '__name__', '') == 'check':\n"
        "                    cell.cell_contents = lambda *args: None\n"
        "    for value in found:\n"
        "        for change in (lambda: value.clear(), lambda: value.update({})):\n"
        "            try:\n"
        "                change()\n"
        "            except Exception:\n"
        "                pass\n"
        "        try:\n"
        "            value[id(Anything)] = (Anything, {})\n"
        "        except Exception:\n"
        "            pass\n"
        "        if isinstance(value, type) and issubclass(value, BaseException):\n"
        "            try:\n"
        "                value.__new__ = lambda cls, *args: ValueError()\n"
        "            except Exception:\n"
        "                pass\n"
        "    return Anything()\n"
    ),
    "the wrapper's keyword defaults and globals filled in": (
        "def answer(made):\n"
        "    wrapper = made.__globals__['answer']\n"
        "    for name in ('checker', 'function', 'STATE'):\n"
        "        wrapper.__globals__[name] = lambda *args: None\n"
        "    try:\n"
        "        wrapper.__kwdefaults__ = {'checker': lambda *args: None}\n"
        "    except Exception:\n"
        "        pass\n"
        "    return Anything()\n"
    ),
}


@pytest.mark.parametrize("attack", sorted(THROUGH_THE_TESTS_GLOBALS))
def test_the_return_check_cannot_be_switched_off_from_the_tests_globals(attack, tmp_path):
    """Does an object that equals anything still fail, however the answer tried to switch the
    return check off through a function the test handed it? (Rewriting the wrapper's closure
    cell passed this test, unflagged, before the check was baked into its code.)"""
    test = "def made():\n    return 1\nanswer(made)\ncheck(answer(made), 42)\n"
    result = judge(ANYTHING + THROUGH_THE_TESTS_GLOBALS[attack], test=test, tmp_path=tmp_path)
    assert not passed(result), result
    verdict = next(r for r in result.cells.values() if "passed" in r)
    assert verdict.get("tampering"), verdict


# The runner's functions that student code can reach (through a function the test hands it),
# made by `runner._baked` from these sources.
BAKED = ("RETURN_GUARD", "CHECKER", "CALL_CHECK", "RUN_CALL", "ATTRIBUTE_CHECK", "METHOD_CHECK",
         "MEMBERSHIP", "NAMES_SEEN", "CELLS_FOUND", "CELL_CONTENTS")


def test_what_student_code_can_reach_of_the_runner_looks_up_no_name():
    """The return check, its wrapper and the hooks of a rewritten test are in reach of student
    code: they must look up no global or builtin name (a dict anyone can change), only what is
    baked into their code."""
    import ast
    import dis
    from pathlib import Path

    def looked_up(code):
        found = {i.argval for i in dis.get_instructions(code) if i.opname == "LOAD_GLOBAL"}
        for const in code.co_consts:
            if isinstance(const, type(code)):
                found |= looked_up(const)
        return found

    tree = ast.parse((Path(sandbox.__file__).parent / "runner.py").read_text())
    sources = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in BAKED
    }
    assert len(sources) == len(BAKED)
    for name, source in sources.items():
        module = compile(source, "<grader>", "exec")
        (function,) = [c for c in module.co_consts if isinstance(c, type(module))]
        assert looked_up(function) == set(), name


# Changes that student code makes while the test runs and that put themselves back once used:
# nothing is left for the checks after the test to see. Each is (the answer, the test); the
# test must fail and be flagged, because the test's calls are checked as they are made.
SELF_UNDOING = {
    "a check of course.checks that puts the real one back when called": (
        "import course.checks as C\n"
        "real = C.assert_equal\n"
        "def fake(*args, **kwargs):\n"
        "    C.assert_equal = real\n"
        "def answer():\n"
        "    C.assert_equal = fake\n"
        "    return 0\n",
        "got = answer()\nchecks.assert_equal(got, 42)\n",
    ),
    "torch.equal, which the check calls, patched until it is used once": (
        "import torch\n"
        "real = torch.equal\n"
        "def fake(*args):\n"
        "    torch.equal = real\n"
        "    return True\n"
        "def answer():\n"
        "    torch.equal = fake\n"
        "    return torch.tensor([0])\n",
        "checks.assert_equal(answer(), torch.tensor([42]))\n",
    ),
    "a builtin the test calls, patched until it is used once": (
        "import builtins\n"
        "real = builtins.int\n"
        "def fake(value):\n"
        "    builtins.int = real\n"
        "    return 42\n"
        "def answer():\n"
        "    builtins.int = fake\n"
        "    return '0'\n",
        "check(int(answer()), 42)\n",
    ),
    "the test's check, rebound through a function it handed over, putting itself back": (
        "def answer(made):\n"
        "    names = made.__globals__\n"
        "    real = names['check']\n"
        "    def fake(*args):\n"
        "        names['check'] = real\n"
        "    names['check'] = fake\n"
        "    return 0\n",
        "def made():\n    return 1\ncheck(answer(made), 42)\n",
    ),
    "the test's expected value, rebound through a function it handed over": (
        "def answer(made):\n"
        "    made.__globals__['expected'] = 0\n"
        "    return 0\n",
        "def made():\n    return 1\nexpected = 42\ngot = answer(made)\ncheck(got, expected)\n",
    ),
    "torch.Tensor.__eq__ patched until one comparison of the test's used it": (
        "import torch\n"
        "real = torch.Tensor.__eq__\n"
        "def fake(self, other):\n"
        "    torch.Tensor.__eq__ = real\n"
        "    return torch.ones(self.shape, dtype=torch.bool)\n"
        "def answer():\n"
        "    torch.Tensor.__eq__ = fake\n"
        "    return torch.tensor([0])\n",
        "assert (answer() == torch.tensor([42])).all(), 'wrong'\n",
    ),
    "a property of torch.Tensor shadowed until the test read it": (
        "import torch\n"
        "def fake(self):\n"
        "    del torch.Tensor.shape\n"
        "    return torch.Size([42])\n"
        "def answer():\n"
        "    torch.Tensor.shape = property(fake)\n"
        "    return torch.zeros(0)\n",
        "out = answer()\nassert out.shape == (42,), 'wrong shape'\n",
    ),
    "torch.Tensor.__getitem__ shadowed until the test indexed": (
        "import torch\n"
        "def fake(self, index):\n"
        "    del torch.Tensor.__getitem__\n"
        "    return torch.tensor(42)\n"
        "def answer():\n"
        "    torch.Tensor.__getitem__ = fake\n"
        "    return torch.tensor([0])\n",
        "out = answer()\ncheck(out[0].item(), 42)\n",
    ),
    "torch.Tensor.__iter__ patched until the test's loop started": (
        "import torch\n"
        "real = torch.Tensor.__iter__\n"
        "def fake(self):\n"
        "    torch.Tensor.__iter__ = real\n"
        "    return iter([torch.tensor(42)])\n"
        "def answer():\n"
        "    return torch.tensor([0])\n"
        "def prepare():\n"
        "    torch.Tensor.__iter__ = fake\n",
        "out = answer()\nprepare()\nfor value in out:\n    check(value.item(), 42)\n",
    ),
    "a function made of the code of a lambda the test hands over, with the student's globals": (
        "import types, builtins, torch\n"
        "import course.checks as C\n"
        "REAL = C._detach\n"
        "state = {\"ours\": [], \"pending\": None}\n"
        "\n"
        "def fake_sin(t):\n"
        "    # runs inside the fake _detach (the lambda's code with our globals)\n"
        "    if any(t is o for o in state[\"ours\"]):\n"
        "        state[\"ours\"] = [o for o in state[\"ours\"] if o is not t]\n"
        "        state[\"pending\"] = REAL(t)\n"
        "        return Ret(state[\"pending\"])\n"
        "    if state[\"pending\"] is not None:\n"
        "        out, state[\"pending\"] = state[\"pending\"], None\n"
        "        if not state[\"ours\"]:\n"
        "            C._detach = REAL  # put back: nothing left for the checks after the test\n"
        "        return Ret(out)\n"
        "    return Ret(REAL(t))\n"
        "\n"
        "class Ret:\n"
        "    def __init__(self, v): self.v = v\n"
        "    def __mul__(self, other): return Ret(self.v)\n"
        "    def sum(self): return self.v\n"
        "\n"
        "class FakeTorch:\n"
        "    sin = staticmethod(fake_sin)\n"
        "\n"
        "def grad_of(f, x):\n"
        "    fake_globals = {\"torch\": FakeTorch(), \"__builtins__\": builtins}\n"
        "    fake = types.FunctionType(f.__code__, fake_globals)\n"
        "    C._detach = fake\n"
        "    out = torch.zeros_like(x).detach()\n"
        "    state[\"ours\"].append(out)\n"
        "    return out\n",
        "x = torch.tensor([1.0, -2.0, 3.0])\n"
        "g = grad_of(lambda t: (torch.sin(t) * t).sum(), x)\n"
        "checks.assert_close(g, torch.cos(x) * x + torch.sin(x), name=\"grad_of\")\n"
        "checks.assert_requires_grad(g, False, name=\"g\")\n",
    ),
    "a torch function mode of the student's, left on the stack between two calls": (
        "import torch\n"
        "from torch.overrides import TorchFunctionMode\n"
        "class Liar(TorchFunctionMode):\n"
        "    def __torch_function__(self, func, types, args=(), kwargs=None):\n"
        "        if func is torch.Tensor.mul or func is torch.Tensor.__mul__:\n"
        "            return torch.zeros(3)\n"
        "        return func(*args, **(kwargs or {}))\n"
        "modes = []\n"
        "def answer(x, last=False):\n"
        "    while modes:\n"
        "        modes.pop().__exit__(None, None, None)\n"
        "    if not last:\n"
        "        modes.append(Liar())\n"
        "        modes[-1].__enter__()\n"
        "    return torch.zeros(3)\n",
        "for k in range(2):\n"
        "    x = torch.tensor([1.0, 2.0, 3.0]) + k\n"
        "    got = answer(x)\n"
        "    checks.assert_close(got, x * 2)\n"
        "answer(x, last=True)\n",
    ),
    "the answer's own wrapper swapped for the bare function, then put back by the value": (
        ANYTHING
        + "class Back(Anything):\n"
        "    def __eq__(self, other):\n"
        "        self.names['answer'] = self.wrapper\n"
        "        return True\n"
        "    __hash__ = object.__hash__\n"
        "def answer(made):\n"
        "    names = made.__globals__\n"
        "    if names['answer'] is not answer:\n"
        "        answer.saved = (names, names['answer'])\n"
        "        names['answer'] = answer\n"
        "        return 0\n"
        "    back = Back()\n"
        "    back.names, back.wrapper = answer.saved\n"
        "    return back\n",
        "def made():\n    return 1\nanswer(made)\ncheck(answer(made), 42)\n",
    ),
}


@pytest.mark.parametrize("attack", sorted(SELF_UNDOING))
def test_a_change_that_puts_itself_back_is_seen_before_the_test_calls_on(attack, tmp_path):
    """Is a change student code makes while the test runs seen at the test's next call, though
    it puts itself back before the test ends? (The check of course.checks, the expected value
    and the wrapper swapped passed the test, unflagged, before the test's calls were checked;
    the property of torch.Tensor passed while only calls were, not attribute reads; the
    function made of the test's lambda while a function of the test's code was trusted
    whatever its globals; the mode while modes were looked at only before and after the
    test.)"""
    answer, test = SELF_UNDOING[attack]
    result = judge(answer, test=test, setup=CHECKS_SETUP, tmp_path=tmp_path)
    assert not passed(result), result
    verdict = next(r for r in result.cells.values() if "passed" in r)
    assert verdict.get("tampering"), verdict


# Changes that touch no namespace and no function's code (tester 16): a class's bases, a closure
# cell behind torch's operators, a name added to the test's namespace, a name rebound inside a
# block of the test. Each passed its test with a wrong answer, unflagged.
UNSEEN_CHANGES = {
    "the bases of torch's comparison pair swapped for one that never fails": (
        "from torch.testing._comparison import Pair, TensorLikePair\n"
        "class Lenient(Pair):\n"
        "    def _fail(self, *args, **kwargs):\n"
        "        return None\n"
        "TensorLikePair.__bases__ = (Lenient,)\n"
        "def answer():\n"
        "    return torch.zeros(3)\n",
        "checks.assert_close(answer(), torch.tensor([1.0, 2.0, 3.0]))\n",
    ),
    "the closure cell behind torch.Tensor.__pow__ rewritten": (
        "import torch\n"
        "def answer(x):\n"
        "    cell = torch.Tensor.__pow__.__closure__[0]\n"
        "    real = cell.cell_contents\n"
        "    cell.cell_contents = lambda a, b: torch.zeros(3) if a is x else real(a, b)\n"
        "    return torch.zeros(3)\n",
        "x = torch.tensor([1.0, 2.0, 3.0])\ngot = answer(x)\nchecks.assert_close(got, x ** 2)\n",
    ),
    "a builtin shadowed by a name added to the test's namespace": (
        "def answer(made):\n"
        "    made.__globals__['abs'] = lambda value: 0.0\n"
        "    return 0.0\n",
        "def made():\n    return 1\ngot = answer(made)\nassert abs(got - 42.0) < 1e-6\n",
    ),
    "the test's expected value rebound inside one of its blocks": (
        "def answer(made):\n"
        "    made.__globals__['expected'] = 0\n"
        "    return 0\n",
        "import contextlib\n"
        "def made():\n    return 1\n"
        "with contextlib.nullcontext():\n"
        "    expected = 42\n"
        "    got = answer(made)\n"
        "check(got, expected)\n",
    ),
}


@pytest.mark.parametrize("attack", sorted(UNSEEN_CHANGES))
def test_a_change_that_touches_no_namespace_still_fails_the_test(attack, tmp_path):
    """Is a wrong answer that changed a class's bases, a closure cell or the test's namespace
    still wrong?"""
    answer, test = UNSEEN_CHANGES[attack]
    result = judge(answer, test=test, setup=CHECKS_SETUP, tmp_path=tmp_path)
    assert not passed(result), result


# The test's own values, reached through what it made (tester 16 read lesson 02's expected
# gradients this way, and zeroed its tensors in place): each wrong answer passed, unflagged.
THE_TESTS_VALUES = {
    "the expected value, read through a method of a class the test defined": (
        "def answer():\n"
        "    for cls in object.__subclasses__():\n"
        "        if cls.__name__ == 'Spy':\n"
        "            return cls.note.__globals__.get('expected', 0)\n"
        "    return 0\n",
        "class Spy:\n    def note(self):\n        return 1\n"
        "expected = 41 + 1\ncheck(answer(), expected)\n",
    ),
    "the expected value, rebound in the cell of a function the test hands over": (
        "def answer(hint):\n"
        "    hint.__closure__[0].cell_contents = 7\n"
        "    return 7\n",
        "expected = 41 + 1\ndef hint():\n    return expected\n"
        "check(answer(hint), expected)\n",
    ),
}


# A library's frame-reading code run for the student (tester 17): every frame of the test's
# thread, and with them the test's values and the slot the runner reads its outcome from
# (full marks, clean, on every lesson).
THE_TESTS_VALUES |= {
    "the test's frame, through findCaller's code with globals of the student's": (
        "import logging, sys, types\n"
        "def answer():\n"
        "    frames = []\n"
        "    g = {'currentframe': sys._getframe, '__builtins__': __builtins__,\n"
        "         '_is_internal_frame': lambda frame: frames.append(frame)}\n"
        "    types.FunctionType(logging.Logger.findCaller.__code__, g)(None, False, 40)\n"
        "    for frame in frames:\n"
        "        if frame.f_code.co_name == '__test__':\n"
        "            return frame.f_locals['expected']\n"
        "    return 0\n",
        "expected = 41 + 1\ncheck(answer(), expected)\n",
    ),
    "the test's frame, handed to a frame evaluator of the student's (torch's set_eval_frame)": (
        "import torch\n"
        "frames = []\n"
        "def seen(frame, cache_entry, frame_state):\n"
        "    frames.append(frame)\n"
        "    return None\n"
        "def answer():\n"
        "    getattr(torch._C, '_dyn' + 'amo').eval_frame.set_eval_frame(seen)\n"
        "    return 0\n",
        "expected = 41 + 1\ncheck(answer(), expected)\n",
    ),
    "the test's frames, handed to a bytecode debugger's callback of the student's": (
        "import torch\n"
        "frames = []\n"
        "def answer():\n"
        "    api = getattr(torch._C, '_dyn' + 'amo').eval_frame\n"
        "    api.set_bytecode_debugger_callback(lambda *args: frames.append(args))\n"
        "    return 0\n",
        "expected = 41 + 1\ncheck(answer(), expected)\n",
    ),
    "the test's frame, through logging's own findCaller with its helpers replaced": (
        "import logging, sys\n"
        "def answer():\n"
        "    frames, real = [], (logging.currentframe, logging._is_internal_frame)\n"
        "    logging.currentframe = sys._getframe\n"
        "    logging._is_internal_frame = lambda frame: frames.append(frame)\n"
        "    try:\n"
        "        logging.getLogger('x').findCaller(False, 40)\n"
        "    except ValueError:\n"
        "        pass\n"
        "    logging.currentframe, logging._is_internal_frame = real\n"
        "    for frame in frames:\n"
        "        if frame.f_code.co_name == '__test__':\n"
        "            return frame.f_locals['expected']\n"
        "    return 0\n",
        "expected = 41 + 1\ncheck(answer(), expected)\n",
    ),
}


@pytest.mark.parametrize("attack", sorted(THE_TESTS_VALUES))
def test_the_tests_values_are_out_of_reach_or_watched(attack, tmp_path):
    """Does a wrong answer that read or rebound a value of the test's still fail, and is a
    rebound one flagged? (The test's values live in its function's locals; what its functions
    close over is checked at each step.)"""
    answer, test = THE_TESTS_VALUES[attack]
    result = judge(answer, test=test, tmp_path=tmp_path)
    assert not passed(result), result
    if "rebound" in attack:
        verdict = next(r for r in result.cells.values() if "passed" in r)
        assert "the test's 'expected'" in str(verdict.get("tampering")), verdict


def test_the_course_checks_run_with_no_garbage_collected(tmp_path):
    """A finalizer of the student's, run by the collector in the middle of a check, patched
    `torch.testing.assert_close` for `checks.assert_close` to call next, and the patch put itself
    back: a wrong answer passed, unflagged (126 to 129 collections after the answer returned,
    in the session that found it). A check the test calls now runs with no collection: a
    function the test hands one sees the collector off."""
    test = (
        "import gc\n"
        "states = []\n"
        "def doubled(x):\n"
        "    states.append(gc.isenabled())\n"
        "    return x * 2\n"
        "x = torch.randn(3, dtype=torch.float64, requires_grad=True)\n"
        "checks.assert_gradcheck(doubled, (x,))\n"
        "check((len(states) > 0, any(states), gc.isenabled()), (True, False, True))\n"
        "check(answer(), 42)\n"
    )
    result = judge(HONEST, test=test, setup=CHECKS_SETUP, tmp_path=tmp_path)
    assert passed(result), result


def test_a_test_may_patch_what_it_relies_on_with_its_own_functions(tmp_path):
    """A test that puts a recorder of its own in place of a checked function, or a stopped
    clock, and calls on while it is there: no tampering."""
    test = (
        "import time\n"
        "import course.checks as C\n"
        "calls = []\n"
        "def recorder(name, original):\n"
        "    def record(*args, **kwargs):\n"
        "        calls.append(name)\n"
        "        return original(*args, **kwargs)\n"
        "    return record\n"
        "real, real_time = C.assert_equal, time.time\n"
        "vars(C)['assert_equal'] = recorder('assert_equal', real)\n"
        "time.time = lambda: 0.0\n"
        "try:\n"
        "    checks.assert_equal(torch.tensor([answer()]), torch.tensor([42]))\n"
        "    C.assert_equal(torch.tensor(answer()), torch.tensor(42))\n"
        "    check(time.time(), 0.0)\n"
        "finally:\n"
        "    vars(C)['assert_equal'] = real\n"
        "    time.time = real_time\n"
        "check(calls, ['assert_equal', 'assert_equal'])\n"
        "for step in range(3):\n"
        "    value = answer()\n"
        "    check(value + step, 42 + step)\n"
    )
    result = judge(HONEST, test=test, setup=CHECKS_SETUP, tmp_path=tmp_path)
    assert passed(result), result
    verdict = next(r for r in result.cells.values() if "passed" in r)
    assert not verdict.get("tampering"), verdict


# Values made to pass a comparison, each with the test it fools on an engine that trusts them.
CHECKS_SETUP = "import torch\nfrom course import checks\n" + SETUP
FOOLING = {
    "an object that equals anything": (
        "class Anything:\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "def answer():\n"
        "    return Anything()\n",
        TEST,
    ),
    "the same, inside a dict": (
        "class Anything:\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "def answer():\n"
        "    return {'value': Anything()}\n",
        "check(answer()['value'], 42)\n",
    ),
    "a number that says it is a float, with no distance to anything": (
        "class Zero:\n"
        "    def __abs__(self):\n"
        "        return 0.0\n"
        "class Number:\n"
        "    __class__ = property(lambda self: float)\n"
        "    def __sub__(self, other):\n"
        "        return Zero()\n"
        "    __rsub__ = __sub__\n"
        "def answer():\n"
        "    return Number()\n",
        "x = answer()\nassert isinstance(x, float) and abs(x - 42.0) < 1e-6, 'wrong'\n",
    ),
    "a tensor whose own detach hands over the expected values": (
        "def answer():\n"
        "    t = torch.zeros(2)\n"
        "    t.detach = lambda: torch.full((2,), 42.0)\n"
        "    return t\n",
        "checks.assert_close(answer(), torch.full((2,), 42.0))\n",
    ),
    "a float of a class that inherits a subtraction patched into a library's class": (
        "import json\n"
        "json.JSONEncoder.__sub__ = json.JSONEncoder.__rsub__ = lambda self, other: 0.0\n"
        "class Number(json.JSONEncoder, float):\n"
        "    def __new__(cls):\n"
        "        return float.__new__(cls, 0.5)\n"
        "    def __init__(self, *args):\n"
        "        pass\n"
        "def answer():\n"
        "    return Number()\n",
        "x = answer()\nassert isinstance(x, float) and abs(x - 42.0) < 1e-6, 'wrong'\n",
    ),
    "an object whose __getattribute__ answers __class__": (
        "class Looks:\n"
        "    def __getattribute__(self, name):\n"
        "        if name == '__class__':\n"
        "            return int\n"
        "        return object.__getattribute__(self, name)\n"
        "def answer():\n"
        "    return Looks()\n",
        "assert isinstance(answer(), int), 'wrong'\n",
    ),
    "a class whose metaclass hides its bases": (
        "class Meta(type):\n"
        "    def mro(cls):\n"
        "        return (cls, object)\n"
        "    def __instancecheck__(cls, other):\n"
        "        return True\n"
        "class Anything(metaclass=Meta):\n"
        "    pass\n"
        "def answer():\n"
        "    return Anything()\n",
        "assert answer() is not None, 'wrong'\n",
    ),
    "a dataclass whose __eq__ finds a NotImplemented of the student's": (
        "import dataclasses, sys\n"
        "sys.modules['__main__'].NotImplemented = True\n"
        "@dataclasses.dataclass\n"
        "class Box:\n"
        "    value: int = 0\n"
        "def answer():\n"
        "    return Box()\n",
        TEST,
    ),
    "a float that takes its comparisons from a library class (torch.fx's Proxy)": (
        "import operator\n"
        "from torch.fx.proxy import Proxy\n"
        "class Tracer:\n"
        "    def create_proxy(self, kind, target, args, kwargs):\n"
        "        return 0.0 if target in (operator.sub, operator.abs) else True\n"
        "    def to_bool(self, proxy):\n"
        "        return True\n"
        "class Number(Proxy, float):\n"
        "    def __new__(cls):\n"
        "        return float.__new__(cls, 0.5)\n"
        "    def __init__(self, *args):\n"
        "        self.tracer, self.node = Tracer(), None\n"
        "def answer():\n"
        "    return Number()\n",
        "x = answer()\nassert isinstance(x, float) and abs(x - 42.0) < 1e-6, 'wrong'\n",
    ),
    "unittest.mock.ANY, which equals anything": (
        "import torch\n"  # a lesson's setup, which loads unittest.mock before the student
        "from unittest import mock\n"
        "def answer():\n"
        "    return mock.ANY\n",
        TEST,
    ),
    "a tensor the test hands in, given its own detach": (
        "def answer(p):\n"
        "    p.detach = lambda: torch.full((2,), 42.0)\n",
        "p = torch.zeros(2)\nanswer(p)\nchecks.assert_close(p, torch.full((2,), 42.0))\n",
    ),
}


@pytest.mark.parametrize("case", sorted(FOOLING))
def test_values_made_to_fool_a_comparison_fail_and_are_flagged(case, tmp_path):
    """Does an answer that returns (or leaves) a value made to pass a comparison fail, with the
    verdict naming it as tampering?"""
    source, test = FOOLING[case]
    setup = CHECKS_SETUP if "torch" in source else SETUP
    result = judge(source, test=test, setup=setup, tmp_path=tmp_path)
    assert not passed(result), case
    verdict = next(r for r in result.cells.values() if "passed" in r)
    assert "made to fool comparisons" in str(verdict.get("tampering")), verdict


def test_a_measured_function_cannot_reset_the_lines_assert_vectorised_counts(tmp_path):
    """`assert_vectorised` counts the lines a function runs with a trace function: can the
    function find it (`sys.gettrace()`) and put its count back after its own loop? (A looped
    answer passed lesson 01's checks that way: 15/15 instead of 9/15.)"""
    looped = (
        "import sys\n"
        "def answer(x):\n"
        "    tracer = sys.gettrace()\n"
        "    cells = [c for c in getattr(tracer, '__closure__', None) or ()\n"
        "             if type(c.cell_contents) is int]\n"
        "    before = [c.cell_contents for c in cells]\n"
        "    total = 0.0\n"
        "    for v in x.tolist():\n"
        "        total += v\n"
        "    for c, n in zip(cells, before):\n"
        "        c.cell_contents = n\n"
        "    return total\n"
    )
    test = "checks.assert_vectorised(answer, (torch.arange(5.0),), (torch.arange(500.0),))\n"
    result = judge(looped, test=test, setup=CHECKS_SETUP, tmp_path=tmp_path)
    assert not passed(result), result
    assert "loops in Python" in str(result.cells[1].get("error")), result


def test_a_patch_undone_as_the_tests_thread_ends_is_still_seen(tmp_path):
    """A student function switches a check off while the test runs and parks an object in the
    thread's local data whose finalizer puts the check back when the thread is torn down: is the
    change seen (the test fails, flagged) although it is gone by the time the thread is?"""
    undo = (
        "import threading\n"
        "from course import checks as _checks\n"
        "class Undo:\n"
        "    def __init__(self, real):\n"
        "        self.real = real\n"
        "    def __del__(self):\n"
        "        _checks.assert_equal = self.real\n"
        "def answer():\n"
        "    local = threading.local()\n"
        "    local.undo = Undo(_checks.assert_equal)\n"
        "    _checks.assert_equal = lambda *args, **kwargs: None\n"
        "    _keep.append(local)\n"
        "    return 0\n"
        "_keep = []\n"
    )
    test = "value = answer()\nchecks.assert_equal(torch.tensor(value), torch.tensor(42))\n"
    result = judge(undo, test=test, setup=CHECKS_SETUP, tmp_path=tmp_path)
    assert not passed(result)
    verdict = next(r for r in result.cells.values() if "passed" in r)
    assert "course.checks.assert_equal" in str(verdict.get("tampering")), verdict


def test_honest_values_of_every_kind_pass_unflagged(tmp_path):
    """Are the values honest answers return (namedtuples, one with its own __repr__, dicts,
    datasets, dataclasses, modules, tensors with their gradients, NumPy arrays and scalars),
    after importing torchvision (which swaps one of torch.onnx's aliases for its submodule),
    accepted as they are?"""
    honest = (
        "import collections, dataclasses, typing\n"
        "import numpy as np\n"
        "import torchvision.utils\n"
        "from torch.utils.data import Dataset\n"
        "Pair = collections.namedtuple('Pair', 'loss accuracy')\n"
        "class Batch(typing.NamedTuple):\n"
        "    rows: torch.Tensor\n"
        "    def __repr__(self):\n"
        "        return 'Batch(...)'\n"
        "@dataclasses.dataclass\n"
        "class Loader:\n"
        "    X: torch.Tensor\n"
        "    batch_size: int = 2\n"
        "    def __iter__(self):\n"
        "        return iter(self.X.split(self.batch_size))\n"
        "class Squares(Dataset):\n"
        "    def __len__(self):\n"
        "        return 3\n"
        "    def __getitem__(self, i):\n"
        "        return torch.tensor(float(i * i))\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.linear = torch.nn.Linear(2, 1)\n"
        "    def __repr__(self):\n"
        "        return 'Net()'\n"
        "def answer(p):\n"
        "    p.grad = torch.ones(2)\n"
        "    return (Pair(0.5, 1.0), {'rows': [torch.ones(2), np.zeros(3)], 'n': {1, 2}},\n"
        "            Squares(), Net(), torch.Size([2, 3]), None, Batch(torch.ones(2)),\n"
        "            Loader(torch.arange(4)), np.float64(0.25))\n"
    )
    test = (
        "p = torch.zeros(2, requires_grad=True)\n"
        "pair, table, squares, net, size, nothing, batch, loader, quarter = answer(p)\n"
        "assert [len(b) for b in loader] == [2, 2] and quarter == 0.25 and len(batch) == 1\n"
        "assert pair.loss == 0.5 and pair == (0.5, 1.0) and table['n'] == {1, 2}\n"
        "assert len(squares) == 3 and float(squares[2]) == 4.0 and size == (2, 3)\n"
        "checks.assert_close(p.grad, torch.ones(2))\n"
        "assert isinstance(net, torch.nn.Module) and nothing is None\n"
    )
    result = judge(honest, test=test, setup=CHECKS_SETUP, tmp_path=tmp_path)
    assert passed(result), result
    verdict = next(r for r in result.cells.values() if "passed" in r)
    assert not verdict.get("tampering"), verdict


def test_a_tests_pipe_shrunk_costs_the_next_student_nothing(tmp_path):
    """A submission that shrinks every pipe it holds to one page and makes it non-blocking
    (the tests pipe and the children's channel, which the sandbox's processes share): is the
    next submission's test, larger than that, still given whole, and is what its cell prints,
    larger than that too, still reported?"""
    shrink = NON_BLOCKING.replace("os.set_blocking(fd, False)", "fcntl.fcntl(fd, 1031, 4096)")
    judge(HONEST, "import fcntl\n" + shrink + NON_BLOCKING, tmp_path=tmp_path)
    large_test = TEST + "# " + "x" * 9000 + "\n"
    result = judge(HONEST + PIPES_SEEN, test=large_test, tmp_path=tmp_path)
    assert passed(result)
    assert result.cells[0]["stdout"] == "[]\n", "a pipe still non-blocking or shrunk"


# What a cell finds among the pipes it may write to: those not blocking or below 64 KiB.
PIPES_SEEN = """
import fcntl, os, stat
odd = []
for fd in range(3, 256):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode) and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_WRONLY:
            if not os.get_blocking(fd) or fcntl.fcntl(fd, 1032) < 65536:
                odd.append(fd)
    except OSError:
        pass
print(odd)
"""


def test_the_tests_pipe_shows_neither_a_test_nor_its_nonce(tmp_path):
    """A first exercise that leaves its test unread in the pipe (non-blocking reads fail at
    once), and a second that prints what the pipe holds: is the first test's source nowhere in
    what the submission shows, and does a sealed test name neither its source nor its nonce?"""
    dump = """
import os, stat
for fd in range(3, 256):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.set_blocking(fd, False)
            print(os.read(fd, 1 << 16))
    except OSError:
        pass
"""
    cells = [HONEST + NON_BLOCKING, TEST, dump, "check(answer(), 42)\n"]
    kinds = ["code", "test", "code", "test"]
    plan = Plan(cells=[{"index": i, "kind": k, "source": c}
                       for i, (k, c) in enumerate(zip(kinds, cells, strict=True))], setup=SETUP)
    result = run_sandboxed(plan=plan, scratch=tmp_path, limits=LIMITS)
    assert SECRET not in outputs(result)
    nonce = "0123456789abcdef" * 2
    message = sealed_test(nonce, TEST.encode())
    assert TEST.encode() not in message and nonce.encode() not in message
    body = message.partition(b"\n")[2]
    assert opened_test(nonce, body) == TEST.encode() and opened_test("f" * 32, body) is None


def test_nothing_can_be_planted_outside_the_scratch_folders(tmp_path):
    """Can a submission write to the sandbox's root, the runner's folder or the folder on the
    import path above `course`? (When the grader is not root, the root bwrap builds belongs to
    the sandbox's user; a kept sandbox would hand a planted module to the next submission.)"""
    plant = f"""
places = ('/planted', '/opt/autograder/planted.py', {str(sandbox.course_dir().parent)!r} + '/x.py',
          '/dev/planted', 'home.txt')
wrote = []
for path in places:
    try:
        open(path, 'w').write('x')
        wrote.append(path)
    except OSError:
        pass
print(wrote)
"""
    result = judge(HONEST, plant, tmp_path=tmp_path)
    assert passed(result)
    assert result.cells[1]["stdout"] == "['home.txt']\n"


def test_memory_maps_count_against_the_memory_limit(tmp_path):
    """Shared memory maps escape the data-segment limit: does the guard refuse those past it
    (1 GiB maps, untouched, against the 2 GiB default), anonymous or over a memfd?"""
    maps = """
import mmap, os
maps = []
try:
    for _ in range(2):
        maps.append(mmap.mmap(-1, 1 << 30))
    fd = os.memfd_create('more')
    os.ftruncate(fd, 1 << 20)
    maps.append(mmap.mmap(fd, 0))
    maps.append(mmap.mmap(-1, 1 << 30))
    print('mapped', len(maps))
except PermissionError:
    print('refused after', len(maps))
"""
    result = judge(HONEST, maps, tmp_path=tmp_path)
    assert passed(result) and result.cells[1]["stdout"] == "refused after 2\n"


def test_what_the_sandbox_cannot_empty_costs_the_next_student_nothing(tmp_path):
    """A submission that leaves folders its sandbox cannot simply remove (read-only, unreadable,
    one named like the next notebook): is the next submission in that sandbox judged in full,
    in a sandbox holding none of it?"""
    lock_up = """
import os
for top in ('submission.ipynb', 'locked', '/tmp/locked'):
    os.makedirs(f'{top}/inner', exist_ok=True)
    open(f'{top}/inner/f', 'w').write('x')
    os.chmod(f'{top}/inner', 0o500)
    os.chmod(top, 0o500)
os.makedirs('hidden/deep', exist_ok=True)
os.chmod('hidden', 0o000)
"""
    judge(WRONG, lock_up, tmp_path=tmp_path)
    look = "import os\nprint(sorted(os.listdir('.')), os.listdir('/tmp'))"
    result = judge(HONEST, look, tmp_path=tmp_path)
    assert passed(result), result.failures
    assert "locked" not in result.cells[1]["stdout"] and "hidden" not in result.cells[1]["stdout"]


def test_a_tree_too_big_to_empty_quickly_costs_the_next_student_little(tmp_path):
    """A submission that leaves a deep tree of many folders in its home: is the next
    submission judged in full, within its time, in a sandbox holding none of it?"""
    tree = """
import os
for _ in range(600):
    os.mkdir('d')
    os.chdir('d')
for i in range(60000):
    os.mkdir(str(i))
"""
    judge(WRONG, tree, tmp_path=tmp_path)
    # Emptying it folder by folder takes 18 s here: more than the next student's whole time.
    quick = replace(LIMITS, wall_s=10)
    result = judge(HONEST, "import os\nprint(os.listdir('.'))", tmp_path=tmp_path, limits=quick)
    assert passed(result), result.failures
    assert "'d'" not in result.cells[1]["stdout"]


STRAY = """
import os, time
if not os.path.exists('spawned'):  # only in the first exercise's child
    open('spawned', 'w').close()
    if os.fork() == 0:
        os.setsid()  # out of the child's process group
        if os.fork() == 0:
            for _ in range(2000):
                with open('stray.log', 'a') as log:
                    log.write('x')
                time.sleep(0.01)
        os._exit(0)
    while not os.path.exists('stray.log'):  # the stray is running before the exercise ends
        time.sleep(0.01)
"""
STILL = "import os, time\nbefore = os.path.getsize('stray.log')\ntime.sleep(0.3)\n"
STILL += "assert os.path.getsize('stray.log') == before, 'a process outlived its exercise'"
GONE = "import os, time\ntime.sleep(0.3)\nassert not os.path.exists('stray.log')"


def processes_plan(*cells_and_tests: tuple[str, str]) -> Plan:
    cells = [{"index": i, "kind": kind, "source": source}
             for i, (kind, source) in enumerate(cells_and_tests)]
    return Plan(cells=cells, setup=SETUP, allow=frozenset({"processes"}))


@pytest.mark.skipif(sandbox.isolation() != "bubblewrap", reason="needs a PID namespace")
def test_a_process_that_leaves_its_group_ends_with_its_exercise(tmp_path):
    """Lessons that allow processes: does a detached process (`setsid`) end with the exercise
    that started it, and does the sandbox, kept for the next student, hold none of it?"""
    plan = processes_plan(
        ("code", HONEST), ("code", STRAY), ("test", TEST), ("test", STILL), ("test", STILL)
    )
    result = run_sandboxed(plan=plan, scratch=tmp_path, limits=LIMITS)
    assert [result.cells[i].get("passed") for i in (2, 3, 4)] == [True, True, True], result
    assert sandbox._KEPT, "the sandbox of a lesson that allows processes was not kept"
    result = run_sandboxed(plan=processes_plan(("test", GONE)), scratch=tmp_path, limits=LIMITS)
    assert result.cells[0].get("passed"), result


def test_lesson_allowance_opens_only_what_it_names(tmp_path):
    """Does a lesson that declares `threads` get threads, and still no new processes?"""
    plan = Plan(
        cells=[
            {"index": 0, "kind": "code", "source": HONEST},
            {
                "index": 1,
                "kind": "code",
                "source": "import threading\nt = threading.Thread(target=print, args=('t',))\n"
                "t.start(); t.join()",
            },
            {"index": 2, "kind": "code", "source": "import os\nos.fork()"},
            {"index": 3, "kind": "test", "source": TEST},
        ],
        setup=SETUP,
        allow=frozenset({"threads"}),
    )
    result = run_sandboxed(plan=plan, scratch=tmp_path, limits=LIMITS)
    assert "error" not in result.cells[1] and result.cells[1]["stdout"] == "t\n"
    assert result.cells[2]["error"]["ename"] == "Refused"
    assert result.cells[3]["passed"]


def test_preloaded_modules_are_loaded_before_student_code(tmp_path):
    """Does the zygote import what the lesson preloads (and skip a name that is no module)?"""
    plan = Plan(
        cells=[
            {"index": 0, "kind": "code", "source": "import sys\nprint('colorsys' in sys.modules)"},
            {"index": 1, "kind": "test", "source": "import sys\nassert 'colorsys' in sys.modules"},
        ],
        setup=SETUP,
        preload=("colorsys", "no_such_module_here"),
    )
    result = run_sandboxed(plan=plan, scratch=tmp_path, limits=LIMITS)
    assert result.cells[0]["stdout"] == "True\n"
    assert result.cells[1]["passed"]


def test_preload_takes_only_module_names(tmp_path):
    """A lesson's `preload` metadata keeps dotted module names and drops anything else."""
    declared = ["torch._dynamo", "sklearn.datasets", "os; rm -rf /", "../x", "", 3, "a..b"]
    release = nbformat.v4.new_notebook(metadata={"autograder": {"preload": declared}})
    assert preloads(tmp_path, "lesson", release) == ["torch._dynamo", "sklearn.datasets"]


def test_cell_that_ends_the_kernel_costs_only_itself(tmp_path):
    """Does a student cell calling os._exit fail alone, with every exercise still judged?"""
    plan = Plan(
        cells=[
            {"index": 0, "kind": "code", "source": "import os\nos._exit(0)"},
            {"index": 1, "kind": "code", "source": HONEST},
            {"index": 2, "kind": "test", "source": TEST},
            {"index": 3, "kind": "test", "source": TEST},
        ],
        setup=SETUP,
    )
    result = run_sandboxed(plan=plan, scratch=tmp_path, limits=LIMITS)
    assert "exited" in result.failures[0]
    assert result.cells[2]["passed"] and result.cells[3]["passed"]


def test_event_lines_are_split_across_chunks_and_capped():
    """The grader's reader of the sandbox's pipes: lines across chunks, empty lines dropped (a
    64 KiB flood of newlines gives nothing to parse), a line longer than MAX_LINE dropped whole,
    and every byte counted against the run's output cap."""
    import os

    read_fd, write_fd = os.pipe()
    lines = sandbox._Lines(read_fd)
    sent = []

    def feed(data: bytes) -> list[bytes]:
        os.write(write_fd, data)
        sent.append(len(data))
        return lines.read()

    assert feed(b'{"a": 1}\n{"b"') == [b'{"a": 1}']
    assert feed(b": 2}\n\n\n") == [b'{"b": 2}']
    assert feed(b"\n" * (1 << 16)) == []
    too_long = b"x" * (1 << 16)
    assert all(feed(too_long) == [] for _ in range(sandbox.MAX_LINE // len(too_long) + 1))
    assert feed(b"tail of the long line\nnext\n") == [b"next"]
    assert lines.total == sum(sent)  # what the run's output cap counts
    os.close(write_fd)
    os.close(read_fd)


def test_next_childs_lines_read_before_the_zygote_announces_it_still_count():
    """On a busy machine the grader may read the next child's lines (its cells, its request for
    the test) before the zygote's lines that end the previous child and start this one. Are they
    kept and handled once the zygote names their nonces, and are forged or stale ones never, nor
    a test's event signed with the cells' nonce (which a student's thread may see) or a report
    of the test's cell signed with it, nor a signed line with bytes of another writer's in it?"""
    plan = Plan(
        cells=[
            {"index": 0, "kind": "code", "source": "x = 1"},
            {"index": 1, "kind": "test", "source": "assert x == 1"},
            {"index": 2, "kind": "test", "source": "assert x"},
        ],
        setup="",
    )
    watch = sandbox._Watch(plan, Limits(), deadline=float("inf"), result=sandbox.SandboxResult())
    sent: list[int] = []  # the tests the grader sent
    watch.send_test = sent.append

    def line(nonce: str, **event) -> bytes:  # as the channel's reader hands it over
        return signed_line(nonce, json.dumps(event).encode()).rstrip(b"\n")

    watch.from_zygote({"event": "start", "index": 1, "nonce": "first", "cells_nonce": "c1"})
    watch.from_child(line("first", event="ready", index=1))
    watch.from_child(line("first", event="verdict", index=1, passed=True))
    # The second child's lines and forged ones arrive while the first child is still current.
    for event in ("start", "done"):
        watch.from_child(line("c2", event=event, index=0, stdout="mine"))
    watch.from_child(line("forged", event="ready", index=2))
    watch.from_child(line("second", event="ready", index=2))
    assert sent == [1] and 0 not in watch.result.cells  # not trusted before the zygote's word
    watch.from_zygote({"event": "exit", "index": 1, "status": 0})
    watch.from_zygote({"event": "start", "index": 2, "nonce": "second", "cells_nonce": "c2"})
    assert sent == [1, 2], "the second child's request for its test was lost"
    assert watch.result.cells[0]["stdout"] == "mine"
    assert watch.current == 2 and watch.early == []
    watch.from_child(line("c2", event="verdict", index=2, passed=True))
    watch.from_child(line("second", event="done", index=2, stdout="forged"))
    for event in ("start", "done"):  # the test's cell, reported as a cell (no error, no verdict)
        watch.from_child(line("c2", event=event, index=2, stdout="forged"))
    assert 2 not in watch.result.cells, "a test's cell reported with the cells' nonce"
    spliced = line("second", event="verdict", index=2, passed=False, stdout="A" * 5000)
    spliced = spliced[:3000] + b'","passed":true,"x":"' + spliced[3000:]
    assert json.loads(spliced.partition(b" ")[2])["passed"] is True
    watch.from_child(spliced)
    assert 2 not in watch.verdicts and watch.current == 2, "a line not signed whole was taken"
    watch.from_child(line("second", event="verdict", index=2, passed=True))
    assert watch.verdicts[2]["passed"] is True
    watch.from_child(line("second", event="verdict", index=2, passed=False))
    second = watch.verdicts[2]  # one child writes one verdict: the first may have been forged
    assert second["passed"] is False and "second verdict" in str(second["tampering"]), second


# Honest code that needs the sandbox to be like Jupyter, each as an answer returning 42.
LIKE_JUPYTER = {
    # the word makes the sandbox warm torch's compiler up, after which autograd's first
    # backward pass would have wanted threads a lesson's limit refuses
    "a backward pass in a notebook that names torch.compile": (
        "# torch.compile could speed this up later\n"
        "def answer():\n"
        "    x = torch.ones(2, requires_grad=True)\n"
        "    (x * 21).sum().backward()\n"
        "    return int(x.grad.sum())\n"
    ),
    # torch.cond runs its branches through torch's compiler, whose frame evaluator the guard
    # installs only for a compiler the zygote loaded (the word in a cell has it loaded)
    "torch.cond and torch.compile in an answer": (
        "def times_14(t):\n"
        "    return t * 14\n"
        "def same(t):\n"
        "    return t.clone()\n"
        "def total(t):\n"
        "    return t.sum()\n"
        "def answer():\n"
        "    x = torch.ones(3)\n"
        "    y = torch.cond(x.sum() > 0, times_14, same, (x,))\n"
        "    return int(torch.compile(total, backend='eager')(y))\n"
    ),
    # TorchScript compiles a function from its source, which Jupyter keeps for every cell
    "torch.jit.script on a function of the student's cell": (
        "@torch.jit.script\n"
        "def forty_two(x: torch.Tensor) -> torch.Tensor:\n"
        "    return x * 42\n"
        "def answer():\n"
        "    return int(forty_two(torch.ones(1)))\n"
    ),
    # printing a caught error needs frames, which student code may not read
    "traceback.print_exc() in an except block": (
        "import traceback\n"
        "def answer():\n"
        "    try:\n"
        "        1 / 0\n"
        "    except ZeroDivisionError:\n"
        "        traceback.print_exc()\n"
        "        text = traceback.format_exc()\n"
        "        traceback.print_exception(ValueError('shown'))\n"
        "    return 42 if 'ZeroDivisionError: division by zero' in text else 0\n"
    ),
    # torch.fx walks the traceback of a call that failed to word its error: the student sees
    # torch's own message, not a refusal.
    "an exported program called with a shape it does not accept": (
        "class Double(torch.nn.Module):\n"
        "    def forward(self, x):\n"
        "        return x * 2\n"
        "program = torch.export.export(Double(), (torch.ones(4, 3),))\n"
        "def answer():\n"
        "    try:\n"
        "        program.module()(torch.ones(5, 3))\n"
        "    except Exception as error:\n"
        "        return 42 if 'Guard failed' in str(error) else 0\n"
    ),
}


@pytest.mark.parametrize("case", sorted(LIKE_JUPYTER))
def test_honest_code_runs_as_in_jupyter(case, tmp_path):
    """Does code that works in Jupyter work under the grader too?"""
    result = judge(LIKE_JUPYTER[case], setup="import torch\n" + SETUP, tmp_path=tmp_path)
    assert passed(result), result


def test_a_progress_bar_ends_with_its_cell_where_threads_are_allowed(tmp_path):
    """tqdm starts a monitor thread that never ends, and where a lesson allows threads a cell's
    threads are waited for: does a cell with a progress bar still end (and pass) at once?"""
    cells = ["from tqdm import tqdm\ndef answer():\n    return sum(1 for _ in tqdm(range(42)))\n"]
    plan = Plan(
        cells=[{"index": 0, "kind": "code", "source": cells[0]},
               {"index": 1, "kind": "test", "source": TEST}],
        setup=SETUP,
        allow=frozenset({"threads"}),
    )
    result = run_sandboxed(plan=plan, scratch=tmp_path, limits=replace(LIMITS, cell_s=15))
    assert passed(result), result


# In lessons that allow threads, a thread of the student's runs beside the runner's main
# thread. Each rebinds the runner's `send` and `opened_test` (found through `Child`) to write a
# passing verdict with whatever nonce they are handed, on every descriptor.
RACER = EVERY_CLASS + """
import posix, threading, time
child = next(c for c in every_class() if c.__name__ == "Child" and "judge" in vars(c))
runner = child.run.__globals__
real_send, signed_line, payload_of = runner["send"], runner["signed_line"], runner["payload_of"]
def win(nonce):
    data = b"".join(signed_line(nonce, payload_of({"event": "verdict", "index": i,
                    "passed": True, "tampering": []})) for i in range(50))
    for fd in range(3, 64):
        try:
            posix.write(fd, data)
        except OSError:
            pass
    posix._exit(0)
def evil_send(fd, event, nonce=None):
    if isinstance(nonce, str):
        win(nonce)
    real_send(fd, event, nonce)
def evil_open(nonce, payload):
    win(nonce)
def race():
    while True:
        runner["send"], runner["opened_test"] = evil_send, evil_open
        time.sleep(0.0001)
"""
THREAD_ATTACKS = {
    "a thread left running by a cell": RACER + "threading.Thread(target=race).start()\n",
    "a thread started by the answer as the test calls it": RACER
    + "def answer():\n    threading.Thread(target=race).start()\n    return 0\n",
    "a thread started by an at-fork hook": RACER
    + "import os\nos.register_at_fork(after_in_child=threading.Thread(target=race).start)\n",
    "a thread writing a passing outcome into the slot the runner reads": EVERY_CLASS
    + """
import threading
child = next(c for c in every_class() if c.__name__ == "Child" and "judge" in vars(c))
kept = child.run.__globals__["_KEPT"]
def race():
    while True:
        for x in list(kept):
            if type(x) is list and len(x) == 1 and type(x[0]) is tuple and len(x[0]) == 3:
                x[0] = None
def answer():
    import sys
    sys.setswitchinterval(1e-6)  # the main thread lets go of the interpreter at once
    threading.Thread(target=race, daemon=True).start()
    return 0
""",
    "a thread splicing `passed: true` into the verdict's own line": r"""
import os, fcntl, stat, threading, termios, array
def written_pipe(fd):
    try:
        mode, flags = os.fstat(fd).st_mode, fcntl.fcntl(fd, fcntl.F_GETFL)
    except OSError:
        return False
    return stat.S_ISFIFO(mode) and flags & os.O_ACCMODE == os.O_WRONLY
channel = next(fd for fd in range(3, 256) if written_pipe(fd))  # the children's channel
def splice():
    fcntl.fcntl(channel, fcntl.F_SETPIPE_SZ, 4096)  # the verdict's long line goes in by pages
    waiting = array.array("i", [0])
    while waiting[0] < 4096:  # a full page of the verdict waits: its writer is mid-line
        fcntl.ioctl(channel, termios.FIONREAD, waiting, True)
    for _ in range(200):  # each lands at a page boundary, inside the long error message
        os.write(channel, b'","traceback":[]},"passed":true,"error":null,"pad":{"a":"')
threading.Thread(target=splice, daemon=True).start()
def answer():
    raise Exception("A" * 19000)
""",
    "a thread setting a method on the grader's class between two cells": EVERY_CLASS
    + """
import sys, threading, time, posix
child = next(c for c in every_class() if c.__name__ == "Child" and "judge" in vars(c))
real = vars(child)["run_student_cell"]
def on_main_thread(self, cell, sources):  # `self` leads to the guard's trusted threads
    self.z.guard.trusted.add(threading.get_ident())
    for frame in sys._current_frames().values():
        while frame is not None:
            if frame.f_code.co_name == "run" and "nonce" in frame.f_locals:
                frame.f_globals["send"](self.channel, {"event": "verdict", "passed": True,
                    "index": self.exercise["test"], "tampering": []}, frame.f_locals["nonce"])
                posix._exit(0)
            frame = frame.f_back
    return real(self, cell, sources)
def race():
    while True:
        child.run_student_cell = on_main_thread
        time.sleep(0.0001)
threading.Thread(target=race, daemon=True).start()
""",
    "a thread rebinding the runner's function that is handed the snapshot": EVERY_CLASS
    + r"""
import threading, time
child = next(c for c in every_class() if c.__name__ == "Child" and "judge" in vars(c))
runner = child.run.__globals__
real = runner["run_on_own_thread"]
forged = {}
exec("def judge(self, nonce):\n"
     "    send(self.channel, {'event': 'verdict', 'index': self.exercise['test'],\n"
     "                        'passed': True, 'tampering': []}, nonce)\n"
     "    _exit(0)\n", forged)
def on_main_thread(code, namespace, **options):
    snapshot = getattr(options.get("restore"), "__self__", None)
    if snapshot is not None:  # its trusted writer sets any function's code
        judge = vars(child)["judge"]
        snapshot.restore_function(judge, forged["judge"].__code__, None, None)
    return real(code, namespace, **options)
def race():
    while True:
        runner["run_on_own_thread"] = on_main_thread
        time.sleep(0.0001)
threading.Thread(target=race, daemon=True).start()
""",
    "a thread reading frames while another makes the guard trust its caller": """
import sys, threading, posix
def ask():  # each refused `_getframe` has the guard look at who asked
    while True:
        try:
            sys._getframe()
        except Exception:
            pass
def read():
    while True:
        try:
            frames = sys._current_frames()
        except Exception:
            continue
        for frame in frames.values():
            while frame is not None:
                me, nonce = frame.f_locals.get("self"), frame.f_locals.get("nonce")
                send = frame.f_globals.get("send")
                if isinstance(nonce, str) and hasattr(me, "exercise") and callable(send):
                    send(me.channel, {"event": "verdict", "index": me.exercise["test"],
                                      "passed": True, "tampering": []}, nonce)
                    posix._exit(0)
                frame = frame.f_back
for target in (ask, ask, read):
    threading.Thread(target=target, daemon=True).start()
""",
}


@pytest.mark.parametrize("attack", sorted(THREAD_ATTACKS))
def test_a_thread_where_the_lesson_allows_them_cannot_pass_a_test(attack, tmp_path):
    """Where a lesson allows threads: does a thread of the student's, racing the runner's main
    thread as it judges, still fail the test (the verdict is decided in a fork holding the main
    thread alone)? An honest answer with a thread of its own still running passes."""
    def plan(*cells: str) -> Plan:
        code = [{"index": i, "kind": "code", "source": c} for i, c in enumerate(cells)]
        test = {"index": len(cells), "kind": "test", "source": TEST}
        return Plan(cells=code + [test], setup=SETUP, allow=frozenset({"threads"}))

    limits = replace(LIMITS, cell_s=20)
    source = THREAD_ATTACKS[attack]
    cells = (source,) if "def answer" in source else (WRONG, source)
    cells += ("later = 1", "later += 1")  # the cells' process goes on while the thread runs
    result = run_sandboxed(plan=plan(*cells), scratch=tmp_path, limits=limits)
    assert not passed(result), f"{attack}: {result}"
    idle = "import threading, time\nthreading.Thread(target=time.sleep, args=(60,)).start()\n"
    honest = run_sandboxed(plan=plan(HONEST, idle), scratch=tmp_path, limits=limits)
    assert passed(honest) and not honest.cells[2].get("tampering"), honest


NATIVE_CODE = """
import importlib.util, os, shutil, sysconfig

# A real extension module, copied where the submission may write: its machine code would run
# with the grader's memory in reach (a forged verdict). Each load must fail.
dynload = sysconfig.get_config_var("DESTSHARED")  # the standard library's extension modules
library = next(n for n in sorted(os.listdir(dynload)) if n.startswith("_bisect."))
loaded = []
for folder in ("/tmp", "/dev/shm", os.path.expanduser("~")):
    copy = os.path.join(folder, library)
    shutil.copyfile(os.path.join(dynload, library), copy)
    try:
        spec = importlib.util.spec_from_file_location("_bisect", copy)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        loaded.append(folder)
    except ImportError:
        pass
print("loaded from", loaded)
if loaded:
    def answer():
        return 42
"""


@pytest.mark.skipif(sandbox.isolation() != "bubblewrap", reason="noexec mounts need bubblewrap")
def test_no_machine_code_the_submission_writes_can_run(tmp_path):
    """Shared libraries copied to /tmp, /dev/shm and the home cannot be loaded (the folders are
    noexec), while the course's own extension modules still import on demand."""
    result = judge(WRONG, NATIVE_CODE, tmp_path=tmp_path)
    assert not passed(result) and result.cells[1]["stdout"] == "loaded from []\n", result
    fresh = """
import importlib, os, sys, sysconfig
dynload = sysconfig.get_config_var("DESTSHARED")  # the standard library's extension modules
names = {n.split(".")[0] for n in os.listdir(dynload)}
leaves = ("cmath", "_lsprof", "_bz2", "_lzma", "syslog", "grp", "_csv", "_bisect")  # import nothing
fresh = [n for n in leaves if n in names and n not in sys.modules]
importlib.import_module(fresh[0])
print("imported", fresh[0])
"""
    result = judge(HONEST, fresh, tmp_path=tmp_path)
    assert passed(result) and result.cells[1]["stdout"].startswith("imported "), result


# Kernels and hooks live in torch's C++ dispatcher and in registries every module runs, out of a
# snapshot's sight. Each attack answers zeros; the test compares tensors.
ZEROS = "def answer(x):\n    return torch.zeros_like(x)\n"
TORCH_TEST = (
    "x = torch.tensor([1.0, 2.0])\nchecks.assert_close(answer(x), torch.nn.Identity()(x))\n"
)
ALWAYS_CLOSE = (
    "def always_close(a, b, *args, **kwargs):\n"
    "    return torch.ones(torch.broadcast_shapes(a.shape, b.shape), dtype=torch.bool)\n"
)
TORCH_STATE_ATTACKS = {
    "a kernel of the student's for aten::isclose": ALWAYS_CLOSE
    + "library = torch.library.Library('aten', 'IMPL')\n"
    "library.impl('isclose', always_close, 'CompositeImplicitAutograd')\n",
    "the same through torch._C._dispatch_library": ALWAYS_CLOSE
    + "made = torch._C._dispatch_library('IMPL', 'aten', '', 'x.py', 1)\n"
    "made.impl('isclose', always_close, 'CompositeImplicitAutograd', True, False)\n",
    "the same, asking the guard's audit event directly": ALWAYS_CLOSE
    + "import sys\nmade = []\n"
    "sys.audit('autograder.torch_library', 'IMPL', 'aten', '', 'x.py', 1, made)\n"
    "made[0].impl('isclose', always_close, 'CompositeImplicitAutograd', True, False)\n",
    "a global forward hook that zeroes every module's output": (
        "from torch.nn.modules.module import register_module_forward_hook\n"
        "register_module_forward_hook(lambda module, args, out: torch.zeros_like(out))\n"
    ),
    "a new registry of global hooks, bound in place of torch's": (
        "import collections\nimport torch.nn.modules.module as module\n"
        "hooks = collections.OrderedDict({1: lambda m, args, out: torch.zeros_like(out)})\n"
        "module._global_forward_hooks = hooks\n"
    ),
    "the same hook, registered while the test calls the answer": (
        "def answer(x):\n"
        "    from torch.nn.modules.module import register_module_forward_hook\n"
        "    register_module_forward_hook(lambda module, args, out: torch.zeros_like(out))\n"
        "    return torch.zeros_like(x)\n"
    ),
}


@pytest.mark.parametrize("attack", sorted(TORCH_STATE_ATTACKS))
def test_torch_kernels_and_global_hooks_of_the_students_cannot_pass_a_test(attack, tmp_path):
    """Does an answer of zeros fail although it registered a kernel for one of torch's own
    operators, or a hook every module runs (refused, or undone and flagged)?"""
    cells = (ZEROS, TORCH_STATE_ATTACKS[attack])
    result = judge(*cells, test=TORCH_TEST, setup=CHECKS_SETUP, tmp_path=tmp_path)
    assert not passed(result), attack
    verdict = next(r for r in result.cells.values() if "passed" in r)
    if "hook" in attack:
        assert "torch's global hooks" in str(verdict.get("tampering")), verdict
    else:
        assert "torch's own operators (aten)" in outputs(result), result


def test_an_operator_of_the_students_own_namespace_still_works(tmp_path):
    """A custom operator in a namespace of the student's (torch.library's teaching example)."""
    custom = (
        "import torch\n"
        "@torch.library.custom_op('mylib::double', mutates_args=())\n"
        "def double(x: torch.Tensor) -> torch.Tensor:\n"
        "    return x * 2\n"
        "def answer(x):\n"
        "    return torch.ops.mylib.double(x)\n"
    )
    test = "x = torch.tensor([1.0, 2.0])\nchecks.assert_close(answer(x), x * 2)\n"
    result = judge(custom, test=test, setup=CHECKS_SETUP, tmp_path=tmp_path)
    verdict = next(r for r in result.cells.values() if "passed" in r)
    assert passed(result) and not verdict.get("tampering"), result


def test_a_runner_that_cannot_make_its_sandbox_safe_says_why():
    """The runner's reason for grading nothing (a folder it could not remount noexec) reaches
    the instructor; a child (which never holds the zygote's channel) cannot send it."""
    plan = Plan(cells=[{"index": 0, "kind": "test", "source": TEST}], setup=SETUP)
    watch = sandbox._Watch(plan, LIMITS, time.monotonic() + 60, sandbox.SandboxResult())
    reason = "the grading sandbox cannot mount /tmp noexec (EPERM): nothing is graded"
    watch.from_zygote({"event": "unsafe", "reason": reason})
    assert watch.reason == reason


def test_a_sandbox_that_dies_loading_the_lesson_is_tried_again_then_reported(tmp_path, monkeypatch):
    """A sandbox that dies before the first exercise (a busy machine killed it while it loaded
    the lesson) ran no code of the student's: is the submission run again in a fresh one, and
    when that dies too, reported as not graded rather than as a submission that scores 0?"""
    made = []
    real_box = sandbox._Box
    monkeypatch.setattr(sandbox, "_Box", lambda *args: made.append(args) or real_box(*args))
    dies = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"
    result = judge(HONEST, setup=dies, tmp_path=tmp_path)
    assert len(made) == 2, f"{len(made)} sandboxes started, expected the first and one more"
    assert "killed" in result.setup_failed and not passed(result), result
    made.clear()
    result = judge(HONEST, tmp_path=tmp_path)
    assert passed(result) and result.setup_failed == "", result
    assert len(made) <= 1, "a sandbox that reached its exercises was started again"
