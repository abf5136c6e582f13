"""`release`: regenerate the student lessons (`lessons/`) from the source notebooks (`solutions/`).

nbgrader's `generate_assignment` does the work: it removes solutions and hidden tests, clears
outputs and records checksums. Releasing happens in a scratch course so a failure never leaves
`lessons/` half written, and `check=True` compares that scratch release with `lessons/` instead.
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from autograder.coursedir import RELEASE_DIRECTORY, SOURCE_DIRECTORY, lesson_ids
from autograder.nbgrader_api import check, course_api, create_gradebook


def build_release(root: Path, out: Path, lessons: Sequence[str] | None = None) -> list[str]:
    """Generate the student version of `lessons` (default: all) into `out/lessons`.

    `out` becomes a scratch course: a copy of `root/solutions` and a gradebook of its own.
    Returns the lesson ids released.
    """
    shutil.copytree(root / SOURCE_DIRECTORY, out / SOURCE_DIRECTORY)
    create_gradebook(out / "gradebook.db")  # in this process: nbgrader's own takes seconds
    api = course_api(out)
    lessons = list(lessons) if lessons else lesson_ids(out)
    for lesson in lessons:
        check(api.generate_assignment(lesson, force=True, create=True), f"release {lesson}")
    return lessons


def differences(expected: Path, actual: Path, prefix: str = "") -> list[str]:
    """Paths that differ between two folder trees (missing, extra or changed), relative to
    `actual` and starting with `prefix`."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp, prefix: str) -> None:
        found.extend(f"{prefix}{name} (missing)" for name in cmp.left_only)
        found.extend(f"{prefix}{name} (not in the release)" for name in cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        found.extend(f"{prefix}{name} (stale)" for name in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    if not actual.exists():
        return [f"{prefix or actual.name + '/'} (missing)"]
    walk(filecmp.dircmp(expected, actual, ignore=[".ipynb_checkpoints", "__pycache__"]), prefix)
    return sorted(found)


def release(
    *, root: Path, lessons: Sequence[str] | None = None, check_only: bool = False
) -> list[str]:
    """Regenerate `root/lessons` from `root/solutions`, or with `check_only` report staleness.

    Args:
        root: the course root.
        lessons: the lesson ids to release; all of them when None. Only a full release or
            check also removes or reports lesson folders that have no source any more.
        check_only: change nothing; return what differs between `lessons/` and a fresh release.

    Returns:
        The differences found (always empty after a real release).
    """
    with tempfile.TemporaryDirectory(prefix="course-release-") as scratch:
        scratch_root = Path(scratch)
        released = build_release(root, scratch_root, lessons)
        fresh = scratch_root / RELEASE_DIRECTORY
        target = root / RELEASE_DIRECTORY
        if check_only:
            if lessons:
                return [
                    d
                    for lesson in released
                    for d in differences(fresh / lesson, target / lesson, f"{lesson}/")
                ]
            return differences(fresh, target)
        if not lessons and target.exists():
            shutil.rmtree(target)
        for lesson in released:
            shutil.rmtree(target / lesson, ignore_errors=True)
            shutil.copytree(fresh / lesson, target / lesson)
        return []
