"""Where grading's worker steps run: a small interface, and the local process pool behind it.

`grade` only submits picklable calls (`dispatch.execute_job`, `dispatch.feedback_job`) and asks
whether an exception means the worker died; a pool for a cluster (Dask) only has to do the same.
The local pool is restarted when a worker dies (`ProcessPoolExecutor` is broken for good after
that), and its workers leave Ctrl-C to the main process, which stops them.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Protocol


class WorkerPool(Protocol):
    """Where the worker steps run. `LocalPool` is a process pool; another executor (a cluster)
    only has to run the same picklable calls and say when a worker died."""

    def submit(self, fn: Callable, *args) -> Future: ...

    def died(self, exc: BaseException) -> bool:
        """Whether `exc` means the worker died (so the pool needs `restart`)."""
        ...

    def restart(self) -> None: ...

    def close(self, *, kill: bool) -> None: ...


def _init_worker(temporary: str) -> None:
    """Workers leave Ctrl-C to the main process, which stops them (no traceback per worker),
    and leave through their exit handlers when stopped (`close(kill=True)` sends SIGTERM): the
    sandboxes they kept for the next submission close. Handlers, unlike SIG_IGN, are not
    inherited by the sandboxes. Their temporary files go to the pool's own folder."""
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, _leave)
    sys.unraisablehook = _stop_where_python_cannot_raise
    tempfile.tempdir = temporary


def _leave(*_) -> None:
    # Raised where the signal lands; where Python swallows it (a weakref callback), the next
    # SIGTERM, or the pool's SIGKILL after STOP_S, ends the worker all the same.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise SystemExit(0)


def _stop_where_python_cannot_raise(unraisable) -> None:
    """A stop (`_leave`) that landed in a weakref callback or a finalizer, where Python can only
    print "Exception ignored": leave at once instead (the sandboxes die with their worker)."""
    if isinstance(unraisable.exc_value, SystemExit):
        os._exit(0)
    sys.__unraisablehook__(unraisable)


STOP_S = 5.0  # how long a stopped worker may take to close its sandboxes before it is killed


ENGINE = ["autograder.execute", "autograder.feedback"]  # what every worker step imports


def _warm_worker() -> None:
    for name in ENGINE:
        __import__(name)


def _worker_context():
    """Workers fork from multiprocessing's fork server, which imports the engine once (a fresh
    Python per worker pays about 0.9 s of imports, again after every restart); where no fork
    server can start, they spawn."""
    from multiprocessing import forkserver, get_all_start_methods, get_context

    if "forkserver" in get_all_start_methods():
        context = get_context("forkserver")
        context.set_forkserver_preload(ENGINE)
        try:
            forkserver.ensure_running()
            return context
        except OSError:  # its socket's path under TMPDIR is longer than a Unix socket allows
            pass
    return get_context("spawn")


class LocalPool:
    """A process pool (see `_worker_context`) that can be restarted when a worker dies."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = None
        self.temporary: str | None = None

    def _executor(self):
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            # The workers' temporary files, their sandboxes' folders of students' files among
            # them: `close` removes them all, also those of a worker that died (an OOM kill).
            self.temporary = tempfile.mkdtemp(prefix="autograder-workers-")
            os.chmod(self.temporary, 0o711)  # a sandbox's own user may pass, never list
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=_worker_context(),
                initializer=_init_worker,
                initargs=(self.temporary,),
            )
        return self._pool

    def submit(self, fn: Callable, *args) -> Future:
        return self._executor().submit(fn, *args)

    def warm(self) -> None:
        """Start the fork server and every worker now, while the main process prepares the
        course, not when the first submissions are waiting."""
        for _ in range(self.workers):
            self.submit(_warm_worker)

    def died(self, exc: BaseException) -> bool:
        from concurrent.futures.process import BrokenProcessPool

        return isinstance(exc, BrokenProcessPool)

    def restart(self) -> None:
        self.close(kill=True)

    def close(self, *, kill: bool) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if kill:
            alive = [p for p in (getattr(pool, "_processes", None) or {}).values() if p.is_alive()]
            for process in alive:
                process.terminate()
            deadline = time.monotonic() + STOP_S
            for process in alive:
                process.join(max(0.0, deadline - time.monotonic()))
                if process.is_alive():
                    process.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.temporary, ignore_errors=True)
