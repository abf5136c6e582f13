"""The program that runs inside the sandbox: execute one submission's cells, judge its test cells.

It is started by `autograder.sandbox` and needs only the standard library and IPython. It reads
its job (a JSON object) from stdin before any student code runs, then closes stdin, drops root
privileges when it has them, and reports one JSON line per event on a private descriptor.

Student cells run in an IPython shell, so magics work. Test cells never go through the shell: each
runs with `exec` after the runner has put back a pristine copy of everything student code could
have tampered with (builtins, the course helpers, torch and numpy namespaces, `sys` hooks, the
names the lesson's setup cell defines), and is judged by whether it raised, never by its output.
The same surfaces are compared again after the test: a change made while the test ran is
tampering and the test fails.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import sys
import traceback
import types

# Modules whose namespaces tests rely on; any module whose name starts with one of these.
PROTECTED_PREFIXES = ("builtins", "course", "torch", "numpy", "math", "unittest")
# Modules that never change by themselves: every name in them is restored.
STRICT_PREFIXES = ("builtins", "course", "math")
# Classes whose attributes student code could replace to change how tests compare values.
PROTECTED_CLASSES = ("torch.Tensor", "torch.nn.Module", "numpy.ndarray")
SYS_HOOKS = ("excepthook", "displayhook", "breakpointhook", "unraisablehook")
MAX_OUTPUT = 20_000


def read_job() -> dict:
    """The job from stdin; stdin is closed afterwards so student code cannot read it."""
    job = json.loads(sys.stdin.buffer.read())
    sys.stdin.close()
    os.close(0)
    return job


def private_channel(fd: int) -> io.TextIOWrapper:
    """The descriptor the sandbox listens on, moved to a random high number."""
    target = random.SystemRandom().randrange(200, 900)
    os.dup2(fd, target)
    os.close(fd)
    return io.TextIOWrapper(os.fdopen(target, "wb", buffering=0), write_through=True)


def drop_privileges(uid: int | None) -> None:
    """Become `uid` (a user that owns nothing) when started as root."""
    if uid is None or os.geteuid() != 0:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def protected_modules() -> dict[str, types.ModuleType]:
    """The loaded modules whose namespaces tests rely on, by name."""
    return {
        name: module
        for name, module in list(sys.modules.items())
        if isinstance(module, types.ModuleType) and name.split(".")[0] in PROTECTED_PREFIXES
    }


def protected_classes() -> dict[str, type]:
    """The loaded classes in PROTECTED_CLASSES, by dotted name."""
    found = {}
    for dotted in PROTECTED_CLASSES:
        module_name, _, attr = dotted.rpartition(".")
        module = sys.modules.get(module_name)
        if module is not None and isinstance(getattr(module, attr, None), type):
            found[dotted] = getattr(module, attr)
    return found


class Snapshot:
    """Pristine references to everything a test relies on, taken before student code runs."""

    def __init__(self) -> None:
        self.modules = protected_modules()
        self.module_dicts = {name: dict(vars(m)) for name, m in self.modules.items()}
        self.classes = protected_classes()
        self.class_dicts = {name: dict(vars(c)) for name, c in self.classes.items()}
        self.hooks = {name: getattr(sys, name) for name in SYS_HOOKS}

    def restore(self) -> list[str]:
        """Put every protected surface back; return what had been changed."""
        changed = []
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
                changed.append(f"sys.modules[{name!r}]")
            changed += _restore_dict(vars(module), self.module_dicts[name], name, setattr_on=None)
        for name, cls in self.classes.items():
            changed += _restore_dict(vars(cls), self.class_dicts[name], name, setattr_on=cls)
        for name, hook in self.hooks.items():
            if getattr(sys, name) is not hook:
                setattr(sys, name, hook)
                changed.append(f"sys.{name}")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            sys.settrace(None)
            sys.setprofile(None)
            changed.append("sys.settrace/setprofile")
        return changed


def _restore_dict(current, pristine: dict, owner: str, *, setattr_on: type | None) -> list[str]:
    """Put back every function or class in `pristine` that `current` replaced or removed.

    Plain data (caches, flags) changes legitimately as torch and numpy run, so there only
    callables count; builtins and the course's own modules must not change at all.
    """
    strict = owner.split(".")[0] in STRICT_PREFIXES
    changed = []
    if strict:
        # New submodules appear when a package's lazy parts load: not tampering.
        added = [k for k in current if k not in pristine and k != "_"]
        for key in [k for k in added if not isinstance(current[k], types.ModuleType)]:
            changed.append(f"{owner}.{key}")
            del current[key]
    for key, value in pristine.items():
        if current.get(key, _MISSING) is value or not (strict or callable(value)):
            continue
        if key in ("__dict__", "__weakref__") or (key.startswith("__") and not strict):
            continue
        changed.append(f"{owner}.{key}")
        if setattr_on is None:
            current[key] = value
        else:
            setattr(setattr_on, key, value)
    return changed


_MISSING = object()


def error_of(exc: BaseException, *, with_traceback: bool) -> dict:
    """An exception as JSON: name, message and (only for student cells) the traceback."""
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return {
        "ename": type(exc).__name__,
        "evalue": str(exc)[:MAX_OUTPUT],
        "traceback": lines[-40:] if with_traceback else [],
    }


class Runner:
    """Runs the cells of one job in order and reports each on the private channel."""

    def __init__(self, job: dict, channel: io.TextIOWrapper) -> None:
        from IPython.core.interactiveshell import InteractiveShell

        self.job = job
        self.pid = os.getpid()
        self.channel = channel
        self.shell = InteractiveShell.instance(colors="NoColor")
        self.trusted = self.run_trusted_setup(job.get("trusted_setup", ""))
        self.snapshot = Snapshot()

    def emit(self, **event) -> None:
        if os.getpid() != self.pid:
            # A process the student's code forked has reached the runner: it must not report.
            os._exit(0)
        event["nonce"] = self.job["nonce"]
        self.channel.write(json.dumps(event) + "\n")

    def run_trusted_setup(self, source: str) -> dict:
        """The lesson's own setup cell, run in a private namespace: the names tests rely on."""
        namespace: dict = {"__name__": "__main__"}
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(self.shell.transform_cell(source), "<setup>", "exec"), namespace)
        return {k: v for k, v in namespace.items() if not k.startswith("__")}

    def run_student_cell(self, source: str) -> dict:
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                result = self.shell.run_cell(source, store_history=False, silent=False)
            failure = result.error_before_exec or result.error_in_exec
        except BaseException as exc:  # noqa: BLE001 (student code may raise anything)
            failure = exc
        report = {"stdout": out.getvalue()[:MAX_OUTPUT], "stderr": err.getvalue()[:MAX_OUTPUT]}
        if failure is not None:
            report["error"] = error_of(failure, with_traceback=True)
        return report

    def run_test_cell(self, source: str) -> dict:
        tampering = self.snapshot.restore()
        namespace = dict(self.shell.user_ns)
        namespace.update(self.trusted)
        out = io.StringIO()
        failure: BaseException | None = None
        try:
            code = compile(source, "<test>", "exec")
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                exec(code, namespace)
        except BaseException as exc:  # noqa: BLE001 (the student's function may raise anything)
            failure = exc
        during = self.snapshot.restore()
        report: dict = {"stdout": out.getvalue()[:MAX_OUTPUT], "tampering": tampering + during}
        if failure is not None:
            # No traceback: its lines would show the hidden tests' source.
            report["error"] = error_of(failure, with_traceback=False)
        elif during:
            report["error"] = {
                "ename": "TamperingDetected",
                "evalue": "the test's helpers were changed while it ran: " + ", ".join(during),
                "traceback": [],
            }
        return report

    def run(self) -> None:
        skip = set(self.job.get("skip", []))
        for cell in self.job["cells"]:
            if cell["index"] in skip:
                continue
            self.emit(event="start", index=cell["index"])
            if cell["kind"] == "test":
                report = self.run_test_cell(cell["source"])
                cell["source"] = None
            else:
                report = self.run_student_cell(cell["source"])
            self.emit(event="done", index=cell["index"], **report)
        self.emit(event="end")


def main() -> None:
    """Read the job, seal the channel, become the sandbox's user and run every cell."""
    job = read_job()
    channel = private_channel(job["channel_fd"])
    drop_privileges(job.get("uid"))
    os.chdir(job.get("workdir") or os.getcwd())
    sys.path.insert(0, os.getcwd())
    Runner(job, channel).run()
    channel.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
