"""Every lesson graded end to end through `python -m autograder grade`, in one batch.

Four students hand in every lesson: `solution` (the model answers filled into the release),
`other` (each exercise answered with the last of its other correct answers, `CORRECT` in
tests/exercise_answers/NN.py: their own classes, containers and styles, through the sandbox's
checks of returned values), `blank` (the release untouched) and `mistake` (the model answers with
the lesson's known mistake, `GRADING_MISTAKE`). The solution and the other answers get full
marks, the blank 0 and the mistake loses exactly that exercise's points; none of them is
flagged or "repaired"; every
graded student gets HTML feedback for every lesson, and it quotes no hidden test, not even
encoded. One `grade` call grades the whole class, so the module costs one batch.
"""

from __future__ import annotations

import csv
import runpy
from pathlib import Path

import nbformat
import pytest
from leaks import encoded_leaks

from autograder.grade import grade
from autograder.preprocessors import HideHiddenTests
from autograder.sandbox import Limits
from autograder.submissions import answered, answers_of, exercises, write_submission
from conftest import LESSONS, ROOT, read_source_notebook

pytestmark = pytest.mark.slow

ANSWERS_DIR = Path(__file__).parent / "exercise_answers"
STUDENTS = ("solution", "other", "blank", "mistake")
# Generous enough for the slowest lesson on a busy 2-core machine, small enough to fail fast.
LIMITS = Limits(cell_s=120, wall_s=600, cpu_s=600)


def known_mistake(lesson: str) -> tuple[str, str]:
    """The (answer grade_id, wrong code) this lesson's grading test submits."""
    variants = runpy.run_path(str(ANSWERS_DIR / f"{lesson}.py"))
    grade_id, description = variants["GRADING_MISTAKE"]
    return grade_id, variants["MISTAKES"][grade_id][description]


def other_answers(lesson: str) -> dict[str, str]:
    """The last other correct answer of each exercise, by answer grade_id."""
    variants = runpy.run_path(str(ANSWERS_DIR / f"{lesson}.py"))
    return {grade_id: answers[-1] for grade_id, answers in variants["CORRECT"].items()}


def release_notebook(lesson: str) -> nbformat.NotebookNode:
    """The lesson as students get it (`lessons/`, kept equal to solutions/ by the release test)."""
    return nbformat.read(ROOT / "lessons" / lesson / f"{lesson}.ipynb", as_version=4)


def class_of(lesson: str) -> dict[str, nbformat.NotebookNode]:
    """The three notebooks handed in for `lesson`, by student id."""
    release = release_notebook(lesson)
    model = answers_of(read_source_notebook(lesson))
    wrong_id, wrong_code = known_mistake(lesson)
    return {
        "solution": answered(release, model),
        "other": answered(release, {**model, **other_answers(lesson)}),
        "blank": release,
        "mistake": answered(release, {**model, wrong_id: wrong_code}),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The whole class graded in one `grade` call: (batch, out folder)."""
    work = tmp_path_factory.mktemp("grading")
    for lesson in LESSONS:
        for student, notebook in class_of(lesson).items():
            write_submission(work / "submitted", student, lesson, notebook, lesson)
    out = work / "graded"
    batch = grade(
        submissions=work / "submitted", out=out, root=ROOT, workers=2, limits=LIMITS,
        progress=False,
    )
    return batch, out


def submission(batch, student: str, lesson: str):
    found = [s for s in batch.submissions if (s.student, s.lesson) == (student, lesson)]
    assert len(found) == 1, f"expected one graded {student}/{lesson}, got {len(found)}"
    return found[0]


def points(lesson: str) -> dict[str, float]:
    """Each answer cell's points, by answer grade_id."""
    return {gid: pts for gid, (_, pts) in exercises(read_source_notebook(lesson)).items()}


def test_batch_has_no_layout_problems(graded):
    batch, _ = graded
    assert batch.problems == []
    assert len(batch.submissions) == len(LESSONS) * len(STUDENTS)


@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_scores_full_marks_clean(graded, lesson):
    """The model answers get every point, with no flag, repair note or error."""
    s = submission(graded[0], "solution", lesson)
    assert (s.error, s.flags, s.notes) == (None, [], []), "the solution was not graded cleanly"
    assert s.max_score == sum(points(lesson).values())
    assert s.score == s.max_score, f"solution lost points: {s.exercises}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_other_correct_answers_score_full_marks_clean(graded, lesson):
    """Correct answers written other ways get every point through the sandbox too, unflagged."""
    s = submission(graded[0], "other", lesson)
    assert (s.error, s.flags, s.notes) == (None, [], []), "the other answers were not clean"
    assert s.score == s.max_score, f"correct answers lost points: {s.exercises}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_untouched_release_scores_zero_clean(graded, lesson):
    """The release as handed out scores 0 and is neither flagged nor 'repaired'."""
    s = submission(graded[0], "blank", lesson)
    assert (s.error, s.flags, s.notes) == (None, [], []), "the untouched release was not clean"
    assert s.max_score > 0
    assert s.score == 0, f"the untouched release scored: {s.exercises}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_known_mistake_loses_exactly_its_points(graded, lesson):
    """The lesson's known mistake loses that exercise's points and no others."""
    s = submission(graded[0], "mistake", lesson)
    wrong_id, _ = known_mistake(lesson)
    assert (s.error, s.flags) == (None, []), "the known mistake was flagged or not graded"
    assert s.score == s.max_score - points(lesson)[wrong_id], f"per exercise: {s.exercises}"
    lost = [name for name, score, max_score in s.exercises if score < max_score]
    assert len(lost) == 1, f"expected only the {wrong_id} test to fail, got {lost}"


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_grades_csv_has_every_submission(graded):
    batch, out = graded
    rows = {(r["student_id"], r["lesson"]): r for r in read_csv(out / "grades.csv")}
    assert set(rows) == {(s, lesson) for s in STUDENTS for lesson in LESSONS}
    for lesson in LESSONS:
        total = sum(points(lesson).values())
        assert float(rows["solution", lesson]["score"]) == total
        assert float(rows["solution", lesson]["max_score"]) == total
        assert float(rows["blank", lesson]["score"]) == 0
        wrong = points(lesson)[known_mistake(lesson)[0]]
        assert float(rows["mistake", lesson]["score"]) == total - wrong


def test_exercises_csv_scores_each_test_cell(graded):
    """One row per graded test cell: full for the solution, zero for the blank release."""
    _, out = graded
    rows = read_csv(out / "exercises.csv")
    for lesson in LESSONS:
        tests = {test_id: pts for test_id, pts in exercises(read_source_notebook(lesson)).values()}
        for student in ("solution", "blank"):
            mine = {
                r["exercise"]: float(r["score"])
                for r in rows
                if (r["student_id"], r["lesson"]) == (student, lesson)
            }
            assert set(tests) <= set(mine), f"{student}/{lesson}: test cells missing from the CSV"
            expected = tests if student == "solution" else dict.fromkeys(tests, 0.0)
            assert {t: mine[t] for t in tests} == expected, f"{student}/{lesson}"


def feedback_html(out: Path, student: str, lesson: str) -> list[Path]:
    return sorted((out / "feedback" / student / lesson).glob("*.html"))


@pytest.mark.parametrize("lesson", LESSONS)
def test_feedback_for_every_student(graded, lesson):
    _, out = graded
    for student in STUDENTS:
        assert feedback_html(out, student, lesson), f"no feedback for {student}/{lesson}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_feedback_quotes_no_hidden_test(graded, lesson):
    """Neither plainly nor encoded (base64, hex, reversed, rot13, ...)."""
    _, out = graded
    hidden = HideHiddenTests().hidden_lines(read_source_notebook(lesson))
    assert hidden, f"{lesson} has no hidden test lines to look for"
    for student in STUDENTS:
        for html in feedback_html(out, student, lesson):
            found = encoded_leaks(html.read_text(), hidden, known=visible_text(lesson))
            assert not found, f"{student}/{lesson} feedback shows hidden lines: {found[:3]}"


def visible_text(lesson: str) -> str:
    """What these students see or wrote anyway (the release, the answers): no leak there."""
    sources = [cell.source for cell in release_notebook(lesson).cells]
    sources += answers_of(read_source_notebook(lesson)).values()
    sources += other_answers(lesson).values()
    sources.append(known_mistake(lesson)[1])
    return "\n".join(sources)
