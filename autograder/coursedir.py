"""Where the course lives on disk, and the nbgrader configuration that maps onto it.

nbgrader's source directory is `solutions/`, its release directory `lessons/`, and every lesson
folder (`01_tensors`, `02_autograd`, ...) is one nbgrader assignment.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from traitlets.config import Config

SOURCE_DIRECTORY = "solutions"
RELEASE_DIRECTORY = "lessons"
COURSE_ID = "pytorch-course"
LESSON_PATTERN = re.compile(r"^\d\d_[a-z0-9_]+$")


def repo_root() -> Path:
    """The folder that holds `solutions/` and `lessons/` (the checkout this package came from)."""
    return Path(__file__).resolve().parent.parent


def lesson_ids(root: Path) -> list[str]:
    """The lessons in `root/solutions`, in course order: folders named like `01_tensors`."""
    source = root / SOURCE_DIRECTORY
    return sorted(p.name for p in source.iterdir() if p.is_dir() and LESSON_PATTERN.match(p.name))


def nbgrader_config(root: Path, *, db_path: Path | None = None) -> Config:
    """nbgrader's configuration for a course rooted at `root`.

    Args:
        root: the course root, holding `solutions/` (and `lessons/`, `submitted/`, ...).
        db_path: the gradebook database; `root/gradebook.db` when None.
    """
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.source_directory = SOURCE_DIRECTORY
    config.CourseDirectory.release_directory = RELEASE_DIRECTORY
    config.CourseDirectory.db_url = f"sqlite:///{db_path or root / 'gradebook.db'}"
    # Copy only the notebook and the files a lesson needs into the student's version.
    config.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "data"]
    # Exercise tests must never hang the grader: a cell gets the sandbox's per-cell limit when plain
    # nbgrader runs it too (the benchmark, the formgrader).
    from autograder.sandbox import Limits

    config.Execute.timeout = int(Limits().cell_s)
    return config


def read_course_notebook(path: Path):
    """A lesson's source or release notebook, parsed once per process while the file is
    unchanged (a worker grades many submissions of one lesson). Callers only read it."""
    stat = path.stat()
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _parsed(path: str, _mtime_ns: int, _size: int):
    import nbformat

    return nbformat.read(path, as_version=4)
