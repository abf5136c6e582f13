"""The local worker pool: workers fork from a fork server that has imported the engine, or spawn
where that server cannot start."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT

START_METHOD = """
from autograder.pool import _worker_context
print(_worker_context().get_start_method())
"""


def start_method(tmpdir) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmpdir))
    run = subprocess.run(
        [sys.executable, "-c", START_METHOD], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_workers_fork_from_a_server_that_imported_the_engine(tmp_path):
    assert start_method(tmp_path) == "forkserver"


def test_workers_spawn_where_the_servers_socket_path_would_be_too_long(tmp_path):
    """A Unix socket's path has at most 107 bytes; the server's lies in TMPDIR."""
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    assert start_method(deep) == "spawn"


def test_closing_removes_the_temporary_files_of_a_worker_that_died():
    """A worker killed outright (the OOM killer) cleans nothing up; the pool's close does."""
    from concurrent.futures.process import BrokenProcessPool

    from autograder.pool import LocalPool

    pool = LocalPool(1)
    left = Path(pool.submit(tempfile.mkdtemp).result())  # a sandbox's folder, say
    assert left.is_dir() and left.parent == Path(pool.temporary)
    with pytest.raises(BrokenProcessPool):
        pool.submit(os._exit, 1).result()
    pool.close(kill=True)
    assert not Path(pool.temporary).exists()
