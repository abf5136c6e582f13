"""The `python -m autograder` command line: parses arguments and calls one function per command."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from autograder.benchmark import benchmark
from autograder.collect import collect
from autograder.coursedir import repo_root
from autograder.grade import grade
from autograder.release import release


def _release(args: argparse.Namespace) -> int:
    problems = release(root=args.root, lessons=args.lessons, check_only=args.check)
    if not args.check:
        print(f"lessons/ regenerated from solutions/ in {args.root}")
        return 0
    if problems:
        print("lessons/ is stale; run `python -m autograder release`. Differences:")
        print("\n".join(f"  {p}" for p in problems))
        return 1
    print("lessons/ matches solutions/")
    return 0


def _grade(args: argparse.Namespace) -> int:
    batch = grade(submissions=args.submissions, out=args.out, root=args.root, workers=args.workers)
    failed = [s for s in batch.submissions if s.error]
    print(
        f"graded {len(batch.submissions)} submissions ({len(failed)} could not be graded); "
        f"see {args.out / 'report.md'}"
    )
    if batch.isolation != "bubblewrap":
        print(batch.isolation)
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="autograder-benchmark-") as work:
        result = benchmark(
            root=args.root,
            work=Path(work),
            lesson=args.lesson,
            students=args.students,
            workers=args.workers,
        )
    print("\n".join(result.lines()))
    return 0


def _collect(args: argparse.Namespace) -> int:
    problems = collect(sources=args.sources, out=args.out, lesson=args.lesson)
    print(f"collected into {args.out}")
    print("\n".join(f"  skipped {p}" for p in problems))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    parser.add_argument("--root", type=Path, default=repo_root(), help="the course root")
    commands = parser.add_subparsers(dest="command", required=True)
    rel = commands.add_parser("release", help="regenerate lessons/ from solutions/")
    rel.add_argument("lessons", nargs="*", help="lesson ids to release (default: all)")
    rel.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when lessons/ is stale"
    )
    rel.set_defaults(run=_release)
    gra = commands.add_parser("grade", help="grade a folder of submissions (nbgrader's layout)")
    gra.add_argument("submissions", type=Path, help="SUBMISSIONS/<student>/<lesson>/*.ipynb")
    gra.add_argument("--out", type=Path, required=True, help="where grades and feedback go")
    gra.add_argument("--workers", type=int, default=None, help="parallel graders (default: cores)")
    gra.set_defaults(run=_grade)
    col = commands.add_parser("collect", help="lay out zips / LMS downloads as submitted/")
    col.add_argument("sources", type=Path, help="folder of <student>.zip or <student>_*.ipynb")
    col.add_argument("--out", type=Path, required=True, help="the submitted/ folder to fill")
    col.add_argument("--lesson", required=True, help="the lesson these submissions are for")
    col.set_defaults(run=_collect)
    ben = commands.add_parser("benchmark", help="time nbgrader and the autograder on one class")
    ben.add_argument("lesson", help="the lesson to grade, e.g. 01_tensors")
    ben.add_argument("--students", type=int, default=40, help="size of the generated class")
    ben.add_argument("--workers", type=int, default=None, help="parallel graders (default: cores)")
    ben.set_defaults(run=_benchmark)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
