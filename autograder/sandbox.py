"""`sandbox`: run one submission's cells in an isolated, resource-limited process.

With bubblewrap (Debian's `bwrap`) the runner gets new mount, PID, network, IPC and UTS
namespaces: it sees a read-only Python, the `course` package and `/etc`, a small `/tmp`, and one
writable scratch folder holding the submission and its lesson files, nothing else (no solutions,
hidden tests, gradebook or other students' work), and it has no network. When started as root the
runner drops to a user of its own. Resource limits (wall time per cell and per submission, CPU
time, memory, processes, file size) hold in every mode. Without bubblewrap only the resource
limits remain; `isolation()` says so and the grading report repeats it.

A runner that dies (crash, `os._exit`, a limit) loses nothing already reported: it is restarted
without the cell that killed it, which is recorded as failed with the reason.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import secrets
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path


def course_dir() -> Path:
    """The `course` package's folder, found without importing it (it imports torch)."""
    return Path(importlib.util.find_spec("course").origin).resolve().parent


RUNNER = Path(__file__).with_name("runner.py")
INSIDE_RUNNER = "/opt/autograder/runner.py"
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
    tmp_mb: int = 64  # size of its private /tmp


@dataclass
class SandboxResult:
    """What came back from running one submission."""

    cells: dict[int, dict] = field(default_factory=dict)  # cell index -> the runner's report
    failures: dict[int, str] = field(default_factory=dict)  # cell index -> why it has no report
    isolation: str = ""  # how the submission was isolated


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
    return spaces if os.geteuid() == 0 else ["--unshare-user", *spaces]


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


def bwrap_command(scratch: Path, limits: Limits) -> list[str]:
    """The bwrap command line that runs the runner on `scratch` (see the module docstring)."""
    args = ["bwrap", *_namespaces()]
    _bind_system(args)
    # The private /tmp comes first: a checkout or virtual environment that lives under /tmp is
    # then bound on top of it instead of being hidden by it.
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(limits.tmp_mb << 20), "--tmpfs", "/tmp"]
    package = course_dir()
    readonly = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), package}
    for path in sorted(readonly):
        args += [*_parents(path), "--ro-bind", str(path), str(path)]
    args += [*_parents(Path(INSIDE_RUNNER)), "--ro-bind", str(RUNNER), INSIDE_RUNNER]
    args += [*_parents(Path(INSIDE_WORKDIR)), "--bind", str(scratch), INSIDE_WORKDIR]
    args += ["--chdir", INSIDE_WORKDIR, "--clearenv"]
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


def _start(scratch: Path, limits: Limits, channel_fd: int) -> subprocess.Popen:
    if isolation() == "bubblewrap":
        command, cwd, env = bwrap_command(scratch, limits), None, {}
    else:
        home = str(scratch)
        course_root = course_dir().parent
        command, cwd = [sys.executable, str(RUNNER)], str(scratch)
        env = sandbox_env(home=home, extra_path=course_root)
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(channel_fd,),
        cwd=cwd,
        env=env or None,
        start_new_session=True,
        preexec_fn=lambda: _limit_resources(limits),  # noqa: PLW1509 (single-threaded workers)
    )


def _job(cells: list[dict], trusted_setup: str, skip: set[int], channel_fd: int) -> dict:
    inside = isolation() == "bubblewrap"
    return {
        "nonce": secrets.token_hex(16),
        "cells": cells,
        "trusted_setup": trusted_setup,
        "skip": sorted(skip),
        "channel_fd": channel_fd,
        "uid": SANDBOX_UID_BASE + os.getpid() % 3000 if inside and os.geteuid() == 0 else None,
        "workdir": INSIDE_WORKDIR if inside else None,
    }


def _kill(process: subprocess.Popen) -> None:
    with _quiet():
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class _quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return exc[0] is not None and issubclass(exc[0], ProcessLookupError | PermissionError)


def _death_reason(returncode: int) -> str:
    # bwrap reports a child killed by signal N as exit status 128 + N.
    signum = -returncode if returncode < 0 else returncode - 128 if returncode > 128 else 0
    if signum in (signal.SIGXCPU, signal.SIGKILL):
        return "the kernel was killed by a resource limit (CPU time or memory)"
    if signum:
        return f"the kernel crashed (signal {signal.Signals(signum).name})"
    return f"the kernel exited (exit status {returncode}) instead of finishing the notebook"


class _Watch:
    """Follows one runner's events, enforcing the per-cell and per-submission wall time."""

    def __init__(self, nonce: str, limits: Limits, deadline: float, result: SandboxResult):
        self.nonce, self.limits, self.deadline, self.result = nonce, limits, deadline, result
        self.current: int | None = None  # the cell running now
        self.started = time.monotonic()  # when it started
        self.finished = False  # the runner reported the end of the notebook
        self.reason = ""  # why the runner was stopped, when it was

    def time_left(self) -> float:
        cell_deadline = self.started + self.limits.cell_s if self.current is not None else 1e18
        return min(self.deadline, cell_deadline) - time.monotonic()

    def out_of_time(self) -> str:
        if self.deadline <= time.monotonic():
            return f"the submission ran out of its {self.limits.wall_s:g} s"
        return f"the cell ran for more than {self.limits.cell_s:g} s (an infinite loop?)"

    def handle(self, line: bytes) -> None:
        event = _parse(line, self.nonce)
        if event is None:
            return
        if event["event"] == "start":
            self.current, self.started = event["index"], time.monotonic()
        elif event["event"] == "done" and event.get("index") == self.current:
            self.result.cells[self.current] = event
            self.current = None
        elif event["event"] == "end":
            self.finished = True

    def follow(self, read_fd: int, process: subprocess.Popen) -> None:
        """Read events until the runner closes its channel or runs out of time."""
        buffer = b""
        with os.fdopen(read_fd, "rb", buffering=0) as channel:
            while True:
                wait = self.time_left()
                if wait <= 0:
                    self.reason = self.out_of_time()
                    _kill(process)
                    return
                if not select.select([channel], [], [], wait)[0]:
                    continue
                chunk = channel.read(1 << 16)
                if not chunk:
                    return
                *lines, buffer = (buffer + chunk).split(b"\n")
                for line in lines:
                    self.handle(line)


def _attempt(
    cells: list[dict],
    trusted_setup: str,
    skip: set[int],
    scratch: Path,
    limits: Limits,
    *,
    deadline: float,
    result: SandboxResult,
) -> tuple[int | None, str]:
    """Run the runner once; return the cell it stopped in (None when it finished) and why."""
    read_fd, write_fd = os.pipe()
    job = _job([dict(cell) for cell in cells], trusted_setup, skip, write_fd)
    process = _start(scratch, limits, write_fd)
    os.close(write_fd)
    with _quiet():
        process.stdin.write(json.dumps(job).encode())
        process.stdin.close()
    watch = _Watch(job["nonce"], limits, deadline, result)
    watch.follow(read_fd, process)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _kill(process)
    if watch.finished and watch.current is None:
        return None, ""
    current = watch.current
    if current is None:
        current = _first_unreported(cells, skip, result)
    return current, watch.reason or _death_reason(process.returncode)


def _first_unreported(cells: list[dict], skip: set[int], result: SandboxResult) -> int | None:
    pending = [
        c["index"] for c in cells if c["index"] not in skip and c["index"] not in result.cells
    ]
    return pending[0] if pending else None


def _parse(line: bytes, nonce: str) -> dict | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("nonce") != nonce:
        return None
    return event


def run_sandboxed(
    *, cells: list[dict], trusted_setup: str, scratch: Path, limits: Limits | None = None
) -> SandboxResult:
    """Run a submission's cells in the sandbox and collect the runner's report of each.

    Args:
        cells: `{"index": int, "kind": "code" | "test", "source": str}` in notebook order.
        trusted_setup: the lesson's own setup cell; the names it defines are restored before
            every test.
        scratch: the submission's scratch folder (made writable for the sandbox's user).
        limits: the resource limits; `Limits()` when None.

    Returns:
        Each cell's report, and for every cell that has none (a crash, a timeout, out of time)
        the reason.
    """
    limits = limits or Limits()
    result = SandboxResult(isolation=isolation())
    scratch.chmod(0o777)
    deadline = time.monotonic() + limits.wall_s
    skip: set[int] = set()
    for _ in range(MAX_RESTARTS + 1):
        stopped, reason = _attempt(
            cells, trusted_setup, skip, scratch, limits, deadline=deadline, result=result
        )
        if stopped is None:
            return result
        result.failures[stopped] = reason
        skip = set(result.cells) | set(result.failures)
        if time.monotonic() >= deadline:
            break
        # Cells already reported run again so later answers see their definitions.
        skip = set(result.failures)
    for cell in cells:
        if cell["index"] not in result.cells and cell["index"] not in result.failures:
            result.failures[cell["index"]] = "not run: the submission stopped early"
    return result
