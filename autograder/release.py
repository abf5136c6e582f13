"""`release`: regenerate the student lessons (`lessons/`) from the source notebooks (`solutions/`).

nbgrader's `generate_assignment` does the work: it removes solutions and hidden tests, clears
outputs and records checksums. Releasing happens in a scratch course so a failure never leaves
`lessons/` half written, and `check=True` compares that scratch release with `lessons/` instead.
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

from autograder.coursedir import RELEASE_DIRECTORY, SOURCE_DIRECTORY, lesson_ids
from autograder.nbgrader_api import check, course_api


def build_release(root: Path, out: Path) -> list[str]:
    """Generate the student version of every lesson in `root/solutions` into `out/lessons`.

    Returns the lesson ids released.
    """
    shutil.copytree(root / SOURCE_DIRECTORY, out / SOURCE_DIRECTORY)
    api = course_api(out)
    lessons = lesson_ids(out)
    for lesson in lessons:
        check(api.generate_assignment(lesson, force=True, create=True), f"release {lesson}")
    return lessons


def differences(expected: Path, actual: Path) -> list[str]:
    """Relative paths that differ between two folder trees (missing, extra or changed)."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp, prefix: str) -> None:
        found.extend(f"{prefix}{name} (missing)" for name in cmp.left_only)
        found.extend(f"{prefix}{name} (not in the release)" for name in cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        found.extend(f"{prefix}{name} (stale)" for name in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    if not actual.exists():
        return [f"{actual.name}/ (missing)"]
    walk(filecmp.dircmp(expected, actual, ignore=[".ipynb_checkpoints", "__pycache__"]), "")
    return sorted(found)


def release(*, root: Path, check_only: bool = False) -> list[str]:
    """Regenerate `root/lessons` from `root/solutions`, or with `check_only` report staleness.

    Args:
        root: the course root.
        check_only: change nothing; return what differs between `lessons/` and a fresh release.

    Returns:
        The differences found (always empty after a real release).
    """
    with tempfile.TemporaryDirectory(prefix="course-release-") as scratch:
        scratch_root = Path(scratch)
        build_release(root, scratch_root)
        fresh = scratch_root / RELEASE_DIRECTORY
        target = root / RELEASE_DIRECTORY
        if check_only:
            return differences(fresh, target)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(fresh, target)
        return []
