"""`grade`: grade a whole class safely, fairly, in parallel and resumably, on top of nbgrader.

For each `SUBMISSIONS/<student_id>/<lesson_id>/<notebook>.ipynb` (and each student that
`collect`'s `manifest.csv` lists without a notebook):

1. `execute` (the engine's worker step) repairs, sanitises and runs it in the sandbox;
2. back in the main process, nbgrader's `SaveAutoGrades` writes the scores to the gradebook (one
   writer, so the gradebook stays consistent), and the autograded notebook is saved;
3. `feedback` (a second worker step) makes the HTML feedback without hidden tests;
4. the result is appended to a journal (`OUT/private/journal.jsonl`) the moment it is final, and
   `grades.csv`, `exercises.csv`, the LMS exports and the report are rebuilt from the journal.

So nothing finished is lost: Ctrl-C stops the workers and keeps the journal; running the same
command again grades only submissions that are new or changed (a hash of the notebook and of the
lesson's source), and grading more students into the same OUT adds to the others. Everything
students must not see (the scratch course with hidden tests, the gradebook, the journal) lives in
`OUT/private/`; `OUT/feedback/` holds exactly what may be handed out.

The worker steps go through a `WorkerPool` (submit, detect a dead worker, restart), so the local
process pool can be swapped for another executor that runs the same self-contained calls.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import statistics
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.collect import read_manifest
from autograder.coursedir import RELEASE_DIRECTORY, SOURCE_DIRECTORY, lesson_ids
from autograder.dispatch import run_all
from autograder.escape import encodable, write_csv
from autograder.lms import SAFE_ID
from autograder.pool import LocalPool, WorkerPool
from autograder.submissions import grade_ids_in, lesson_grade_ids

if TYPE_CHECKING:
    from autograder.sandbox import Limits

PRIVATE = "private"
IGNORED_FOLDERS = {".ipynb_checkpoints", "__MACOSX"}  # made by Jupyter and macOS, not students
JOURNAL = "journal.jsonl"


class GradingError(ValueError):
    """Input that cannot be graded; the message is one line for the instructor."""


class Interrupted(RuntimeError):
    """Grading was stopped (Ctrl-C); the finished submissions are kept in the journal."""


@dataclass
class Submission:
    """One student's notebook for one lesson, and what happened to it."""

    student: str  # the LMS user id (or folder name): what grades are keyed by
    lesson: str
    path: Path | None  # the submitted notebook; None when none was found
    notes: list[str] = field(default_factory=list)  # repairs and oddities (still graded)
    flags: list[str] = field(default_factory=list)  # checksum mismatches, tampering
    error: str | None = None  # why it could not be graded (it scores zero)
    score: float = 0.0
    max_score: float = 0.0
    exercises: list[tuple[str, float, float]] = field(default_factory=list)  # (id, score, max)
    isolation: str = ""
    name: str = ""  # the display name the LMS gave
    lms: str = ""  # canvas, moodle or folder
    late: bool = False  # the LMS marked it late
    file: str = ""  # the file that won when the student uploaded several
    intake: str = ""  # what collect chose among the uploads, or left out
    feedback_problem: str | None = None  # graded, but the feedback could not be made
    digest: str = ""  # what was graded: notebook bytes and lesson source

    def __setattr__(self, name: str, value: object) -> None:
        # Errors, notes and flags quote the student's notebook: made encodable once, here, so
        # that no report, page or journal line written from them can fail.
        if isinstance(value, str):
            value = encodable(value)
        elif isinstance(value, list) and any(isinstance(v, str) for v in value):
            value = [encodable(v) if isinstance(v, str) else v for v in value]
        super().__setattr__(name, value)

    @property
    def key(self) -> tuple[str, str]:
        return (self.student, self.lesson)

    @property
    def status(self) -> str:
        """`failed`, `no feedback`, `flagged`, `repaired` or `clean`."""
        if self.error:
            return "failed"
        if self.feedback_problem:
            return "no feedback"
        return "flagged" if self.flags else "repaired" if self.notes else "clean"

    def record(self) -> dict:
        """A JSON-ready copy for the journal."""
        data = asdict(self)
        data["path"] = str(self.path) if self.path else None
        return data

    @classmethod
    def from_record(cls, data: dict) -> Submission:
        data = dict(data)
        data["path"] = Path(data["path"]) if data.get("path") else None
        data["exercises"] = [tuple(e) for e in data.get("exercises", [])]
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Batch:
    """A graded class: every submission in OUT, and what could not be matched to one."""

    submissions: list[Submission]
    problems: list[str]  # missing lessons, stray files, unknown lessons
    isolation: str
    graded_now: int = 0  # submissions graded in this run (the rest were already in OUT)
    late_penalty: float = 0.0


# --- inputs -------------------------------------------------------------------------------


def check_inputs(*, submissions: Path, out: Path, workers: int | None) -> None:
    """Refuse arguments that cannot work, before anything is written."""
    if workers is not None and workers < 1:
        raise GradingError(f"--workers must be 1 or more, got {workers}")
    if not submissions.exists():
        raise GradingError(f"submissions folder {submissions} does not exist")
    if not submissions.is_dir():
        raise GradingError(f"{submissions} is a file; give the folder of submissions")
    if out.exists() and not out.is_dir():
        raise GradingError(f"--out {out} is a file; give a folder for the grades")
    if out.resolve() == submissions.resolve() or submissions.resolve() in out.resolve().parents:
        raise GradingError(f"--out {out} must not be inside the submissions folder")


def find_submissions(submitted: Path, lessons: list[str]) -> tuple[list[Submission], list[str]]:
    """Every `<student>/<lesson>/` folder (and manifest row) as a Submission, and the problems of
    the layout. A student folder that is unsafe to grade is skipped and listed in the problems."""
    manifest = read_manifest(submitted)
    found, problems = [], []
    links = sorted(p for p in submitted.iterdir() if p.is_symlink())
    problems += [f"{p.name}: a symbolic link, not a student folder (not followed)" for p in links]
    students = []
    for path in sorted(submitted.iterdir()):
        if _real_dir(path) and path.name not in IGNORED_FOLDERS:
            reason = _unsafe_student_folder(path)
            if reason:
                problems.append(f"{path.name}: {reason} (not graded)")
            else:
                students.append(path)
    # A lesson that nobody handed in is not due yet, so only those someone submitted are missing.
    due = set(lessons) & (
        {p.name for s in students for p in s.iterdir() if _real_dir(p)}
        | {lesson for _, lesson in manifest}
    )
    seen = set()
    for student_dir in students:
        student = student_dir.name
        for item in sorted(student_dir.iterdir()):
            if item.is_symlink():
                problems.append(f"{student}: {item.name} is a symbolic link (not followed)")
            elif not item.is_dir():
                problems.append(f"{student}: stray file {item.name} (not in a lesson folder)")
            elif item.name not in lessons:
                problems.append(f"{student}: unknown lesson folder {item.name} (not graded)")
            else:
                found.append(_pick_notebook(student, item))
                seen.add((student, item.name))
    for (student, lesson), row in sorted(manifest.items()):
        if (student, lesson) not in seen and lesson in lessons and SAFE_ID.match(student):
            if row.get("file"):
                raise GradingError(_lost_folder(submitted, student, lesson, row["file"]))
            found.append(Submission(student, lesson, None, error=row["note"] or "no notebook"))
    for s in found:
        _apply_manifest(s, manifest.get(s.key))
    have = {s.key for s in found}
    for student in sorted({s.student for s in found}):
        problems += [
            f"{student}: no submission for lesson {lesson}"
            for lesson in sorted(due)
            if (student, lesson) not in have
        ]
    return found, problems


def _lost_folder(submitted: Path, student: str, lesson: str, file: str) -> str:
    """The manifest says `collect` laid out a notebook that is not there: its ids were changed
    (a spreadsheet drops leading zeros) or the folder was moved. Grading would add a student."""
    return (
        f"{submitted / 'manifest.csv'} says {student}/{lesson} holds {file}, but there is no "
        f"folder {student}/{lesson}: were the ids changed when the manifest was saved (a "
        "spreadsheet drops leading zeros)? Collect the download again"
    )


def _unsafe_student_folder(path: Path) -> str | None:
    """Why one student's folder cannot be graded, or None. Only that student is skipped: one bad
    folder must never stop the rest of the class from being graded."""
    if not SAFE_ID.match(path.name):
        return "not a safe id (letters, digits, . _ - @ only)"
    for lesson in path.iterdir():
        if not _real_dir(lesson):
            continue  # a linked lesson folder is reported (and not followed) on its own
        for inner in lesson.rglob("*"):
            if inner.is_symlink():
                return f"{inner.relative_to(path)} is a symbolic link (not followed)"
    return None


def _real_dir(path: Path) -> bool:
    """A folder that is not a symbolic link: a link could lead to the instructor's solutions."""
    return path.is_dir() and not path.is_symlink()


def _apply_manifest(submission: Submission, row: dict | None) -> None:
    """What the LMS said about this submission (name, late, which file won)."""
    if not row:
        submission.name, submission.lms = submission.name or submission.student, "folder"
        return
    submission.name, submission.lms = row["name"], row["lms"]
    submission.late, submission.file = row["late"] == "yes", row["file"]
    if submission.error is None:
        submission.intake = row["note"]


def _pick_notebook(student: str, folder: Path) -> Submission:
    lesson = folder.name
    expected = folder / f"{lesson}.ipynb"
    notebooks = sorted(folder.glob("*.ipynb"))
    others = sorted(p.name for p in folder.iterdir() if p.suffix != ".ipynb")
    submission = Submission(student=student, lesson=lesson, path=None)
    if others:
        submission.notes.append(f"extra files ignored: {', '.join(others)}")
    if expected.exists():
        submission.path = expected
        chosen = [expected]
    elif notebooks:
        submission.path = notebooks[0]
        chosen = notebooks[:1]
        submission.notes.append(f"notebook named {notebooks[0].name}, expected {expected.name}")
    else:
        submission.error = "no notebook submitted"
        chosen = []
    ignored = [p.name for p in notebooks if p not in chosen]
    if ignored:
        submission.notes.append(f"other notebooks ignored: {', '.join(ignored)}")
    return submission


def _digest(submission: Submission, lesson_hash: str) -> str:
    """What decides whether a finished grade still holds: the notebook's bytes (or why there is
    none) and the lesson's source notebook."""
    h = hashlib.sha256(lesson_hash.encode())
    if submission.path is not None:
        h.update(submission.path.read_bytes())
    else:
        h.update(f"none:{submission.error}".encode())
    return h.hexdigest()


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the scratch course ---------------------------------------------------------------------


def prepare_course(*, root: Path, course: Path, lessons: Iterable[str]) -> None:
    """Release the `lessons` into the scratch course `course` (gradebook, student versions),
    again only for a lesson whose source changed since it was released there."""
    from autograder.nbgrader_api import NbGraderError, check, course_api, create_gradebook

    gradebook = course / "gradebook.db"
    in_gradebook = _gradebook_lessons(gradebook)
    if in_gradebook is None:  # damaged: the journal, not the gradebook, holds the grades
        print(f"note: {gradebook} was damaged; made anew (grades so far stay in the journal "
              "and the CSVs)", file=sys.stderr)
        gradebook.unlink()
        in_gradebook = set()
    create_gradebook(gradebook)
    api = None
    for lesson in sorted(set(lessons)):
        source = root / SOURCE_DIRECTORY / lesson
        copy = course / SOURCE_DIRECTORY / lesson
        released = course / RELEASE_DIRECTORY / lesson / f"{lesson}.ipynb"
        notebook = f"{lesson}.ipynb"
        unchanged = released.exists() and _file_hash(copy / notebook) == _file_hash(
            source / notebook
        )
        if unchanged and lesson in in_gradebook:
            continue
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(source, copy)
        api = api or course_api(course)
        try:
            check(api.generate_assignment(lesson, force=True, create=True), f"release {lesson}")
        except NbGraderError as exc:
            raise GradingError(exc.one_line()) from None


def _gradebook_lessons(gradebook: Path) -> set[str] | None:
    """The lessons released into `gradebook` (none when it is missing), or None when it is not
    a gradebook any more (damaged, or emptied)."""
    if not gradebook.exists():
        return set()
    try:
        with contextlib.closing(sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True)) as db:
            return {name for (name,) in db.execute("SELECT name FROM assignment")}
    except sqlite3.DatabaseError:
        return None


# --- the journal ---------------------------------------------------------------------------


class Journal:
    """Append-only record of finished submissions; the last line for a submission wins."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[tuple[str, str], Submission]:
        found: dict[tuple[str, str], Submission] = {}
        if not self.path.exists():
            return found
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    submission = Submission.from_record(json.loads(line))
                except (ValueError, TypeError, KeyError):
                    continue  # a line cut short by a crash: that submission is graded again
                found[submission.key] = submission
        return found

    def append(self, submission: Submission) -> None:
        line = json.dumps(submission.record(), sort_keys=True) + "\n"
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())


# --- grading --------------------------------------------------------------------------------


def grade(
    *,
    submissions: Path,
    out: Path,
    root: Path,
    workers: int | None = None,
    limits: Limits | None = None,
    progress: bool = True,
    students: list[str] | None = None,
    late_penalty: float | None = None,
    pool: WorkerPool | None = None,
    cluster: str | None = None,
) -> Batch:
    """Grade every new or changed submission in `submissions` into `out`, keeping the rest.

    Args:
        submissions: `SUBMISSIONS/<student_id>/<lesson_id>/<notebook>.ipynb` (and `collect`'s
            `manifest.csv`); only read.
        out: where `grades.csv`, `exercises.csv`, the LMS exports, `report.md` and `feedback/`
            go; `out/private/` holds the gradebook, the journal and the scratch course.
        root: the course root whose `solutions/` define the lessons and their tests.
        workers: submissions graded at once; the machine's cores when None.
        limits: the sandbox's resource limits; `Limits()` when None.
        progress: show a progress bar (submissions done, left and failed).
        students: grade only these student ids, even when already graded.
        late_penalty: percent taken off the score of a late submission in the LMS exports;
            None keeps the one `out` was last graded with (0 the first time).
        pool: where the worker steps run; a local process pool when None.
        cluster: run the submissions on this Dask scheduler (`tls://HOST:8786`; "" for Dask's
            own configuration) instead of the local pool; see `autograder.cluster`.

    Returns:
        Every submission in `out` (earlier ones included).

    Raises:
        GradingError: an argument or the submissions folder cannot be graded; nothing written.
        Interrupted: Ctrl-C; the submissions finished so far are kept.
    """
    check_inputs(submissions=submissions, out=out, workers=workers)
    # nbgrader runs from the scratch course's folder: a relative path would point elsewhere there
    submissions, out, root = submissions.absolute(), out.absolute(), root.absolute()
    if late_penalty is not None and not 0 <= late_penalty <= 100:
        raise GradingError(f"--late-penalty must be a percentage from 0 to 100, got {late_penalty}")
    lessons = lesson_ids(root)
    found, problems = find_submissions(submissions, lessons)
    if not found:
        raise GradingError(_nothing_to_grade(submissions, problems))
    if students is not None:
        found = _only(found, students, submissions)
    _refuse_another_lessons_notebooks(found, lesson_grade_ids(root))
    if cluster is not None and pool is None:
        from autograder.cluster import scheduler

        scheduler(cluster or None)  # refused here, before anything is written
    with _only_run_on(out):
        return _grade_found(
            found, problems, out=out, root=root, workers=workers, limits=limits,
            progress=progress, students=students, late_penalty=late_penalty, pool=pool,
            cluster=cluster,
        )


@contextlib.contextmanager
def _only_run_on(out: Path):
    """Hold `out`'s lock while grading into it: a second `grade` into the same folder would
    grade the same submissions again and race for the gradebook."""
    private = out / PRIVATE
    private.mkdir(parents=True, exist_ok=True)
    with open(private / "lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise GradingError(
                f"another `grade` is writing into {out}: wait for it to finish"
            ) from None
        yield


def _grade_found(
    found: list[Submission], problems: list[str], *, out: Path, root: Path,
    workers: int | None, limits: Limits | None, progress: bool, students: list[str] | None,
    late_penalty: float | None, pool: WorkerPool | None, cluster: str | None,
) -> Batch:
    """`grade` once the submissions are found and `out` is locked."""
    private = out / PRIVATE
    late_penalty = _late_penalty(private, late_penalty)
    journal = Journal(private / JOURNAL)
    done = journal.load() if journal.path.exists() else {}
    lesson_hash = {
        lesson: _file_hash(root / SOURCE_DIRECTORY / lesson / f"{lesson}.ipynb")
        for lesson in {s.lesson for s in found}
    }
    for s in found:
        try:
            if s.path is not None and not stat.S_ISREG(s.path.stat().st_mode):
                raise OSError("not a regular file")  # a pipe would never end reading
            s.digest = _digest(s, lesson_hash[s.lesson])
        except OSError as exc:  # this student's notebook only: graded 0 with the reason
            s.path, s.error = None, f"the notebook could not be read ({exc.strerror or exc})"
            s.digest = _digest(s, lesson_hash[s.lesson])
    from autograder.sandbox import SETUP_FAILED

    todo = [
        s
        for s in found
        if students is not None
        or s.key not in done
        or done[s.key].digest != s.digest
        or SETUP_FAILED in (done[s.key].error or "")  # no grade yet: the machine failed
    ]
    private.mkdir(parents=True, exist_ok=True)
    interrupted = None
    if todo:
        from autograder.sandbox import Limits

        n = min(workers or os.cpu_count() or 1, max(1, sum(s.path is not None for s in todo)))
        if pool is None and cluster is not None:
            from autograder.cluster import DaskPool

            pool = DaskPool(cluster or None, local_workers=n)
        pool = pool or LocalPool(n)
        try:
            if hasattr(pool, "warm") and any(s.path is not None for s in todo):
                pool.warm()
            prepare_course(root=root, course=private / "course", lessons={s.lesson for s in todo})
        except KeyboardInterrupt:
            pool.close(kill=True)
            raise Interrupted("stopped while preparing the course; nothing was graded") from None
        try:
            run_all(
                private / "course",
                out,
                todo,
                pool=pool,
                limits=limits or Limits(),
                journal=journal,
                progress=progress,
            )
        except Interrupted as exc:
            interrupted = exc
    everything = journal.load()
    _with_todays_lms_facts(everything, found)
    _explain_failures(private / "course", out, [everything.get(s.key) for s in todo])
    batch = Batch(
        sorted(everything.values(), key=lambda s: s.key),
        problems,
        _isolation(everything.values()),
        graded_now=len(todo),
        late_penalty=late_penalty,
    )
    write_outputs(out, batch, report=interrupted is None)
    if interrupted is not None:
        raise interrupted
    return batch


def _with_todays_lms_facts(journaled: dict[tuple, Submission], found: list[Submission]) -> None:
    """What the LMS says of a submission (name, late, which file won) comes from today's
    manifest, not from when it was graded: an extension granted since, or a name corrected, needs
    no regrading (the notebook's bytes decide that)."""
    for s in found:
        kept = journaled.get(s.key)
        if kept is not None:
            kept.name, kept.lms, kept.late, kept.file = s.name, s.lms, s.late, s.file
            kept.intake = s.intake


def _explain_failures(course: Path, out: Path, graded_now: list[Submission | None]) -> None:
    """Each submission graded now that failed gets a feedback page with the reason."""
    failed = [s for s in graded_now if s is not None and s.error]
    if failed:
        from autograder.feedback import failure_page

        for s in failed:
            failure_page(course, out, s)


def _nothing_to_grade(submissions: Path, problems: list[str]) -> str:
    if any(p.is_file() and p.suffix in (".zip", ".ipynb") for p in submissions.iterdir()):
        return (
            f"nothing to grade in {submissions}: it looks like an LMS download; run "
            "`python -m autograder collect` on it first"
        )
    hint = f" ({problems[0]})" if problems else ""
    return f"nothing to grade in {submissions}: expected <student>/<lesson>/*.ipynb{hint}"


def _only(found: list[Submission], students: list[str], submissions: Path) -> list[Submission]:
    unknown = sorted(set(students) - {s.student for s in found})
    if unknown:
        raise GradingError(f"--students: no submissions in {submissions} for {', '.join(unknown)}")
    return [s for s in found if s.student in set(students)]


def _late_penalty(private: Path, given: float | None) -> float:
    """The late penalty to grade with: the one given (kept for the next run), else the one
    this `out` was graded with before, so that rows exported earlier keep their penalty."""
    settings = private / "settings.json"
    try:
        kept = json.loads(settings.read_text(encoding="utf-8")).get("late_penalty", 0.0)
    except (OSError, ValueError, AttributeError):
        kept = 0.0
    if given is None:
        return kept
    if given != kept:
        if settings.exists():
            print(f"note: late penalty {given:g}% now (it was {kept:g}%): every late row of "
                  "the exports changes", file=sys.stderr)
        settings.write_text(json.dumps({"late_penalty": given}), encoding="utf-8")
    return given


def _refuse_another_lessons_notebooks(found: list[Submission], ids: dict[str, set[str]]) -> None:
    """A notebook that holds another lesson's exercises and none of its own is graded 0 with
    that reason; when every notebook of a lesson is another lesson's (a download collected with
    the wrong --lesson), grading stops before anything is written."""
    wrong: dict[str, list[str]] = {}
    readable: dict[str, int] = {}
    for s in found:
        if s.path is None or not s.path.is_file():
            continue
        held = _ids_in_file(s.path)
        if not held:
            continue
        readable[s.lesson] = readable.get(s.lesson, 0) + 1
        if held & ids.get(s.lesson, set()):
            continue
        other = max(ids, key=lambda lesson: len(held & ids[lesson]))
        if held & ids[other]:
            wrong.setdefault(s.lesson, []).append(other)
            s.path = None  # not graded: scored 0 with the reason
            s.error = (f"this notebook is lesson {other}, not {s.lesson}: it holds {other}'s "
                       "exercises and none of this lesson's")
    for lesson, others in wrong.items():
        if len(others) == readable[lesson] >= 2 and len(set(others)) == 1:
            raise GradingError(
                f"every notebook in the {lesson} folders is lesson {others[0]} (its exercises): "
                f"was the download collected with --lesson {lesson} by mistake?"
            )


def _ids_in_file(path: Path) -> set[str]:
    try:
        return grade_ids_in(path.read_bytes())
    except OSError:
        return set()


def _isolation(found: Iterable[Submission]) -> str:
    recorded = next((s.isolation for s in found if s.isolation), None)
    if recorded:
        return recorded
    from autograder.sandbox import isolation

    return isolation()


def write_outputs(out: Path, batch: Batch, *, report: bool = True) -> None:
    """The CSVs, the LMS exports and (unless cut short) the report, all from `batch`."""
    from autograder.export import write_exports

    write_csvs(out, batch.submissions, late_penalty=batch.late_penalty)
    write_exports(out, batch.submissions, late_penalty=batch.late_penalty)
    if report:
        from autograder.report import write_report

        write_report(out=out, batch=batch)


def late_score(submission: Submission, late_penalty: float) -> float:
    """The score after the instructor's late penalty (a percentage of the score)."""
    if submission.late and late_penalty:
        return round(submission.score * (1 - late_penalty / 100), 4)
    return submission.score


def write_csvs(out: Path, submissions: list[Submission], late_penalty: float = 0.0) -> None:
    """`grades.csv` (one row per submission) and `exercises.csv` (one row per graded cell)."""
    graded = sorted(submissions, key=lambda s: s.key)
    write_csv(
        out / "grades.csv",
        ["student_id", "lesson", "score", "max_score", "late", "final_score", "status", "name"],
        (
            [
                s.student,
                s.lesson,
                s.score,
                s.max_score,
                "yes" if s.late else "",
                late_score(s, late_penalty),
                s.status,
                s.name,
            ]
            for s in graded
        ),
    )
    write_csv(
        out / "exercises.csv",
        ["student_id", "lesson", "exercise", "score", "max_score"],
        ([s.student, s.lesson, *exercise] for s in graded for exercise in s.exercises),
    )


def lesson_stats(submissions: list[Submission]) -> dict[str, dict[str, float]]:
    """Per lesson: submissions, mean and median score, and the lesson's points."""
    by_lesson: dict[str, list[Submission]] = {}
    for s in submissions:
        by_lesson.setdefault(s.lesson, []).append(s)
    return {
        lesson: {
            "n": len(items),
            "mean": statistics.fmean(s.score for s in items),
            "median": statistics.median(s.score for s in items),
            "max": max(s.max_score for s in items),
        }
        for lesson, items in sorted(by_lesson.items())
    }
