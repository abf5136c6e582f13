"""End-to-end grading with real nbgrader: model answers score full marks, an untouched student
notebook scores zero without breaking the run, and one known mistake loses exactly its points."""

import runpy
from pathlib import Path

import nbformat
import pytest

from autograder.nbgrader_api import check, course_api
from autograder.release import build_release
from autograder.submissions import answered, answers_of, exercises, write_submission
from conftest import LESSONS, read_source_notebook

ANSWERS_DIR = Path(__file__).parent / "exercise_answers"


def known_mistake(lesson: str) -> tuple[str, str]:
    """The (answer grade_id, wrong code) this lesson's grading test submits."""
    variants = runpy.run_path(str(ANSWERS_DIR / f"{lesson}.py"))
    grade_id, description = variants["GRADING_MISTAKE"]
    return grade_id, variants["MISTAKES"][grade_id][description]


@pytest.fixture(scope="module", params=LESSONS)
def graded_course(request, tmp_path_factory):
    """Release one lesson in a scratch course, submit three notebooks and autograde them."""
    lesson = request.param
    root = tmp_path_factory.mktemp(f"grade-{lesson}")
    build_release(Path(__file__).parent.parent, root, [lesson])
    source = read_source_notebook(lesson)
    student = nbformat.read(root / "lessons" / lesson / f"{lesson}.ipynb", as_version=4)
    model = answers_of(source)
    wrong_id, wrong_code = known_mistake(lesson)
    submissions = {
        "model": answered(student, model),
        "blank": student,
        "one_wrong": answered(student, {**model, wrong_id: wrong_code}),
    }
    api = course_api(root)
    for student_id, notebook in submissions.items():
        write_submission(root / "submitted", student_id, lesson, notebook, lesson)
        check(api.autograde(lesson, student_id, force=True, create=True), f"autograde {student_id}")
    return lesson, api, exercises(source), wrong_id


def scores(api, lesson: str, student: str) -> tuple[float, float]:
    submission = api.get_submission(lesson, student)
    return submission["score"], submission["max_score"]


def test_model_answers_score_full_marks(graded_course):
    """Does a notebook answered with the model solutions get every point?"""
    lesson, api, found, _ = graded_course
    score, max_score = scores(api, lesson, "model")
    assert max_score == sum(points for _, points in found.values())
    assert score == max_score


def test_untouched_student_notebook_scores_zero(graded_course):
    """Does the notebook as released score 0 autograded points, and still get graded?"""
    lesson, api, _, _ = graded_course
    score, max_score = scores(api, lesson, "blank")
    assert max_score > 0
    assert score == 0


def test_one_wrong_answer_loses_exactly_its_points(graded_course):
    """Does a known wrong answer to one exercise lose that exercise's points and no others?"""
    lesson, api, found, wrong_id = graded_course
    score, max_score = scores(api, lesson, "one_wrong")
    assert score == max_score - found[wrong_id][1]
