"""What a Dask cluster adds to each graded submission: run by hand.

    PYTHONPATH=. python benchmarks/cluster_overhead.py [--tasks 2000] [--workers 2]

Starts a real scheduler and worker processes on 127.0.0.1 (as tests/test_cluster.py does) and
sends `--tasks` tasks that each carry a lesson bundle of lesson 01's size (the released folder,
the source notebook and a gradebook, as `autograder.cluster.DaskPool` sends them) and a
notebook's bytes, and do no work. Their wall time per task is what the scheduler and the network
cost each submission; everything else a submission costs is the grading itself, which scales with
the number of workers. Prints tasks per second through the cluster and the per-task overhead.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster(workers: int, folder: Path) -> tuple[str, list[subprocess.Popen]]:
    """A TLS scheduler and `workers` workers on 127.0.0.1; Dask's configuration gets the
    client's certificate (grading refuses a scheduler without TLS)."""
    import dask

    from autograder.cluster import tls_flags, write_certificates

    tls = write_certificates(folder)
    dask.config.set(tls)
    address = f"tls://127.0.0.1:{free_port()}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
    scheduler += ["--port", address.rsplit(":", 1)[1], "--protocol", "tls", "--no-dashboard"]
    processes = [subprocess.Popen(scheduler + tls_flags(tls), **quiet)]
    for i in range(workers):
        worker = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1"]
        worker += ["--no-nanny", "--no-dashboard", "--local-directory", str(folder / f"w{i}")]
        processes.append(subprocess.Popen(worker + tls_flags(tls), **quiet))
    return address, processes


def payload(bundle: bytes, notebook: bytes) -> int:
    """A task that only receives what a grading task receives."""
    return len(bundle) + len(notebook)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from distributed import Client

    from autograder.coursedir import repo_root

    lesson = repo_root() / "lessons" / "01_tensors" / "01_tensors.ipynb"
    notebook = lesson.read_bytes()
    bundle = os.urandom(3 * len(notebook) + (256 << 10))  # release + source + a gradebook
    with tempfile.TemporaryDirectory() as tmp:
        address, processes = start_cluster(args.workers, Path(tmp))
        try:
            with Client(address, timeout=60, set_as_default=False) as client:
                client.wait_for_workers(args.workers, timeout=120)
                start = time.perf_counter()
                futures = [
                    client.submit(payload, bundle, notebook, pure=False) for _ in range(args.tasks)
                ]
                client.gather(futures)
                elapsed = time.perf_counter() - start
        finally:
            for process in processes:
                process.send_signal(signal.SIGKILL)
                process.wait()
    print(
        f"{args.tasks} tasks of {(len(bundle) + len(notebook)) >> 10} KiB on {args.workers} workers"
    )
    print(
        f"{elapsed:.1f} s: {args.tasks / elapsed:.0f} tasks/s, "
        f"{1000 * elapsed / args.tasks:.1f} ms each"
    )


if __name__ == "__main__":
    main()
