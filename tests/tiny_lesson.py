"""A two-exercise nbgrader lesson without torch, for tests of grading's workflow (resuming,
merging, interrupting, LMS round trips), where what matters is the batch, not the lesson: its
sandbox starts in a fraction of a second. Real lessons are graded end to end in test_grading.py
and attacked in test_hostile.py."""

from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.release import build_release
from autograder.submissions import answered, answers_of

TINY = "01_tiny"
POINTS = {"double": 2, "halve": 1}


def _metadata(grade_id: str, *, solution: bool, points: int | None = None) -> dict:
    return {
        "nbgrader": {
            "grade": points is not None,
            "grade_id": grade_id,
            "locked": not solution,
            "schema_version": 3,
            "solution": solution,
            "task": False,
            **({"points": points} if points is not None else {}),
        }
    }


def _exercise(name: str, body: str, visible: str, hidden: str) -> list:
    answer = nbformat.v4.new_code_cell(
        f"def {name}(x):\n    ### BEGIN SOLUTION\n    {body}\n    ### END SOLUTION",
        metadata=_metadata(name, solution=True),
    )
    test = nbformat.v4.new_code_cell(
        f"{visible}\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS",
        metadata=_metadata(f"{name}_test", solution=False, points=POINTS[name]),
    )
    return [answer, test]


def source_notebook() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.cells = [
        nbformat.v4.new_code_cell("import math  # the setup cell"),
        nbformat.v4.new_markdown_cell("# A tiny lesson\nTwo functions to write."),
        *_exercise("double", "return 2 * x", "assert double(2) == 4", "assert double(-3) == -6"),
        *_exercise("halve", "return x / 2", "assert halve(4) == 2", "assert halve(1) == 0.5"),
    ]
    return notebook


def make_course(root: Path) -> Path:
    """A course root holding the tiny lesson, and its student release in `root/release`."""
    (root / "solutions" / TINY).mkdir(parents=True)
    nbformat.write(source_notebook(), root / "solutions" / TINY / f"{TINY}.ipynb")
    build_release(root, root / "release")
    return root


def release_notebook(course: Path) -> nbformat.NotebookNode:
    return nbformat.read(course / "release" / "lessons" / TINY / f"{TINY}.ipynb", 4)


def submissions(course: Path) -> dict[str, nbformat.NotebookNode]:
    """What a student hands in, by kind: `good` (both answered) and `blank` (the release)."""
    release = release_notebook(course)
    return {"good": answered(release, answers_of(source_notebook())), "blank": release}
