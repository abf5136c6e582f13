"""`benchmark`: grade a generated class with plain sequential nbgrader and with the autograder.

The class is `students` copies of a lesson answered with its model solutions (every other one
with a blank exercise, so the grades vary). Both graders start from a released course (made
before the clock starts); the throughput of each (submissions per minute) is printed and
returned.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
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
    failures: list[str] = field(default_factory=list)  # submissions the autograder could not grade

    @property
    def speedup(self) -> float:
        """How many times more submissions per minute the autograder graded."""
        return self.nbgrader_s / self.autograder_s

    def lines(self) -> list[str]:
        """A short human-readable summary."""
        lines = [
            f"{self.submissions} submissions",
            f"nbgrader autograde (sequential): {self.nbgrader_s:.1f} s, "
            f"{60 * self.submissions / self.nbgrader_s:.1f} submissions/min",
            f"autograder grade --workers {self.workers}: {self.autograder_s:.1f} s, "
            f"{60 * self.submissions / self.autograder_s:.1f} submissions/min "
            f"({self.speedup:.1f}x nbgrader; feedback and report included)",
            "scores agree for every student"
            if not self.disagreements
            else "scores differ for: " + ", ".join(self.disagreements),
        ]
        lines += [f"not graded by the autograder: {failure}" for failure in self.failures]
        return lines


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


def _release_for_grade(root: Path, out: Path, lesson: str) -> None:
    """Release the lesson where `grade` keeps it, before the clock starts, as nbgrader's was:
    both graders are then timed on grading alone."""
    from autograder.grade import PRIVATE, prepare_course

    prepare_course(root=root, course=out / PRIVATE / "course", lessons=[lesson])


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

    Raises:
        ValueError: `students` or `workers` is below 1, or `lesson` is not in the course.
    """
    if students < 1 or (workers is not None and workers < 1):
        raise ValueError("--students and --workers must be at least 1")
    if not (root / SOURCE_DIRECTORY / lesson / f"{lesson}.ipynb").is_file():
        raise ValueError(f"no lesson {lesson!r} in {root / SOURCE_DIRECTORY}")
    course = work / "nbgrader"
    build_release(root, course)
    ids = make_class(root, course, lesson, students)
    api = course_api(course)
    start = time.perf_counter()
    for student in ids:
        check(api.autograde(lesson, student, force=True, create=True), f"autograde {student}")
    nbgrader_s = time.perf_counter() - start
    workers = workers or os.cpu_count() or 1
    _release_for_grade(root, work / "autograder", lesson)
    start = time.perf_counter()
    batch = grade(
        submissions=course / "submitted", out=work / "autograder", root=root, workers=workers
    )
    autograder_s = time.perf_counter() - start
    ours = {s.student: (s.score, s.max_score) for s in batch.submissions}
    theirs = {}
    for student in ids:
        graded = api.get_submission(lesson, student)
        theirs[student] = (graded["score"], graded["max_score"])
    differ = [
        f"{s} (nbgrader {theirs[s][0]:g}/{theirs[s][1]:g}, autograder {ours.get(s)})"
        for s in ids
        if ours.get(s) != theirs[s]
    ]
    failed = [f"{s.student}: {s.error}" for s in batch.submissions if s.error]
    return Throughput(len(ids), nbgrader_s, autograder_s, workers, differ, failed)
