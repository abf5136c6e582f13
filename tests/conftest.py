"""Shared fixtures: the repository root, the lessons, and their source notebooks."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import nbformat
import pytest

from autograder.coursedir import SOURCE_DIRECTORY, lesson_ids, repo_root

matplotlib.use("Agg")
os.environ.setdefault("COURSE_DEVICE", "cpu")

ROOT = repo_root()
LESSONS = lesson_ids(ROOT)


def pytest_configure(config):
    """Register the `slow` marker (end-to-end grading) unless the configuration already does."""
    if not any(line.split(":")[0].strip() == "slow" for line in config.getini("markers")):
        config.addinivalue_line("markers", "slow: end-to-end grading of whole batches (minutes)")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def source_notebook_path(lesson: str) -> Path:
    """The one source notebook of a lesson: solutions/<lesson>/<lesson>.ipynb."""
    return ROOT / SOURCE_DIRECTORY / lesson / f"{lesson}.ipynb"


def read_source_notebook(lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(source_notebook_path(lesson), as_version=4)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
