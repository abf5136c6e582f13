"""Local pool against a 2-worker Dask cluster on the same class: run by hand.

    PYTHONPATH=. python benchmarks/cluster_throughput.py [--lesson 01_tensors] [--students 16]

Grades one generated class (as `autograder benchmark` makes it) twice into fresh folders: with
the local pool of 2 workers, and through a real scheduler and 2 single-thread workers on
127.0.0.1 (`--cluster`). Prints both wall times and whether the CSVs are identical.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from cluster_overhead import start_cluster  # noqa: E402 - a sibling script

from autograder.benchmark import make_class  # noqa: E402
from autograder.coursedir import repo_root  # noqa: E402
from autograder.grade import grade  # noqa: E402
from autograder.release import build_release  # noqa: E402


def timed_grade(submitted: Path, out: Path, **options) -> float:
    start = time.perf_counter()
    grade(submissions=submitted, out=out, root=repo_root(), progress=False, **options)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="01_tensors")
    parser.add_argument("--students", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build_release(repo_root(), work / "class")
        make_class(repo_root(), work / "class", args.lesson, args.students)
        submitted = work / "class" / "submitted"
        local_s = timed_grade(submitted, work / "local", workers=2)
        address, processes = start_cluster(2, work)
        try:
            from distributed import Client

            with Client(address, timeout=60, set_as_default=False) as client:
                client.wait_for_workers(2, timeout=120)
            cluster_s = timed_grade(submitted, work / "cluster", cluster=address)
        finally:
            for process in processes:
                process.send_signal(signal.SIGKILL)
                process.wait()
        same = all(
            (work / "local" / name).read_text() == (work / "cluster" / name).read_text()
            for name in ("grades.csv", "exercises.csv")
        )
    n = args.students
    print(f"{n} submissions of {args.lesson}")
    print(f"local pool, 2 workers: {local_s:.1f} s, {60 * n / local_s:.1f} submissions/min")
    print(f"Dask, 2 workers:       {cluster_s:.1f} s, {60 * n / cluster_s:.1f} submissions/min")
    print("identical CSVs" if same else "CSVs DIFFER")


if __name__ == "__main__":
    main()
