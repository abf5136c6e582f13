"""Shared fixtures: the repository root, the lessons, and their source notebooks."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import matplotlib
import nbformat
import pytest

from autograder.coursedir import SOURCE_DIRECTORY, lesson_ids, repo_root

matplotlib.use("Agg")
os.environ.setdefault("COURSE_DEVICE", "cpu")

ROOT = repo_root()
LESSONS = lesson_ids(ROOT)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def source_notebook_path(lesson: str) -> Path:
    """The one source notebook of a lesson: solutions/<lesson>/<lesson>.ipynb."""
    return ROOT / SOURCE_DIRECTORY / lesson / f"{lesson}.ipynb"


def read_source_notebook(lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(source_notebook_path(lesson), as_version=4)


def trimmed_source(lesson: str) -> nbformat.NotebookNode:
    """The lesson's source notebook with only its setup cell and its exercises: what grading
    tests need of a real lesson, without its demos and figures."""
    from autograder.submissions import grade_id

    notebook = read_source_notebook(lesson)
    setup = next(c for c in notebook.cells if c.cell_type == "code")
    notebook.cells = [setup] + [c for c in notebook.cells if grade_id(c)]
    return notebook


def trimmed_course(root: Path, lesson: str) -> Path:
    """A course root holding the trimmed `lesson`, and its student release in `root/release`."""
    from autograder.release import build_release

    (root / "solutions" / lesson).mkdir(parents=True)
    nbformat.write(trimmed_source(lesson), root / "solutions" / lesson / f"{lesson}.ipynb")
    build_release(root, root / "release")
    return root


# End-to-end test modules that do not (yet) mark themselves `pytestmark = pytest.mark.slow`.
END_TO_END_MODULES = {"test_grade.py", "test_grading.py"}
# A slow test may take this long (setup included) before pytest-timeout stops it.
SLOW_TIMEOUT_S = 1200
# Modules of many independent tests (no module-scoped state): spread over every xdist worker.
# Every other module, and each notebook (nbval runs its cells in order in one kernel), stays
# whole on one worker, so a module's fixtures (a graded batch) are built once.
SPREAD_MODULES = {"test_exercises.py", "test_course_has_no_answers.py"}


def pytest_configure(config: pytest.Config) -> None:
    """xdist hands out modules in the order collected (`pytest_collection_modifyitems`), not
    sorted by size. In a process that runs tests, start autograd before any test can register
    the devices torch.export adds: lesson 09's tests fork processes that train, which needs a
    thread-free autograd (`course.distributed.prepare_autograd_for_fork`, run as that module
    loads). xdist's controller runs no test, so it skips the import (torch's compiler: 2 s
    before any worker starts)."""
    config.option.loadscopereorder = False
    if getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput"):
        return
    import course.distributed  # noqa: F401


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the end-to-end tests `slow`: every solution notebook cell that nbval runs, and the
    grading modules; give them a longer timeout than a unit test's. Then put the tests in the
    order xdist hands them out (`_handed_out_first`)."""
    for item in items:
        if item.path.suffix == ".ipynb" or item.path.name in END_TO_END_MODULES:
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("slow") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(SLOW_TIMEOUT_S))
    sizes = Counter(item.path for item in items)
    items.sort(key=lambda item: _handed_out_first(item, sizes))


# The longest module goes out first; while one worker grades it, the other runs the exercise
# cases that mostly wait (lesson 08's timing tests sleep), so the two cores stay busy. Then the
# other slow modules and the rest, each largest first, and last the quick cases that even out
# the workers' ends.
FIRST_MODULE = "test_grading.py"
WAITING_LESSONS = ("08_performance",)


def _handed_out_first(item: pytest.Item, sizes: Counter) -> tuple:
    if item.path.name == FIRST_MODULE:
        return (0,)
    if item.path.name in SPREAD_MODULES:
        waits = any(f"[{lesson}" in item.nodeid for lesson in WAITING_LESSONS)
        return (1,) if waits else (4,)
    slow = item.get_closest_marker("slow") is not None
    return (2 if slow else 3, -sizes[item.path], str(item.path))


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """xdist's `loadfile`, except that the tests of SPREAD_MODULES go out one by one. (Marking
    groups for `--dist loadgroup` does not work with this pytest: xdist renames node ids in a
    way pytest 9 ignores.)"""
    from xdist.scheduler import LoadScopeScheduling

    class LoadFileSpreadingSome(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return nodeid if path.rsplit("/", 1)[-1] in SPREAD_MODULES else path

    return LoadFileSpreadingSome(config, log)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
