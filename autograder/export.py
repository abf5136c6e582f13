"""Grades in the files an LMS imports as they are: Canvas's gradebook CSV, Moodle's worksheet.

* `canvas_grades.csv` has the columns of a Canvas gradebook export (`Student`, `ID`, `SIS User
  ID`, `SIS Login ID`, `Section`) and one column per lesson; Canvas matches rows by `ID`, the
  Canvas user id that `collect` read from the download's file names. A blank cell changes nothing.
* `moodle_<lesson>.csv` is an assignment's grading worksheet: Moodle's "Upload grading worksheet"
  needs the `Identifier` (`Participant <id>`, the id in the download's folder names), `Grade` and
  `Last modified (grade)` columns, and takes `Feedback comments` when feedback comments are on.

Late submissions lose `late_penalty` percent of their score (0 unless the instructor sets it);
the Moodle comment says so. Comments are written by the grader, never copied from a student, and
every cell is made formula-safe.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.escape import write_csv

if TYPE_CHECKING:
    from autograder.grade import Submission

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = [
    "Identifier",
    "Full name",
    "Grade",
    "Maximum Grade",
    "Last modified (grade)",
    "Feedback comments",
]


def _points(value: float) -> str:
    return f"{value:g}"


def canvas_rows(submissions: list[Submission], late_penalty: float) -> tuple[list[str], list]:
    """The Canvas header and one row per student, a score per lesson (blank: not handed in)."""
    from autograder.grade import late_score

    lessons = sorted({s.lesson for s in submissions})
    students: dict[str, dict] = {}
    for s in submissions:
        row = students.setdefault(s.student, {"name": s.name or s.student})
        row[s.lesson] = _points(late_score(s, late_penalty))
    rows = [
        [row["name"], student, "", "", "", *(row.get(lesson, "") for lesson in lessons)]
        for student, row in sorted(students.items())
    ]
    return CANVAS_FIXED + lessons, rows


def moodle_rows(
    submissions: list[Submission], lesson: str, late_penalty: float, now: str
) -> list[list]:
    """One worksheet row per student who handed in `lesson`."""
    from autograder.grade import late_score

    rows = []
    for s in sorted((s for s in submissions if s.lesson == lesson), key=lambda s: s.student):
        comments = []
        if s.late:
            comments.append(f"Late: {late_penalty:g}% taken off." if late_penalty else "Late.")
        if s.error:
            comments.append("Could not be graded; see the grading report.")
        rows.append(
            [
                f"Participant {s.student}",
                s.name or s.student,
                _points(late_score(s, late_penalty)),
                _points(s.max_score),
                now,
                " ".join(comments),
            ]
        )
    return rows


def write_exports(out: Path, submissions: list[Submission], *, late_penalty: float = 0.0) -> None:
    """Write `canvas_grades.csv` and one `moodle_<lesson>.csv` per lesson into `out`."""
    header, rows = canvas_rows(submissions, late_penalty)
    write_csv(out / "canvas_grades.csv", header, rows)
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    for lesson in sorted({s.lesson for s in submissions}):
        write_csv(
            out / f"moodle_{lesson}.csv",
            MOODLE_COLUMNS,
            moodle_rows(submissions, lesson, late_penalty, now),
        )
