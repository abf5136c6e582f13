"""The `python -m autograder` command line: parses arguments and calls one function per command.

Heavy modules (nbgrader, the sandbox, matplotlib) are imported by the command that needs them, so
`--help` and argument errors answer at once. A wrong argument is one line on stderr and exit 2;
Ctrl-C is one line and exit 130, with the work finished so far kept.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from autograder.coursedir import lesson_ids, repo_root


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the usage is what `--help` is for), and an
    option is only ever its full name (`--work` is an unknown option, not `--workers`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, allow_abbrev=False, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(2)


class Refused(Exception):
    """An argument the CLI refuses before doing anything."""


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage, got {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be from 0 to 100, got {value:g}")
    return value


def student_list(text: str) -> list[str]:
    ids = [s.strip() for s in text.split(",") if s.strip()]
    if not ids:
        raise argparse.ArgumentTypeError("expected student ids separated by commas")
    return ids


def _known_lesson(root: Path, lesson: str) -> None:
    known = lesson_ids(root)
    if lesson not in known:
        raise Refused(f"unknown lesson {lesson!r}; the lessons are {', '.join(known)}")


def _release(args: argparse.Namespace) -> int:
    from autograder.nbgrader_api import NbGraderError
    from autograder.release import release

    for lesson in args.lessons:
        _known_lesson(args.root, lesson)
    if not lesson_ids(args.root):
        raise Refused(f"{args.root / 'solutions'} holds no lesson (NN_name/NN_name.ipynb)")
    try:
        problems = release(root=args.root, lessons=args.lessons, check_only=args.check)
    except NbGraderError as exc:
        raise Refused(exc.one_line()) from None
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
    from autograder.grade import grade
    from autograder.report import console_summary

    batch = grade(
        submissions=args.submissions,
        out=args.out,
        root=args.root,
        workers=args.workers,
        students=args.students,
        late_penalty=args.late_penalty,
        cluster=args.cluster,
    )
    print("\n".join(console_summary(batch)))
    print(f"report: {args.out / 'report.md'}; grades: {args.out / 'grades.csv'}")
    print(
        f"LMS imports: {args.out / 'canvas_grades.csv'}, {args.out}/moodle_<lesson>.csv; "
        f"hand out {args.out / 'feedback'}/ only ({args.out / 'private'}/ holds hidden tests)"
    )
    if batch.isolation != "bubblewrap":
        print(batch.isolation)
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    import tempfile

    from autograder.benchmark import benchmark

    _known_lesson(args.root, args.lesson)
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
    from autograder.collect import collect
    from autograder.escape import terminal
    from autograder.submissions import lesson_grade_ids

    _known_lesson(args.root, args.lesson)
    collected = collect(
        sources=args.sources,
        out=args.out,
        lesson=args.lesson,
        moodle_worksheet=args.moodle_worksheet,
        exercise_ids=lesson_grade_ids(args.root)[args.lesson],
    )
    notebooks = sum(bool(r["file"]) for r in collected.rows)
    print(
        f"collected {len(collected.rows)} students for {args.lesson} into {args.out} "
        f"({notebooks} with a notebook, {sum(r['late'] == 'yes' for r in collected.rows)} late)"
    )
    for row in collected.rows:
        if row["note"]:
            print(
                f"  {terminal(row['student_id'], 40)} ({terminal(row['name'], 40)}): "
                f"{terminal(row['note'])}"
            )
    for problem in collected.problems:  # each says what became of it ("..., skipped")
        print(f"  {terminal(problem)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m autograder", description=__doc__)
    parser.add_argument("--root", type=Path, default=repo_root(), help="the course root")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    rel = commands.add_parser("release", help="regenerate lessons/ from solutions/")
    rel.add_argument("lessons", nargs="*", help="lesson ids to release (default: all)")
    rel.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when lessons/ is stale"
    )
    rel.set_defaults(run=_release)
    col = commands.add_parser(
        "collect", help="lay out a Canvas/Moodle download (zip or folder) for grading"
    )
    col.add_argument(
        "sources", type=Path, help="Canvas submissions.zip, a Moodle download, or student/lesson/"
    )
    col.add_argument("--out", type=Path, required=True, help="the folder `grade` will read")
    col.add_argument("--lesson", required=True, help="the lesson these submissions are for")
    col.add_argument(
        "--moodle-worksheet",
        type=Path,
        help="a Moodle team assignment's grading worksheet (CSV): grade each group's folder "
        "for every member",
    )
    col.set_defaults(run=_collect)
    gra = commands.add_parser("grade", help="grade (or resume grading) a folder of submissions")
    gra.add_argument("submissions", type=Path, help="SUBMISSIONS/<student>/<lesson>/*.ipynb")
    gra.add_argument("--out", type=Path, required=True, help="where grades and feedback go")
    gra.add_argument(
        "--workers", type=positive_int, default=None, help="parallel graders (default: cores)"
    )
    gra.add_argument(
        "--students", type=student_list, default=None, help="regrade only these ids: a,b,c"
    )
    gra.add_argument(
        "--late-penalty",
        type=percent,
        default=None,
        help="percent of the score taken off late submissions in the LMS exports (default: "
        "the one OUT was graded with before, 0 the first time)",
    )
    gra.add_argument(
        "--cluster",
        nargs="?",
        const="",
        default=None,
        metavar="tls://HOST:8786",
        help="run submissions on this Dask scheduler (alone: DASK_SCHEDULER_ADDRESS or the Dask "
        "config); needs pip install -e '.[cluster]'",
    )
    gra.set_defaults(run=_grade)
    ben = commands.add_parser("benchmark", help="time nbgrader and the autograder on one class")
    ben.add_argument("lesson", help="the lesson to grade, e.g. 01_tensors")
    ben.add_argument("--students", type=positive_int, default=40, help="size of the class")
    ben.add_argument(
        "--workers", type=positive_int, default=None, help="parallel graders (default: cores)"
    )
    ben.set_defaults(run=_benchmark)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from autograder.collect import CollectError
    from autograder.grade import GradingError, Interrupted

    # `kill`, `timeout` and a closed terminal stop a run as Ctrl-C does: the workers and their
    # sandboxes are closed, the work finished so far is kept.
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, signal.default_int_handler)
    try:
        if not (args.root / "solutions").is_dir():
            raise Refused(f"--root {args.root} is not a course (it has no solutions/ folder)")
        return args.run(args)
    except (Refused, CollectError, GradingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(f"interrupted: {exc}; run the same command again to finish", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        if not _stdout_closed():
            raise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to say
        return 141
    except OSError as exc:
        if exc.filename is None:
            raise
        print(f"error: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)  # a path to fix
        return 2


def _stdout_closed() -> bool:
    """Was the output piped into a reader that stopped (`... | head`)?"""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return True
    return False


if __name__ == "__main__":
    sys.exit(main())
