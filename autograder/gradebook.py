"""The gradebook side of grading: nbgrader's `SaveAutoGrades` scores an executed submission.

Only the main process writes the gradebook (one writer keeps it consistent); a submission
without a gradable notebook gets zero for every graded cell.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograder.grade import Submission


def save(course: Path, submission: Submission, nb: dict | None) -> None:
    """Main-process step: write scores to the gradebook and save the autograded notebook."""
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import CheckCellMetadata, LimitOutput, SaveAutoGrades

    from autograder.execute import nbgrader_resources

    db_url = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(db_url) as gb:
        gb.update_or_create_student(submission.student)
        gb.update_or_create_submission(submission.lesson, submission.student)
    if nb is None:
        _zero(db_url, submission)
    else:
        nb = nbformat.from_dict(nb)
        resources = nbgrader_resources(course, submission)
        for pp in (LimitOutput(), SaveAutoGrades(), CheckCellMetadata()):
            nb, resources = pp.preprocess(nb, resources)
        target = course / "autograded" / submission.student / submission.lesson
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target / f"{submission.lesson}.ipynb")
    _read_scores(db_url, submission)


def _zero(db_url: str, submission: Submission) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        notebook = gb.find_submission_notebook(
            submission.lesson, submission.lesson, submission.student
        )
        for grade in notebook.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        gb.db.commit()


def _read_scores(db_url: str, submission: Submission) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        graded = gb.find_submission(submission.lesson, submission.student)
        submission.score, submission.max_score = graded.score, graded.max_score
        notebook = gb.find_submission_notebook(
            submission.lesson, submission.lesson, submission.student
        )
        submission.exercises = sorted(
            (grade.name, grade.score, grade.max_score)
            for grade in notebook.grades
            if grade.max_score > 0
        )


def save_safely(course: Path, submission: Submission, nb: dict | None) -> None:
    """`save`, with any failure recorded as the submission's error (never lost, never fatal)."""
    try:
        save(course, submission, nb)
    except Exception as exc:  # noqa: BLE001 (never lose a submission: report it instead)
        submission.error = submission.error or f"{type(exc).__name__}: {str(exc)[:200]}"
