"""`python -m autograder grade` end to end: one batch of good, broken, hostile and tampering
submissions built from a real lesson, graded in the sandbox; the good grades must be unaffected.

The lesson is the first one in solutions/ trimmed to its setup cell and exercises, so the batch
stays fast; the hostile cases run only inside the sandbox, with small limits.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import runpy
import shutil
import tempfile
from html import escape
from pathlib import Path

import nbformat
import pytest
from tiny_lesson import POINTS, TINY, make_course, source_notebook, submissions

from autograder.grade import JOURNAL, PRIVATE, grade
from autograder.sandbox import SETUP_FAILED, Limits, isolation
from autograder.submissions import (
    answered,
    answers_of,
    exercises,
    grade_id,
    is_answer_cell,
    write_submission,
)
from conftest import LESSONS, ROOT, read_source_notebook, trimmed_course, trimmed_source

LESSON = LESSONS[0]
ANSWERS = Path(__file__).parent / "exercise_answers" / f"{LESSON}.py"
LIMITS = Limits(cell_s=5, wall_s=120, cpu_s=120, memory_mb=1536, processes=48)

SNOOP = """
import os, socket, sys
import course
# the read-only Python and course package may sit under /tmp (a checkout there); skip them
shared = (sys.prefix, os.path.dirname(os.path.dirname(course.__file__)))
found = []
for path in {paths!r}:
    try:
        open(path).read(10)
        found.append("read " + path)
    except OSError:
        pass
for path in {writes!r}:
    try:
        open(path, "w").write("x")
        found.append("wrote " + path)
    except OSError:
        pass
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2)
    found.append("network")
except OSError:
    pass
for folder in (".", "/tmp"):
    for base, folders, names in os.walk(folder):
        if os.path.abspath(base).startswith(shared):
            folders[:] = []
            continue
        for name in names:
            try:
                text = open(os.path.join(base, name), errors="ignore").read()
                if "### BEGIN" + " HIDDEN TESTS" in text:
                    found.append("hidden tests in " + name)
            except OSError:
                pass
print("LEAKS:", found)
"""
TAMPER = """
import builtins, sys
import course.checks
from IPython import get_ipython
for name in dir(course.checks):
    if name.startswith("assert"):
        setattr(course.checks, name, lambda *args, **kwargs: None)
builtins.AssertionError = type("AssertionError", (Exception,), {})
sys.excepthook = lambda *args: print("Visible tests passed.")
get_ipython().showtraceback = lambda *args, **kwargs: None
"""
LAZY_TAMPER = """import course.checks
    for name in dir(course.checks):
        setattr(course.checks, name, lambda *args, **kwargs: None)
    return None"""
FORK_BOMB = "import os\nwhile True:\n    os.fork()"
HOSTILE_CELLS = {
    "infinite_loop": "while True:\n    pass",
    "memory_hog": "hog = [bytearray(64 << 20) for _ in range(100)]",
    "fork_bomb": FORK_BOMB,
    "segfault": "import faulthandler\nfaulthandler._sigsegv()",  # a real SIGSEGV
    "exits_kernel": "import os\nos._exit(0)",
    "raises_system_exit": "raise SystemExit(0)",
}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course holding the trimmed lesson, and its student release."""
    return trimmed_course(tmp_path_factory.mktemp("course-src"), LESSON)


def insert_after_setup(notebook, source: str):
    notebook = copy.deepcopy(notebook)
    notebook.cells.insert(1, nbformat.v4.new_code_cell(source))
    return notebook


def answer_cells(notebook) -> list[int]:
    return [i for i, c in enumerate(notebook.cells) if is_answer_cell(c)]


def build_corpus(course: Path, submitted: Path, out: Path) -> dict[str, float]:
    """Write every case into `submitted`; return the score each must get (None: just graded)."""
    release = nbformat.read(course / "release" / "lessons" / LESSON / f"{LESSON}.ipynb", 4)
    source = trimmed_source(LESSON)
    model = answered(release, answers_of(source))
    found = exercises(source)
    total = sum(points for _, points in found.values())
    first = answer_cells(model)[0]
    first_points = found[grade_id(model.cells[first])][1]
    expected: dict[str, float] = {}

    def put(student: str, notebook, score: float | None, name: str = LESSON) -> None:
        path = submitted / student / LESSON / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, path)
        expected[student] = score

    def put_raw(student: str, data: bytes) -> None:
        path = submitted / student / LESSON / f"{LESSON}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expected[student] = 0

    put("good_1", model, total)
    put("good_2", model, total)
    put("blank", release, 0)
    if ANSWERS.exists():
        variants = runpy.run_path(str(ANSWERS))
        wrong_id, description = variants["GRADING_MISTAKE"]
        mistake = variants["MISTAKES"][wrong_id][description]
        put("one_wrong", answered(model, {wrong_id: mistake}), total - found[wrong_id][1])
    # Files that are not notebooks.
    put_raw("empty_file", b"")
    put_raw("invalid_json", b'{"cells": [')
    put_raw("not_a_notebook", b'{"hello": "world"}')
    # Valid JSON whose error message quotes a lone surrogate, which UTF-8 cannot encode.
    put_raw("surrogate_version", b'{"cells": [], "metadata": {}, "nbformat": "\\udcff"}')
    # Structure students break; all repaired, so every answer still counts.
    put("wrong_name", model, total, name="my homework")
    put("nbformat_v3", nbformat.convert(copy.deepcopy(model), 3), total)
    dup = copy.deepcopy(model)
    dup.cells.insert(first, copy.deepcopy(dup.cells[first]))
    dup.cells[first].id = "copied-cell"
    put("duplicated_cell", dup, total)
    split = copy.deepcopy(model)
    helper = copy.deepcopy(split.cells[first])
    helper.source, helper.id = "UNUSED_HELPER = 1", "helper-cell"
    split.cells.insert(first, helper)
    put("split_cell", split, total)
    lost = copy.deepcopy(model)
    for i in answer_cells(lost):
        del lost.cells[i].metadata["nbgrader"]
    put("lost_metadata", lost, total)
    reordered = copy.deepcopy(model)
    last = answer_cells(reordered)[-1]
    reordered.cells.insert(1, reordered.cells.pop(last))
    put("reordered", reordered, total)
    retyped = copy.deepcopy(model)
    retyped.cells[first].cell_type = "markdown"
    del retyped.cells[first]["outputs"], retyped.cells[first]["execution_count"]
    put("retyped_cell", retyped, total)
    deleted = copy.deepcopy(model)
    del deleted.cells[first]
    put("deleted_answer", deleted, total - first_points)
    edited = copy.deepcopy(model)
    edited.cells[first + 1].source = "print('Visible tests passed.')"
    put("edited_test", edited, total)
    # Hostile code in a cell of the student's own: the answers still count.
    for student, code in HOSTILE_CELLS.items():
        put(student, insert_after_setup(model, code), total)
    # The same in an answer cell costs exactly that exercise.
    bomb = copy.deepcopy(model)
    bomb.cells[first].source = FORK_BOMB
    put("fork_bomb_answer", bomb, total - first_points)
    paths = [
        str(ROOT / "solutions" / LESSON / f"{LESSON}.ipynb"),
        str(out / "private" / "course" / "gradebook.db"),
        str(submitted / "good_1" / LESSON / f"{LESSON}.ipynb"),
        str(course / "solutions" / LESSON / f"{LESSON}.ipynb"),
    ]
    writes = [
        str(submitted / "good_1" / "hacked.txt"),
        str(ROOT / "hacked.txt"),
        str(out / "hacked.txt"),
    ]
    put("snoop", insert_after_setup(model, SNOOP.format(paths=paths, writes=writes)), total)
    # Tampering with how tests run or report gains nothing.
    put("tamper", insert_after_setup(release, TAMPER), 0)
    lazy = copy.deepcopy(model)
    lazy.cells[first].source = release.cells[first].source.replace(
        "raise NotImplementedError()", LAZY_TAMPER
    )
    put("tamper_lazy", lazy, total - first_points)
    leaves = copy.deepcopy(model)
    leaves.cells[first].source = release.cells[first].source.replace(
        "raise NotImplementedError()", "import os\n    os._exit(0)"
    )
    put("exits_during_test", leaves, total - first_points)
    return expected


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """The whole corpus graded in one batch."""
    base = tmp_path_factory.mktemp("grading")
    submitted, out = base / "submitted", base / "out"
    expected = build_corpus(course, submitted, out)
    (submitted / "good_1" / "notes.txt").write_text("a stray file")
    before = {p: p.read_bytes() for p in submitted.rglob("*") if p.is_file()}
    batch = grade(
        submissions=submitted, out=out, root=course, workers=2, limits=LIMITS, progress=False
    )
    return batch, expected, submitted, out, before


def rows(path: Path) -> list[dict]:
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.mark.skipif(
    not shutil.which("bwrap") and os.geteuid() != 0, reason="bubblewrap needs root to install"
)
def test_sandbox_is_real_isolation():
    """Does this machine grade in bubblewrap rather than the weaker fallback?"""
    assert isolation() == "bubblewrap"


def test_every_submission_gets_its_expected_grade(graded):
    """Does each case score exactly what it earned, good submissions unaffected by the bad?"""
    batch, expected, _, out, _ = graded
    scores = {r["student_id"]: float(r["score"]) for r in rows(out / "grades.csv")}
    assert set(scores) == set(expected)
    wrong = {s: (scores[s], e) for s, e in expected.items() if scores[s] != e}
    report = (out / "report.md").read_text()
    assert not wrong, report


def test_exercises_csv_has_one_row_per_graded_cell(graded):
    """Does exercises.csv hold one row per submission and test cell, adding up to grades.csv?"""
    batch, expected, _, out, _ = graded
    cells = rows(out / "exercises.csv")
    per_student = {}
    for r in cells:
        per_student.setdefault(r["student_id"], []).append(float(r["score"]))
    grades = {r["student_id"]: float(r["score"]) for r in rows(out / "grades.csv")}
    assert {s: sum(v) for s, v in per_student.items()} == grades
    assert len(cells) == len(expected) * len(exercises(trimmed_source(LESSON)))


def test_report_names_every_bad_submission_with_a_reason(graded):
    """Are broken files failed, repairs, tampering and crashes all listed with their reasons?"""
    _, _, _, out, _ = graded
    report = (out / "report.md").read_text()
    # every table row that names a student, Markdown escapes removed: {student: its rows}
    row_of: dict[str, str] = {}
    for line in report.replace("\\", "").splitlines():
        if line.startswith("| "):
            student = line.split("|")[1].strip()
            row_of[student] = row_of.get(student, "") + line
    for student, phrase in (
        ("empty_file", "empty file"),
        ("invalid_json", "not valid JSON"),
        ("not_a_notebook", "not a notebook"),
        ("surrogate_version", "nbformat version udcff"),  # its backslash escaped, then removed
        ("duplicated_cell", "duplicated"),
        ("split_cell", "split"),
        ("lost_metadata", "lost its nbgrader metadata"),
        ("reordered", "reordered"),
        ("retyped_cell", "type changed"),
        ("deleted_answer", "deleted"),
        ("edited_test", "checksum mismatch"),
        ("nbformat_v3", "nbformat 3"),
        ("infinite_loop", f"more than {LIMITS.cell_s:g} s"),
        ("segfault", "crashed (signal SIGSEGV)"),
        ("memory_hog", "memory limit"),
        ("exits_kernel", "exited"),
        ("tamper", "tampering"),
        ("wrong_name", "my homework.ipynb"),
    ):
        assert student in row_of, f"{student} is not listed in the report"
        assert phrase in row_of[student], (student, phrase, row_of[student])
    assert "good_1: stray file notes.txt" in report.replace("\\", "")
    assert "good_1" not in row_of and "good_2" not in row_of  # clean students are not listed
    assert (out / f"scores_{LESSON}.png").stat().st_size > 0


def test_sandbox_blocks_reads_writes_and_network(graded):
    """Could a submission read solutions, the gradebook or others' work, write outside, or
    reach the network?"""
    _, _, submitted, out, _ = graded
    notebook = nbformat.read(
        out / "private" / "course" / "autograded" / "snoop" / LESSON / f"{LESSON}.ipynb", 4
    )
    printed = "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "LEAKS: []" in printed
    assert not (submitted / "good_1" / "hacked.txt").exists()
    assert not (ROOT / "hacked.txt").exists() and not (out / "hacked.txt").exists()


def test_feedback_has_no_hidden_tests(graded):
    """Does every student get HTML feedback that shows no hidden test source, and does one whose
    submission could not be graded get a page saying why?"""
    batch, _, _, out, _ = graded
    hidden = [
        line.strip()
        for c in read_source_notebook(LESSON).cells
        for line in c.source.split("BEGIN HIDDEN TESTS")[-1]
        .split("END HIDDEN TESTS")[0]
        .splitlines()[1:]
        if "BEGIN HIDDEN TESTS" in c.source and len(line.strip()) > 20
    ]
    failed = [s for s in batch.submissions if s.error]
    assert failed, "the batch should hold submissions that cannot be graded"
    for s in batch.submissions:
        html = next((out / "feedback" / s.student / LESSON).glob("*.html")).read_text()
        assert "BEGIN HIDDEN TESTS" not in html
        assert not [h for h in hidden if h in html]
        if s.error:
            assert "not graded, score 0" in html and escape(s.error[:40]) in html, s.student


def test_submissions_are_never_modified(graded):
    """Are the original files exactly as they came?"""
    _, _, submitted, _, before = graded
    after = {p: p.read_bytes() for p in submitted.rglob("*") if p.is_file()}
    assert after == before


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """A course holding the tiny torch-free lesson (tests/tiny_lesson.py), released."""
    return make_course(tmp_path_factory.mktemp("tiny-course"))


def small_class(course: Path, submitted: Path, students: dict[str, str]) -> None:
    """`{student: "good" | "blank"}` as notebooks of the tiny lesson in `submitted`."""
    notebooks = submissions(course)
    for student, kind in students.items():
        write_submission(submitted, student, TINY, notebooks[kind], TINY)


def test_regrading_gives_the_same_grades(tiny, tmp_path):
    """Does grading the same folder twice into the same OUT give identical grades? Does a
    notebook that cannot be read cost only its student (0, with the reason)?"""
    submitted, out = tmp_path / "submitted", tmp_path / "out"
    small_class(tiny, submitted, {"good": "good", "blank": "blank"})
    (submitted / "unreadable" / TINY / f"{TINY}.ipynb").mkdir(parents=True)  # read: EISDIR
    outputs = []
    for _ in range(2):
        grade(submissions=submitted, out=out, root=tiny, workers=2, limits=LIMITS, progress=False)
        outputs.append([(out / name).read_text() for name in ("grades.csv", "exercises.csv")])
    assert outputs[0] == outputs[1]
    scores = {r.split(",")[0]: r.split(",")[2:] for r in outputs[0][0].splitlines()[1:]}
    assert scores["blank"][0] == "0.0" and scores["good"][0] == scores["good"][1]
    assert float(scores["good"][0]) == sum(POINTS.values())
    assert scores["unreadable"][0] == "0.0" and scores["unreadable"][4] == "failed"
    assert "the notebook could not be read" in (out / "report.md").read_text()


# --- resuming, merging, interrupting, dead workers -------------------------------------------


def test_a_submission_whose_sandbox_never_loaded_the_lesson_is_graded_on_the_next_run(
    tiny, tmp_path
):
    """A sandbox that died twice while it loaded the lesson ran nothing of the student's: the
    submission is reported as not graded, and the next run grades it (the others stay)."""
    submitted, out = tmp_path / "submitted", tmp_path / "out"
    small_class(tiny, submitted, {"good": "good", "blank": "blank"})
    grade(submissions=submitted, out=out, root=tiny, workers=1, limits=LIMITS, progress=False)
    journal = out / PRIVATE / JOURNAL
    lines = journal.read_text().splitlines()
    good = json.loads(next(line for line in lines if '"student": "good"' in line))
    good.update(score=0.0, error=f"could not be graded: {SETUP_FAILED} (killed)")
    journal.write_text("\n".join([*lines, json.dumps(good)]) + "\n")
    batch = grade(submissions=submitted, out=out, root=tiny, workers=1, limits=LIMITS,
                  progress=False)
    assert batch.graded_now == 1, "only the submission that was never graded runs again"
    regraded = next(s for s in batch.submissions if s.student == "good")
    assert (regraded.error, regraded.score) == (None, sum(POINTS.values()))


def csvs(out: Path) -> list[str]:
    return [(out / name).read_text() for name in ("grades.csv", "exercises.csv")]


def test_more_students_merge_into_the_same_out(tiny, tmp_path):
    """Does grading two more students into an OUT keep the first ones (rows and feedback), does a
    rerun grade nothing, and does `students` regrade only the chosen ones?"""
    first, later, out = tmp_path / "first", tmp_path / "later", tmp_path / "out"
    small_class(tiny, first, {"ann": "good", "bob": "blank"})
    small_class(tiny, later, {"cat": "good", "dan": "blank"})
    kwargs = dict(out=out, root=tiny, workers=2, limits=LIMITS, progress=False)
    grade(submissions=first, **kwargs)
    feedback_ann = next((out / "feedback" / "ann" / TINY).glob("*.html")).read_text()
    batch = grade(submissions=later, **kwargs)
    assert batch.graded_now == 2
    assert [r["student_id"] for r in rows(out / "grades.csv")] == ["ann", "bob", "cat", "dan"]
    for student in ("ann", "bob", "cat", "dan"):
        assert list((out / "feedback" / student / TINY).glob("*.html")), student
    assert next((out / "feedback" / "ann" / TINY).glob("*.html")).read_text() == feedback_ann
    before = csvs(out)
    assert grade(submissions=first, **kwargs).graded_now == 0
    assert csvs(out) == before
    assert grade(submissions=first, students=["bob"], **kwargs).graded_now == 1
    assert csvs(out) == before
    # A damaged gradebook (it is the scratch course's) is made anew; no grade changes.
    (out / "private" / "course" / "gradebook.db").write_text("not a database")
    assert grade(submissions=first, students=["ann", "bob"], **kwargs).graded_now == 2
    assert csvs(out) == before
    report = (out / "report.md").read_text()
    assert "4 submissions" in report and f"![{TINY} score distribution]" in report
    assert not list(out.glob("feedback/**/*.ipynb"))  # no source notebooks where students look
    assert (out / "private" / "course" / "gradebook.db").exists()


def test_a_dead_worker_costs_only_its_submission(tiny, tmp_path):
    """When a worker process dies, does only its submission fail, the others graded as usual?"""
    from autograder.grade import LocalPool

    class KillingPool(LocalPool):
        def submit(self, fn, *args):
            if fn.__name__ == "execute_job" and args[1].student == "killer":
                return super().submit(os._exit, 1)
            return super().submit(fn, *args)

    submitted, out = tmp_path / "submitted", tmp_path / "out"
    small_class(tiny, submitted, {"ann": "good", "killer": "good", "zed": "good"})
    batch = grade(
        submissions=submitted,
        out=out,
        root=tiny,
        limits=LIMITS,
        progress=False,
        pool=KillingPool(2),
    )
    by_id = {s.student: s for s in batch.submissions}
    assert by_id["killer"].error == "could not be graded: the grading worker died"
    assert by_id["ann"].error is None and by_id["zed"].error is None
    assert by_id["ann"].score == by_id["ann"].max_score > 0


def test_a_pool_found_broken_when_handing_out_a_job_costs_nothing(tiny, tmp_path):
    """A worker may die after the loop last looked at the pool: handing out the next job then
    fails at once. Is that job graded anyway, in a fresh pool, like those that were in flight?"""
    from concurrent.futures import wait

    from autograder.grade import LocalPool

    class BrokenOncePool(LocalPool):
        broken = False

        def submit(self, fn, *args):
            if not self.broken and fn.__name__ == "execute_job" and args[1].student == "zed":
                self.broken = True
                wait([super().submit(os._exit, 1)])  # a worker dies unseen by the loop
            return super().submit(fn, *args)

    submitted, out = tmp_path / "submitted", tmp_path / "out"
    small_class(tiny, submitted, {"ann": "good", "bob": "blank", "zed": "good"})
    pool = BrokenOncePool(2)
    batch = grade(
        submissions=submitted, out=out, root=tiny, limits=LIMITS, progress=False, pool=pool
    )
    assert pool.broken, "the pool was never broken: the test did not test anything"
    by_id = {s.student: (s.error, s.score) for s in batch.submissions}
    total = float(sum(POINTS.values()))
    assert by_id == {"ann": (None, total), "bob": (None, 0.0), "zed": (None, total)}


@pytest.fixture
def host_tmp():
    """A TMPDIR for the runs of one test, short enough for the engine's fork server socket."""
    folder = Path(tempfile.mkdtemp(prefix="grade-tmp-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _ctrl_c_as_in_a_terminal() -> None:
    """SIGINT as a terminal's command gets it: a suite started in the background by a shell
    (`make test &`) ignores SIGINT, and so would the grader it starts, which then never hears
    the Ctrl-C this test sends."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("stop", ["SIGINT to the group", "SIGTERM to the command"])
def test_ctrl_c_keeps_finished_work_and_a_rerun_matches_an_uninterrupted_run(
    tiny, tmp_path, host_tmp, stop
):
    """Does SIGINT during a real `grade` (Ctrl-C), or SIGTERM to it alone (`kill`, `timeout`),
    stop it with one line and no traceback, keeping what finished, and does running the
    command again give the CSVs of an uninterrupted run? Does every run, finished or stopped,
    remove the folders its sandboxes and workers used? (The finished run is given relative
    paths, as the README's commands are.)"""
    import signal
    import subprocess
    import sys
    import time

    submitted = tmp_path / "submitted"
    # Enough students that the run is still going when the first one is journaled.
    students = {f"student_{i}": ("good", "blank")[i % 2] for i in range(12)}
    small_class(tiny, submitted, students)
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    command = [
        sys.executable, "-m", "autograder", "--root", str(tiny),
        "grade", str(submitted), "--workers", "1", "--out",
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(host_tmp))
    # The README's form: paths relative to where the instructor is, the course elsewhere.
    relative = [
        sys.executable, "-m", "autograder", "--root", os.path.relpath(tiny, tmp_path),
        "grade", "submitted/", "--workers", "1", "--out", "whole/",
    ]  # fmt: skip
    finished = subprocess.run(relative, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert "Warning" not in finished.stderr, finished.stderr  # nothing the instructor can act on
    assert not list(host_tmp.glob("autograder-lesson-*")), "a finished run left a sandbox folder"
    run = subprocess.Popen(
        [*command, str(cut)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True, preexec_fn=_ctrl_c_as_in_a_terminal,
    )  # fmt: skip
    journal = cut / "private" / "journal.jsonl"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.poll() is None:
        if journal.exists() and journal.read_text().count("\n") >= 1:
            break
        time.sleep(0.2)
    assert run.poll() is None, "the run ended before it could be interrupted"
    if stop == "SIGINT to the group":
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    else:
        run.send_signal(signal.SIGTERM)  # what `kill` does: the workers get nothing
    _, err = run.communicate(timeout=120)
    journaled = journal.read_text().count("\n") if journal.exists() else 0
    assert run.returncode == 130, (run.returncode, journaled, err[-2000:])
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1].startswith("interrupted: ")
    kept = journal.read_text().count("\n")
    assert 1 <= kept < len(students)
    assert not list(host_tmp.glob("autograder-lesson-*")), "a stopped run left a sandbox folder"
    assert not list(host_tmp.glob("autograder-workers-*")), "a stopped run left its workers'"
    again = subprocess.run([*command, str(cut)], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"({len(students) - kept} graded now)" in again.stdout
    assert csvs(cut) == csvs(whole)


def test_a_canvas_download_round_trip(tiny, tmp_path):
    """From a Canvas bulk zip to the gradebook CSV Canvas imports: is every student there by
    Canvas user id, the late one with the penalty, the one without a notebook at 0?"""
    import zipfile

    from autograder.collect import collect

    model = nbformat.writes(submissions(tiny)["good"])
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"smithjohn_101_9001_{TINY}.ipynb", model)
        zf.writestr(f"smithjohn_LATE_102_9002_{TINY}.ipynb", model)
        zf.writestr("doejane_103_9003_answers.pdf", b"%PDF")
    submitted, out = tmp_path / "submitted", tmp_path / "out"
    collect(sources=archive, out=submitted, lesson=TINY)
    batch = grade(
        submissions=submitted,
        out=out,
        root=tiny,
        workers=2,
        limits=LIMITS,
        progress=False,
        late_penalty=10,
    )
    total = {s.student: s.max_score for s in batch.submissions}["101"]
    canvas = {r["ID"]: r for r in rows(out / "canvas_grades.csv")}
    assert {i: r[TINY] for i, r in canvas.items()} == {
        "101": f"{total:g}",
        "102": f"{total * 0.9:g}",
        "103": "0",
    }
    assert canvas["101"]["Student"] == canvas["102"]["Student"] == "smithjohn"
    grades = {r["student_id"]: r for r in rows(out / "grades.csv")}
    assert grades["102"]["late"] == "yes" and grades["101"]["late"] == ""
    assert grades["103"]["status"] == "failed"
    report = (out / "report.md").read_text()
    assert "no notebook submitted (uploaded answers.pdf)" in report
    moodle = rows(out / f"moodle_{TINY}.csv")
    assert [r["Identifier"] for r in moodle] == [
        "Participant 101",
        "Participant 102",
        "Participant 103",
    ]


def test_another_lessons_notebooks_are_never_graded_as_this_one(tmp_path):
    """A download collected with the wrong --lesson puts lesson 01 notebooks in lesson 02
    folders: does grading stop with one line, before anything is written? Does one student's
    notebook of another lesson score 0 with that reason, the others graded as usual?"""
    from autograder.grade import GradingError

    course = make_course(tmp_path / "course")
    twin = source_notebook()  # lesson 02: the same, its exercises named otherwise
    for cell in twin.cells:
        ids = cell.metadata.get("nbgrader", {})
        if "grade_id" in ids:
            ids["grade_id"] = "twin_" + ids["grade_id"]
    (course / "solutions" / "02_twin").mkdir()
    nbformat.write(twin, course / "solutions" / "02_twin" / "02_twin.ipynb")
    good = submissions(course)["good"]
    wrong, mixed = tmp_path / "wrong", tmp_path / "mixed"
    for student in ("ann", "bob"):
        write_submission(wrong, student, "02_twin", good, TINY)
    kwargs = dict(root=course, workers=1, limits=LIMITS, progress=False)
    with pytest.raises(GradingError, match="every notebook in the 02_twin folders is lesson 01"):
        grade(submissions=wrong, out=tmp_path / "out-wrong", **kwargs)
    assert not (tmp_path / "out-wrong").exists()
    write_submission(mixed, "ann", "02_twin", good, TINY)
    write_submission(mixed, "cat", TINY, good, TINY)
    batch = grade(submissions=mixed, out=tmp_path / "out", **kwargs)
    by_key = {s.key: s for s in batch.submissions}
    assert by_key[("ann", "02_twin")].score == 0
    assert "this notebook is lesson 01_tiny, not 02_twin" in by_key[("ann", "02_twin")].error
    assert by_key[("cat", TINY)].score == sum(POINTS.values())


def test_one_grade_at_a_time_writes_into_an_out(tiny, tmp_path):
    """While one `grade` holds OUT, is a second refused in one line, grading nothing?"""
    import fcntl

    from autograder.grade import GradingError

    submitted, out = tmp_path / "submitted", tmp_path / "out"
    small_class(tiny, submitted, {"ann": "good"})
    (out / "private").mkdir(parents=True)
    with open(out / "private" / "lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(GradingError, match="another `grade` is writing into"):
            grade(submissions=submitted, out=out, root=tiny, limits=LIMITS, progress=False)
    assert not (out / "grades.csv").exists()


def test_a_late_penalty_holds_for_the_next_runs_into_the_same_out(tiny, tmp_path):
    """Merging more students without --late-penalty: do the late rows keep the penalty?"""
    from autograder.collect import write_manifest

    submitted, more, out = tmp_path / "submitted", tmp_path / "more", tmp_path / "out"
    small_class(tiny, submitted, {"ann": "good"})
    small_class(tiny, more, {"bob": "good"})
    row = {"student_id": "ann", "name": "ann", "lms": "folder", "lesson": TINY, "late": "yes",
           "file": f"{TINY}.ipynb", "note": ""}
    write_manifest(submitted, {("ann", TINY): row})
    kwargs = dict(out=out, root=tiny, workers=1, limits=LIMITS, progress=False)
    grade(submissions=submitted, late_penalty=50, **kwargs)
    before = {r["student_id"]: r["final_score"] for r in rows(out / "grades.csv")}
    assert float(before["ann"]) == sum(POINTS.values()) / 2
    grade(submissions=more, **kwargs)
    after = {r["student_id"]: r["final_score"] for r in rows(out / "grades.csv")}
    assert after["ann"] == before["ann"] and float(after["bob"]) == sum(POINTS.values())
    # An extension granted since (the download collected again, the notebook unchanged): the
    # exports follow today's manifest without grading ann again.
    write_manifest(submitted, {("ann", TINY): {**row, "late": "", "name": "Ann Lee"}})
    assert grade(submissions=submitted, **kwargs).graded_now == 0
    ann = next(r for r in rows(out / "grades.csv") if r["student_id"] == "ann")
    assert ann["late"] == "" and ann["name"] == "Ann Lee"
    assert float(ann["final_score"]) == sum(POINTS.values())


def test_a_pipe_named_like_a_notebook_costs_only_its_student(tiny, tmp_path):
    """A FIFO where a notebook should be: is it scored 0 with a reason, never read (which
    would wait forever)?"""
    submitted = tmp_path / "submitted"
    small_class(tiny, submitted, {"ann": "good"})
    (submitted / "pipe" / TINY).mkdir(parents=True)
    os.mkfifo(submitted / "pipe" / TINY / f"{TINY}.ipynb")
    batch = grade(submissions=submitted, out=tmp_path / "out", root=tiny, limits=LIMITS,
                  progress=False)
    pipe = next(s for s in batch.submissions if s.student == "pipe")
    assert pipe.score == 0 and "not a regular file" in pipe.error
