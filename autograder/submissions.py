"""Make submissions from the course's own notebooks: what a student who answered would hand in.

The grading self-tests and the throughput benchmark use these to grade real notebooks end to end.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.coursedir import SOURCE_DIRECTORY, lesson_ids

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"


def grade_id(cell: NotebookNode) -> str | None:
    """The nbgrader `grade_id` of a cell, or None for an ordinary cell."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def grade_ids_in(notebook: bytes) -> set[str]:
    """The grade ids of a notebook's cells, read from its bytes as any file a student handed in
    (none when it is not a notebook)."""
    try:
        cells = json.loads(notebook).get("cells", [])
        return {
            str(c["metadata"]["nbgrader"]["grade_id"])
            for c in cells
            if isinstance(c, dict) and "grade_id" in c.get("metadata", {}).get("nbgrader", {})
        }
    except (ValueError, AttributeError, TypeError, KeyError):
        return set()


def lesson_grade_ids(root: Path) -> dict[str, set[str]]:
    """Every lesson's grade ids (from its source notebook), by lesson."""
    return {
        lesson: grade_ids_in((root / SOURCE_DIRECTORY / lesson / f"{lesson}.ipynb").read_bytes())
        for lesson in lesson_ids(root)
    }


def is_answer_cell(cell: NotebookNode) -> bool:
    """Whether `cell` is one a student writes in (an nbgrader solution cell)."""
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def solution_code(source: str) -> str:
    """The answer cell's source with the solution markers removed (what a student would type)."""
    lines = [
        line for line in source.splitlines() if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION)
    ]
    return "\n".join(lines)


def answers_of(source_notebook: NotebookNode) -> dict[str, str]:
    """The model answer of every answer cell in a source notebook, by `grade_id`."""
    return {
        grade_id(cell): solution_code(cell.source)
        for cell in source_notebook.cells
        if is_answer_cell(cell)
    }


def answered(
    student_notebook: NotebookNode,
    answers: Mapping[str, str],
) -> NotebookNode:
    """A copy of `student_notebook` with the answer cells named in `answers` filled in."""
    notebook = nbformat.from_dict(student_notebook)
    for cell in notebook.cells:
        if is_answer_cell(cell) and grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return notebook


def write_submission(
    submitted: Path, student: str, lesson: str, notebook: NotebookNode, name: str
) -> Path:
    """Write `notebook` where nbgrader expects it: `submitted/<student>/<lesson>/<name>.ipynb`."""
    path = submitted / student / lesson / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def exercises(source_notebook: NotebookNode) -> dict[str, tuple[str, float]]:
    """Each answer cell's test: `{answer grade_id: (test grade_id, points)}`.

    A test cell belongs to the nearest answer cell above it.
    """
    found: dict[str, tuple[str, float]] = {}
    current = None
    for cell in source_notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            current = meta["grade_id"]
        elif meta.get("grade") and cell.cell_type == "code" and current is not None:
            found[current] = (meta["grade_id"], float(meta.get("points", 0)))
            current = None
    return found
