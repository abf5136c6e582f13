# ruff: noqa
"""A student folder and a lesson folder that are symlinks to the instructor's source folder."""
from pathlib import Path


def build(release, model):
    return release


def plant(submitted, student, lesson, notebook, course_root):
    Path(submitted).mkdir(parents=True, exist_ok=True)
    (Path(submitted) / student).mkdir()
    (Path(submitted) / student / lesson).symlink_to(Path(course_root) / "solutions" / lesson)
    (Path(submitted) / f"{student}_whole").symlink_to(Path(course_root) / "solutions")
