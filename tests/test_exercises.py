"""Are the exercise tests fair? Every correct answer, however written, passes its test cell, and
every common mistake fails it.

The answers live in tests/exercise_answers/<lesson>.py as `CORRECT = {grade_id: [code, ...]}` and
`MISTAKES = {grade_id: {description: code}}`. Each case runs the notebook's setup cell (its first
code cell), then the answer, then that exercise's test cell with its hidden tests, in a fresh
namespace.
"""

import runpy
from pathlib import Path

import pytest

from autograder.submissions import answers_of, exercises
from conftest import LESSONS, read_source_notebook

ANSWERS_DIR = Path(__file__).parent / "exercise_answers"


def _cells_by_grade_id(notebook):
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in notebook.cells
        if "nbgrader" in cell.metadata
    }


def _setup_code(notebook) -> str:
    return next(cell.source for cell in notebook.cells if cell.cell_type == "code")


def _cases():
    for lesson in LESSONS:
        path = ANSWERS_DIR / f"{lesson}.py"
        if not path.exists():
            continue
        variants = runpy.run_path(str(path))
        for grade_id, codes in variants["CORRECT"].items():
            for i, code in enumerate(codes):
                yield pytest.param(lesson, grade_id, code, True, id=f"{lesson}-{grade_id}-ok{i}")
        for grade_id, mistakes in variants["MISTAKES"].items():
            for description, code in mistakes.items():
                yield pytest.param(
                    lesson,
                    grade_id,
                    code,
                    False,
                    id=f"{lesson}-{grade_id}-{description.replace(' ', '_')}",
                )


def run_exercise(lesson: str, grade_id: str, answer: str) -> None:
    """Run setup, `answer` and the test cell of exercise `grade_id`; raise what the test raises."""
    notebook = read_source_notebook(lesson)
    test_id, _ = exercises(notebook)[grade_id]
    namespace: dict = {"__name__": "__main__"}
    exec(compile(_setup_code(notebook), f"<{lesson} setup>", "exec"), namespace)
    exec(compile(answer, f"<{lesson} {grade_id} answer>", "exec"), namespace)
    exec(compile(_cells_by_grade_id(notebook)[test_id], f"<{test_id}>", "exec"), namespace)


@pytest.mark.parametrize(("lesson", "grade_id", "answer", "correct"), list(_cases()))
def test_exercise_answer(lesson, grade_id, answer, correct):
    """Does this answer pass (correct) or fail (a known mistake) the exercise's tests?"""
    if correct:
        run_exercise(lesson, grade_id, answer)
    else:
        with pytest.raises(Exception):  # noqa: B017 (any failure of the test cell costs the points)
            run_exercise(lesson, grade_id, answer)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_has_alternatives_and_mistakes(lesson):
    """Does every exercise list at least one other correct answer and one known mistake?"""
    variants = runpy.run_path(str(ANSWERS_DIR / f"{lesson}.py"))
    graded = set(exercises(read_source_notebook(lesson)))
    assert graded == set(answers_of(read_source_notebook(lesson)))
    assert set(variants["CORRECT"]) == graded
    assert set(variants["MISTAKES"]) == graded
    assert all(variants["MISTAKES"][g] for g in graded)
