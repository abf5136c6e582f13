"""Run a function on several processes of this machine, each a rank of one process group.

Lesson 09 shows collectives and `DistributedDataParallel` for real between processes. A notebook
cannot hand its own functions to *spawned* children (they start a fresh Python and cannot unpickle
a function defined in `__main__`), so `launch` **forks**: each child is a copy of the notebook's
process, with torch already imported and every function already defined, so it starts in
milliseconds. Each child joins a gloo process group through a `FileStore` in a private temporary
folder, runs `fn(rank, *args)`, and sends back its return value and what it printed.

`launch` is infrastructure, like `mp.spawn` or `torchrun`: it starts processes and reports what
they did; the distributed code itself is the lesson's.

`run_torchrun` runs a script with `torchrun --nproc-per-node N` and returns what it printed.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
import torch._dynamo  # noqa: F401  (DistributedDataParallel imports it: 2 s in every child otherwise)
import torch.distributed as dist
import torch.nn.parallel  # noqa: F401

__all__ = ["RankError", "launch", "run_torchrun", "torchrun_command", "prepare_autograd_for_fork"]


def prepare_autograd_for_fork() -> None:
    """Run one tiny backward pass now, so forked ranks can always use autograd.

    Autograd sets up its worker threads on the first backward pass of a process. If that first
    pass comes after torch has registered an extra device (`torch.export` and `torch.compile` do,
    for their fake tensors), it starts threads, and every process forked afterwards refuses to run
    backward ("Unable to handle autograd's threading in combination with fork-based
    multiprocessing"). A first pass made while only the CPU is known starts no threads.
    """
    x = torch.ones(1, requires_grad=True)
    (2 * x).sum().backward()


prepare_autograd_for_fork()


class RankError(RuntimeError):
    """A rank died without reporting (killed, crashed), or its result could not be sent back."""


@dataclass
class _Rank:
    """The parent's view of one child: its pid, the pipe it reports on, the bytes read so far."""

    rank: int
    pid: int
    fd: int
    data: bytearray = field(default_factory=bytearray)
    report: tuple | None = None
    status: int | None = None


def launch(
    fn: Callable[..., Any],
    *args: Any,
    world_size: int = 2,
    backend: str = "gloo",
    init: bool = True,
    timeout: float = 30.0,
    show_output: bool = True,
) -> list[Any]:
    """Run `fn(rank, *args)` on `world_size` forked processes; return their results in rank order.

    With `init=True` every child first joins a process group (`backend`, a `FileStore` in a
    temporary folder) and leaves it afterwards, so `fn` can call collectives straight away. With
    `init=False` the children get the environment `torchrun` gives (`RANK`, `WORLD_SIZE`,
    `LOCAL_RANK`, `MASTER_ADDR`, `MASTER_PORT`) and `fn` calls `dist.init_process_group` itself.
    Whatever a rank prints is shown afterwards, prefixed with its rank (`show_output`).
    The first exception raised on any rank is raised here (same type, with that rank's traceback
    in a note) after the other ranks are stopped; ranks still running after `timeout` seconds are
    stopped and a `TimeoutError` says which, the usual sign of a collective that not every rank
    called.
    """
    if world_size < 1:
        raise ValueError(f"world_size must be at least 1, got {world_size}")
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryDirectory(prefix="course-dist-") as folder:
        env = _rank_environment(world_size, folder, init=init)
        # Signs each rank's report: a rank's own code (a student's, when grading) cannot forge
        # a report that says it passed.
        secret = os.urandom(16)
        ranks = [
            _fork(rank, fn, args, env, backend, init, timeout, secret) for rank in range(world_size)
        ]
        try:
            _collect(ranks, deadline=time.monotonic() + timeout, secret=secret)
        finally:
            _stop(ranks)
    if show_output:
        _show_output(ranks)
    _raise_first_error(ranks, timeout)
    return [r.report[1] for r in ranks]


def _rank_environment(world_size: int, folder: str, *, init: bool) -> dict[str, str]:
    """Variables every rank gets (its own RANK/LOCAL_RANK are added in the child)."""
    env = {
        "WORLD_SIZE": str(world_size),
        "LOCAL_WORLD_SIZE": str(world_size),
        "COURSE_DIST_STORE": str(Path(folder) / "store"),
    }
    if not init:
        env |= {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port())}
    if sys.platform.startswith("linux") and "GLOO_SOCKET_IFNAME" not in os.environ:
        env["GLOO_SOCKET_IFNAME"] = "lo"  # talk over loopback, never guess from the host name
    return env


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fork(
    rank: int, fn, args, env, backend: str, init: bool, timeout: float, secret: bytes
) -> _Rank:
    """Start one child; it never returns into the caller's code (it always ends in `os._exit`)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        status = 1
        send = _sender(write_fd, secret)
        try:
            _child(rank, fn, args, env, backend, init, timeout, send)
            status = 0
        except BaseException as error:  # noqa: BLE001 (the rank could not even start: say why)
            _report_start_failure(send, error)
        finally:
            os._exit(status)
    os.close(write_fd)
    return _Rank(rank=rank, pid=pid, fd=read_fd)


def _report_start_failure(send, error: BaseException) -> None:
    """A rank that failed before it could report (setting up its streams or its pipe) still
    tells the parent why, instead of dying silently."""
    try:
        failure = RankError(f"the rank could not start: {type(error).__name__}: {error}")
        send((False, failure, _traceback_text()), "", "")
    except BaseException:  # noqa: BLE001, S110 (the parent then reports a silent death)
        pass


def _sender(write_fd: int, secret: bytes) -> Callable[[tuple, str, str], None]:
    """The function that writes this rank's one report, made before the rank runs any of the
    caller's code: that code may rebind module names, but not what this already holds. The report
    is the secret, `1` (returned) or `0` (raised), then `_report_body`; only a rank that returned
    says `1`, whatever else the body holds."""
    write, body_of = os.write, _report_body
    tools = (torch.save, json.dumps, time.time)  # `fn` may watch or replace torch.save itself

    def send(report: tuple, out: str, err: str) -> None:
        ok, body = body_of(report, out, err, *tools)
        message = secret + (b"1" if ok is True and report[0] is True else b"0") + body
        while message:
            message = message[write(write_fd, message) :]

    return send


def _child(rank, fn, args, env, backend, init, timeout, send) -> None:
    """Join the group, run `fn`, and send one report (see `_sender`).

    A failing rank reports *before* it leaves the group, so its report reaches the parent before
    the errors of the partners it leaves waiting, which only notice when its connections close.
    """
    os.environ.update(env, RANK=str(rank), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)  # the ranks share this machine's cores
    out, err = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = out, err
    native = tempfile.TemporaryFile()  # what C++ code (gloo's logs) writes to descriptors 1 and 2
    os.dup2(native.fileno(), 1)
    os.dup2(native.fileno(), 2)
    try:
        if init:
            store = dist.FileStore(env["COURSE_DIST_STORE"], int(env["WORLD_SIZE"]))
            dist.init_process_group(
                backend,
                store=store,
                rank=rank,
                world_size=int(env["WORLD_SIZE"]),
                timeout=timedelta(seconds=timeout),
            )
            dist.barrier()  # nobody runs (and maybe leaves) before every rank is connected
        report = (True, fn(rank, *args))
        if dist.is_initialized():
            dist.destroy_process_group()
    except BaseException as error:  # noqa: BLE001 (everything a rank raises goes to the parent)
        report = (False, error, _traceback_text())
    native.seek(0)
    err.write(native.read().decode(errors="replace"))
    send(report, out.getvalue(), err.getvalue())


def _traceback_text() -> str:
    """The current exception's traceback, or a line saying it cannot be read (an environment,
    such as the autograder's sandbox, may refuse access to frames)."""
    try:
        return traceback.format_exc()
    except Exception as problem:  # noqa: BLE001
        return f"(traceback not available: {problem})"


def _report_body(report: tuple, out: str, err: str, save, dumps, clock) -> tuple[bool, bytes]:
    """(sent as returned?, a JSON line of what the rank printed, its error and traceback and
    when it failed, then the returned value saved by `torch.save`). A value that cannot be sent
    makes the report a failure that says why."""
    ok, value, text = (*report, "") if report[0] else report
    info = {"out": out, "err": err, "traceback": text, "time": clock()}
    saved = b""
    if ok:
        buffer = io.BytesIO()
        try:
            save(value, buffer)
            saved = buffer.getvalue()
        except Exception as problem:  # noqa: BLE001
            ok, value = False, RankError(f"the rank returned {type(value).__name__}, which could "
                                         f"not be sent back ({problem})")
    if not ok:
        kind = type(value)
        builtin = next(c for c in kind.__mro__ if c.__module__ == "builtins").__name__
        info["error"] = [kind.__module__, kind.__qualname__, str(value), builtin]
    return ok, dumps(info).encode() + b"\n" + saved


def _collect(ranks: list[_Rank], *, deadline: float, secret: bytes) -> None:
    """Read every rank's report; stop early once one rank has failed or the deadline passes."""
    selector = selectors.DefaultSelector()
    for r in ranks:
        selector.register(r.fd, selectors.EVENT_READ, r)
    open_pipes = len(ranks)
    while open_pipes and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
            r = key.data
            chunk = os.read(r.fd, 1 << 16)
            if chunk:
                r.data += chunk
                continue
            selector.unregister(r.fd)
            open_pipes -= 1
            r.report = _read_report(bytes(r.data), secret)
            if not r.report[0]:
                # Let the failure's partners report too (they fail at once), then stop.
                deadline = min(deadline, time.monotonic() + 0.5)
    selector.close()


def _read_report(data: bytes, secret: bytes) -> tuple:
    """(ok, value or error, stdout, stderr, traceback text, time of the failure) from what a
    rank sent. Nothing in it is unpickled: values load as tensors and plain data only
    (`weights_only`), errors are rebuilt from their type's name and message."""
    now = time.time()
    if not data:
        return (False, None, "", "", "", now)  # died silently: _stop reads why
    flag, rest = data[len(secret) : len(secret) + 1], data[len(secret) + 1 :]
    if data[: len(secret)] != secret or flag not in (b"0", b"1"):
        forged = RankError("the rank's report was not its own: code on the rank wrote to its pipe")
        return (False, forged, "", "", "", now)
    line, _, saved = rest.partition(b"\n")
    try:
        info = json.loads(line)
        out, err, text, when = info["out"], info["err"], info["traceback"], info["time"]
    except (ValueError, KeyError, TypeError):
        return (False, RankError("the rank's report could not be read"), "", "", "", now)
    if flag == b"0":
        return (False, _rebuilt(info.get("error")), out, err, text, when)
    try:
        value = torch.load(io.BytesIO(saved), weights_only=True)
    except Exception as problem:  # noqa: BLE001
        why = str(problem).strip().splitlines()[0][:200]
        error = RankError(f"the rank returned a value that could not be sent back: only tensors, "
                          f"numbers, strings and lists, tuples and dicts of them can ({why})")
        return (False, error, out, err, "", when)
    return (True, value, out, err, "", when)


# Where a rank's exception type may be looked up again in the parent (classes already loaded,
# whose code is the library's): any other type comes back as its nearest built-in base.
TRUSTED_ERROR_MODULES = ("builtins", "course", "torch")


def _rebuilt(error) -> BaseException:
    """The rank's exception, as its own type when a trusted module defines it, else as its
    nearest built-in base (an AssertionError stays one), with its message."""
    try:
        module, name, message, builtin = error
        trusted = module.split(".")[0] in TRUSTED_ERROR_MODULES
        found = getattr(sys.modules.get(module), name, None) if trusted else None
        if not (isinstance(found, type) and issubclass(found, BaseException)):
            found, message = vars(builtins).get(builtin), f"{name}: {message}"
        if isinstance(found, type) and issubclass(found, BaseException):
            return found(message)
    except Exception:  # noqa: BLE001, S110 (a report naming no usable error; a type that wants
        pass  # other arguments)
    return RankError(f"the rank failed and its error could not be rebuilt: {error!r}"[:300])


def _stop(ranks: list[_Rank]) -> None:
    """Kill the ranks that are still running, reap every child and close the pipes."""
    for r in ranks:
        if r.report is None or not r.report[0]:
            try:
                os.kill(r.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, r.status = os.waitpid(r.pid, 0)
        os.close(r.fd)


def _show_output(ranks: list[_Rank]) -> None:
    for r in ranks:
        if r.report is None:
            continue
        for text, stream in ((r.report[2], sys.stdout), (r.report[3], sys.stderr)):
            for line in text.splitlines():
                print(f"[rank {r.rank}] {line}", file=stream)


def _raise_first_error(ranks: list[_Rank], timeout: float) -> None:
    """Raise the root cause: a rank's own error before the errors of the ranks it left waiting."""
    failed = [r for r in ranks if r.report is not None and not r.report[0]]
    failed.sort(key=lambda r: (_is_knock_on(r.report[1]), r.report[5]))
    if failed:
        r = failed[0]
        error = r.report[1]
        if error is None:
            raise RankError(f"rank {r.rank} died without reporting ({_describe_status(r.status)})")
        if _is_knock_on(error):
            error.add_note(
                "A partner rank finished or failed while this one still waited in a "
                "collective: every rank must call the same collectives in the same "
                "order."
            )
        if r.report[4]:
            error.add_note(f"(raised on rank {r.rank} of {len(ranks)})\n{r.report[4]}")
        raise error
    missing = [r.rank for r in ranks if r.report is None]
    if missing:
        raise TimeoutError(
            f"rank(s) {missing} still running after {timeout:g} s and stopped: a collective that "
            "not every rank calls (or calls in another order) waits forever"
        )


def _is_knock_on(error: BaseException | None) -> bool:
    """Is this a rank that only died or lost its partner, rather than a root cause?"""
    return error is None or isinstance(error, RankError) or "by peer" in str(error)


def _describe_status(status: int | None) -> str:
    if status is None:
        return "no exit status"
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status)}"


def torchrun_command(script: str | Path, *script_args: str, nproc_per_node: int = 2) -> list[str]:
    """The command line `torchrun --standalone --nproc-per-node N script args...`, with this
    Python's own `torchrun` (`python -m torch.distributed.run` is the same program)."""
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc-per-node={nproc_per_node}",
        str(script),
        *script_args,
    ]


def run_torchrun(
    script: str | Path, *script_args: str, nproc_per_node: int = 2, timeout: float = 120.0
) -> str:
    """Run `script` under torchrun and return what it printed (stdout); raise with its stderr if
    it fails. `OMP_NUM_THREADS=1`: each worker gets one thread, so the ranks share the cores.

    Raises:
        TypeError: `script` is not a path.
        FileNotFoundError: there is no file at `script` (checked before torchrun starts).
    """
    if not isinstance(script, str | os.PathLike):
        raise TypeError(f"run_torchrun needs a script's path, got {type(script).__name__}")
    if not Path(script).is_file():
        raise FileNotFoundError(f"run_torchrun: no script file at {str(script)!r}; write it first")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = torchrun_command(script, *script_args, nproc_per_node=nproc_per_node)
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"torchrun exited with status {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout
