"""`DaskPool`: run the grading engine on the workers of an existing Dask cluster.

`python -m autograder grade ... --cluster tls://HOST:8786` hands each submission's execution to a
Dask worker; everything stateful (the gradebook, the journal, CSVs, feedback and the report) stays
in the instructor's process, exactly as with the local pool. The unit of work is self-contained:
it carries the lesson as released (the lesson folder, its source notebook and a snapshot of the
gradebook, read once per lesson) and the submission's bytes, and it returns
the executed notebook, so workers share no file system with the instructor's machine.

A worker must have the course installed (the same version) and a working bubblewrap sandbox; a
worker without the sandbox refuses the work (the task moves to another worker) instead of grading
unsandboxed, and `DaskPool` refuses to start when no worker qualifies. When a worker dies, Dask
runs its tasks again elsewhere; each result is saved once, by the instructor's process.

Dask is imported only here, so grading without `--cluster` never imports it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.coursedir import RELEASE_DIRECTORY, SOURCE_DIRECTORY
from autograder.dispatch import execute_job
from autograder.grade import GradingError
from autograder.pool import LocalPool

if TYPE_CHECKING:
    from autograder.grade import Submission
    from autograder.sandbox import Limits

MAX_SUBMISSION_BYTES = 20 << 20  # larger notebooks are not shipped: they fail with this reason
IN_FLIGHT_PER_THREAD = 2  # jobs queued per worker thread, so no worker waits on the instructor


@dataclass(frozen=True)
class LessonBundle:
    """Everything the engine reads from the course for one lesson: `{relative path: bytes}`."""

    lesson: str
    files: dict[str, bytes]

    @classmethod
    def read(cls, course: Path, lesson: str) -> LessonBundle:
        """The lesson's released folder, its source notebook and a consistent gradebook copy."""
        files = {}
        released = course / RELEASE_DIRECTORY / lesson
        for path in sorted(released.rglob("*")):
            if path.is_file() and not path.is_symlink():
                files[path.relative_to(course).as_posix()] = path.read_bytes()
        source = course / SOURCE_DIRECTORY / lesson / f"{lesson}.ipynb"
        files[source.relative_to(course).as_posix()] = source.read_bytes()
        files["gradebook.db"] = _snapshot(course / "gradebook.db")
        return cls(lesson, files)

    def write(self, course: Path) -> None:
        """Lay the bundle out as a course folder at `course`."""
        for name, data in self.files.items():
            target = course / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def _snapshot(database: Path) -> bytes:
    """A consistent copy of an SQLite file that the instructor's process may be writing to."""
    with tempfile.TemporaryDirectory(prefix="autograder-gradebook-") as tmp:
        copy = Path(tmp) / "gradebook.db"
        with sqlite3.connect(database) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        return copy.read_bytes()


def code_version() -> str:
    """A hash of the `autograder` and `course` sources, to match workers with the instructor."""
    digest = hashlib.sha256()
    for package in ("autograder", "course"):
        folder = Path(sys.modules[package].__file__).parent if package in sys.modules else None
        if folder is None:
            __import__(package)
            folder = Path(sys.modules[package].__file__).parent
        for path in sorted(folder.rglob("*.py")):
            digest.update(path.relative_to(folder.parent).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def worker_facts() -> dict[str, str]:
    """Run on each worker: how it would isolate submissions, and which course code it has."""
    from autograder.sandbox import isolation

    return {"isolation": isolation(), "version": code_version()}


def run_remote(
    bundle: LessonBundle, submission: Submission, notebook: bytes | None, limits: Limits
) -> tuple[Submission, dict | None]:
    """Worker step on a Dask worker: lay out the lesson and the submission, then `execute` it."""
    from distributed import Reschedule

    from autograder.sandbox import isolation

    if isolation() != "bubblewrap":
        # Refuse rather than grade unsandboxed; the scheduler gives the task to another worker.
        raise Reschedule()
    if notebook is None:
        submission.error = f"could not be graded: the notebook is over {MAX_SUBMISSION_BYTES} bytes"
        return submission, None
    with tempfile.TemporaryDirectory(prefix="autograder-remote-") as tmp:
        course = Path(tmp) / "course"
        bundle.write(course)
        path = Path(tmp) / "submission" / (submission.path.name if submission.path else "x.ipynb")
        path.parent.mkdir()
        path.write_bytes(notebook)
        return execute_job(course, replace(submission, path=path), limits)


class DaskPool:
    """A `WorkerPool` whose `execute` steps run on a Dask cluster; the rest runs locally.

    Args:
        address: the scheduler (`tls://HOST:8786`), or None for Dask's own configuration
            (`DASK_SCHEDULER_ADDRESS` or `scheduler-address` in a Dask config file).
        local_workers: processes for the local steps (the HTML feedback).
    """

    def __init__(self, address: str | None, *, local_workers: int = 1) -> None:
        import dask
        from distributed import Client

        address, security = scheduler(address)
        try:
            timeout = dask.config.get("distributed.comm.timeouts.connect")
            self.client = Client(address, timeout=timeout, set_as_default=False, security=security)
        except (OSError, ValueError) as exc:  # ValueError: not an address (no port, say)
            raise GradingError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.local = LocalPool(local_workers)
        self._bundles: dict[str, LessonBundle] = {}
        self._remote: dict[str, object] = {}
        self._lock = threading.Lock()
        self._check_workers()
        print(f"Dask dashboard: {self.client.dashboard_link}", file=sys.stderr)

    def _check_workers(self) -> None:
        facts = self.client.run(worker_facts)
        if not facts:
            self.client.close()
            raise GradingError("the Dask cluster has no workers")
        version = code_version()
        good = [w for w, f in facts.items() if f["isolation"] == "bubblewrap"]
        stale = [w for w, f in facts.items() if f["version"] != version]
        if stale:
            self.client.close()
            raise GradingError(
                f"Dask workers {', '.join(sorted(stale))} run another version of the course; "
                "install this checkout on every worker"
            )
        if not good:
            self.client.close()
            raise GradingError(
                "no Dask worker has a working bubblewrap sandbox; install bubblewrap on the "
                "workers (apt-get install bubblewrap), submissions are never graded unsandboxed"
            )
        unsandboxed = sorted(set(facts) - set(good))
        if unsandboxed:
            print(f"Dask workers without a sandbox get no work: {', '.join(unsandboxed)}")

    @property
    def workers(self) -> int:
        """How many jobs to keep in flight: a few per worker thread of the cluster."""
        return IN_FLIGHT_PER_THREAD * max(1, sum(self.client.nthreads().values()))

    def submit(self, fn: Callable, *args) -> Future:
        if fn is not execute_job:
            return self.local.submit(fn, *args)
        course, submission, limits = args
        remote = self.client.submit(
            run_remote,
            self._bundle(course, submission.lesson),
            submission,
            _read_capped(submission.path),
            limits,
            key=f"grade-{submission.lesson}-{submission.student}-{os.urandom(4).hex()}",
            pure=False,
        )
        return self._bridge(remote, submission.path)

    def _bundle(self, course: Path, lesson: str) -> LessonBundle:
        # Sent with every task (a few hundred kB), not scattered once: scattered data dies with
        # the workers that hold it, and then every task that needs it is cancelled.
        if lesson not in self._bundles:
            self._bundles[lesson] = LessonBundle.read(course, lesson)
        return self._bundles[lesson]

    def _bridge(self, remote, path: Path | None) -> Future:
        """A concurrent.futures Future that follows a Dask future (for `run_all`'s `wait`)."""
        local: Future = Future()
        with self._lock:
            self._remote[remote.key] = remote  # Dask forgets a task whose future is dropped

        def done(finished) -> None:
            with self._lock:
                self._remote.pop(finished.key, None)
            try:
                submission, nb = finished.result()
            except BaseException as exc:  # noqa: BLE001 (handed to run_all, which reports it)
                local.set_exception(exc)
                return
            local.set_result((replace(submission, path=path), nb))

        remote.add_done_callback(done)
        return local

    def died(self, exc: BaseException) -> bool:
        # Dask already reruns the tasks of a worker that died; an error here is final.
        return False

    def restart(self) -> None:
        return None

    def close(self, *, kill: bool) -> None:
        with self._lock:
            pending = list(self._remote.values())
            self._remote.clear()
        if kill and pending:
            self.client.cancel(pending)
        self.local.close(kill=kill)
        self.client.close()


def scheduler(address: str | None) -> tuple[str, object]:
    """The scheduler to grade on (`address`, else Dask's configuration) and the client's TLS
    settings; GradingError, before anything is written, when Dask is missing or either is not
    one to trust."""
    try:
        import dask
    except ImportError:
        raise GradingError(
            "--cluster needs Dask: pip install -e '.[cluster]' (on the workers too)"
        ) from None
    address = address or dask.config.get("scheduler-address", None)
    if not address:
        raise GradingError(
            "--cluster needs a scheduler address (tls://HOST:8786), or DASK_SCHEDULER_ADDRESS"
        )
    return address, _security(address)


def _security(address: str):
    """Dask's TLS settings for the client, refused unless only certificate holders get in.

    Whoever can send the scheduler work can run code on the workers, which hold the hidden tests
    and grade everyone: a student on the same login node or network could read the tests and
    set any grade. So the scheduler must speak TLS and the client must hold a certificate of the
    course's own authority (`distributed.comm.tls.*` in Dask's configuration); the scheduler and
    workers, started with that authority's `--tls-ca-file`, turn away anyone without one."""
    from distributed.security import Security

    if not address.startswith("tls://"):
        raise GradingError(
            f"--cluster {address}: a scheduler without TLS lets anyone who reaches it run code "
            "on the workers (and read the hidden tests); start it and the workers with TLS "
            "certificates and give tls://HOST:PORT (README: Grading on a Dask cluster)"
        )
    security = Security()  # from Dask's configuration (files or DASK_DISTRIBUTED__COMM__TLS__*)
    if not (security.tls_ca_file and security.tls_client_cert):
        raise GradingError(
            "--cluster: Dask's configuration names no TLS authority and client certificate "
            "(distributed.comm.tls.ca-file, .client.cert, .client.key; README: Grading on a "
            "Dask cluster)"
        )
    security.require_encryption = True
    return security


def write_certificates(folder: Path) -> dict[str, str]:
    """Write a new certificate authority and one certificate it signed (`ca.pem`, `cert.pem`,
    `key.pem`) into `folder`, for a scheduler, its workers and the client alike; return the Dask
    settings that name them. For a cluster on one machine (tests, benchmarks); needs the
    `cryptography` package."""
    from distributed.security import Security

    made = Security.temporary()
    files = {"ca": made.tls_ca_file, "cert": made.tls_client_cert, "key": made.tls_client_key}
    for name, pem in files.items():
        (folder / f"{name}.pem").write_text(pem)
        (folder / f"{name}.pem").chmod(0o600)
    return {
        "distributed.comm.tls.ca-file": str(folder / "ca.pem"),
        "distributed.comm.tls.client.cert": str(folder / "cert.pem"),
        "distributed.comm.tls.client.key": str(folder / "key.pem"),
    }


def tls_flags(tls: dict[str, str]) -> list[str]:
    """`dask scheduler` and `dask worker` flags for the certificate `write_certificates` made."""
    return [
        "--tls-ca-file",
        tls["distributed.comm.tls.ca-file"],
        "--tls-cert",
        tls["distributed.comm.tls.client.cert"],
        "--tls-key",
        tls["distributed.comm.tls.client.key"],
    ]


def _read_capped(path: Path | None) -> bytes | None:
    if path is None or path.stat().st_size > MAX_SUBMISSION_BYTES:
        return None
    return path.read_bytes()
