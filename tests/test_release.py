"""Tests for `python -m autograder release`: lessons/ is exactly the release of solutions/."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from autograder.coursedir import nbgrader_config
from autograder.release import release
from conftest import LESSONS


def test_lessons_are_not_stale(root):
    """Is lessons/ exactly what `release` would generate from solutions/ now?"""
    result = subprocess.run(
        [sys.executable, "-m", "autograder", "--root", str(root), "release", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("lesson", LESSONS)
def test_student_version_has_no_solutions_hidden_tests_or_outputs(root, lesson):
    """Do solution cells, hidden tests and outputs disappear from the student version?"""
    notebook = nbformat.read(root / "lessons" / lesson / f"{lesson}.ipynb", as_version=4)
    text = nbformat.writes(notebook)
    assert "### BEGIN SOLUTION" not in text
    assert "BEGIN HIDDEN TESTS" not in text
    assert "raise NotImplementedError()" in text
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")


@pytest.fixture
def course_copy(root, tmp_path) -> Path:
    """A copy of a two-lesson course (solutions and lessons) that a test may break; the whole
    course's release is checked by test_lessons_are_not_stale."""
    for folder in ("solutions", "lessons"):
        for lesson in LESSONS[:2]:
            shutil.copytree(root / folder / lesson, tmp_path / folder / lesson)
    return tmp_path


def test_check_reports_an_edited_solution(course_copy):
    """Does --check notice a solution edited without regenerating the lessons?"""
    lesson = LESSONS[0]
    path = course_copy / "solutions" / lesson / f"{lesson}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[0].source += "\n\nA new sentence."
    nbformat.write(notebook, path)
    assert release(root=course_copy, check_only=True) == [f"{lesson}/{lesson}.ipynb (stale)"]


def test_check_reports_missing_and_extra_files(course_copy):
    """Are a deleted lesson file and a stray file both reported?"""
    lesson = LESSONS[0]
    (course_copy / "lessons" / lesson / f"{lesson}.ipynb").unlink()
    (course_copy / "lessons" / lesson / "notes.txt").write_text("stray")
    assert release(root=course_copy, check_only=True) == [
        f"{lesson}/{lesson}.ipynb (missing)",
        f"{lesson}/notes.txt (not in the release)",
    ]


def test_release_regenerates_what_check_wants(course_copy):
    """After a release, does --check find nothing to change?"""
    shutil.rmtree(course_copy / "lessons")
    release(root=course_copy)
    assert release(root=course_copy, check_only=True) == []


def test_nbgrader_config_file_uses_the_course_layout(root):
    """Does the nbgrader command (and the formgrader) see the same layout as the autograder?"""
    loaded = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    expected = nbgrader_config(root)
    assert loaded.CourseDirectory == expected.CourseDirectory
    assert loaded.CourseDirectory.source_directory == "solutions"
    assert loaded.CourseDirectory.release_directory == "lessons"
