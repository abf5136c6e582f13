"""The program that runs inside the sandbox: a trusted zygote, and one fresh child per exercise.

It is started by `autograder.sandbox` and needs only the standard library, IPython and the course.

1. The zygote reads its job (the setup cell, the student's cells, which exercises to judge; no
   test source) from stdin, imports torch and `course`, runs the lesson's setup cell and records
   the pristine state of everything a test relies on, all before any student code exists.
2. For each exercise it forks a child. The child installs an audit hook that cannot be removed
   (`guard.install`), runs the student's code cells that come before that exercise's test, asks
   the grader for the test's source, runs the test in a fresh namespace and writes one verdict.
   Nothing survives from one exercise's child to the next.
3. Every message a child writes carries a secret nonce that the zygote drew for that child only
   after the previous child was gone (one for its cells' events, one for its test's), and that
   lives only in locals of trusted functions: the guard refuses frames, tracebacks' frames, `gc`
   walks, `ctypes`, tracing and `/proc/self`, so student code cannot read it. Where the lesson
   allows threads, the test's nonce is used only in forks that hold the main thread alone
   (`Child.alone`): no thread of the student's runs beside the code that decides the verdict.
   The zygote's own messages go on a descriptor no child keeps. A test comes sealed for its
   child's nonce (`guard.sealed_test`): a process of the student's that reads the tests pipe
   instead learns neither the test nor the nonce, and the zygote empties that pipe before each
   child, which makes its reads block again.

Trusted code in the child calls only functions captured while the zygote was still pristine
(student code can rebind module attributes and builtins; it cannot change what these names hold).
"""

from __future__ import annotations

import _json
import _operator
import _thread
import builtins
import fcntl
import gc
import io
import itertools
import linecache
import os
import posix
import resource
import secrets
import signal
import sys
import time
import types

from guard import (  # guard.py sits next to this file
    ATTRIBUTE_MARK,
    CALL_EVENT,
    CALL_MARK,
    CELLS_MARK,
    COMPILER_WORDS,
    METHOD_MARK,
    OPERATIONS,
    SEEN_MARK,
    SLICE_MARK,
    TEST_FUNCTION,
    Guard,
    opened_test,
    protected_code_ids,
    signed_line,
    thread_gate,
)

_GUARD_MODULE = sys.modules.pop("guard")  # importing it again gives a copy that shares nothing

MAX_OUTPUT = 20_000  # characters of a cell's output kept
MAX_TRACEBACK = 30  # frames of a student cell's traceback kept
MAX_TEST_BYTES = 1 << 20
MAX_STALE_TESTS = 8  # tests sealed for earlier children a child skips before its own
PR_SET_DUMPABLE = 4  # prctl's option (linux/prctl.h)
IMMUTABLE_TYPE = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE: a class no one can change

# Modules whose namespaces tests rely on; any module whose name starts with one of these.
# The standard library's among them are those a check or a test calls into (clocks, tracing,
# paths, copies): a cell that rebinds `time.thread_time` or `sys.settrace` would fool them.
PROTECTED_PREFIXES = (
    "builtins", "course", "torch", "torchvision", "numpy", "math", "unittest", "random",
    "sys", "os", "posixpath", "sysconfig", "time", "timeit", "copy", "pickle", "tempfile",
    "inspect", "io", "subprocess", "linecache",
)  # fmt: skip
# Modules that never change by themselves: every name in them is restored.
STRICT_PREFIXES = ("builtins", "course", "math", "autograder")
# The grader's own modules, watched like the others but kept out of `sys.modules` (importable,
# they would be in every student's reach).
GRADER_MODULES = ("autograder.runner", "autograder.guard")
# Names the interpreter or warnings write into any module: never tampering.
VOLATILE_NAMES = frozenset(
    {"__warningregistry__", "_", "__", "___", "__slotnames__"}
    | {"last_type", "last_value", "last_traceback", "last_exc"}  # sys, after an error
)
# Classes whose attributes decide how tests compare values.
PROTECTED_CLASSES = (
    "torch.Tensor",
    "torch.nn.Module",
    "torch.nn.Parameter",
    "numpy.ndarray",
    "torch.nn.modules.module.Module",
)
MODULE_HOOKS = ("__getattr__", "__dir__")  # what a module's namespace may add to its lookups
SYS_HOOKS = ("excepthook", "displayhook", "breakpointhook", "unraisablehook", "stdout", "stderr")

# Captured once, before any student code: trusted code never looks these names up again.
_write, _read, _exit, _fstat, _getpid = posix.write, posix.read, posix._exit, posix.fstat, os.getpid
_set_blocking = os.set_blocking
_encode = _json.make_encoder(
    None, repr, _json.encode_basestring_ascii, None, ":", ",", False, True, True
)
_join = "".join
_StringIO = io.StringIO
# The C method itself: student code may set `getvalue` on the stream it was handed as stdout.
_getvalue = io.StringIO.getvalue
_SYS = vars(sys)  # `sys`'s own dict: a module-level `__getattr__` there would run on a miss
_ModuleType = types.ModuleType
_FunctionType = types.FunctionType
_exec, _compile, _isinstance, _type, _len = builtins.exec, builtins.compile, isinstance, type, len
_sorted, _list, _dict, _str, _callable, _tuple = sorted, list, dict, str, callable, tuple
_range, _zip = range, zip
_all, _map, _is, _repeat = all, map, _operator.is_, itertools.repeat
_code_of = types.FunctionType.__dict__["__code__"].__get__
_defaults_of = types.FunctionType.__dict__["__defaults__"].__get__
_kwdefaults_of = types.FunctionType.__dict__["__kwdefaults__"].__get__
_globals_of = types.FunctionType.__dict__["__globals__"].__get__
_builtins_of = types.FunctionType.__dict__["__builtins__"].__get__
_closure_of = types.FunctionType.__dict__["__closure__"].__get__
_cell_contents = types.CellType.__dict__["cell_contents"].__get__
_freevars_of = types.CodeType.__dict__["co_freevars"].__get__
_set_cell_contents = types.CellType.__dict__["cell_contents"].__set__
_bases_of, _dict_of = type.__dict__["__bases__"].__get__, type.__dict__["__dict__"].__get__
_MODULES = sys.modules
_SELF = _MODULES[__name__]  # this module, whichever name it runs under (`__main__` in the sandbox)
_BUILTINS = vars(builtins)
_BUILTINS_PRISTINE = dict(_BUILTINS)
# The zygote replaces `_start_thread` with the guard's gate: the real starter is the hook's alone.
_start_thread, _new_lock = _thread.start_new_thread, _thread.allocate_lock
# The zygote sets this to the guard's reader of the outcome a thread body holds.
_outcome_of = None
_setrecursionlimit, _RECURSION_LIMIT = sys.setrecursionlimit, sys.getrecursionlimit()
_setswitchinterval, _SWITCH_INTERVAL = sys.setswitchinterval, sys.getswitchinterval()
_sleep = time.sleep
_audit = sys.audit
_gc_disable, _gc_enable, _gc_isenabled = gc.disable, gc.enable, gc.isenabled
_gc_set_threshold, _GC_THRESHOLD = gc.set_threshold, gc.get_threshold()
# Everything of the student's that trusted code replaces or holds: never freed on the main
# thread (a `__del__` or weakref callback run there would start above a frame holding the
# nonce); the child ends with `_exit`, which runs no finalizer.
_KEPT: list = []
_keep = _KEPT.append
_LINECACHE, _dict_clear, _dict_update = linecache.cache, dict.clear, dict.update

# Student code and tests run on a thread of their own whose first frame is this function (made
# afresh for each run, in a namespace of its own): walking `f_back` from student code ends here,
# never at a frame of the runner's (the nonce, the channel, the guard's switch live only on the
# main thread). Everything it uses is a parameter with a default (a local: student code that
# reaches this frame can read its locals and globals, and change neither). It writes the outcome
# into a slot that exists already (an item assignment cannot fail), tells the main thread, and
# waits until the main thread has read it, and then waits for ever: the thread never ends, so the
# interpreter never clears its thread-local data and context, which would run a `__del__` of the
# student's on it while the main thread goes on (the child ends with `_exit`, which clears
# nothing).
THREAD_BODY = """
def body(code, namespace, slot, done, read, exec=exec, BaseException=BaseException, kind_of=type,
         to_text=str, is_text=isinstance, str_type=str, str_str=str.__str__, name_of=None,
         failed=("?", "?", None)):
    outcome = failed
    try:
        exec(code, namespace)
        outcome = None
    except BaseException as exc:
        try:
            text = to_text(exc)
            text = str_str(text) if is_text(text, str_type) else "?"
            outcome = (str_str(name_of(kind_of(exc)))[:200], text[:20000], exc)
        except BaseException:
            outcome = failed
    slot[0] = outcome
    try:
        done.release()
        read.acquire()
        read.acquire()  # never released again: this thread never ends
    except BaseException:
        pass
"""


def _thread_body():
    """A fresh `body` (see THREAD_BODY): nothing an earlier cell did to one reaches the next."""
    namespace = {"__builtins__": {}, "str": str, "type": type, "isinstance": isinstance}
    namespace.update(exec=exec, BaseException=BaseException)
    _exec(_BODY_CODE, namespace)
    return namespace["body"], type.__dict__["__name__"].__get__


_BODY_CODE = compile(THREAD_BODY, "<grader>", "exec")
# What every thread the runner starts runs (the guard lets these start where threads are refused).
_BODY_FUNCTION_CODE = next(c for c in _BODY_CODE.co_consts if _isinstance(c, types.CodeType))


def run_on_own_thread(
    code,
    namespace: dict,
    *,
    tries: int = 2000,
    kept: dict | None = None,
    changed=None,
    while_waiting=None,
    restore=None,
) -> tuple | None:
    """Run `code` on a fresh thread and wait until it has run; None when it ran to the end, else
    (exception name, message, exception). The thread then waits for ever (see THREAD_BODY).

    The names of `kept` that `namespace` no longer holds (by identity) when the code has run go
    into `changed`, and `while_waiting()` runs (the check of everything else the test relies
    on), while the thread still waits: nothing it runs as it ends (a finalizer, the thread's
    local data being freed) can put anything back first.

    `restore()` puts back what student code may have changed in place in the grader's own
    state (`Snapshot.restore_grader`), or goes on in a fork where no student thread runs and
    does it there (`Child.alone`); it runs as soon as the code has run, before this function
    looks up any other name. It was bound on entry, before student code ran."""
    gc_disable, outcome_of, body_code = _gc_disable, _outcome_of, _BODY_FUNCTION_CODE
    slot: list = [("RuntimeError", "the thread ended without an outcome", None)]
    body, name_of = _thread_body()
    done, read = _new_lock(), _new_lock()
    done.acquire()
    read.acquire()
    _setrecursionlimit(_RECURSION_LIMIT)
    _setswitchinterval(_SWITCH_INTERVAL)  # how often threads take turns: the student may set it
    _gc_set_threshold(*_GC_THRESHOLD)  # a cell that made collections constant slows no other
    _gc_enable()  # the student's thread collects its garbage; the main thread never does
    for attempt in _range(tries):
        try:
            ident = _start_thread(body, (code, namespace, slot, done, read), {"name_of": name_of})
            break
        except RuntimeError:  # no task left under the limit (the kernel may be slow to count)
            if attempt + 1 >= tries:
                raise
            done.acquire(True, 0.001)
    done.acquire()
    gc_disable()  # no collection on this thread from here on: it would run student finalizers
    # The body's own local, while the thread waits in it (nothing it runs as it ends can change
    # it), read before `restore` may fork without that thread.
    parked, outcome = (True, slot[0]) if outcome_of is None else outcome_of(ident, body_code)
    if restore is not None:
        restore()
    if not parked:
        outcome = ("OutcomeForged", "the thread said it was done while its code still ran", None)
    # Kept only once read: `_KEPT` is in reach of student code (through the runner's namespace),
    # and a thread of the student's could have written a passing outcome into a slot it found
    # there. The slot holds the student's exception: it is never freed on this thread.
    _keep(slot)
    if kept is not None and changed is not None:
        _sanitize(namespace)  # plain-string keys only: the lookups below run no student code
        changed += [key for key, value in kept.items() if namespace.get(key, _MISSING) is not value]
    if while_waiting is not None:
        while_waiting()
    read.release()  # the thread goes on to wait for ever, running nothing of the student's
    if outcome is not None and (_type(outcome) is not _tuple or _len(outcome) != 3):
        return ("RuntimeError", "the cell's thread ended without an outcome", None)
    return outcome


def payload_of(event: dict) -> bytes:
    """One event as JSON, encoded by C code only (student code cannot see the nonce)."""
    return _join(_encode(event, 0)).encode("utf-8", "replace")


def line_of(event: dict) -> bytes:
    """One event of the zygote's, as a line."""
    return payload_of(event) + b"\n"


def send(fd: int, event: dict, nonce: str | None = None) -> None:
    """Write one event, signed with `nonce` when a child writes it (`guard.signed_line`); a
    reader that is gone ends this process quietly (a pipe that student code made non-blocking
    is made to block again, not taken for a reader that is gone)."""
    data = line_of(event) if nonce is None else signed_line(nonce, payload_of(event))
    while data:
        try:
            data = data[_write(fd, data) :]
        except BlockingIOError:
            _set_blocking(fd, True)
        except OSError:
            _exit(0)


def read_job() -> dict | None:
    """The next job from stdin (`LENGTH\n` then that many bytes of JSON); None at the end.

    Only the zygote reads stdin: every child closes it before any student code runs.
    """
    import json

    head = b""
    while not head.endswith(b"\n"):
        byte = os.read(0, 1)
        if not byte or len(head) > 20:
            return None
        head += byte
    size, data = int(head), b""
    while len(data) < size:
        chunk = os.read(0, size - len(data))
        if not chunk:
            return None
        data += chunk
    return json.loads(data)


def drop_privileges(uid: int | None) -> None:
    """Become `uid` (a user that owns nothing) when started as root."""
    if uid is None or os.geteuid() != 0:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


# mount(2) flags, and the capability-set layout of capset(2) (version 3: two 32-bit words each).
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 2, 4, 8, 32, 4096
LINUX_CAPABILITY_VERSION_3 = 0x20080522
# Where code in the sandbox may write (besides its home): nothing there may run as machine code.
WRITABLE_MOUNTS = ("/tmp", "/dev/shm")


def forbid_native_code(workdir: str | None, own: int) -> None:
    """Inside bubblewrap (`workdir` set): remount the folders the student may write, the home,
    `/tmp` and `/dev/shm`, `noexec`. A shared library or program written there (one that could
    read the verdict's nonce from memory and forge a verdict) can then be neither loaded nor
    run. Fails closed: a sandbox that cannot do it grades nothing."""
    if workdir is None:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC
    for folder in (workdir, *WRITABLE_MOUNTS):
        if libc.mount(None, folder.encode(), None, flags, None) != 0:
            problem = f"cannot mount {folder} noexec ({os.strerror(ctypes.get_errno())})"
            _fail_closed(problem, own)


def drop_capabilities(own: int) -> None:
    """Give up every capability: bubblewrap in a user namespace grants CAP_SYS_ADMIN for the
    remount in `forbid_native_code` (as root, becoming the sandbox's user drops them anyway), and
    with none left the student's code cannot make its folders executable again."""
    import ctypes

    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    nothing = (ctypes.c_uint32 * 6)()
    try:
        capset = ctypes.CDLL(None, use_errno=True).capset
    except AttributeError:
        return  # not Linux: no bubblewrap, so no capabilities were granted
    if capset(header, nothing) != 0:
        _fail_closed(f"cannot drop its capabilities ({os.strerror(ctypes.get_errno())})", own)


def _fail_closed(problem: str, own: int) -> None:
    """Tell the grader (on the zygote's channel) why nothing will be graded, and end."""
    send(own, {"event": "unsafe", "reason": f"the grading sandbox {problem}: nothing is graded"})
    _exit(4)


def forbid_memory_reads() -> None:
    """Make the runner non-dumpable (its children inherit it): a process that the student's code
    starts afresh, without the audit hook, cannot read their memory (the nonces) with ptrace or
    `process_vm_readv`, even when the grader is a normal user and the sandbox runs as that user."""
    import ctypes  # torch loads it anyway; past the guard, student code can make no ctypes call

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: no prctl, and no such reads through /proc either


def prepare_workdir(job: dict, *, after_another: bool = False) -> None:
    """Copy the lesson's files and the student's visible notebook into the private workdir
    (emptied first, with `/tmp` and `/dev/shm`, when the sandbox is kept for the next
    submission: `after_another`)."""
    import shutil

    workdir = job.get("workdir") or os.getcwd()
    if job.get("wipe"):
        deadline = time.monotonic() + WIPE_S
        emptied = all([_empty(folder, deadline) for folder in (workdir, "/tmp", "/dev/shm")])
        if after_another and not emptied:
            # What the last submission left would meet this one: end before any exercise, and
            # the grader starts a fresh sandbox for this submission.
            _exit(3)
    source = job.get("lesson_dir")
    if source and os.path.isdir(source) and os.path.realpath(source) != os.path.realpath(workdir):
        for folder, _dirs, files in os.walk(source):  # links are neither followed nor copied
            target = os.path.join(workdir, os.path.relpath(folder, source))
            os.makedirs(target, exist_ok=True)
            for name in files:
                if not os.path.islink(os.path.join(folder, name)):
                    shutil.copyfile(os.path.join(folder, name), os.path.join(target, name))
    os.chdir(workdir)


# The longest a kept sandbox spends emptying what the last submission left, on the next one's
# clock; past it (a tree of a million folders), a fresh sandbox costs the next student less.
WIPE_S = 2.0


def _empty(folder: str, deadline: float) -> bool:
    """Remove everything in `folder` but the sandbox's own mounts (the environment's read-only
    folders, which bubblewrap may place under `/tmp`), folders the last submission made
    read-only included; whether nothing else is left (False, too, past `deadline`). Files go
    as they are listed, and the clock is read every few entries: a folder of a million empty
    files costs the next submission no more than the deadline."""
    if not os.path.isdir(folder):
        return True
    device = os.stat(folder).st_dev
    _own_folder(folder)
    left, folders, pending = 0, [], [folder]
    while pending:
        try:
            listing = os.scandir(pending.pop())
        except OSError:
            left += 1
            continue
        with listing:
            for count, entry in enumerate(listing):
                if count % 256 == 0 and time.monotonic() > deadline:
                    return False
                left += _remove_or_enter(entry, device, folders, pending)
    for path in reversed(folders):  # the deepest first
        if time.monotonic() > deadline:
            return False
        try:
            os.rmdir(path)
        except OSError:
            pass  # it holds a mount point (or a file counted above)
    return left == 0


def _remove_or_enter(entry: os.DirEntry, device: int, folders: list, pending: list) -> int:
    """Unlink a file or link (1 when it stays, a mount point excepted); queue a folder."""
    try:
        if entry.is_dir(follow_symlinks=False):
            if entry.stat(follow_symlinks=False).st_dev == device:  # else a mount point
                _own_folder(entry.path)  # before it is listed
                folders.append(entry.path)
                pending.append(entry.path)
            return 0
        os.unlink(entry.path)
        return 0
    except OSError:
        try:
            return int(os.lstat(entry.path).st_dev == device)  # a mounted file is not left over
        except OSError:
            return 0  # gone after all


def _own_folder(path: str) -> None:
    try:
        os.chmod(path, 0o700)
    except OSError:
        pass


def identity(fd: int) -> tuple[int, int]:
    """What a descriptor refers to, so trusted code notices when student code swapped it."""
    try:
        st = _fstat(fd)
    except OSError:
        return (-1, -1)
    return (st.st_dev, st.st_ino)


# Where CPython 3.11-3.13 keeps what `Snapshot` reads as raw words: a dict's version tag, after
# the object header and `ma_used`; a function's `__code__`, `__defaults__`, `__kwdefaults__`.
_DICT_VERSION = 24
_FUNCTION_FIELDS = (48, 56, 64)


class Words:
    """Machine words inside objects that the snapshot keeps alive, read in one NumPy gather
    through a read-only view of memory.

    Reading touches no object. Comparing references does (it writes each object's reference
    count), and in a forked child every page so written is copied: that was more than half of
    each exercise's time. `Snapshot` reads two kinds of words, each only after an experiment in
    the zygote showed that this interpreter keeps it where expected: each protected namespace's
    version tag (CPython gives a dict a new one on every change, PEP 509) and each protected
    function's code and defaults pointers.
    """

    def __init__(self, addresses: list[int], numpy: types.ModuleType) -> None:
        positions = numpy.array(addresses, dtype=numpy.int64)
        low = int(positions.min())
        interface = {"shape": ((int(positions.max()) - low) // 8 + 1,), "typestr": "<u8"}
        interface |= {"data": (low, True), "version": 3}
        self.memory = numpy.asarray(types.SimpleNamespace(__array_interface__=interface))
        self.index = (positions - low) // 8
        self.pristine = self.read()
        self.pristine_array = self.memory[self.index].copy()
        self.pristine_bytes = self.pristine_array.tobytes()
        self.nonzero = numpy.flatnonzero

    def read(self) -> list[int]:
        return self.memory[self.index].tolist()

    def moved(self) -> list[int]:
        """The positions (in the addresses given) whose word differs from the first read."""
        now = self.memory[self.index]
        if now.tobytes() == self.pristine_bytes:
            return []
        return self.nonzero(now != self.pristine_array).tolist()

    def at(self, positions: list[int]) -> list[int]:
        """The words at these positions now."""
        return self.memory[self.index[positions]].tolist()


def _words(addresses: list[int | None], works) -> Words | None:
    """A `Words` reader, or None where an address is unknown, NumPy is not loaded or
    `works(numpy)` is false."""
    numpy = sys.modules.get("numpy")
    if not addresses or None in addresses or numpy is None or not works(numpy):
        return None
    return Words(addresses, numpy)


def _namespace_of(cls: type) -> dict | None:
    """The dict behind a class's read-only `__dict__` view (None if there is none)."""
    return next((d for d in gc.get_referents(vars(cls)) if isinstance(d, dict)), None)


def _dict_versions_work(numpy: types.ModuleType) -> bool:
    """Whether every kind of change to a dict, a module's and a class's namespace moves its
    version tag, and reading does not."""
    probe, module = {"a": 1}, types.ModuleType("probe")
    kind = type("Probe", (), {})
    changes = [
        (probe, lambda: probe.__setitem__("a", 2)),
        (probe, lambda: probe.__setitem__("b", 3)),
        (probe, lambda: probe.pop("b")),
        (probe, probe.clear),
        (vars(module), lambda: setattr(module, "x", 1)),
        (_namespace_of(kind), lambda: setattr(kind, "x", 1)),
        (_namespace_of(kind), lambda: delattr(kind, "x")),
    ]
    for d, change in changes:
        words = Words([id(d) + _DICT_VERSION], numpy)
        d.get("a")
        if words.moved():
            return False
        change()
        if not words.moved():
            return False
    return True


# Where CPython keeps a closure cell's contents: after the object header.
_CELL_CONTENTS = 16


def _protected_cells(values: list) -> list[tuple]:
    """(label, cell, its contents) for each closure cell of these functions (of staticmethods',
    classmethods' and properties' too, and one level into the functions the cells hold) that
    holds a function or a class."""
    found, pending, seen = [], [(v, 0) for v in values], set()
    while pending:
        value, depth = pending.pop()
        if _type(value) in (staticmethod, classmethod):
            value = value.__func__
        if _type(value) is property:
            pending += [(f, depth) for f in (value.fget, value.fset, value.fdel) if f]
            continue
        if _type(value) is not _FunctionType or id(value) in seen:
            continue
        seen.add(id(value))
        for cell in value.__closure__ or ():
            try:
                content = cell.cell_contents
            except ValueError:
                continue
            if _callable(content):
                label = f"{value.__module__}.{value.__qualname__}'s closure"
                found.append((label, cell, content))
                if depth < 1:
                    pending.append((content, depth + 1))
    return found


def _cell_contents_work(numpy: types.ModuleType) -> bool:
    """Whether the word read is a cell's contents, before and after they are replaced."""
    cell = types.CellType(print)
    words = Words([id(cell) + _CELL_CONTENTS], numpy)
    if words.read() != [id(print)]:
        return False
    cell.cell_contents = len
    return words.read() == [id(len)]


def _function_addresses(function) -> list[int]:
    return [id(function) + offset for offset in _FUNCTION_FIELDS]


def _function_fields(function) -> list[int]:
    """What the words at `_function_addresses` hold: the objects' addresses (0 for None)."""
    fields = (function.__code__, function.__defaults__, function.__kwdefaults__)
    return [0 if value is None else id(value) for value in fields]


def _function_fields_work(numpy: types.ModuleType) -> bool:
    """Whether the words read are a function's code and defaults, before and after each is
    replaced."""

    def probe(a=1, *, b=2):
        return a

    words = Words(_function_addresses(probe), numpy)
    if words.read() != _function_fields(probe):
        return False
    probe.__code__ = (lambda a=1, *, b=2: b).__code__
    probe.__defaults__, probe.__kwdefaults__ = (3,), {"b": 4}
    return words.read() == _function_fields(probe)


def _grader_dicts(metaclasses=()) -> list[tuple]:
    """(label, the dict, its keys, its values, a copy, the ids of its keys, None or the class
    whose namespace it is) for each dict of the grader's that student code
    reaches (every class is found through `object.__subclasses__()`, then a method's
    `__globals__` or `__kwdefaults__`) and could change in place: the runner's and the guard's
    namespaces, the runner's copy of the builtins, each grader function's keyword defaults, and
    the namespace of each of the grader's classes (an attribute set on a class raises no audit
    event: `Child.judge = forged` was a verdict of the student's), and of `metaclasses` (those
    of the classes tests rely on: a data descriptor set on one would run as the snapshot puts
    a class's attribute back). Taken in the zygote, the only place where `gc` hands out a
    class's own dict."""
    import gc

    found = [
        ("the runner's namespace", vars(_SELF), None),
        ("the guard's namespace", vars(_GUARD_MODULE), None),
        ("the runner's copy of the builtins", _BUILTINS_PRISTINE, None),
    ]
    for meta in metaclasses:
        if not meta.__flags__ & IMMUTABLE_TYPE:
            (namespace,) = gc.get_referents(vars(meta))
            found.append((f"the metaclass {meta.__qualname__}", namespace, meta))
    for cls in _grader_classes():
        if not cls.__flags__ & IMMUTABLE_TYPE:  # where `_freeze` could not make it so
            (namespace,) = gc.get_referents(vars(cls))
            found.append((f"the grader's class {cls.__name__}", namespace, cls))
    for module in (_SELF, _GUARD_MODULE):
        for value in list(vars(module).values()):
            members = list(vars(value).values()) if isinstance(value, type) else [value]
            for member in members:
                f = getattr(member, "__func__", member)  # a staticmethod's or classmethod's
                if isinstance(f, types.FunctionType) and f.__globals__ is vars(module):
                    if f.__kwdefaults__:
                        label = f"{f.__qualname__}'s keyword defaults"
                        found.append((label, f.__kwdefaults__, None))
    return [
        (label, d, list(d), list(d.values()), dict(d), frozenset(map(id, d)), owner)
        for label, d, owner in found
    ]


class Snapshot:
    """Pristine references to everything a test relies on, taken in the zygote."""

    def __init__(self, *, library_code: frozenset[int] = frozenset()) -> None:
        self.modules = protected_modules()
        self.module_dicts = {name: dict(vars(m)) for name, m in self.modules.items()}
        # A package's attribute that names another module (torch.onnx's `symbolic_helper`):
        # importing the submodule of that name later replaces it, which is no tampering.
        self.aliases = {
            (name, key)
            for name, d in self.module_dicts.items()
            for key, value in d.items()
            if _type(value) is _ModuleType and getattr(value, "__name__", None) != f"{name}.{key}"
        }
        self.classes = protected_classes()
        self.class_dicts = {name: dict(vars(c)) for name, c in self.classes.items()}
        self.class_by_id = {id(c): self.class_dicts[name] for name, c in self.classes.items()}
        self.hooks = {name: getattr(sys, name) for name in SYS_HOOKS}
        self.path = (list(sys.path), list(sys.meta_path), list(sys.path_hooks))
        self.builtins = dict(_BUILTINS)
        self.restore_function = None  # set by the zygote: the guard's trusted write
        self.grader_dicts: list[tuple] = []  # set by the zygote once the grader is complete
        self.grader_words: Words | None = None  # their version tags, set with them
        self.grader_changes: list[str] = []
        self.clean_at: dict[int, int] = {}  # `changed_now`: the version tag each was clean at
        self.clean_state = b""  # `changed_now`: every version tag when all were last clean
        self.code_ids = protected_code_ids(self.modules.values()) | library_code
        # Every callable the protected namespaces held (a test's recorder may hold one).
        self.library_values = frozenset(
            id(v) for d in self.module_dicts.values() for v in d.values() if _callable(v)
        )
        self.functions = [
            (f, f.__code__, f.__defaults__, f.__kwdefaults__)
            for d in self.module_dicts.values()
            for f in d.values()
            if _type(f) is _FunctionType
        ]
        # The same, column by column (functions, codes, defaults, kwdefaults), for the fast check.
        self.function_parts = tuple([entry[i] for entry in self.functions] for i in range(4))
        self.module_items = {n: (list(d), list(d.values())) for n, d in self.module_dicts.items()}
        self.class_items = {n: (list(d), list(d.values())) for n, d in self.class_dicts.items()}
        # What `versions` watches, in its order: every module's namespace, every class's, then
        # `sys.modules` itself.
        self.watched = [("module", n, m) for n, m in self.modules.items()]
        self.watched += [("class", n, c) for n, c in self.classes.items()]
        namespaces = [vars(m) for m in self.modules.values()]
        namespaces += [_namespace_of(c) for c in self.classes.values()] + [_MODULES]
        self.versions = _words(
            [None if d is None else id(d) + _DICT_VERSION for d in namespaces],
            _dict_versions_work,
        )
        self.function_words = _words(
            [a for f, *_ in self.functions for a in _function_addresses(f)], _function_fields_work
        )
        if self.function_words is not None and self.function_words.pristine != [
            i for f, *_ in self.functions for i in _function_fields(f)
        ]:
            self.function_words = None
        # The closure cells of those functions, and of the protected classes' methods, that
        # hold a function or class: torch's operators (`Tensor.__pow__`...) call the function
        # they wrap from a cell, and a cell's contents change with no audit event and no
        # namespace changing.
        self.cells = _protected_cells(
            [f for f, *_ in self.functions]
            + [v for d in self.class_dicts.values() for v in d.values()]
        )
        self.cell_words = _words([id(cell) + _CELL_CONTENTS for _l, cell, _c in self.cells],
                                 _cell_contents_work)

    def restore_grader(
        self,
        as_list=list,
        length=len,
        count=range,
        kind=type,
        identity=id,
        str_type=str,
        clear=dict.clear,
        update=dict.update,
        dict_values=dict.values,
        keep=_KEPT.append,
        volatile=VOLATILE_NAMES,
        record=list.append,
        set_attribute=type.__setattr__,
        del_attribute=type.__delattr__,
    ) -> None:
        """Put back, in place, what student code found through the grader's classes may have
        changed in the grader's own state (`_grader_dicts`), and note what had changed (the
        test then fails as tampered). Runs first when student code returns, so it looks up no
        name of a module: everything it calls is one of its defaults, a tuple no one changes;
        it compares keys and values by identity only (no student code runs). Nothing to do
        while no dict's version tag has moved (`grader_words`, read as the grader's own words
        were when last found as they should be)."""
        words = self.grader_words
        if words is not None and words.memory[words.index].tobytes() == words.pristine_bytes:
            return
        for label, live, keys, values, pristine, key_ids, owner in self.grader_dicts:
            now_keys, now_values = as_list(live), as_list(dict_values(live))
            n = length(keys)
            benign = length(now_keys) >= n
            for i in count(n if benign else 0):
                if now_keys[i] is not keys[i] or now_values[i] is not values[i]:
                    benign = False
                    break
            for key in now_keys[n:] if benign else ():
                if identity(key) in key_ids or kind(key) is not str_type or key not in volatile:
                    benign = False  # only `__warningregistry__` and the like may appear
                    break
            if benign:
                continue
            keep(now_keys)  # nothing of the student's is freed on this thread
            keep(now_values)
            clear(live)
            update(live, pristine)
            if owner is not None:  # a class's own dict, put back behind CPython's back: setting
                set_attribute(owner, "_changed", None)  # a name tells its method cache,
                del_attribute(owner, "_changed")  # which would go on answering the student's
            record(self.grader_changes, label)
        if words is not None:
            words.pristine_bytes = words.memory[words.index].tobytes()

    def restore_builtins(self) -> list[str]:
        """Put back `builtins` with C operations only (before any other trusted code runs)."""
        _sanitize(_BUILTINS)
        _keep(_list(_BUILTINS.items()))
        changed = [k for k, v in self.builtins.items() if _BUILTINS.get(k, _MISSING) is not v]
        added = [k for k in _BUILTINS if k not in self.builtins and k not in VOLATILE_NAMES]
        _BUILTINS.clear()
        _BUILTINS.update(self.builtins)
        return [f"builtins.{k}" for k in changed + added]

    def restore(self, *, student_only: bool) -> list[str]:
        """Put every protected surface back; return what had been changed.

        With `student_only`, a callable that torch itself installed later (a wrapper whose code
        existed in the zygote, such as its lazy `disable_dynamo` decorations) is not reported.
        """
        changed = self.restore_builtins()
        moved = self.moved()
        if _len(self.watched) in moved:  # `sys.modules` itself
            _sanitize(_MODULES)
            for name, module in self.modules.items():
                if name not in GRADER_MODULES and _MODULES.get(name) is not module:
                    _keep(_MODULES.get(name))
                    _MODULES[name] = module
                    changed.append(f"sys.modules[{name!r}]")
        for kind, name, owner in [self.watched[i] for i in moved if i < _len(self.watched)]:
            if kind == "module":
                if _untouched(vars(owner), *self.module_items[name]):
                    continue
                _sanitize(vars(owner))
                changed += self._restore_module(name, owner, student_only=student_only)
                continue
            cls = owner
            if _untouched(vars(cls), *self.class_items[name]):
                continue
            strict = name in PROTECTED_CLASSES
            changed += _restore_class(cls, self.class_dicts[name], name, self.library_made, strict)
        for name, hook in self.hooks.items():
            if _SYS.get(name, _MISSING) is not hook:
                _keep(_SYS.get(name))
                _SYS[name] = hook
                if name not in ("stdout", "stderr"):
                    changed.append(f"sys.{name}")
        changed += self.restore_functions()
        changed += self.restore_cells()
        # New lists, not slice assignments: student code may have put objects of its own
        # there, whose methods must not run here.
        _keep((sys.path, sys.meta_path, sys.path_hooks, sys.path_importer_cache))
        sys.path, sys.meta_path, sys.path_hooks = (_list(p) for p in self.path)
        sys.path_importer_cache = {}
        return changed

    def changed_now(self, made_by_test) -> list[str]:
        """What `restore` would put back now, less what the test put there itself (a value
        for which `made_by_test` is true), without putting anything back: the check before
        each step a test takes (`Child.check_before_call`). A namespace found unchanged at a
        version tag is not looked at again until its tag moves. Identity only: nothing of the
        student's runs."""
        found = [label for label, *_ in self.changed_cells()]  # `builtins` is a module here
        words = self.versions
        if words is not None:  # nothing written since the last check found all as it should be
            state = words.memory[words.index].tobytes()
            if state == self.clean_state:
                return found
        moved = _list(self.moved())
        tags = words.at(moved) if words is not None else [None] * _len(moved)
        clean = True
        for i, tag in _zip(moved, tags):
            if tag is not None and self.clean_at.get(i) == tag:
                continue
            if i == _len(self.watched):  # `sys.modules` itself
                problems = [
                    f"sys.modules[{name!r}]"
                    for name, module in self.modules.items()
                    if name not in GRADER_MODULES and _MODULES.get(name) is not module
                ]
            else:
                problems = self._changed_namespace(*self.watched[i], made_by_test)
            if not problems and tag is not None:
                self.clean_at[i] = tag
            clean = clean and not problems
            found += problems
        if clean and words is not None:
            self.clean_state = state
        return found

    def _changed_namespace(self, kind: str, name: str, owner, made_by_test) -> list[str]:
        current = vars(owner)
        if kind == "module":
            if _untouched(current, *self.module_items[name]):
                return []
            _sanitize(current)
            changes = self._module_changes(name, owner, student_only=True)
        else:
            if _untouched(current, *self.class_items[name]):
                return []
            strict = name in PROTECTED_CLASSES
            changes = _class_changes(owner, self.class_dicts[name], self.library_made, strict)
        return [
            f"{name}.{key}"
            for key, _ in changes
            if not made_by_test(current.get(key, _MISSING))
        ]

    def moved(self) -> list[int] | range:
        """Which of `watched` (and `sys.modules`, after them) may have changed: those whose
        version moved, or all of them when versions are not read."""
        if self.versions is None:
            return _range(_len(self.watched) + 1)
        return self.versions.moved()

    def changed_cells(self) -> list[tuple]:
        """The protected closure cells whose contents are not what they were, with what was."""
        if self.cell_words is not None and not self.cell_words.moved():
            return []
        changed = []
        for label, cell, content in self.cells:
            try:
                now = _cell_contents(cell)
            except ValueError:  # emptied
                now = _MISSING
            if now is not content:
                changed.append((label, cell, content, now))
        return changed

    def restore_cells(self) -> list[str]:
        """Put back the contents of every protected closure cell; name those that had changed."""
        changed = self.changed_cells()
        for _label, cell, content, now in changed:
            _keep(now)
            _set_cell_contents(cell, content)
        return [label for label, *_ in changed]

    def restore_functions(self) -> list[str]:
        """Put back the code and defaults of every protected function (identity alone would
        not show a swapped `__code__`)."""
        functions, codes, defaults_, kwdefaults_ = self.function_parts
        if self.function_words is not None and not self.function_words.moved():
            return []
        if (
            _all(_map(_is, _map(_code_of, functions), codes))
            and _all(_map(_is, _map(_defaults_of, functions), defaults_))
            and _all(_map(_is, _map(_kwdefaults_of, functions), kwdefaults_))
        ):
            return []
        changed, replaced = [], []  # what is replaced dies only after trusted mode ends
        for f, code, defaults, kwdefaults in self.functions:
            if f.__code__ is not code or f.__defaults__ is not defaults:
                changed.append(f"{f.__module__}.{f.__qualname__}")
            elif f.__kwdefaults__ is not kwdefaults:
                changed.append(f"{f.__module__}.{f.__qualname__}")
            else:
                continue
            replaced.append((f.__code__, f.__defaults__, f.__kwdefaults__))
            _keep(replaced)
            self.restore_function(f, code, defaults, kwdefaults)
        del replaced
        return changed

    def _restore_module(self, name: str, module: types.ModuleType, *, student_only: bool) -> list:
        current, changed = vars(module), []
        for key, pristine in self._module_changes(name, module, student_only=student_only):
            _keep(current[key])
            if pristine is _MISSING:
                del current[key]
            else:
                current[key] = pristine
            changed.append(f"{name}.{key}")
        return changed

    def _module_changes(self, name: str, module: types.ModuleType, *, student_only: bool) -> list:
        """(name, the value the zygote had, or _MISSING) for each name of `module` that
        `restore` puts back. Identity only: nothing of the student's runs."""
        current, pristine = vars(module), self.module_dicts[name]
        strict = name.split(".")[0] in STRICT_PREFIXES
        changes = []
        # A module's own `__getattr__` (PEP 562) runs whenever a name is missing there, for
        # whoever asks (the snapshot included): a new one is put away in any protected module.
        new = [k for k in current if k not in pristine and k not in VOLATILE_NAMES]
        if not strict:
            new = [k for k in new if k in MODULE_HOOKS]
        # New submodules appear when a package's lazy parts load: not tampering.
        changes += [(key, _MISSING) for key in new if _type(current[key]) is not _ModuleType]
        for key, value in pristine.items():
            now = current.get(key, _MISSING)
            if now is value or key in VOLATILE_NAMES or key in ("__dict__", "__weakref__"):
                continue
            if not strict and not _code_like(value):
                continue  # torch's and numpy's data (caches, locks, registries) changes as they run
            if student_only and self.benign(value, now):
                continue  # torch wrapped its own function (e.g. to keep its compiler out)
            if (name, key) in self.aliases and not strict and _type(now) is _ModuleType and (
                _MODULES.get(f"{name}.{key}") is now
            ):
                continue  # its submodule of that name, imported over an alias (torch.onnx's)
            changes.append((key, value))
        return changes

    def library_made(self, old: object, new: object, cls: type, key: str) -> bool:
        """Whether a class attribute `new` (in place of `old`, or of the attribute `cls`
        inherited, when `old` is missing) is the library's own doing: a wrapper of the
        library's around the method it replaces (torch wraps `Optimizer.step` on first use),
        or a property whose getter is the library's."""
        if old is _MISSING:
            for base in type.__dict__["__mro__"].__get__(cls)[1:]:
                pristine = self.class_by_id.get(id(base))
                if pristine is not None and key in pristine:
                    old = pristine[key]
                    break
        if _type(new) is property and _type(old) is property:
            getter = new.fget
            return _type(getter) is _FunctionType and id(getter.__code__) in self.code_ids
        return old is not _MISSING and self.benign(old, new)

    def benign(self, old: object, new: object, depth: int = 0) -> bool:
        """Whether `new` is a library's own wrapper around `old`: a function whose code the
        zygote had, holding `old` (or such a wrapper of it) in its closure."""
        if _type(new) is not _FunctionType or id(new.__code__) not in self.code_ids:
            return False
        for cell in new.__closure__ or ():
            try:
                inner = cell.cell_contents
            except ValueError:
                continue
            if inner is old or (depth < 3 and self.benign(old, inner, depth + 1)):
                return True
        return False


def _untouched(namespace, keys: list, values: list) -> bool:
    """Whether `namespace` holds exactly the pristine keys and values, in order (identity
    only, in C: no key or value of the student's is hashed or compared). The usual case, and
    the fast one: a namespace that differs in any way is looked at key by key."""
    return (
        _len(namespace) == _len(keys)
        and _all(_map(_is, namespace, keys))
        and _all(_map(_is, namespace.values(), values))
    )


def _restore_class(
    cls: type, pristine: dict, owner: str, library_made, strict: bool
) -> list[str]:
    """Put back every attribute of a protected class, dunders included; remove added methods."""
    changed = []
    for key, value in _class_changes(cls, pristine, library_made, strict):
        changed.append(f"{owner}.{key}")
        _keep(vars(cls).get(key))
        if value is _MISSING:
            type.__delattr__(cls, key)
        else:
            type.__setattr__(cls, key, value)
    return changed


def _class_changes(cls: type, pristine: dict, library_made, strict: bool) -> list[tuple]:
    """(name, the value the zygote had, or _MISSING) for each attribute of a protected class
    that `_restore_class` puts back.

    torch's compiler wraps some methods of `nn.Module` on first use (and marks it with a flag):
    a library wrapper around the pristine method is left in place and is no change. Classes
    not in PROTECTED_CLASSES (every other class of a protected module) keep their plain data,
    which libraries update as they run (counters, caches).
    """
    current = vars(cls)
    changes = []
    for key in [k for k in current if k not in pristine and k not in VOLATILE_NAMES]:
        value = current[key]
        if library_made(_MISSING, value, cls, key) or not _code_like(value):
            continue  # data a library adds (torch.jit writes `__annotations__`)
        if strict or _type(value) is _FunctionType or (key.startswith("__") and key.endswith("__")):
            changes.append((key, _MISSING))
    for key, value in pristine.items():
        if key in ("__dict__", "__weakref__", "__doc__") or key in VOLATILE_NAMES:
            continue
        now = current.get(key, _MISSING)
        if now is value or (not strict and not _code_like(value)):
            continue
        if not library_made(value, now, cls, key):
            changes.append((key, value))
    return changes


_MISSING = object()


def _sanitize(namespace: dict) -> None:
    """Drop keys that are not plain strings (student code may put any object in a module's
    namespace; hashing or comparing it would run the student's code on the main thread).
    Only iteration, `clear` and plain-string inserts: no key of the student's is hashed."""
    if _all(_map(_is, _map(_type, namespace), _repeat(_str))):
        return
    _keep(_list(namespace.items()))
    kept = [(k, v) for k, v in namespace.items() if _type(k) is _str]
    namespace.clear()
    namespace.update(kept)
_CODE_TYPES = (classmethod, staticmethod, property, types.ModuleType)
_mro_of = type.__dict__["__mro__"].__get__


def _code_like(value: object) -> bool:
    """What a test's helpers are made of: functions and other callables, classes, modules,
    method descriptors. Anything else is data a library may change as it runs. Identity
    checks only: a comparison could run a student's metaclass on the main thread."""
    if _callable(value):
        return True
    for base in _mro_of(_type(value)):
        for kind in _CODE_TYPES:
            if base is kind:
                return True
    return False


def protected_modules() -> dict[str, types.ModuleType]:
    """The loaded modules whose namespaces tests rely on, by name, and the grader's own two (the
    runner's and the guard's: any of their functions, found through its class, hands out its
    module's namespace, whose names the verdict is written with)."""
    found = {
        name: module
        for name, module in list(sys.modules.items())
        if isinstance(module, types.ModuleType) and name.split(".")[0] in PROTECTED_PREFIXES
    }
    return found | dict(zip(GRADER_MODULES, (_SELF, _GUARD_MODULE), strict=True))


def protected_classes() -> dict[str, type]:
    """The loaded classes in PROTECTED_CLASSES and every class defined in a protected module
    (`torch.testing`'s comparison pairs...), by dotted name; taken once, in the zygote."""
    import warnings

    found = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated aliases warn when their class is read
        for name, module in protected_modules().items():
            for attr, value in list(vars(module).items()):
                if _isinstance(value, type) and vars(value).get("__module__") == name:
                    found.setdefault(f"{name}.{attr}", value)
    for dotted in PROTECTED_CLASSES:
        module_name, _, attr = dotted.rpartition(".")
        module = sys.modules.get(module_name)
        if module is not None and isinstance(getattr(module, attr, None), type):
            found[dotted] = getattr(module, attr)
    return found



def _import_if_installed(names) -> None:
    for name in names:
        try:
            __import__(name)
        except ImportError:
            pass


def warm_up(job: dict) -> None:
    """Import what tests and torch load lazily, so that loading it later is never a change."""
    for name in ("unittest", "tempfile"):
        __import__(name)
    for name in sys.builtin_module_names:  # none may be created once student code runs
        __import__(name)
    _import_if_installed(job.get("preload", []))  # what the lesson's tests load on first use
    text = "\n".join(c.get("source") or "" for c in job.get("cells", [])) + job.get("setup", "")
    if "tqdm" in text:
        # tqdm's monitor thread never ends, and a cell's threads are waited for where a lesson
        # allows them: the bars work the same without it.
        _import_if_installed(("tqdm",))
        if "tqdm" in sys.modules:
            sys.modules["tqdm"].tqdm.monitor_interval = 0
    if "torch" not in sys.modules:
        return  # a lesson whose setup does not use torch (the engine's own tests)
    import torch

    # Autograd decides on its first backward pass whether it needs worker threads: once the
    # compiler below has registered its fake device it would, and a lesson's thread limit would
    # then refuse every backward pass. A first pass made now, with only the CPU known, needs none.
    x = torch.ones(1, requires_grad=True)
    (2 * x).sum().backward()
    if job.get("warm_compiler", any(word in text for word in COMPILER_WORDS)):
        import torch.export

        # Export and trace once: torch's compiler patches torch functions on first use.
        linear = torch.nn.Linear(2, 2)
        torch.export.export(linear, (torch.ones(1, 2),)).module()(torch.ones(1, 2))
        torch.jit.trace(linear, torch.ones(1, 2))

    if "tensorboard" in text:
        # TensorBoard defines absl flags as it loads, and absl reads its caller's frame to name
        # the module defining each: loaded here, before student code, nothing is refused later.
        _import_if_installed(("torch.utils.tensorboard", "tensorboard.backend.event_processing"))
    _import_if_installed(("numpy.testing", "torch.testing", "unittest.mock"))
    torch.manual_seed(0)
    torch.testing.assert_close(torch.ones(1), torch.ones(1))  # loads sympy and torch's tensor ops


class Zygote:
    """The trusted state every exercise's child starts from."""

    def __init__(self, job: dict) -> None:
        from IPython.core.inputtransformer2 import TransformerManager
        from IPython.core.interactiveshell import InteractiveShell

        self.job = job
        self.shell = InteractiveShell.instance(colors="NoColor")
        self.transform = TransformerManager().transform_cell
        sys.modules["__main__"] = types.ModuleType("__main__")  # the runner stays out of reach
        self.setup = self.run_setup(job.get("setup", ""))
        warm_up(job)
        _quiet_logging()
        _frameless_tracebacks()
        self.guard = Guard(
            allow=frozenset(job.get("allow", [])),
            workdir=os.getcwd(),
            thread_code=id(_BODY_FUNCTION_CODE),
        )
        global _start_thread, _outcome_of
        _start_thread = thread_gate()  # the guard's hook holds the real starter, no one else
        _outcome_of = self.guard.outcome_of
        self.snapshot = Snapshot(library_code=self.guard.library_code)
        # Only this snapshot's readers: a `Words` made by student code (the class is found
        # through `object.__subclasses__()`) would read any memory without naming the NumPy
        # interface that gets raw memory flagged for review.
        make_words = Words.__init__  # for the grader's own reader, below, and nothing else
        del Words.__init__
        _freeze(_grader_classes())
        metaclasses = _metaclasses(self.snapshot.classes.values())
        self.snapshot.grader_dicts = _grader_dicts(metaclasses)
        if self.snapshot.versions is not None:  # version tags work here
            words = object.__new__(Words)
            tags = [id(d) + _DICT_VERSION for _label, d, *_rest in self.snapshot.grader_dicts]
            make_words(words, tags, sys.modules["numpy"])
            self.snapshot.grader_words = words
        del make_words
        self.snapshot.restore_function = self.guard.restore_function
        self.guard.protect(Zygote, Child, Snapshot, Words, type(self.guard), *metaclasses)
        self.test_hooks = _test_hooks()
        self.cell_contents = _baked(
            CELL_CONTENTS, "contents", (_cell_contents, ValueError, _MISSING)
        )
        torch_c = getattr(_MODULES.get("torch"), "_C", None)
        self.mode_stacks = {} if torch_c is None else {
            "function": (torch_c._len_torch_function_stack, torch_c._get_function_stack_at),
            "dispatch": (torch_c._len_torch_dispatch_stack, torch_c._get_dispatch_stack_at),
        }
        self.known_classes = _known_classes()
        self.guard.know(cls for cls, _members in self.known_classes.values())
        self.allowed_definers = _allowed_definers()  # before student code: it reads __module__
        # IPython keeps the module it found as `__main__` (this runner): forget it.
        self.shell._orig_sys_modules_main_mod = None

    def run_setup(self, source: str) -> dict:
        """The lesson's own setup cell, in a private namespace: the names tests rely on."""
        namespace: dict = {"__name__": "__main__", "get_ipython": self.shell.get_ipython}
        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
        try:
            exec(compile(self.transform(source), "<setup>", "exec"), namespace)
        finally:
            sys.stdout, sys.stderr = out, err
        return {k: v for k, v in namespace.items() if not k.startswith("__")}

    def cells_for(self, exercise: dict) -> list[dict]:
        """The cells run before the exercise's test: the student's, or all in a full run."""
        skip = set(self.job.get("skip", []))
        wanted = ("code", "demo") if exercise.get("full") else ("code",)
        return [
            c
            for c in self.job["cells"]
            if c["index"] < exercise["test"] and c["kind"] in wanted and c["index"] not in skip
        ]


FRAMELESS_TRACEBACKS = """
def lines(exc, value=None):
    error = value if isinstance(value, BaseException) else exc
    if error is None:
        return ["NoneType: None\\n"]
    return [
        "Traceback (its frames are not shown while grading):\\n",
        *format_exception_only(type(error), error),
    ]

def format_exception(exc, value=None, tb=None, limit=None, chain=True):
    return lines(exc, value)

def print_exception(exc, value=None, tb=None, limit=None, file=None, chain=True):
    print("".join(lines(exc, value)), end="", file=file if file is not None else sys.stderr)

def format_exc(limit=None, chain=True):
    return "".join(lines(sys.exc_info()[1]))

def print_exc(limit=None, file=None, chain=True):
    print_exception(sys.exc_info()[1], file=file)
"""


def _frameless_tracebacks() -> None:
    """`traceback.print_exc()` and its kin, written to need no frame (frames are refused to
    student code, and a student who prints the error they caught must not lose the exercise):
    they show the exception's type and message, and say that the frames are left out. Made in
    a namespace of their own: their globals lead nowhere near the runner."""
    import traceback

    names = ("print", "isinstance", "type", "BaseException")
    made: dict = {
        "__builtins__": {name: _BUILTINS_PRISTINE[name] for name in names},
        "sys": sys,
        "format_exception_only": traceback.format_exception_only,
    }
    _exec(_compile(FRAMELESS_TRACEBACKS, GRADER_FILENAME, "exec"), made)
    for name in ("format_exception", "print_exception", "format_exc", "print_exc"):
        setattr(traceback, name, made[name])


def _quiet_logging() -> None:
    """`logging` looks for its caller's frame, which the guard refuses: it need not."""
    import logging

    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


# Dunders a value's class may not override when it passes itself off as a plain number,
# string, container, tensor or array: comparing it would run the student's code.
# (How it prints, `__repr__` and `__str__`, is left to it: a message, not a verdict, shows it.)
COMPARISON_DUNDERS = frozenset(
    "__eq__ __ne__ __lt__ __le__ __gt__ __ge__ __bool__ __hash__ __float__ __int__ __index__ "
    "__abs__ __sub__ __rsub__ __len__ __iter__ __getitem__ __contains__ __round__ __array__ "
    "__complex__".split()
)
DISPATCH_DUNDERS = frozenset(
    {"__torch_function__", "__torch_dispatch__", "__array_function__", "__array_ufunc__"}
)
# Dunders no class of the student's may define on a value it hands a test, whatever it is based
# on: `==`, `<`, `bool()`, `float()`, `abs(a - b)` on it would run the student's code. (A
# dataset's `__len__` and `__getitem__` are its job; they hand out tensors the tests check.)
VALUE_DUNDERS = DISPATCH_DUNDERS | frozenset(
    "__eq__ __ne__ __lt__ __le__ __gt__ __ge__ __bool__ __float__ __int__ __index__ __complex__ "
    "__abs__ __sub__ __rsub__ __round__ __array__ __getattribute__".split()
)
WATCHED_DUNDERS = VALUE_DUNDERS | COMPARISON_DUNDERS | {"__class__"}
# The wrapper a function of the student's returns through. What it needs (the function, the
# check) is a constant of its own code, put there by `_baked`: a test hands student code
# functions it made, whose `__globals__` lead to the wrapper, and a closure's cells, a function's
# keyword defaults and its globals can all be changed in place (rewriting a closure's cell made
# the check a no-op: a wrong answer passed, unflagged); a code object's constants cannot.
RETURN_GUARD = """
def checked(*args, **kwargs):
    function, checker = "@baked state@"
    result = function(*args, **kwargs)
    checker(result, "returned")
    checker((args, kwargs), "was handed")  # tensors the test handed in, after the call
    return result
"""

# What each call in a test's code goes through (`autograder/watched.py`): the audit event makes
# the guard's hook run `Child.check_before_call`, which student code cannot reach or change.
# Made like RETURN_GUARD: the test hands its own functions, this code in them, to student code.
CALL_CHECK = """
def call(function, /, *args, **kwargs):
    audit, event, run, plain_functions, plain_types, kind, ident = "@baked state@"
    if not kwargs and ident(function) in plain_functions:
        for arg in args:
            if kind(arg) not in plain_types:
                break
        else:  # `i + 1`, `n < 3`, `abs(x)` on plain numbers and strings: only C code runs
            return function(*args)
    audit(event)
    return run(function, args, kwargs)
"""
# How CALL_CHECK and METHOD_CHECK call, once checked: a check of the course's (or torch's or
# NumPy's testing) runs with no garbage collected, so no finalizer of the student's can patch
# what it uses next and put it back before it returns.
RUN_CALL = """
def run(function, args, kwargs):
    quiet, ident, gc_enabled, gc_disable, gc_enable = "@baked state@"
    if ident(function) not in quiet:
        return function(*args, **kwargs)
    was = gc_enabled()
    gc_disable()
    try:
        return function(*args, **kwargs)
    finally:
        if was:
            gc_enable()
"""
# An attribute the test reads: checked first, unless read from a module or a plain number,
# string or container (which runs no code: what it hands out is checked as it is called).
ATTRIBUTE_CHECK = """
def attribute(owner, name):
    audit, event, kind, plain_owners, get = "@baked state@"
    if kind(owner) not in plain_owners:
        audit(event)
    return get(owner, name)
"""
# A method the test calls: one check for reading it and calling it.
METHOD_CHECK = """
def method(owner, name, /, *args, **kwargs):
    audit, event, get, run = "@baked state@"
    audit(event)
    return run(get(owner, name), args, kwargs)
"""
# `in` and `not in`, called through CALL_CHECK in the order the test wrote them.
MEMBERSHIP = """
def contains(item, container):
    negated = "@baked state@"
    return (item not in container) if negated else (item in container)
"""
# What each statement of a test ends with: what the names it bound hold now is the test's own
# (where they are cells: what functions of the test's close over, which student code reaches).
# Only in the code of the function that holds the test, which nothing of the student's reaches.
NAMES_SEEN = """
def seen(names):
    cells, noted, contents = "@baked state@"
    for name in names:
        cell = cells.get(name)
        if cell is not None:
            noted[name] = contents(cell)
"""
# How that function hands the runner its cells, as it starts: a function that closes over each.
CELLS_FOUND = """
def found(reader):
    cells, names_of, code_of, closure_of, zip = "@baked state@"
    cells.update(zip(names_of(code_of(reader)), closure_of(reader)))
"""
# What a cell holds, or the mark of an empty one (a name not bound yet, or deleted).
CELL_CONTENTS = """
def contents(cell):
    get, empty, missing = "@baked state@"
    try:
        return get(cell)
    except empty:
        return missing
"""
# What `check_before_call` raises: no test's `except Exception` catches it.
ChangedWhileTesting = type("ChangedWhileTesting", (BaseException,), {"__module__": "builtins"})

# What the return check refuses is no mistake but a value made to fool a comparison: it is raised
# as this, which no test's `except Exception` catches, and the verdict reports it as tampering.
# The file name the guard's code runs under: `course.checks` counts no line of it as the
# student's work (walking a long list handed in is no loop of theirs).
GRADER_FILENAME = "<grader>"
RefusedValue = type("RefusedValue", (BaseException,), {"__module__": "builtins"})
MAX_CHECKED_VALUES, MAX_CHECKED_DEPTH = 10_000, 8

# The return check, made like RETURN_GUARD: everything it uses, down to `len`, comes from the
# tuple baked into its code (a global or builtin name would be looked up in a dict that student
# code can reach and change), and its helpers are made afresh on each call.
CHECKER = """
def check(result, how):
    plain, known, allowed, watched, always, comparisons, tools, refused, limits = (
        "@baked state@")
    mro_of, dict_of, name_of, tensor, tensor_dict, kind, str_type, ident = tools[:8]
    flags_of, heap, any, len, list, tuple, dict, set, frozenset, object = tools[8:18]
    code_of, globals_of, builtins_of, real_builtins, exec, compile, function_type = tools[18:]
    max_values, max_depth = limits

    def recorded(k):
        # what a class that existed before any student code had, looked up by identity: no
        # hash or comparison of the student's runs here
        entry = known.get(ident(k))
        return entry[1] if entry is not None and entry[0] is k else None

    def dataclass_made(cls, name):
        # Whether `cls.<name>` is what `dataclasses` writes: `__eq__` equal only to an instance
        # of the very same class, field by field; `__hash__` None or a hash of the fields. Its
        # code is compared with that of the same method written here from the same field names,
        # and its globals must hold no `NotImplemented` of the student's.
        members = dict_of(cls)
        member = members.get(name)
        if name == "__hash__" and member is None:
            return True  # what defining __eq__ does: unhashable, nothing to fool
        if kind(member) is not function_type or "__dataclass_fields__" not in members:
            return False
        code = code_of(member)
        fields = [n for n in code.co_names if n not in ("__class__", "NotImplemented", "hash")]
        if any(kind(f) is not str_type or not f.isidentifier() for f in fields):
            return False
        mine = "(" + "".join(["self." + f + "," for f in fields]) + ")"
        if name == "__hash__":
            source = "def __hash__(self):\\n return hash(" + mine + ")\\n"
        else:
            theirs = "(" + "".join(["other." + f + "," for f in fields]) + ")"
            source = ("def __eq__(self, other):\\n if other.__class__ is self.__class__:\\n"
                      "  return " + mine + "==" + theirs + "\\n return NotImplemented\\n")
        made = {"__builtins__": {}}
        exec(compile(source, "<grader>", "exec"), made)
        same = code_of(made[name])
        if (code.co_code != same.co_code or code.co_names != same.co_names
                or code.co_consts != same.co_consts or code.co_argcount != same.co_argcount):
            return False
        own_globals = globals_of(member)
        return (kind(own_globals) is dict and "NotImplemented" not in own_globals
                and builtins_of(member) is real_builtins)  # Python's own `NotImplemented`, `hash`

    def class_problem(cls, returned):
        if recorded(kind(cls)) is None:
            return name_of(cls) + " is made by a metaclass of the student's"
        mro = mro_of(cls)
        based = any(ident(k) in plain for k in mro)
        for k in mro:
            members = dict_of(k)
            names = list(members)
            if any(kind(name) is not str_type for name in names):
                return name_of(k) + " has an attribute whose name is not a plain string"
            if k is not object and "__class__" in members:
                return name_of(k) + " says it is another class (__class__)"
            before = recorded(k)
            if before is not None:
                now = {name: members[name] for name in names if name in watched}
                if len(now) != len(before) or any(now.get(n) is not m for n, m in before.items()):
                    return name_of(k) + " was changed after grading began"
                continue
            for name in names:  # a class of the student's
                if name in ("__eq__", "__ne__", "__hash__") and dataclass_made(k, name):
                    continue  # equal only to an instance of the same class, field by field
                if name in always or (based and name in comparisons):
                    return "its type overrides " + name_of(k) + "." + name
        if not returned:
            return None
        # What a test compares: each way to compare or convert it comes from the class that
        # defines it first, which must be a built-in (C) type, one of a few library types, or
        # dataclasses' equality, not a library class that hands the question on (fx's Proxy).
        for name in (always | comparisons) if based else always:
            definer = None
            for k in mro:
                if name in dict_of(k):
                    definer = k
                    break
            if definer is None or ident(definer) in allowed or not flags_of(definer) & heap:
                continue
            if name in ("__eq__", "__ne__", "__hash__") and dataclass_made(definer, name):
                continue
            return "its type takes " + name + " from " + name_of(definer)
        return None

    def instance_problem(value, mro):
        if tensor not in mro:
            return None
        for name in tensor_dict(value):
            if kind(name) is not str_type:
                return "a tensor with an attribute whose name is not a plain string"
            if any(name in dict_of(k) for k in mro):
                return "a tensor with its own " + name + ", hiding torch.Tensor." + name

    def children(value, mro):
        if dict in mro:
            return [item for pair in dict.items(value) for item in pair]
        for container in (tuple, list, set, frozenset):
            if container in mro:
                return list(container.__iter__(value))
        return []

    problems, pending, count = {}, [(result, 0)], 0
    while pending and count < max_values:
        value, depth = pending.pop()
        count += 1
        cls = kind(value)
        if ident(cls) not in problems:
            problems[ident(cls)] = class_problem(cls, how == "returned")
        found = problems[ident(cls)]
        if found is None:
            mro = mro_of(cls)
            found = instance_problem(value, mro)
        if found is not None:
            raise refused("a value the answer " + how + " is made to fool comparisons: "
                          + found + ". Return plain numbers, strings, containers and tensors")
        if depth < max_depth:
            pending += [(child, depth + 1) for child in children(value, mro)]
"""
# The constant in RETURN_GUARD and CHECKER that `_baked` replaces with what they hold.
_STATE_MARK = "@baked state@"


def _baked(source: str, name: str, state: tuple) -> types.FunctionType:
    """The function `name` that `source` defines, its constant _STATE_MARK replaced with
    `state`. It looks up no name at all (tests/test_sandbox.py checks), so nothing it uses can
    be swapped; its builtins are Python's own only for C code it calls that imports (which
    asks the calling frame's builtins for `__import__`)."""
    module = _compile(source, GRADER_FILENAME, "exec")
    code = next(c for c in module.co_consts if _type(c) is types.CodeType and c.co_name == name)
    consts = tuple(state if c == _STATE_MARK else c for c in code.co_consts)
    return _FunctionType(code.replace(co_consts=consts), {"__builtins__": _BUILTINS}, name)


def _exact_checker(plain_bases: tuple, known, allowed: frozenset):
    """A check of the values a student function returns, and of those the test handed it, made
    to trust none of them: no type that claims to be another (`__class__`), no class of the
    student's that compares, converts or answers torch or NumPy functions its own way, none
    based on a number, string, container, tensor or array that changes how it is read, no
    tensor that carries its own `detach` or `item`; inside tuples, lists, sets and dicts too.
    `known` are the classes that existed before any student code ran (by id, with the members
    they had under the watched names, read-only views: `Zygote.known_classes`); a metaclass of
    the student's, or a known class changed since, is refused too. It runs on the student's
    thread and is reachable from student code, so it is made by `_baked`: nothing of the runner
    is reachable from it, and nothing it holds can be changed."""
    tensor = getattr(_MODULES["torch"], "Tensor", None) if "torch" in _MODULES else None
    tensor_dict = vars(tensor)["__dict__"].__get__ if tensor is not None else None
    pristine = _BUILTINS_PRISTINE
    tools = (
        type.__dict__["__mro__"].__get__,
        type.__dict__["__dict__"].__get__,
        type.__dict__["__qualname__"].__get__,
        tensor,
        tensor_dict,
        _type,
        _str,
        id,
        type.__dict__["__flags__"].__get__,
        1 << 9,  # Py_TPFLAGS_HEAPTYPE: a class made by a class statement, whose members can change
        *(pristine[n] for n in ("any", "len", "list", "tuple", "dict", "set", "frozenset")),
        object,
        _code_of,
        _FunctionType.__dict__["__globals__"].__get__,
        _FunctionType.__dict__["__builtins__"].__get__,
        _BUILTINS,
        pristine["exec"],
        pristine["compile"],
        _FunctionType,
    )
    plain = frozenset(id(base) for base in plain_bases)
    limits = (MAX_CHECKED_VALUES, MAX_CHECKED_DEPTH)
    state = (plain, known, allowed, WATCHED_DUNDERS, VALUE_DUNDERS, COMPARISON_DUNDERS, tools,
             RefusedValue, limits)
    return _baked(CHECKER, "check", state)


def _allowed_definers() -> frozenset[int]:
    """The ids of the classes whose own ways to compare and convert a value may decide a test:
    Python's plain types, tensors and arrays, NumPy's scalars and dtypes, torch's devices and
    sizes, the ordered and counting dicts, TorchScript modules (its `__bool__`)."""
    import collections

    found = [int, float, complex, str, bytes, bool, tuple, list, dict, set, frozenset, object,
             type(None), type, collections.OrderedDict, collections.defaultdict,
             collections.Counter]
    torch = _MODULES.get("torch")
    if torch is not None:
        found += [torch.Tensor, torch._C.TensorBase, torch.nn.Parameter, torch.device,
                  torch.dtype, torch.Size]
        jit = _MODULES.get("torch.jit")
        if jit is not None:
            found.append(jit.RecursiveScriptModule)
    numpy = _MODULES.get("numpy")
    if numpy is not None:
        found += [numpy.ndarray, numpy.dtype]
        pending = [numpy.generic, numpy.dtype]
        while pending:  # NumPy's scalar types and dtype classes, all C types of its own
            for sub in type.__subclasses__(pending.pop()):
                if sub.__module__.startswith("numpy"):
                    found.append(sub)
                    pending.append(sub)
        found.append(numpy.generic)
    return frozenset(id(cls) for cls in found)


def _grader_classes() -> list[type]:
    """Every class the runner and the guard define (`RefusedValue` among them: the return
    check, in reach of student code, holds it)."""
    return [RefusedValue, ChangedWhileTesting] + [
        value
        for module in (_SELF, _GUARD_MODULE)
        for value in list(vars(module).values())
        if isinstance(value, type) and vars(value).get("__module__") == module.__name__
    ]


def _freeze(classes: list[type]) -> None:
    """Make `classes` immutable, as CPython's own are (`Py_TPFLAGS_IMMUTABLETYPE`): setting an
    attribute on a class raises no audit event, and where a lesson allows threads one of the
    student's could set a method of the grader's between two of the runner's lookups and run
    on its main thread with the runner's objects in hand. Done in the zygote, before the audit
    hook exists; the flags' place in a class object is the word that holds its `__flags__`
    (checked for each class: one that does not match stays mutable, and the snapshot puts it
    back instead, see `_grader_dicts`)."""
    import ctypes

    def flags_word(cls: type, offset: int):
        return ctypes.c_ulong.from_address(id(cls) + offset)

    probe = type("Probe", (), {})
    found = (o for o in range(8, 512, 8) if flags_word(probe, o).value == probe.__flags__)
    offset = next(found, None)
    if offset is None:  # an interpreter that keeps its classes otherwise: they stay mutable
        return
    for cls in classes:
        word = flags_word(cls, offset)
        if word.value == cls.__flags__:
            word.value = cls.__flags__ | IMMUTABLE_TYPE


def _metaclasses(classes) -> set[type]:
    """The metaclasses of `classes`, with their bases (`abc.ABCMeta`, `enum.EnumType`...):
    putting a class's attribute back looks the name up on its metaclass first, where a data
    descriptor of the student's would run on the runner's main thread."""
    return {meta for cls in classes for meta in type(cls).__mro__ if meta not in (type, object)}


def _known_classes() -> types.MappingProxyType:
    """Every class that exists now, before any student code (the libraries' and the setup's),
    by id, with the members it has under the names the return check watches: a class loaded
    before the student's code is trusted only while those members are the ones it had. Read-only
    views: the return check, which holds them, is in reach of student code."""
    found, pending = {id(object): object}, [object]
    while pending:
        for sub in type.__subclasses__(pending.pop()):
            if id(sub) not in found:
                found[id(sub)] = sub
                pending.append(sub)
    known = {}
    for key, cls in found.items():
        members = vars(cls)
        watched = {name: members[name] for name in WATCHED_DUNDERS if name in members}
        known[key] = (cls, types.MappingProxyType(watched))
    return types.MappingProxyType(known)


class Child:
    """One exercise: student cells, then the test, judged by trusted code holding the nonce."""

    def __init__(self, zygote: Zygote, exercise: dict, channel: int, commands: int) -> None:
        self.z, self.exercise, self.channel, self.commands = zygote, exercise, channel, commands
        self.fds = (identity(channel), identity(commands))
        self.namespace: dict = {}
        # Whether a thread of the student's may run beside the runner's main thread.
        self.threads = bool({"threads", "processes"} & zygote.guard.allow)
        # Bound before student code runs: it is handed the snapshot's `restore_grader`, and a
        # thread of the student's could rebind the module's name between two cells.
        self.run_code = run_on_own_thread
        self.call_problems: list[str] = []  # what `check_before_call` found

    def run(self, nonce: str, cells_nonce: str) -> None:
        """Everything the child does; it never returns.

        The cells' events carry `cells_nonce`; the verdict's nonce is used only in processes
        where no student thread runs (`alone`): where a lesson allows threads, one of the
        student's may see what this process sends, never what decides the grade."""
        z = self.z
        os.close(0)  # the next submission's job will come there: never for student code
        _write(self.channel, b"\n")  # ends whatever an earlier child left half-written
        os.setpgid(0, 0)
        cells = z.cells_for(self.exercise)
        self.namespace = {"__name__": "__main__", "__builtins__": builtins, **z.setup}
        self.namespace["get_ipython"] = z.shell.get_ipython
        sources: dict = {}
        self.compile_cells(cells, sources)
        self.lines = dict(_LINECACHE)  # the libraries' and these cells' sources, nothing else
        z.guard.install()
        # One thread per cell that compiled (one that did not starts none), one for the test.
        compiled = [c for c in cells if _type(self.compiled[c["index"]]) is not _tuple]
        self.limit_tasks(runs=len(compiled) + 1)
        for cell in cells:
            send(self.channel, {"event": "start", "index": cell["index"]}, cells_nonce)
            report = self.run_student_cell(cell, sources)
            self.restore_streams()
            report.update(event="done", index=cell["index"])
            send(self.channel, report, cells_nonce)
        self.judge(nonce)
        _exit(0)

    def limit_tasks(self, runs: int) -> None:
        """No new threads or processes unless the lesson allows them (the kernel enforces it):
        find the limit at which the runner can start one thread, then let `one_more_thread()`
        raise it by one just before each thread student code runs on (they wait for ever once
        their code has run; see THREAD_BODY), up to `runs`: no task is ever free for student
        code, which the guard refuses `setrlimit`."""
        self.task_limit = None
        if self.threads:
            return
        set_limit = self.z.guard.set_task_limit
        _soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        top = 1 << 16 if hard == resource.RLIM_INFINITY else hard
        for limit in range(1, top + 1):
            set_limit(limit, hard)
            try:
                self.run_code(_compile("pass", "<probe>", "exec"), {}, tries=1)
            except RuntimeError:
                continue  # "can't start new thread": one more task is needed
            # The probe's thread stays, waiting: `limit` tasks exist now, none is free.
            set_limit(limit, limit + runs)
            self.task_limit = limit
            return
        set_limit(1, 1)

    def one_more_thread(self) -> None:
        """Room for exactly the thread about to start (no limit where the lesson allows threads)."""
        if self.task_limit is not None:
            self.task_limit += 1
            self.z.guard.set_task_limit(self.task_limit)

    def alone(self) -> None:
        """Put the grader's own state back (`Snapshot.restore_grader`) where no thread of the
        student's runs. Where the lesson allows threads, that is a fork of this process that
        holds the main thread alone (`Guard.fork_alone`), in which the runner goes on: a thread
        of the student's could change what the runner looks up next. Elsewhere the task limit
        leaves student code no thread of its own, and the runner stays in this process (a fork
        would run code of the student's as it is made: at-fork hooks, the finalizers of the
        waiting threads' local data). Looks up no module's name (student threads may rebind any
        until the fork): only attributes of this instance and of its protected class."""
        if not self.threads:
            self.z.snapshot.restore_grader()
            return
        self.z.guard.fork_alone(self.z.snapshot.restore_grader)

    def run_student_cell(self, cell: dict, sources: dict) -> dict:
        """Run one student cell in the student's namespace; its output and error, capped."""
        out, err = _StringIO(), _StringIO()
        sys.stdout, sys.stderr = out, err
        failure = None
        code = self.compiled[cell["index"]]
        if _type(code) is _tuple:  # it did not compile
            failure = self.describe(code, sources)
        else:
            self.one_more_thread()
            outcome = self.run_code(
                code, self.namespace, restore=self.z.snapshot.restore_grader
            )
            failure = None if outcome is None else self.describe(outcome, sources)
            outcome = None
        self.restore_streams()
        report = {"stdout": _cap(_getvalue(out)), "stderr": _cap(_getvalue(err))}
        if failure is not None:
            report["error"] = failure
        return report

    def compile_cells(self, cells: list[dict], sources: dict) -> None:
        """Transform (IPython's syntax) and compile every cell before any student code runs:
        IPython's transformer is library code whose module student code could change, and
        the main thread runs nothing that student code could have changed."""
        self.compiled = {}
        for cell in cells:
            name = f"<cell {cell['index']}>"
            sources[name] = cell["source"].splitlines()
            try:
                text = self.z.transform(cell["source"])
                code = _compile(text, name, "exec")
            except BaseException as exc:  # noqa: BLE001 (a syntax error, or a transform's)
                code = _brief(exc) + (None,)
            else:
                # As Jupyter does: `inspect.getsource` finds the cell's own lines (TorchScript
                # compiles a function from its source). Only the student's cells are there.
                linecache.cache[name] = (_len(text), None, text.splitlines(True), name)
            self.compiled[cell["index"]] = code

    def restore_streams(self) -> None:
        _keep((sys.stdout, sys.stderr))
        sys.stdout, sys.stderr = self.z.snapshot.hooks["stdout"], self.z.snapshot.hooks["stderr"]

    def describe(self, outcome: tuple, sources: dict) -> dict:
        """A student cell's error: name, message (both read on the student's thread) and the
        frames in the student's own cells."""
        ename, evalue, exc = outcome
        frames = [] if exc is None else self.z.guard.frames_of(exc)
        lines = ["Traceback (most recent call last):\n"]
        for filename, lineno, function in frames[-MAX_TRACEBACK:]:
            lines.append(f'  File "{filename}", line {lineno}, in {function}\n')
            text = sources.get(filename)
            if text and 0 < lineno <= _len(text):
                lines.append(f"    {text[lineno - 1].strip()[:200]}\n")
        lines.append(f"{ename}: {evalue}\n")
        return {"ename": ename, "evalue": evalue, "traceback": lines}

    def judge(self, nonce: str) -> None:
        """Restore the protected surfaces, fetch the test, run it, write the one verdict. Where
        the lesson allows threads, this runs in a fork of the cells' process that holds the main
        thread alone, and the verdict is decided in a fork of that one, made as the test's
        thread is done (`alone`): threads start in the first only once the test does."""
        self.alone()
        snapshot = self.z.snapshot
        before = snapshot.restore(student_only=True)
        before += self.z.guard.reset_signals_and_modes()
        # The sources `inspect` and TorchScript read: a cell may have planted a library file's.
        _keep(_list(_LINECACHE.items()))  # nothing of the student's is freed on this thread
        _dict_clear(_LINECACHE)
        _dict_update(_LINECACHE, self.lines)
        linecache_names = vars(_MODULES["linecache"])
        _keep(linecache_names.get("cache"))  # a cell's own cache is never freed on this thread
        linecache_names["cache"] = _LINECACHE
        if (identity(self.channel), identity(self.commands)) != self.fds:
            _exit(0)  # student code swapped the channel: no verdict, the test fails
        # Every restore above is meant to run nothing of the student's; should one ever have,
        # what it changed in the grader's own names is put back before the nonce is used.
        snapshot.restore_grader()
        send(self.channel, {"event": "ready", "index": self.exercise["test"]}, nonce)
        source = self.read_test(nonce)
        if source is None:
            _exit(0)
        namespace = self.test_namespace()
        guarded = self.guard_returns(namespace)
        out = _StringIO()
        sys.stdout, sys.stderr = out, _StringIO()
        during: list = []
        rebound: list = []
        try:
            code = self.watch(_compile(source, "<test>", "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 (a test that does not compile fails)
            failure = _brief(exc)
        else:
            # A test hands student code functions it made; their `__globals__` is this
            # namespace, where a student's function could rebind `checks` while the test runs.
            # So could it swap a guarded function for the bare one.
            kept = {**self.z.setup, **guarded}

            def compare() -> None:  # in the verdict's process, where no student thread runs
                during.extend(snapshot.restore(student_only=True))
                during.extend(self.z.guard.restore_global_hooks())

            if self.threads:
                self.z.guard.allow_threads()  # for the test's thread, and what the test starts
            self.one_more_thread()
            outcome = self.run_code(
                code,
                namespace,
                kept=kept,
                changed=rebound,
                while_waiting=compare,
                restore=self.alone,
            )
            failure = None if outcome is None else (outcome[0], outcome[1])
            outcome = None  # only text is kept: the exception is the student's
        during += snapshot.restore(student_only=True)  # what the thread's end changed
        during += snapshot.grader_changes  # in any cell of this child, or in the test
        during += self.z.guard.restore_global_hooks()
        during += [f"the test's {name!r}" for name in rebound]
        self.z.guard.check_calls_with(None)
        during += [f"{change} (changed while the test ran)" for change in self.call_problems]
        if failure is not None and failure[0] == "OutcomeForged":
            during.append("the outcome of the test (reported while it still ran)")
        if failure is not None and failure[0] == "RefusedValue":
            during.append(f"the values its test compares ({failure[1]})")
        self.z.guard.clear_garbage()
        self.restore_streams()
        seen = _len(snapshot.grader_changes)
        snapshot.restore_grader()  # as before `ready`: a last look before the nonce is used
        during += snapshot.grader_changes[seen:]
        ename, evalue = ("", "") if failure is None else failure
        if failure is None and during:
            ename = "TamperingDetected"
            evalue = "the test's helpers were changed while it ran: " + ", ".join(during[:5])
        if (identity(self.channel), identity(self.commands)) != self.fds:
            _exit(0)
        verdict = {
            "event": "verdict",
            "index": self.exercise["test"],
            "passed": failure is None and not during,
            "stdout": _cap(_getvalue(out)),
            "tampering": [_str(t)[:200] for t in (before + during)[:20]],
        }
        if not verdict["passed"]:
            verdict["error"] = {"ename": ename[:200], "evalue": evalue, "traceback": []}
        send(self.channel, verdict, nonce)

    def watch(self, code: types.CodeType, namespace: dict) -> types.CodeType:
        """The test's code with the hooks of `autograder/watched.py` in place of its marks; from
        now on the guard's hook runs `check_before_call` before each step the test takes
        (where no thread of the student's can run beside it: see `check_before_call`)."""
        self.test_globals, self.noted, self.call_problems = namespace, _dict(namespace), []
        self.cells, self.noted_cells = {}, {}
        own = {
            SEEN_MARK: _baked(
                NAMES_SEEN, "seen", (self.cells, self.noted_cells, self.z.cell_contents)
            ),
            CELLS_MARK: _baked(
                CELLS_FOUND, "found", (self.cells, _freevars_of, _code_of, _closure_of, _zip)
            ),
        }
        codes: list = []
        code = _with_hooks(code, self.z.test_hooks, codes, own)
        self.test_code = frozenset(_map(id, codes))
        if not self.threads:
            self.z.guard.check_calls_with(self.check_before_call)
        return code

    def check_before_call(self) -> None:
        """What the test is about to use, and what that relies on, must be as the test left it:
        a protected namespace or closure cell changed since the zygote, a name of the test's
        globals changed since it started (or added), a cell of the test's (what its functions
        close over) changed since the test bound it, a torch mode of the student's, is student
        code's doing, unless the test put its own function there (a recorder, a stopped clock).
        Raised as ChangedWhileTesting, and kept for the verdict should student code catch it.

        Runs on the test's thread, from the guard's hook, untrusted, with no garbage collected.
        It first puts back the grader's own names (`restore_grader`, which looks up none): a
        name of the runner's that student code rebound would run its code here. Not where the
        lesson allows threads: one of the student's could rebind them again meanwhile."""
        was = _gc_isenabled()
        _gc_disable()
        try:
            snapshot = self.z.snapshot
            seen = _len(snapshot.grader_changes)
            snapshot.restore_grader()
            problems = snapshot.grader_changes[seen:]
            problems += snapshot.changed_now(self.made_by_test)
            problems += self.foreign_modes()
            problems += self.changed_cells()
            names, noted = self.test_globals, self.noted
            _sanitize(names)
            # `__warningregistry__` and the like come and go: a warning's doing
            volatile = [k for k in VOLATILE_NAMES if k in names and k not in noted]
            if _len(names) != _len(noted) + _len(volatile) or not _all(
                _map(_is, _map(names.get, noted, _repeat(_MISSING)), noted.values())
            ):
                # a name the test did not bind (`abs`, `any`: they shadow the builtins) too
                problems += [
                    f"the test's {key!r}"
                    for key in {**noted, **names}
                    if key not in VOLATILE_NAMES
                    and names.get(key, _MISSING) is not noted.get(key, _MISSING)
                    and not self.made_by_test(names.get(key, _MISSING))
                ]
        finally:
            if was:
                _gc_enable()
        if problems:
            self.call_problems += [p for p in problems if p not in self.call_problems]
            raise ChangedWhileTesting(
                "student code changed what the test relies on while it ran: "
                + ", ".join(problems[:5])
            )

    def changed_cells(self) -> list[str]:
        """The test's cells (what its functions close over) that hold what the test did not
        put there."""
        contents, noted = self.z.cell_contents, self.noted_cells
        return [
            f"the test's {name!r}"
            for name, cell in self.cells.items()
            if contents(cell) is not noted.get(name, _MISSING)
            and not self.made_by_test(contents(cell))
        ]

    def foreign_modes(self) -> list[str]:
        """The torch function and dispatch modes active now that the test did not make: a
        mode of the student's left on the stack answers every torch call the test makes."""
        found = []
        for kind, (length, at) in self.z.mode_stacks.items():
            for i in _range(length()):
                mode = at(i)
                if not self.known(_type(mode)) and not self.made_class(_type(mode), set()):
                    found.append(f"a torch {kind} mode of the student's")
        return found

    def made_by_test(self, value: object, seen: set | None = None) -> bool:
        """Whether `value` is a function the test made: of the test's own code, with the test's
        globals and Python's builtins, holding in its closure and defaults nothing but data of
        the libraries' types, the libraries' own functions and classes (the original a recorder
        wraps), and functions and classes the test made. Student code can make a function of a
        test's code object (found on any function the test hands it) with globals or cells of
        its own. `seen`: what is being looked at already (a method's `__class__` cell holds
        its class)."""
        if _type(value) is not _FunctionType or id(_code_of(value)) not in self.test_code:
            return False
        if _globals_of(value) is not self.test_globals or _builtins_of(value) is not _BUILTINS:
            return False
        held = [*(_defaults_of(value) or ()), *(_kwdefaults_of(value) or {}).values()]
        for cell in _closure_of(value) or ():
            try:
                held.append(_cell_contents(cell))
            except ValueError:  # a cell not filled yet
                continue
        return self.plain_parts(held, {id(value)} if seen is None else seen | {id(value)})

    def plain_parts(self, parts: list, seen: set) -> bool:
        """Whether each of `parts` is what a function or class the test made may hold."""
        if _len(seen) > MAX_CHECKED_DEPTH:
            return False
        for part in parts:
            if part is None or id(part) in seen or id(part) in self.z.snapshot.library_values:
                continue  # what a protected namespace held in the zygote
            if self.known(part) or self.known(_type(part)) and not _callable(part):
                continue  # a class, or data of a type, older than the student's code
            if _isinstance(part, type):
                if not self.made_class(part, seen | {id(part)}):
                    return False
            elif not self.made_by_test(part, seen):
                return False
        return True

    def made_class(self, cls: type, seen: set) -> bool:
        """Whether `cls` is a class the test made: made by a metaclass older than the student's
        code, from bases older than it or made by the test, holding what a function of the
        test's may hold."""
        if not self.known(_type(cls)):
            return False
        parts = [*_bases_of(cls)]
        for part in _dict_of(cls).values():
            if _type(part) in (staticmethod, classmethod):
                parts.append(part.__func__)
            elif _type(part) is property:
                parts += [part.fget, part.fset, part.fdel]
            else:
                parts.append(part)
        return self.plain_parts(parts, seen)

    def known(self, cls: object) -> bool:
        """Whether `cls` is a class that existed before any student code ran."""
        entry = self.z.known_classes.get(id(cls))
        return entry is not None and entry[0] is cls

    def test_namespace(self) -> dict:
        """The test's globals: the setup's names, and the student's names that shadow neither a
        builtin nor a setup name (a student's `abs` or `isinstance` must not steer the test)."""
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        reserved = self.z.snapshot.builtins
        for key, value in _list(self.namespace.items()):
            if _type(key) is not _str or _str.startswith(key, "__"):
                continue
            if key not in reserved and key not in self.z.setup:
                namespace[key] = value
        namespace.update(self.z.setup)
        return namespace

    def guard_returns(self, namespace: dict) -> dict:
        """Wrap each function the student's cells defined so its result's type is checked;
        return the wrappers by name."""
        plain = [int, float, complex, str, bytes, tuple, list, dict, set, frozenset]
        for module, name in (("torch", "Tensor"), ("numpy", "ndarray")):
            if module in _MODULES:
                plain.append(getattr(_MODULES[module], name))
        checker = _exact_checker(tuple(plain), self.z.known_classes, self.z.allowed_definers)
        guarded = {}
        for key, value in list(namespace.items()):
            if _student_code(value) and key not in self.z.setup:
                wrapper = _baked(RETURN_GUARD, "checked", (value, checker))
                wrapper.__wrapped__ = value
                wrapper.__name__, wrapper.__qualname__ = value.__name__, value.__qualname__
                wrapper.__doc__ = value.__doc__
                namespace[key] = guarded[key] = wrapper
        return guarded

    def read_test(self, nonce: str) -> str | None:
        """The test's source from the grader: the first message on the tests pipe sealed for
        this child's nonce (one sealed for an earlier child, never read, is skipped)."""
        _set_blocking(self.commands, True)  # student code may have made the pipe non-blocking
        data = b""
        for _ in _range(MAX_STALE_TESTS + 1):
            while b"\n" not in data:
                data = self.read_more(data)
                if data is None:
                    return None
            head, _, data = data.partition(b"\n")
            if not head.isdigit() or _len(head) > 9 or int(head) > MAX_TEST_BYTES:
                return None
            size = int(head)
            while _len(data) < size:
                data = self.read_more(data)
                if data is None:
                    return None
            source = opened_test(nonce, data[:size])
            if source is not None:
                return source.decode("utf-8")
            data = data[size:]
        return None

    def read_more(self, data: bytes) -> bytes | None:
        """`data` and the next chunk of the tests pipe; None at its end or past the limit."""
        try:
            chunk = _read(self.commands, 1 << 16)
        except OSError:
            return None
        if not chunk or _len(data) > MAX_TEST_BYTES:
            return None
        return data + chunk


def _test_hooks() -> dict:
    """What each mark of a rewritten test (`autograder/watched.py`) stands for, but the
    top-level one (`Child.watch` adds it): made in the zygote, held by it alone."""
    import _operator

    quiet = frozenset(id(f) for f in _course_checks())
    run = _baked(RUN_CALL, "run", (quiet, id, _gc_isenabled, _gc_disable, _gc_enable))
    # Built-in functions, and `_operator`'s, that on plain numbers and strings run only C code.
    plain_functions = frozenset(
        id(f)
        for f in [abs, len, min, max, round, int, float, str, bool, range, divmod]
        + [getattr(_operator, name) for name in OPERATIONS if hasattr(_operator, name)]
    )
    plain_types = frozenset({int, float, bool, complex, str, bytes, type(None)})
    plain_owners = frozenset({_ModuleType, tuple, list, dict, set, frozenset}) | plain_types
    call_state = (_audit, CALL_EVENT, run, plain_functions, plain_types, _type, id)
    hooks = {
        CALL_MARK: _baked(CALL_CHECK, "call", call_state),
        ATTRIBUTE_MARK: _baked(
            ATTRIBUTE_CHECK, "attribute", (_audit, CALL_EVENT, _type, plain_owners, getattr)
        ),
        METHOD_MARK: _baked(METHOD_CHECK, "method", (_audit, CALL_EVENT, getattr, run)),
        SLICE_MARK: slice,
        "@op:in@": _baked(MEMBERSHIP, "contains", False),
        "@op:not_in@": _baked(MEMBERSHIP, "contains", True),
        "@op:iter@": iter,
    }
    for name in OPERATIONS:
        hooks.setdefault(f"@op:{name}@", getattr(_operator, name, None))
    missing = [mark for mark, hook in hooks.items() if hook is None]
    if missing:
        raise RuntimeError(f"no hook for {missing}")
    return hooks


def _course_checks() -> list:
    """The functions a test compares with: `course.checks`' and torch's and NumPy's testing."""
    found = []
    for name in ("course.checks", "torch.testing", "numpy.testing"):
        module = _MODULES.get(name)
        if module is not None:
            found += [f for f in vars(module).values() if _callable(f)]
    return found


def _with_hooks(code: types.CodeType, hooks: dict, codes: list, own: dict | None = None):
    """`code` with each constant that names a hook replaced by it, and in the code of the
    function that holds the test (a constant of the top-level code) those of `own` too; each
    code object made goes into `codes`."""
    consts = []
    for const in code.co_consts:
        if _type(const) is types.CodeType:
            test = own is not None and const.co_name == TEST_FUNCTION
            const = _with_hooks(const, {**hooks, **own} if test else hooks, codes)
        elif _type(const) is _str and const in hooks:
            const = hooks[const]
        consts.append(const)
    code = code.replace(co_consts=_tuple(consts))
    codes.append(code)
    return code


def _student_code(value: object) -> bool:
    """Whether `value` is a function written in one of the student's cells."""
    if _type(value) is not _FunctionType:
        return False
    return _str.__str__(value.__code__.co_filename).startswith("<cell")


def _cap(text: str) -> str:
    return text if _len(text) <= MAX_OUTPUT else text[:MAX_OUTPUT] + "\n[output truncated]"


def _brief(exc: BaseException) -> tuple[str, str]:
    """An exception's name and message as plain text (the exception itself is never kept)."""
    return _safe_text(lambda: _type(exc).__name__), _safe_text(lambda: _str(exc))


def _safe_text(make) -> str:
    """Text from student-controlled objects, never failing and always a capped plain str."""
    try:
        text = make()
        return _str.__str__(text)[:MAX_OUTPUT] if _isinstance(text, _str) else "?"
    except BaseException:  # noqa: BLE001
        return "?"


def drain(fd: int) -> None:
    """Drop what the tests pipe holds (a test no child read; a part of one that a student's
    process read the rest of), so that the next child's test is the first message there; and
    put back the pipe's flags, owner and size, which every process holding it shares (a child
    may have set `O_NONBLOCK`, or `O_ASYNC` with a signal sent to some process on every write,
    or shrunk the pipe below the size of the next student's test)."""
    fcntl.fcntl(fd, fcntl.F_SETOWN, 0)
    fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, TESTS_PIPE_BYTES)
    fcntl.fcntl(fd, fcntl.F_SETFL, os.O_NONBLOCK)
    try:
        while os.read(fd, 1 << 16):
            pass
    except BlockingIOError:
        pass
    finally:
        fcntl.fcntl(fd, fcntl.F_SETFL, 0)


def reset_channel(fd: int) -> None:
    """Put back the write end of the children's channel as the zygote made it: blocking, owned
    by no process, Linux's default size. Every child of a kept sandbox shares it, so a child that
    made it non-blocking or shrank it would cost the next student's events."""
    fcntl.fcntl(fd, fcntl.F_SETOWN, 0)
    fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, TESTS_PIPE_BYTES)
    fcntl.fcntl(fd, fcntl.F_SETFL, 0)


# Linux's default pipe size: room for the largest sealed test, which the grader writes at once.
TESTS_PIPE_BYTES = 1 << 16


def run_exercises(job: dict, zygote: Zygote) -> None:
    """Fork one child per exercise, in order; report each start (with its nonce) and end."""
    own, channel, commands = job["zygote_fd"], job["channel_fd"], job["command_fd"]
    for exercise in job["exercises"]:
        drain(commands)
        reset_channel(channel)
        nonce, cells_nonce = secrets.token_hex(16), secrets.token_hex(16)
        start = {"event": "start", "index": exercise["test"], "nonce": nonce}
        send(own, {**start, "cells_nonce": cells_nonce})
        pid = os.fork()
        if pid == 0:
            try:
                os.close(own)
                Child(zygote, exercise, channel, commands).run(nonce, cells_nonce)
            finally:
                _exit(0)
        del nonce, cells_nonce
        _, status = os.waitpid(pid, 0)
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        if job.get("sweep"):
            end_strays()
        send(own, {"event": "exit", "index": exercise["test"], "status": status})
    send(own, {"event": "end"})


def end_strays() -> None:
    """Kill every process left in the sandbox but this one and its init: a student's process
    that left the child's group (`setsid`) must not outlive its exercise. Only inside
    bubblewrap's PID namespace, where `kill(-1)` reaches nothing else (the zygote starts no
    helper process of its own: a lesson's setup that did would lose it here, and its solution
    would fail in tests/test_grading.py). A sandbox whose processes cannot all be ended (a fork
    bomb outrunning the kills) ends itself: it is never reused."""
    for _ in range(1000):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return  # nothing left to signal
        _sleep(0.001)  # the killed become zombies until the namespace's init reaps them
    _exit(1)


def main() -> None:
    """Read the first job, become the sandbox's user, set up once, then judge every exercise
    of this job and of each job that follows (the same lesson, other submissions)."""
    job = read_job()
    if job is None:
        _exit(0)
    forbid_native_code(job.get("workdir"), job["zygote_fd"])
    drop_privileges(job.get("uid"))
    drop_capabilities(job["zygote_fd"])
    forbid_memory_reads()
    prepare_workdir(job)
    zygote = Zygote(job)
    sys.stdout.flush()
    while job is not None:
        zygote.job = job
        run_exercises(job, zygote)
        job = read_job()
        if job is not None:
            prepare_workdir(job, after_another=True)
    _exit(0)


if __name__ == "__main__":
    main()
