"""The `python -m autograder` command line: parses arguments and calls one function per command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.coursedir import repo_root
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
