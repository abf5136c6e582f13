"""Grading on a real Dask cluster: a scheduler and two worker processes on 127.0.0.1, speaking TLS
with certificates of the test's own, grade a mixed batch of two lessons (a real one and the tiny
one) to exactly the CSVs of local grading, also when a worker dies mid-batch; a scheduler anyone
could reach is refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
import tiny_lesson

from autograder.cluster import tls_flags, write_certificates
from autograder.release import build_release
from autograder.sandbox import Limits, isolation
from autograder.submissions import answered, answers_of
from conftest import LESSONS, trimmed_source

pytest.importorskip("distributed")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        isolation() != "bubblewrap", reason="Dask workers refuse to grade unsandboxed"
    ),
]

# A real lesson (torch, `course`, the lesson's files in the bundle) and the tiny one.
CLUSTER_LESSONS = (LESSONS[0], tiny_lesson.TINY)
LIMITS = Limits(cell_s=20, wall_s=120, cpu_s=120, memory_mb=1536, processes=48)
TAMPER = """
import course.checks
for name in dir(course.checks):
    if name.startswith("assert"):
        setattr(course.checks, name, lambda *args, **kwargs: None)
"""


def source_of(lesson: str) -> nbformat.NotebookNode:
    return tiny_lesson.source_notebook() if lesson == tiny_lesson.TINY else trimmed_source(lesson)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cluster-course")
    for lesson in CLUSTER_LESSONS:
        (root / "solutions" / lesson).mkdir(parents=True)
        nbformat.write(source_of(lesson), root / "solutions" / lesson / f"{lesson}.ipynb")
    build_release(root, root / "release")
    return root


@pytest.fixture(scope="module")
def submitted(course, tmp_path_factory) -> Path:
    """Per lesson: an honest student, a blank notebook, a broken file and a tampering one."""
    folder = tmp_path_factory.mktemp("cluster-submitted")
    for lesson in CLUSTER_LESSONS:
        release = nbformat.read(course / "release" / "lessons" / lesson / f"{lesson}.ipynb", 4)
        model = answered(release, answers_of(source_of(lesson)))
        hostile = answered(release, {})
        hostile.cells.insert(1, nbformat.v4.new_code_cell(TAMPER))
        for student, notebook in (("honest", model), ("blank", release), ("hostile", hostile)):
            (folder / student / lesson).mkdir(parents=True)
            nbformat.write(notebook, folder / student / lesson / f"{lesson}.ipynb")
        (folder / "broken" / lesson).mkdir(parents=True)
        (folder / "broken" / lesson / f"{lesson}.ipynb").write_text('{"cells": [')
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_environment(tls: dict[str, str]) -> dict[str, str]:
    """The same settings as the environment variables Dask reads."""
    return {"DASK_" + key.upper().replace(".", "__").replace("-", "_"): v for key, v in tls.items()}


def wait_for_workers(address: str, count: int, tls: dict[str, str]) -> None:
    import dask
    from distributed import Client

    with dask.config.set(tls), Client(address, timeout=60, set_as_default=False) as client:
        client.wait_for_workers(count, timeout=120)


@pytest.fixture
def cluster(tmp_path):
    """A real scheduler and two single-thread worker processes (no nanny: a kill is final),
    speaking TLS with the test's certificates; Dask's configuration holds the client's."""
    import dask

    tls = write_certificates(tmp_path)
    address = f"tls://127.0.0.1:{free_port()}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
        + ["--port", address.rsplit(":", 1)[1], "--protocol", "tls", "--no-dashboard"]
        + tls_flags(tls),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Each worker's temporary files (its sandboxes' folders) stay in this test's folder: the
    # worker killed mid-batch cannot remove its own.
    for i in range(2):
        (tmp_path / f"w{i}-tmp").mkdir()
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1"]
            + ["--no-nanny", "--no-dashboard", "--local-directory", str(tmp_path / f"w{i}")]
            + tls_flags(tls),
            env={**env, "TMPDIR": str(tmp_path / f"w{i}-tmp")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(2)
    ]
    try:
        wait_for_workers(address, 2, tls)
        with dask.config.set(tls):
            yield address, workers
    finally:
        for process in [*workers, scheduler]:
            process.send_signal(signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def local_csvs(course, submitted, tmp_path_factory) -> list[str]:
    from autograder.grade import grade

    out = tmp_path_factory.mktemp("cluster-local-out")
    grade(submissions=submitted, out=out, root=course, workers=2, limits=LIMITS, progress=False)
    return csvs(out)


def csvs(out: Path) -> list[str]:
    return [(out / name).read_text() for name in ("grades.csv", "exercises.csv")]


def test_a_dask_cluster_grades_like_the_local_pool(
    course, submitted, local_csvs, cluster, tmp_path
):
    """Do a scheduler and two workers on 127.0.0.1 give exactly the CSVs of local grading?"""
    from autograder.grade import grade

    address, _ = cluster
    out = tmp_path / "out"
    batch = grade(
        submissions=submitted, out=out, root=course, limits=LIMITS, progress=False, cluster=address
    )
    assert csvs(out) == local_csvs
    scores = {(s.student, s.lesson): s.score for s in batch.submissions}
    for lesson in CLUSTER_LESSONS:
        assert scores[("honest", lesson)] > 0
        assert scores[("blank", lesson)] == scores[("hostile", lesson)] == 0
    assert list((out / "feedback" / "honest" / CLUSTER_LESSONS[0]).glob("*.html"))
    # A student who reaches the scheduler with a certificate of another authority, or none,
    # cannot send the workers code.
    from distributed import Client
    from distributed.security import Security

    plain = address.replace("tls://", "tcp://")
    for where, security in ((address, Security.temporary()), (plain, None)):
        with pytest.raises(OSError):
            Client(where, security=security, timeout=3, set_as_default=False)


def test_a_worker_killed_mid_batch_costs_nothing(course, submitted, local_csvs, cluster, tmp_path):
    """When one worker dies while grading, are its submissions graded elsewhere, once each?"""
    from autograder.cluster import DaskPool
    from autograder.grade import grade

    address, workers = cluster
    victim = workers[0]

    class KillingPool(DaskPool):
        """Kills the first worker, from a watcher thread, as soon as it holds a submission."""

        def __init__(self, address: str) -> None:
            super().__init__(address)
            pid_of = self.client.run(os.getpid)
            self.watcher = threading.Thread(target=self.kill_when_busy, args=(pid_of,))
            self.watcher.start()

        def kill_when_busy(self, pid_of: dict) -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                busy = [w for w, keys in self.client.processing().items() if keys]
                if any(pid_of.get(w) == victim.pid for w in busy):
                    break
                time.sleep(0.05)
            time.sleep(0.5)  # let the sandbox start: the worker dies mid-submission
            victim.send_signal(signal.SIGKILL)

    out = tmp_path / "out"
    batch = grade(
        submissions=submitted,
        out=out,
        root=course,
        limits=LIMITS,
        progress=False,
        pool=KillingPool(address),
    )
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert csvs(out) == local_csvs, [s.error for s in batch.submissions]


@pytest.mark.parametrize(
    ("scheme", "with_certificate", "says"),
    [
        ("tls", True, "error: cannot reach the Dask scheduler"),
        ("tcp", True, "a scheduler without TLS lets anyone who reaches it run code"),
        ("tls", False, "names no TLS authority and client certificate"),
    ],
)
def test_grading_refuses_a_scheduler_it_cannot_trust_in_one_line(
    course, submitted, tmp_path, scheme, with_certificate, says
):
    """Does `--cluster` with no reachable scheduler, one without TLS, or no certificate of the
    course's own stop with one clear line, grading nothing?"""
    tls = as_environment(write_certificates(tmp_path)) if with_certificate else {}
    result = subprocess.run(
        [sys.executable, "-m", "autograder", "--root", str(course), "grade", str(submitted)]
        + ["--out", str(tmp_path / "out"), "--cluster", f"{scheme}://127.0.0.1:{free_port()}"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s", **tls},
    )
    assert result.returncode == 2
    assert says in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()
