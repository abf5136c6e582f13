"""The command line as an instructor meets it: every wrong argument is one clear line on stderr and
a non-zero exit, before anything is written; `--help` answers without importing the heavy parts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

LESSON = "01_tensors"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def refused(result: subprocess.CompletedProcess, phrase: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0, result
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert phrase in lines[0], lines[0]


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A folder with one good submission, a file, an empty folder and a raw LMS download."""
    (tmp_path / "good" / "ann" / LESSON).mkdir(parents=True)
    (tmp_path / "good" / "ann" / LESSON / f"{LESSON}.ipynb").write_text("{}")
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "canvas").mkdir()
    (tmp_path / "canvas" / "smithjohn_101_5001_01_tensors.ipynb").write_text("{}")
    (tmp_path / "unknown" / "ann" / "99_nope").mkdir(parents=True)
    (tmp_path / "unknown" / "ann" / "99_nope" / "x.ipynb").write_text("{}")
    (tmp_path / "nolessons" / "solutions").mkdir(parents=True)
    (tmp_path / "unreadable" / "solutions" / "01_x").mkdir(parents=True)
    (tmp_path / "unreadable" / "solutions" / "01_x" / "01_x.ipynb").write_text("{")
    return tmp_path


BAD_GRADE = [
    (["missing", "--out", "o"], "does not exist"),
    (["a_file", "--out", "o"], "is a file"),
    (["good", "--out", "a_file"], "is a file"),
    (["good", "--out", "o", "--workers", "-1"], "must be 1 or more"),
    (["good", "--out", "o", "--workers", "0"], "must be 1 or more"),
    (["good", "--out", "o", "--workers", "many"], "expected a whole number"),
    (["empty", "--out", "o"], "nothing to grade"),
    (["canvas", "--out", "o"], "run `python -m autograder collect`"),
    (["unknown", "--out", "o"], "unknown lesson folder 99_nope"),
    (["good", "--out", "o", "--students", "bob"], "no submissions in"),
    (["good", "--out", "o", "--late-penalty", "150"], "from 0 to 100"),
    (["good"], "--out"),
    (["good", "--out", "good/o"], "must not be inside"),
    (["good", "--ou", "o"], "required: --out"),  # --ou is never taken for --out
    (["good", "--out", "o", "--cluster", "notaurl"], "a scheduler without TLS"),
]


@pytest.mark.parametrize(("args", "phrase"), BAD_GRADE, ids=[" ".join(a) for a, _ in BAD_GRADE])
def test_bad_grade_arguments_are_one_line_and_write_nothing(place, args, phrase):
    """Is each wrong `grade` argument refused in one line, with no OUT created?"""
    refused(run("grade", *args, cwd=place), phrase)
    assert not (place / "o").exists() and not (place / "good" / "o").exists()


@pytest.mark.parametrize("name", ["*", "a b", "..x", "-rf"])
def test_unsafe_student_ids_are_skipped_not_fatal(place, name):
    """Is a student folder whose name is a glob, has spaces or looks like an option skipped with
    a reason, while everybody else is still graded (one folder never stops the batch)?"""
    from autograder.grade import find_submissions

    (place / "good" / name / LESSON).mkdir(parents=True)
    found, problems = find_submissions(place / "good", [LESSON])
    assert [s.student for s in found] == ["ann"]
    assert any(p.startswith(f"{name}: not a safe id") for p in problems), problems


def test_links_in_submissions_are_not_followed(place):
    """Are a linked student folder and a linked notebook skipped with a reason, never followed?"""
    from autograder.grade import find_submissions

    (place / "good" / "bob").symlink_to(place / "good" / "ann")
    (place / "good" / "cat" / LESSON).mkdir(parents=True)
    (place / "good" / "cat" / LESSON / f"{LESSON}.ipynb").symlink_to("/etc/passwd")
    found, problems = find_submissions(place / "good", [LESSON])
    assert [s.student for s in found] == ["ann"]
    assert "bob: a symbolic link, not a student folder (not followed)" in problems
    linked = f"cat: {LESSON}/{LESSON}.ipynb is a symbolic link (not followed) (not graded)"
    assert linked in problems


BAD_OTHER = [
    (["collect", "canvas", "--out", "o", "--lesson", "99_nope"], "unknown lesson '99_nope'"),
    (["collect", "missing", "--out", "o", "--lesson", LESSON], "does not exist"),
    (["collect", "canvas", "--out", "a_file", "--lesson", LESSON], "is a file"),
    (["collect", "empty", "--out", "o", "--lesson", LESSON], "no student submissions"),
    (["benchmark", "99_nope"], "unknown lesson"),
    (["benchmark", LESSON, "--students", "0"], "must be 1 or more"),
    (["benchmark", LESSON, "--work", "2"], "unrecognized arguments: --work"),
    (["release", "99_nope"], "unknown lesson"),
    (["--root", "nolessons", "release"], "holds no lesson"),
    (["--root", "unreadable", "release"], "failed to release 01_x: JSONDecodeError"),
    (["regrade"], "invalid choice"),
    (["--root", "missing", "grade", "good", "--out", "o"], "not a course"),
]


@pytest.mark.parametrize(("args", "phrase"), BAD_OTHER, ids=[" ".join(a) for a, _ in BAD_OTHER])
def test_bad_collect_benchmark_release_arguments(place, args, phrase):
    """Are wrong arguments to the other commands refused in one line, writing nothing?"""
    refused(run(*args, cwd=place), phrase)
    assert not (place / "o").exists()


def test_help_does_not_import_torch_or_nbgrader(tmp_path):
    """Does `--help` (and parsing) leave torch, nbgrader and matplotlib unimported?"""
    code = (
        "import sys\n"
        "from autograder.cli import build_parser\n"
        "build_parser().format_help()\n"
        "print(sorted(m for m in ('torch', 'nbgrader', 'matplotlib', 'nbformat') "
        "if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        check=True,
    )
    assert result.stdout.strip() == "[]"
    assert run("--help", cwd=tmp_path).returncode == 0


def test_collect_prints_who_was_collected(tmp_path):
    """Does `collect` on a Canvas zip say how many students, notebooks and late ones it found,
    and why a student has no notebook?"""
    import zipfile

    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"smithjohn_101_5001_{LESSON}.ipynb", "{}")
        zf.writestr(f"doejane_LATE_102_5002_{LESSON}.ipynb", "{}")
        zf.writestr("leeroy_103_5003_report.pdf", "%PDF")
    result = run("collect", "submissions.zip", "--out", "submitted", "--lesson", LESSON,
                 cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"collected 3 students for {LESSON}" in result.stdout
    assert "(2 with a notebook, 1 late)" in result.stdout
    assert "103 (leeroy): no notebook submitted (uploaded report.pdf)" in result.stdout
    assert (tmp_path / "submitted" / "manifest.csv").exists()
