"""Hostile submissions (tests/hostile/) graded in one batch with honest students.

Every attack on the grader scores exactly the points of what it honestly solved (0 for most),
reads no hidden test into its feedback, and leaves the honest students of the same batch with
exactly their normal grades and feedback. The lesson is lesson 01 trimmed to its setup cell and
exercises; the limits are small so that fork bombs, full disks and endless loops end quickly.
See tests/hostile/README.md for the file format.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import runpy
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from leaks import encoded_leaks

from autograder.preprocessors import HideHiddenTests
from autograder.sandbox import Limits
from autograder.submissions import (
    answered,
    answers_of,
    exercises,
    grade_id,
    write_submission,
)
from conftest import ROOT, trimmed_course, trimmed_source

pytestmark = pytest.mark.slow

LESSON = "01_tensors"
HOSTILE = Path(__file__).parent / "hostile"
ANSWERS = Path(__file__).parent / "exercise_answers" / f"{LESSON}.py"
LIMITS = Limits(
    cell_s=20, wall_s=120, cpu_s=120, memory_mb=1536, processes=48, file_mb=16, tmp_mb=32
)
HONEST = ("honest_solution", "honest_mistake", "honest_blank")
# The whole batch; an attack that stalls the grader past this has succeeded (denial of service).
BATCH_TIMEOUT_S = 1200
# Grade only these attacks (comma-separated names), to study one at a time.
ONLY = [name for name in os.environ.get("HOSTILE_ONLY", "").split(",") if name]
MAX_FEEDBACK_BYTES = 8_000_000  # 5000 cells of the student's own code take 3 MB
# Bytes one submission may leave on disk: its home, /tmp and /dev/shm (LIMITS.tmp_mb each).
MAX_WRITTEN_MB = 200


@dataclass
class Attack:
    """One hostile file, parsed."""

    name: str
    doc: str
    cells: list[tuple[str, str]] = field(default_factory=list)  # (place, code)
    solves: list[str] = field(default_factory=list)
    expect_error: bool = False
    expect_flag: bool = False  # cannot be refused: the grader must flag it for review
    reads_hidden: bool = False
    builder: dict | None = None  # the namespace of an nb_*.py builder


def parse(path: Path) -> Attack:
    """A hostile file as an Attack (see tests/hostile/README.md)."""
    text = path.read_text()
    doc = (re.search(r'"""(.*?)"""', text, re.S) or re.search(r"#\s*(.*)", text)).group(1)
    attack = Attack(name=path.stem, doc=doc.strip().splitlines()[0])
    if path.name.startswith("nb_"):
        attack.builder = runpy.run_path(str(path))
    header, *blocks = re.split(r"^# %%", text, flags=re.M)
    for key, value in re.findall(r"^# (solves|expect|reads): *(.*)$", header, re.M):
        if key == "solves":
            attack.solves = [s.strip() for s in value.split(",") if s.strip()]
        elif key == "expect":
            attack.expect_error = value.strip() == "error"
            attack.expect_flag = value.strip() == "flagged"
        else:
            attack.reads_hidden = value.strip() == "hidden"
    for block in blocks:
        place, _, code = block.partition("\n")
        attack.cells.append((place.strip(), code))
    return attack


def attacks() -> list[Attack]:
    paths = [p for p in sorted(HOSTILE.glob("*.py")) if not p.name.startswith("_")]
    return [parse(p) for p in paths if not ONLY or p.stem in ONLY]


def stubs() -> dict[str, str]:
    """Wrong answers of the right shape, by answer grade_id."""
    _, *blocks = re.split(r"^# %%", (HOSTILE / "_stubs.py").read_text(), flags=re.M)
    return {b.partition("\n")[0].strip(): b.partition("\n")[2] for b in blocks}


def known_mistake() -> tuple[str, str]:
    variants = runpy.run_path(str(ANSWERS))
    gid, description = variants["GRADING_MISTAKE"]
    return gid, variants["MISTAKES"][gid][description]


def build_notebook(attack: Attack, release, model: dict[str, str]) -> nbformat.NotebookNode:
    """The notebook the attacker hands in."""
    if attack.builder is not None:
        return attack.builder["build"](copy.deepcopy(release), dict(model))
    answers = {gid: model[gid] for gid in attack.solves}
    if any(place == "stubs" for place, _ in attack.cells):
        answers = {**stubs(), **answers}
    added = []
    for place, code in attack.cells:
        if place == "added":
            added.append(nbformat.v4.new_code_cell(code))
        elif place.startswith("answer "):
            gid = place.split()[1]
            answers[gid] = code + ("\n\n" + model[gid] if gid in attack.solves else "")
    notebook = answered(release, answers)
    notebook.cells[1:1] = added
    return notebook


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course root holding the trimmed lesson."""
    return trimmed_course(tmp_path_factory.mktemp("hostile-course"), LESSON)


@pytest.fixture(scope="module")
def batch(course, tmp_path_factory):
    """Honest students and every attack, graded in one `grade` call: (batch, out, attacks)."""
    work = tmp_path_factory.mktemp("hostile")
    submitted = work / "submitted"
    release = nbformat.read(course / "release" / "lessons" / LESSON / f"{LESSON}.ipynb", 4)
    model = answers_of(trimmed_source(LESSON))
    wrong_id, wrong_code = known_mistake()
    honest = {
        "honest_solution": answered(release, model),
        "honest_mistake": answered(release, {**model, wrong_id: wrong_code}),
        "honest_blank": release,
    }
    for student, notebook in honest.items():
        write_submission(submitted, student, LESSON, notebook, LESSON)
    found = attacks()
    for attack in found:
        notebook = build_notebook(attack, release, model)
        plant = (attack.builder or {}).get("plant")
        if plant:
            plant(submitted, attack.name, LESSON, notebook, course)
        else:
            write_submission(submitted, attack.name, LESSON, notebook, LESSON)
    out = work / "graded"
    return run_grade(submitted, out, course), out, {a.name: a for a in found}


@dataclass
class Graded:
    """One graded submission as the grading process reported it."""

    student: str
    lesson: str
    score: float
    max_score: float
    error: str | None
    flags: list[str]
    notes: list[str]
    exercises: list


@dataclass
class Result:
    submissions: list[Graded]
    problems: list[str]


GRADE_SCRIPT = textwrap.dedent(
    """
    import dataclasses, json, sys
    from pathlib import Path
    from autograder.grade import grade
    from autograder.sandbox import Limits
    submitted, out, course, limits, report = sys.argv[1:6]
    batch = grade(submissions=Path(submitted), out=Path(out), root=Path(course),
                  workers=2, limits=Limits(**json.loads(limits)), progress=False)
    keys = ("student", "lesson", "score", "max_score", "error", "flags", "notes", "exercises")
    rows = [{k: getattr(s, k) for k in keys} for s in batch.submissions]
    Path(report).write_text(json.dumps({"submissions": rows, "problems": batch.problems}))
    """
)


def run_grade(submitted: Path, out: Path, course: Path) -> Result:
    """`grade` in a process of its own: a batch that an attack stalls fails instead of hanging."""
    report = out.parent / "batch.json"
    limits = json.dumps(LIMITS.__dict__)
    args = [sys.executable, "-c", GRADE_SCRIPT, str(submitted), str(out), str(course), limits]
    try:
        subprocess.run([*args, str(report)], check=True, timeout=BATCH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ATTACK SUCCEEDED: the batch did not finish in {BATCH_TIMEOUT_S} s")
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"ATTACK SUCCEEDED: grading crashed (exit status {exc.returncode})")
    data = json.loads(report.read_text())
    return Result([Graded(**row) for row in data["submissions"]], data["problems"])


def points() -> dict[str, float]:
    return {gid: pts for gid, (_, pts) in exercises(trimmed_source(LESSON)).items()}


def graded(result, student: str):
    found = [s for s in result.submissions if s.student == student]
    return found[0] if found else None


def expected_honest() -> dict[str, float]:
    total = sum(points().values())
    return {
        "honest_solution": total,
        "honest_mistake": total - points()[known_mistake()[0]],
        "honest_blank": 0.0,
    }


def test_honest_students_keep_their_grades(batch):
    """Attacks in the same batch change nothing for the honest students."""
    result, out, _ = batch
    for student, score in expected_honest().items():
        s = graded(result, student)
        assert s is not None, f"{student} was not graded"
        assert (s.error, s.flags) == (None, []), f"{student}: {s.error} {s.flags}"
        assert s.score == score, f"{student}: expected {score}, got {s.score} ({s.exercises})"
        pages = list((out / "feedback" / student / LESSON).glob("*.html"))
        assert pages, f"no feedback for {student}"
        shown = re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", pages[0].read_text())
        assert shown, f"{student}'s feedback shows no score"
        assert (float(shown[1]), float(shown[2])) == (s.score, s.max_score), f"{student}"
        assert "STAR STUDENT" not in pages[0].read_text(), f"{student}'s feedback was overwritten"


def test_honest_grades_csv(batch):
    _, out, _ = batch
    with open(out / "grades.csv", newline="") as f:
        rows = {r["student_id"]: float(r["score"]) for r in csv.DictReader(f)}
    for student, score in expected_honest().items():
        assert rows.get(student) == score, f"grades.csv row of {student}"


@pytest.mark.parametrize("attack", attacks(), ids=lambda a: a.name)
def test_attack_scores_only_what_it_solved(batch, attack):
    """The attack earns exactly the points of the exercises it answered honestly."""
    result, _, _ = batch
    s = graded(result, attack.name)
    expected = sum(points()[gid] for gid in attack.solves)
    if s is None:
        assert attack.builder is not None, f"{attack.name} was not graded at all"
        return  # refused at intake (an unsafe name or link): nothing was scored
    if attack.expect_error:
        assert s.score == 0 and s.error, f"{attack.doc}: expected no grade, got {s.score}"
        return
    if attack.expect_flag:
        assert any("raw memory" in flag for flag in s.flags), (
            f"ATTACK NOT FLAGGED: {attack.doc}\n  scored {s.score}, flags {s.flags}"
        )
        return
    assert s.score == expected, (
        f"ATTACK SUCCEEDED: {attack.doc}\n  expected {expected} points, got {s.score}: "
        f"{s.exercises}"
    )


@pytest.mark.parametrize("attack", attacks(), ids=lambda a: a.name)
def test_attack_feedback_shows_no_hidden_test(batch, attack):
    """Feedback quotes no hidden line in any encoding, and was not withheld for one."""
    result, out, _ = batch
    s = graded(result, attack.name)
    if s is None:
        return
    assert "hidden tests" not in (s.error or ""), (
        f"ATTACK SUCCEEDED (read hidden tests; the leak check withheld the feedback): "
        f"{attack.doc}"
    )
    hidden = HideHiddenTests().hidden_lines(trimmed_source(LESSON))
    known = "\n".join(c.source for c in trimmed_source(LESSON).cells if not grade_id(c))
    known += "\n" + "\n".join(answers_of(trimmed_source(LESSON)).values())
    for page in (out / "feedback" / attack.name / LESSON).glob("*.html"):
        text = page.read_text(errors="replace")
        assert len(text.encode()) < MAX_FEEDBACK_BYTES, f"feedback of {page.stat().st_size} B"
        assert "\x1b" not in text, "terminal escapes reached the feedback"
        assert "PWNED" not in _active_html(text), "the student's HTML runs in the feedback page"
        leaked = encoded_leaks(text, hidden, known=known)
        assert not leaked, f"ATTACK SUCCEEDED (hidden tests in feedback): {leaked[:3]}"


def _active_html(page: str) -> str:
    """The parts of a page a browser runs: scripts, event handlers, javascript: links."""
    found = re.findall(r"<script[^>]*>.*?</script>", page, flags=re.S | re.I)
    found += re.findall(r"""\son\w+\s*=\s*["'][^"']*["']""", page, flags=re.I)
    found += re.findall(r"""href\s*=\s*["']\s*javascript:[^"']*""", page, flags=re.I)
    return "\n".join(found)


def test_every_attack_is_accounted_for(batch):
    """Each attack that reached a lesson folder is in grades.csv (scored or with a reason)."""
    result, out, found = batch
    graded_ids = {s.student for s in result.submissions}
    for name, attack in found.items():
        if attack.builder is None:
            assert name in graded_ids, f"{name} is missing from the batch"


def test_disk_written_is_bounded(batch):
    """The disk filler wrote no more than the sandbox's scratch allows (it prints how much)."""
    result, out, found = batch
    if "fill_disk" not in found:
        pytest.skip("no disk filler in the corpus")
    notebooks = list(out.rglob(f"autograded/fill_disk/{LESSON}/{LESSON}.ipynb"))
    assert notebooks, "the disk filler has no autograded notebook"
    text = notebooks[0].read_text()
    written = [int(n) for n in re.findall(r"WROTE_MB (\d+)", text)]
    assert written, "the disk filler did not report what it wrote"
    assert max(written) <= MAX_WRITTEN_MB, f"a submission wrote {max(written)} MB"


def test_no_scratch_left_behind(batch):
    """The scratch folders of hostile runs are gone: nothing of theirs is left under /tmp."""
    leftovers = [p for p in Path("/tmp").glob("autograder-scratch-*") if _owned_by_batch(p)]
    assert not leftovers, f"sandbox scratch left behind: {leftovers[:3]}"


def _owned_by_batch(path: Path) -> bool:
    try:
        return any("PLANTED" in p.read_text(errors="ignore") for p in path.rglob("*.py"))
    except OSError:
        return False


def test_no_planted_file_outside_the_sandbox(batch):
    """What planting attacks wrote never reached the grader's own folders."""
    _, out, _ = batch
    for folder in (ROOT, Path.home(), out):
        for name in ("sitecustomize.py", "usercustomize.py", "torch.py", "course.py"):
            for path in folder.glob(name):
                assert "PLANTED" not in path.read_text(errors="ignore"), f"planted {path}"
