"""`benchmark`: grade a generated class with plain sequential nbgrader and with the autograder.

The class is `students` copies of a lesson answered with its model solutions (every other one
with a blank exercise, so the grades vary). Both graders start from the same scratch release; the
throughput of each (submissions per minute) is printed and returned.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.coursedir import RELEASE_DIRECTORY, SOURCE_DIRECTORY
from autograder.grade import grade
from autograder.nbgrader_api import check, course_api
from autograder.release import build_release
from autograder.submissions import answered, answers_of, write_submission


@dataclass
class Throughput:
    """How fast each grader went on the same class."""

    submissions: int  # submissions graded by each
    nbgrader_s: float  # wall seconds of sequential `nbgrader autograde`
    autograder_s: float  # wall seconds of `autograder grade`
    workers: int  # the autograder's parallel workers
    disagreements: list[str]  # students whose score differs between the two graders

    def lines(self) -> list[str]:
        """A short human-readable summary."""
        return [
            f"{self.submissions} submissions",
            f"nbgrader autograde (sequential): {self.nbgrader_s:.1f} s, "
            f"{60 * self.submissions / self.nbgrader_s:.1f} submissions/min",
            f"autograder grade --workers {self.workers}: {self.autograder_s:.1f} s, "
            f"{60 * self.submissions / self.autograder_s:.1f} submissions/min",
            "scores agree for every student"
            if not self.disagreements
            else "scores differ for: " + ", ".join(self.disagreements),
        ]


def make_class(root: Path, course: Path, lesson: str, students: int) -> list[str]:
    """Write `students` answered notebooks of `lesson` into `course/submitted`."""
    source = nbformat.read(root / SOURCE_DIRECTORY / lesson / f"{lesson}.ipynb", 4)
    release = nbformat.read(course / RELEASE_DIRECTORY / lesson / f"{lesson}.ipynb", 4)
    model = answers_of(source)
    ids = []
    for i in range(students):
        answers = dict(model) if i % 2 == 0 else dict(list(model.items())[1:])
        student = f"student_{i:03d}"
        write_submission(course / "submitted", student, lesson, answered(release, answers), lesson)
        ids.append(student)
    return ids


def benchmark(
    *, root: Path, work: Path, lesson: str, students: int = 40, workers: int | None = None
) -> Throughput:
    """Grade the same generated class both ways and time them.

    Args:
        root: the course root (its `solutions/` define the lesson).
        work: an empty scratch folder for both runs.
        lesson: the lesson id to grade.
        students: how many submissions the class has.
        workers: the autograder's parallel workers; the machine's cores when None.

    Returns:
        The wall times of both graders on the class.
    """
    course = work / "nbgrader"
    build_release(root, course)
    ids = make_class(root, course, lesson, students)
    api = course_api(course)
    start = time.perf_counter()
    for student in ids:
        check(api.autograde(lesson, student, force=True, create=True), f"autograde {student}")
    nbgrader_s = time.perf_counter() - start
    workers = workers or os.cpu_count() or 1
    start = time.perf_counter()
    batch = grade(
        submissions=course / "submitted", out=work / "autograder", root=root, workers=workers
    )
    autograder_s = time.perf_counter() - start
    ours = {s.student: s.score for s in batch.submissions}
    theirs = {s: api.get_submission(lesson, s)["score"] for s in ids}
    differ = [f"{s} ({theirs[s]:g} vs {ours.get(s)})" for s in ids if ours.get(s) != theirs[s]]
    return Throughput(len(ids), nbgrader_s, autograder_s, workers, differ)
