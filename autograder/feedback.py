"""`feedback`: the HTML feedback of one graded submission, made by nbgrader without hidden tests."""

from __future__ import annotations

import html as html_lib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

from autograder.coursedir import SOURCE_DIRECTORY, nbgrader_config
from autograder.nbgrader_api import check, course_api
from autograder.preprocessors import HideHiddenTests

if TYPE_CHECKING:
    from autograder.grade import Submission


def feedback(course: Path, out: Path, submission: Submission) -> None:
    """Generate the HTML feedback with nbgrader and copy it to OUT; refuse any hidden test leak."""
    config = nbgrader_config(course)
    config.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests]
    api = course_api(course)
    api.config.merge(config)
    check(
        api.generate_feedback(submission.lesson, submission.student, force=True),
        f"make feedback for {submission.student}",
    )
    source = course / "feedback" / submission.student / submission.lesson
    target = out / "feedback" / submission.student / submission.lesson
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    _assert_no_hidden_tests(course, submission, target)


def _assert_no_hidden_tests(course: Path, submission: Submission, folder: Path) -> None:
    source_nb = nbformat.read(
        course / SOURCE_DIRECTORY / submission.lesson / f"{submission.lesson}.ipynb", 4
    )
    hidden = HideHiddenTests().hidden_lines(source_nb)
    for html in folder.glob("*.html"):
        text = html.read_text()
        leaked = [
            line for line in hidden if html_lib.escape(line, quote=False) in text or line in text
        ]
        if leaked:
            html.unlink()
            raise RuntimeError(f"feedback would show hidden tests ({leaked[0]!r}); withheld")
