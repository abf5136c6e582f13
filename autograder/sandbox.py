"""`sandbox`: judge one submission's exercises in an isolated, resource-limited process tree.

With bubblewrap (Debian's `bwrap`) the runner gets new mount, PID, network, IPC and UTS
namespaces: it sees a read-only Python, the `course` package, `/etc`, the lesson's files
(read-only), a size-capped private home and `/tmp` (tmpfs, gone with the sandbox) and no `/proc`
but `cpuinfo`; nothing else (no solutions, hidden tests, gradebook or other students' work), and
no network. When started as root the runner drops to a user of its own. Resource limits (wall
time per cell and per submission, CPU time, memory, processes, file size) hold in every mode.
Without bubblewrap only the limits and the runner's audit hook remain; `isolation()` says so and
the grading report repeats it.

The grader talks to the runner (see `autograder.runner`) over three pipes: the zygote's (which
announces each exercise's child and its two nonces), the children's (events, accepted only
when the whole line is signed with the current child's nonces: one for its cells' events, one
for its test's; see `guard.signed_line`), and the tests' (a test's source, sent only when its
child asks with the test's nonce, sealed for it: see `guard.sealed_test`). A run that hangs or
dies is killed with everything in it; the cell responsible is recorded as failed and the
remaining exercises run again without it.
"""

from __future__ import annotations

import hmac
import importlib.util
import json
import multiprocessing.util
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from autograder.escape import encodable
from autograder.guard import COMPILER_WORDS, sealed_test, signature
from autograder.watched import watched


def course_dir() -> Path:
    """The `course` package's folder, found without importing it (it imports torch)."""
    return Path(importlib.util.find_spec("course").origin).resolve().parent


RUNNER = Path(__file__).with_name("runner.py")
GUARD = Path(__file__).with_name("guard.py")
INSIDE_RUNNER = "/opt/autograder/runner.py"
INSIDE_GUARD = "/opt/autograder/guard.py"
INSIDE_LESSON = "/opt/autograder/lesson"
INSIDE_WORKDIR = "/home/student"
SANDBOX_UID_BASE = 61000
MAX_RESTARTS = 4


@dataclass(frozen=True)
class Limits:
    """What one submission may use."""

    cell_s: float = 60.0  # wall time of one cell
    wall_s: float = 300.0  # wall time of the whole submission, restarts included
    cpu_s: int = 300  # CPU seconds of one runner process
    memory_mb: int = 2048  # data segment (heap and anonymous maps) of each process
    processes: int = 64  # processes and threads of the sandbox's user
    file_mb: int = 64  # largest file it may write
    tmp_mb: int = 64  # size of each of its private home, /tmp and /dev/shm


# A submission's error when its sandbox died twice before any of its code ran: not a grade, so
# the next `grade` run tries it again.
SETUP_FAILED = "the sandbox died while it loaded the lesson, before any of the student's code ran"


@dataclass
class SandboxResult:
    """What came back from running one submission."""

    cells: dict[int, dict] = field(default_factory=dict)  # cell index -> the runner's report
    failures: dict[int, str] = field(default_factory=dict)  # cell index -> why it has no report
    isolation: str = ""  # how the submission was isolated
    # Why the sandbox never reached the first exercise, twice: the lesson's own setup failed
    # (a machine out of memory killed it) before any code of the student's ran.
    setup_failed: str = ""


@cache
def isolation() -> str:
    """`"bubblewrap"` when bwrap works here, else a sentence saying what the fallback lacks."""
    bwrap = shutil.which("bwrap")
    if bwrap:
        probe = subprocess.run(
            [bwrap, *_namespaces(), "--ro-bind", "/", "/", "true"],
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return "bubblewrap"
    return (
        "WEAKER FALLBACK: bubblewrap (bwrap) is missing or does not work here, so submissions run "
        "with resource limits only, as the grader's own user, without mount, network or "
        "process-namespace isolation"
    )


def _namespaces() -> list[str]:
    # As root, keep the real user namespace so the runner can become a real unprivileged user
    # (process limits then count its processes alone); otherwise bwrap needs a user namespace.
    spaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    spaces += ["--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    # In a user namespace the runner needs CAP_SYS_ADMIN once, to remount its writable folders
    # noexec; it gives up every capability before any submission runs (runner.drop_capabilities).
    user = ["--unshare-user", "--cap-add", "CAP_SYS_ADMIN"]
    return spaces if os.geteuid() == 0 else [*user, *spaces]


def _bind_system(args: list[str]) -> None:
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    args += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]


def _parents(path: Path) -> list[str]:
    """Make the folders above a bind target world-readable (bwrap creates them 0700 as root)."""
    args: list[str] = []
    for parent in reversed(path.parents):
        if str(parent) != "/":
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


def bwrap_command(scratch: Path, limits: Limits) -> list[str]:
    """The bwrap command line that runs the runner on `scratch` (see the module docstring)."""
    args = ["bwrap", *_namespaces()]
    _bind_system(args)
    # The private /tmp comes first: a checkout or virtual environment that lives under /tmp is
    # then bound on top of it instead of being hidden by it.
    # No /proc but a copy of cpuinfo (torch reads it): no /proc/self, no other process's memory.
    args += ["--dir", "/proc", "--ro-bind", "/proc/cpuinfo", "/proc/cpuinfo"]
    # Only the device nodes programs use, in a read-only /dev (bwrap's `--dev` would make a
    # writable /dev, and in a user namespace a nested one where the runner cannot remount).
    args += ["--dir", "/dev"]
    for device in DEVICES:
        args += ["--dev-bind", device, device]
    # gloo (the process groups of lessons that allow processes) lists network cards and PCI
    # devices, and fails when it cannot: it gets empty folders, nothing of the host.
    for empty in ("/sys/class/net", "/sys/class/infiniband", "/sys/bus/pci/devices"):
        args += [*_parents(Path(empty)), "--perms", "0755", "--dir", empty]
    if Path("/sys/devices/system/cpu").is_dir():
        args += ["--ro-bind", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    # Open to all like a real /tmp (sticky: the runner's user, not root, writes there).
    for scratch_dir in ("/tmp", "/dev/shm"):
        args += ["--size", str(limits.tmp_mb << 20), "--perms", "1777", "--tmpfs", scratch_dir]
    package = course_dir()
    readonly = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), package}
    for path in sorted(readonly):
        args += [*_parents(path), "--ro-bind", str(path), str(path)]
    args += [*_parents(Path(INSIDE_RUNNER)), "--ro-bind", str(RUNNER), INSIDE_RUNNER]
    args += ["--ro-bind", str(GUARD), INSIDE_GUARD]
    # The lesson's files, read-only; the runner copies them into its private, size-capped home.
    args += ["--ro-bind", str(scratch), INSIDE_LESSON]
    args += [*_parents(Path(INSIDE_WORKDIR)), "--size", str(limits.tmp_mb << 20)]
    args += ["--perms", "0777", "--tmpfs", INSIDE_WORKDIR]
    # The root bwrap builds is a tmpfs that the sandbox's user owns when the grader is not root:
    # read-only, so nothing can be planted there (next to the runner, or in a folder on the
    # import path) for the next submission a kept sandbox judges. Home, /tmp and /dev/shm are
    # mounts of their own and stay writable.
    args += ["--remount-ro", "/", "--chdir", INSIDE_WORKDIR, "--clearenv"]
    for key, value in sandbox_env(home=INSIDE_WORKDIR, extra_path=package.parent).items():
        args += ["--setenv", key, value]
    return [*args, sys.executable, INSIDE_RUNNER]


def sandbox_env(*, home: str, extra_path: Path) -> dict[str, str]:
    """The runner's whole environment: nothing of the grader's leaks in."""
    return {
        "HOME": home,
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "PYTHONPATH": str(extra_path),
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib" if home == INSIDE_WORKDIR else f"{home}/.matplotlib",
        "COURSE_DEVICE": "cpu",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "NBGRADER_EXECUTION": "autograde",
    }


def _limit_resources(limits: Limits) -> None:
    for which, value in (
        (resource.RLIMIT_CPU, limits.cpu_s),
        (resource.RLIMIT_DATA, limits.memory_mb << 20),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_FSIZE, limits.file_mb << 20),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(which, (value, value))


SEND_TEST_S = 5.0  # the longest the grader waits for a child to take a test larger than its pipe
MAX_LINE = 1 << 18  # bytes of one event line; longer lines are dropped unread
MAX_EARLY = 20_000  # child lines kept until the zygote announces their nonces (start and
# end of each cell before a test: a long notebook is many; their bytes count in MAX_EVENTS_BYTES)
MAX_EVENTS_BYTES = 16 << 20  # bytes of events one run may send before it is stopped
# A quick run's test failing with one of these may only lack a demo cell's definitions.
FALLBACK_ERRORS = frozenset(
    {
        "NameError",
        "UnboundLocalError",
        "ImportError",
        "ModuleNotFoundError",
        "AttributeError",
        "FileNotFoundError",
        "KeyError",
    }
)


def _start(scratch: Path, limits: Limits, fds: tuple[int, ...]) -> subprocess.Popen:
    if isolation() == "bubblewrap":
        command, cwd, env = bwrap_command(scratch, limits), None, {}
    else:
        home = str(scratch)
        command, cwd = [sys.executable, str(RUNNER)], str(scratch)
        env = sandbox_env(home=home, extra_path=course_dir().parent)
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        # AUTOGRADER_SANDBOX_DEBUG=1 shows the runner's own errors (never student output).
        stderr=None if os.environ.get("AUTOGRADER_SANDBOX_DEBUG") else subprocess.DEVNULL,
        pass_fds=fds,
        cwd=cwd,
        env=env or None,
        start_new_session=True,
        preexec_fn=lambda: _limit_resources(limits),  # noqa: PLW1509 (single-threaded workers)
    )


def _other_user() -> bool:
    """Whether the sandbox runs as a user of its own (bubblewrap started as root drops to one)."""
    return isolation() == "bubblewrap" and os.geteuid() == 0


def _job(plan: Plan, exercises: list[dict], fds: dict[str, int]) -> dict:
    """What the runner reads on stdin: every cell but the tests' source, which it never gets."""
    inside = isolation() == "bubblewrap"
    cells = [
        {
            "index": c["index"],
            "kind": c["kind"],
            "source": None if c["kind"] == "test" else c["source"],
        }
        for c in plan.cells
    ]
    return {
        "cells": cells,
        "setup": plan.setup,
        "allow": sorted(plan.allow),
        "preload": list(plan.preload),
        "exercises": exercises,
        "skip": sorted(plan.skip),
        **fds,
        "uid": SANDBOX_UID_BASE + os.getpid() % 3000 if _other_user() else None,
        "workdir": INSIDE_WORKDIR if inside else None,
        "lesson_dir": INSIDE_LESSON if inside else None,
    }


def _kill(process: subprocess.Popen) -> None:
    """Kill the sandbox and everything in it (its session; bwrap's PID namespace dies with it)."""
    for target in (lambda: os.killpg(process.pid, signal.SIGKILL), process.kill):
        try:
            target()
        except (ProcessLookupError, PermissionError, OSError):
            pass
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


def _death_reason(returncode: int | None) -> str:
    if returncode is None:
        return "the kernel stopped answering"
    # bwrap reports a child killed by signal N as exit status 128 + N.
    signum = -returncode if returncode < 0 else returncode - 128 if returncode > 128 else 0
    if signum in (signal.SIGXCPU, signal.SIGKILL):
        return "the kernel was killed by a resource limit (CPU time or memory)"
    if signum:
        return f"the kernel crashed (signal {signal.Signals(signum).name})"
    return f"the kernel exited (exit status {returncode}) instead of finishing the exercise"


@dataclass
class Plan:
    """One submission, as the sandbox runs it."""

    cells: list[dict]  # {"index", "kind": "code" | "demo" | "test", "source"} in notebook order
    setup: str  # the lesson's own setup cell, run by the trusted zygote
    allow: frozenset[str] = frozenset()  # what the lesson's tests legitimately need
    preload: tuple[str, ...] = ()  # modules its tests load on first use: the zygote imports them
    skip: set[int] = field(default_factory=set)  # cells that hung or crashed the runner

    def source_of(self, index: int) -> str:
        return next(c["source"] for c in self.cells if c["index"] == index)


class _Lines:
    """Splits a descriptor's bytes into lines, dropping any line longer than MAX_LINE."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer, self.skipping, self.total, self.closed = fd, b"", False, 0, False

    def read(self) -> list[bytes]:
        """The lines completed by the next chunk (linear in its size: one split, no copy of
        the rest of the buffer per line), empty ones left out."""
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            chunk = b""
        if not chunk:
            self.closed = True
            return []
        self.total += len(chunk)
        if b"\n" not in chunk:
            self.buffer += chunk  # bounded: a line past MAX_LINE is dropped below
            if len(self.buffer) > MAX_LINE:
                self.buffer, self.skipping = b"", True
            return []
        first, *rest = chunk.split(b"\n")
        whole = [self.buffer + first, *rest[:-1]]
        if self.skipping or len(whole[0]) > MAX_LINE:
            whole[0] = b""  # the end of a line that was too long
        self.buffer, self.skipping = rest[-1], len(rest[-1]) > MAX_LINE
        return [line for line in whole if line]


def _parse(line: bytes) -> dict | None:
    try:
        event = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        return None
    if not isinstance(event.get("index", 0), int):
        return None
    return event


class _Watch:
    """Follows one run: the zygote's messages, and each child's, accepted only with its nonce."""

    def __init__(self, plan: Plan, limits: Limits, deadline: float, result: SandboxResult):
        self.plan, self.limits, self.deadline, self.result = plan, limits, deadline, result
        self.exercise: int | None = None  # the test whose child runs now
        self.nonce: str | None = None  # that child's nonce for its verdict, from the zygote
        self.cells_nonce: str | None = None  # and for its cells' events (see runner `Child.run`)
        self.current: int | None = None  # the cell running now
        self.started = time.monotonic()
        self.finished = False
        self.reason = ""
        self.commands = -1
        self.verdicts: dict[int, dict] = {}
        self.ended: set[int] = set()  # exercises whose child is gone
        self.stop = False  # a child died inside a student cell: restart without that cell
        self.early: list[bytes] = []  # child lines whose nonces the zygote has not announced yet
        # A test's cell reports through its verdict only, never as a cell ("start", "done").
        self.tests = {c["index"] for c in plan.cells if c["kind"] == "test"}

    def time_left(self) -> float:
        # While a child runs, every accepted event restarts the clock: no cell, test or gap
        # between them runs longer. The zygote's setup counts against the submission's time only.
        if self.exercise is None:
            return self.deadline - time.monotonic()
        return min(self.deadline, self.started + self.limits.cell_s) - time.monotonic()

    def out_of_time(self) -> str:
        if self.deadline <= time.monotonic():
            return f"the submission ran out of its {self.limits.wall_s:g} s"
        return f"the cell ran for more than {self.limits.cell_s:g} s (an infinite loop?)"

    def from_zygote(self, event: dict) -> None:
        if self.stop:
            return  # this run is over: it restarts without the cell that ended it
        kind = event["event"]
        if kind == "start" and isinstance(event.get("nonce"), str):
            self.exercise, self.nonce, self.current = event.get("index"), event["nonce"], None
            cells_nonce = event.get("cells_nonce")
            self.cells_nonce = cells_nonce if isinstance(cells_nonce, str) else None
            self.started = time.monotonic()
            # The child may have spoken before this line was read (two pipes, one reader).
            early, self.early = [line for line in self.early if self.verified(line)], []
            for line in early:
                self.from_child(line)
        elif kind == "exit" and event.get("index") == self.exercise:
            status = event.get("status") if isinstance(event.get("status"), int) else None
            if self.exercise not in self.verdicts:
                death = _death_reason(os.waitstatus_to_exitcode(status) if status else status)
                if self.current is not None and self.current != self.exercise:
                    self.reason, self.stop = death, True
                    return
                self.result.failures.setdefault(self.exercise, death)
            self.ended.add(self.exercise)
            self.exercise, self.nonce, self.cells_nonce, self.current = None, None, None, None
        elif kind == "end":
            self.finished = True
        elif kind == "unsafe" and self.exercise is None and isinstance(event.get("reason"), str):
            self.reason = event["reason"][:300]  # the runner could not make the sandbox safe

    def verified(self, line: bytes) -> tuple[str, dict] | None:
        """("cells" or "test", the event) for a line signed whole with this child's cells' or
        test's nonce (`guard.signed_line`); None for any other line."""
        mark, _, payload = line.partition(b" ")
        for which, nonce in (("test", self.nonce), ("cells", self.cells_nonce)):
            if nonce is not None and hmac.compare_digest(mark, signature(nonce, payload)):
                event = _parse(payload)
                return None if event is None else (which, event)
        return None

    def from_child(self, line: bytes) -> None:
        found = self.verified(line)
        if found is None:
            # Not this child's: the next child's (on a busy machine, read before the zygote's
            # lines that end this child and start that one), or forged, or left over from an
            # earlier child, or mixed with another writer's bytes. Kept until the zygote's next
            # start, replayed only if signed with one of its nonces.
            if len(self.early) < MAX_EARLY:
                self.early.append(line)
            return
        which, event = found
        kind, index = event["event"], event.get("index")
        # A cell's events are signed with the cells' nonce, the test's (ready, verdict) with
        # the test's: a thread of the student's may have seen the first, never the second, so
        # no test cell reports with it.
        if (kind in ("start", "done")) != (which == "cells") or (
            which == "cells" and index in self.tests
        ):
            return
        self.started = time.monotonic()
        if kind == "start" and self.current is None:
            self.current, self.started = index, time.monotonic()
        elif kind == "done" and index == self.current:
            self.result.cells.setdefault(index, _clean(event))
            self.current = None
        elif kind == "ready" and index == self.exercise and self.current is None:
            self.current, self.started = index, time.monotonic()
            self.send_test(index)
        elif kind == "verdict" and index == self.exercise and index in self.verdicts:
            self.verdicts[index] = _second_verdict(self.verdicts[index])
        elif kind == "verdict" and index == self.exercise:
            self.verdicts[index] = _clean(event)
            self.current = None

    def send_test(self, index: int) -> None:
        """Write the sealed test whole: a test larger than the pipe goes out as the child reads
        it (within the exercise's time); a child that reads none of it finds no test and fails."""
        source = watched(self.plan.source_of(index))  # each call it makes checked first
        message = memoryview(sealed_test(self.nonce, source.encode()))
        deadline = time.monotonic() + min(self.time_left(), SEND_TEST_S)
        try:
            while message := message[os.write(self.commands, message) :]:
                wait = max(0.0, deadline - time.monotonic())
                if not select.select([], [self.commands], [], wait)[1]:
                    return  # the child fails on the part it got
        except BlockingIOError:
            return  # select said writable, yet the pipe is full: as above
        except OSError:
            pass  # the child will find no test: it fails

    def follow_box(self, box: _Box) -> None:
        """Read events until the run ends, runs out of time or sends too much.

        The children's channel is always drained before a zygote message is handled: a child
        writes its verdict before the zygote can report that it exited. What the next child
        wrote meanwhile waits in `early` until the zygote's start names its nonce.
        """
        zygote, children = box.zygote, box.children
        zygote_fd, child_fd = zygote.fd, children.fd
        while not (self.finished or self.stop or zygote.closed):
            wait = self.time_left()
            if wait <= 0:
                self.reason = self.out_of_time()
                return
            watched = [
                fd for fd, lines in ((zygote_fd, zygote), (child_fd, children)) if not lines.closed
            ]
            ready = select.select(watched, [], [], min(wait, 5.0))[0]
            if child_fd in ready:
                self.drain(children)
            if zygote_fd in ready:
                for line in zygote.read():
                    self.drain(children)
                    event = _parse(line)
                    if event is not None:
                        self.from_zygote(event)
            if zygote.total + children.total > MAX_EVENTS_BYTES:
                self.reason = "the submission wrote too much output"
                return

    def drain(self, children: _Lines) -> None:
        """Handle every child message already waiting."""
        while not children.closed and select.select([children.fd], [], [], 0)[0]:
            for line in children.read():
                self.from_child(line)
            if children.total > MAX_EVENTS_BYTES:
                return


def _second_verdict(first: dict) -> dict:
    """A child writes one verdict: a second, signed as well, means one of them was not the
    grader's (the first to arrive may be the forged one). The test fails, flagged."""
    reason = "a second verdict for this test: one of them was not the grader's"
    error = {"ename": "TamperingDetected", "evalue": reason, "traceback": []}
    tampering = [*first.get("tampering", []), reason]
    return {**first, "passed": False, "error": error, "tampering": tampering}


def _clean(event: dict) -> dict:
    """Only the fields the grader uses, with the sizes it allows."""
    kept = {}
    for key in ("stdout", "stderr"):
        if isinstance(event.get(key), str):
            kept[key] = _strip(event[key])
    error = event.get("error")
    if isinstance(error, dict):
        lines = error.get("traceback") if isinstance(error.get("traceback"), list) else []
        kept["error"] = {
            "ename": _strip(str(error.get("ename", "Error")))[:200],
            "evalue": _strip(str(error.get("evalue", "")))[:MAX_TEXT],
            "traceback": [_strip(str(line))[:2000] for line in lines[:60]],
        }
    if isinstance(event.get("tampering"), list):
        kept["tampering"] = [_strip(str(t))[:200] for t in event["tampering"][:20]]
    if event.get("event") == "verdict":
        kept["passed"] = event.get("passed") is True
    return kept


MAX_TEXT = 20_000
_ANSI = None


def _strip(text: str) -> str:
    """Capped, without terminal escape sequences (feedback shows text, never drives terminals)."""
    global _ANSI
    if _ANSI is None:
        import re

        _ANSI = re.compile(
            r"\x1b\[[0-9;?]{0,40}[ -/]{0,4}[@-~]|\x1b[@-_]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
        )
    return encodable(_ANSI.sub("", text[: MAX_TEXT + 1000])[:MAX_TEXT])


def _pipes() -> tuple[dict[str, int], list[int], list[int]]:
    """The three channels: the zygote's, the children's (both to here), the tests' (from here)."""
    zygote_r, zygote_w = os.pipe()
    child_r, child_w = os.pipe()
    test_r, test_w = os.pipe()
    os.set_blocking(test_w, False)
    fds = {"zygote_fd": zygote_w, "channel_fd": child_w, "command_fd": test_r}
    return fds, [zygote_r, child_r, test_w], [zygote_w, child_w, test_r]


class _Box:
    """One running sandbox: its process, our ends of its pipes, the folder it copies files from.

    A box that finished a submission cleanly is kept for the next submission of the same lesson
    in this worker process (the zygote's setup is the slow part): the runner empties its home,
    `/tmp` and `/dev/shm` before each job, and after each child every other process in the
    sandbox's PID namespace is killed (its process group, and any process that left it), so
    nothing of one student's run is left for the next. The fallback without bubblewrap (no PID
    namespace of its own) never reuses one.
    """

    def __init__(self, key: tuple, limits: Limits) -> None:
        self.key = key
        # Students' files: readable by the sandbox's own user when it has one, else by us only.
        self.modes = (0o755, 0o644) if _other_user() else (0o700, 0o600)
        self.staging = Path(tempfile.mkdtemp(prefix="autograder-lesson-"))
        self.staging.chmod(self.modes[0])
        fds, self.ours, theirs = _pipes()
        self.fds = fds
        try:
            self.process = _start(self.staging, limits, tuple(theirs))
        finally:
            for fd in theirs:
                os.close(fd)
        self.zygote, self.children = _Lines(self.ours[0]), _Lines(self.ours[1])
        self.jobs = 0  # submissions sent to it so far

    def stage(self, scratch: Path) -> None:
        """Make the submission's files (lesson files, visible notebook) the ones it copies."""
        for entry in self.staging.iterdir():
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        for item in scratch.iterdir():
            if item.is_symlink():
                continue
            if item.is_dir():
                shutil.copytree(item, self.staging / item.name, symlinks=True)
            else:
                shutil.copyfile(item, self.staging / item.name)
        for folder, dirs, files in os.walk(self.staging):
            for name in dirs:
                os.chmod(os.path.join(folder, name), self.modes[0])
            for name in files:
                os.chmod(os.path.join(folder, name), self.modes[1])

    def send(self, job: dict) -> None:
        data = json.dumps(job).encode()
        try:
            self.process.stdin.write(f"{len(data)}\n".encode() + data)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the runner died before reading its job: its exit status says why

    def close(self) -> None:
        _kill(self.process)
        for fd in self.ours:
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.staging, ignore_errors=True)


_KEPT: dict[tuple, _Box] = {}  # at most one idle box, kept for the next submission


def _box_for(plan: Plan, limits: Limits) -> _Box:
    """A kept box for this lesson and these limits, or a new one (the kept one is closed)."""
    fixed = replace(limits, cell_s=0.0, wall_s=0.0)  # time is the watch's; the rest is the box's
    key = (plan.setup, tuple(sorted(plan.allow)), plan.preload, fixed, _compiler_words(plan))
    key += (isolation(), os.getpid())
    kept = _KEPT.pop(key, None)
    if kept is not None and kept.process.poll() is None:
        return kept
    for other in [_KEPT.pop(k) for k in list(_KEPT)]:
        other.close()
    if kept is not None:
        kept.close()
    return _Box(key, limits)


def _reusable() -> bool:
    return isolation() == "bubblewrap" and not os.environ.get("AUTOGRADER_FRESH_SANDBOX")


def _compiler_words(plan: Plan) -> bool:
    text = plan.setup + "\n".join(c["source"] or "" for c in plan.cells if c["kind"] != "test")
    return any(word in text for word in COMPILER_WORDS)


_closing_registered_in: int | None = None  # the process whose exit closes the kept boxes


def _keep(box: _Box) -> None:
    """Keep `box` for the next submission, to be closed when this process exits: by one of
    multiprocessing's finalizers, not an atexit hook, because a pool worker forked from the fork
    server runs those finalizers and then `os._exit`s (other processes run them at exit)."""
    global _closing_registered_in
    if _closing_registered_in != os.getpid():
        multiprocessing.util.Finalize(None, _close_kept, exitpriority=0)
        _closing_registered_in = os.getpid()
    _KEPT[box.key] = box


def _close_kept() -> None:
    for box in [_KEPT.pop(k) for k in list(_KEPT)]:
        box.close()


def _attempt(
    plan: Plan,
    exercises: list[dict],
    scratch: Path,
    limits: Limits,
    *,
    deadline: float,
    result: SandboxResult,
) -> _Watch:
    """Run the zygote over `exercises` (in a kept box when there is one); return what it saw.

    A box that ends before this submission's first exercise ran no code of this student's (a
    kept box failed on what the previous submission left, a folder it cannot empty; a fresh
    one on the machine: killed while it loaded the lesson's setup), so the submission runs
    again in a fresh box instead of being charged for it.
    """
    box = _box_for(plan, limits)
    watch = _run_in(box, plan, exercises, scratch, _Watch(plan, limits, deadline, result))
    if _never_started(watch):
        fresh = _Box(box.key, limits)
        watch = _run_in(fresh, plan, exercises, scratch, _Watch(plan, limits, deadline, result))
    return watch


def _never_started(watch: _Watch) -> bool:
    return watch.exercise is None and not (watch.finished or watch.verdicts or watch.ended)


def _run_in(box: _Box, plan: Plan, exercises: list[dict], scratch: Path, watch: _Watch) -> _Watch:
    """Send the submission to `box` and follow it; keep the box when it ended cleanly."""
    box.jobs += 1
    clean = False
    try:
        box.stage(scratch)
        job = _job(plan, exercises, box.fds)
        job["wipe"] = isolation() == "bubblewrap"  # its own home, /tmp and /dev/shm only
        job["sweep"] = isolation() == "bubblewrap"  # kill(-1) reaches its PID namespace only
        job["warm_compiler"] = _compiler_words(plan)
        box.send(job)
        watch.commands = box.ours[2]
        box.zygote.total = box.children.total = 0
        watch.follow_box(box)
        clean = watch.finished and not watch.reason and not watch.stop
    finally:
        if clean and _reusable():
            _keep(box)
        else:
            box.close()
    if not watch.reason and not watch.finished:
        watch.reason = _death_reason(box.process.returncode)
    return watch


def run_sandboxed(*, plan: Plan, scratch: Path, limits: Limits | None = None) -> SandboxResult:
    """Judge every test of a submission in the sandbox, with a full run where a quick one failed.

    Args:
        plan: the cells (tests' source stays here: the sandbox gets each one only when its
            exercise's student code has finished), the setup cell, and what the lesson allows.
        scratch: a folder with the lesson's files (read-only to the sandbox).
        limits: the resource limits; `Limits()` when None.

    Returns:
        Each cell's report (a test's is its verdict), and for every cell without one the reason.
    """
    limits = limits or Limits()
    result = SandboxResult(isolation=isolation())
    deadline = time.monotonic() + limits.wall_s
    tests = [c["index"] for c in plan.cells if c["kind"] == "test"]
    _run_pass(plan, [{"test": t, "full": False} for t in tests], scratch, limits, deadline, result)
    retry = [t for t in tests if _may_lack_demo(result.cells.get(t))]
    if retry and any(c["kind"] == "demo" for c in plan.cells):
        quick = {t: result.cells.pop(t) for t in retry}
        _run_pass(
            plan, [{"test": t, "full": True} for t in retry], scratch, limits, deadline, result
        )
        for t in retry:  # never fewer points than a full run, never more than it gives
            if not (result.cells.get(t) or {}).get("passed"):
                result.cells[t] = quick[t]
                result.failures.pop(t, None)
    for index in tests:
        if index not in result.cells:
            result.failures.setdefault(index, "not run: the submission stopped early")
    return result


def _may_lack_demo(report: dict | None) -> bool:
    error = (report or {}).get("error") or {}
    return bool(report) and not report.get("passed") and error.get("ename") in FALLBACK_ERRORS


def _run_pass(
    plan: Plan,
    exercises: list[dict],
    scratch: Path,
    limits: Limits,
    deadline: float,
    result: SandboxResult,
) -> None:
    """Run `exercises` in order, restarting after a crash or a hang without what caused it."""
    pending = list(exercises)
    for _ in range(MAX_RESTARTS + 1):
        if not pending or time.monotonic() >= deadline:
            break
        watch = _attempt(plan, pending, scratch, limits, deadline=deadline, result=result)
        for test, verdict in watch.verdicts.items():
            result.cells[test] = verdict
        done = set(watch.verdicts) | watch.ended
        if watch.reason and watch.exercise is not None and watch.exercise not in done:
            if watch.current is not None and watch.current != watch.exercise:
                result.failures.setdefault(watch.current, watch.reason)  # a student cell
                plan.skip.add(watch.current)
            else:
                result.failures.setdefault(watch.exercise, watch.reason)  # the test itself
                done.add(watch.exercise)
        pending = [e for e in pending if e["test"] not in done]
        if watch.finished and not watch.stop:
            break
        if watch.reason and watch.exercise is None and not done:
            # It never reached an exercise (its setup failed or took all the time): say so.
            if _never_started(watch) and not (result.cells or result.failures):
                result.setup_failed = watch.reason  # nothing of this submission ran anywhere
            for exercise in pending:
                result.failures.setdefault(exercise["test"], f"not run: {watch.reason}")
            break
