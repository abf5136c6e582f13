# ruff: noqa
"""A submission that is a symlink to the instructor's source notebook (solutions and hidden
tests): followed, it would score full marks and quote the hidden tests in its feedback."""
# expect: error
from pathlib import Path


def build(release, model):
    return release


def plant(submitted, student, lesson, notebook, course_root):
    folder = Path(submitted) / student / lesson
    folder.mkdir(parents=True, exist_ok=True)
    target = Path(course_root) / "solutions" / lesson / f"{lesson}.ipynb"
    (folder / f"{lesson}.ipynb").symlink_to(target)
