"""The local worker pool: workers fork from a fork server that has imported the engine, or spawn
where that server cannot start."""

from __future__ import annotations

import os
import subprocess
import sys

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
