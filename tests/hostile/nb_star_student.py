# ruff: noqa
"""Student folders named `*`, `?`, `[h]*` and `..`-like names: nbgrader globs student ids, so
such a student could overwrite every other student's feedback and grades."""
import nbformat
from pathlib import Path


def build(release, model):
    release.cells.insert(1, nbformat.v4.new_code_cell('print("STAR STUDENT WAS HERE")'))
    return release


def plant(submitted, student, lesson, notebook, course_root):
    for name in ("*", "?onest_solution", "[h]*", "honest_solution "):
        folder = Path(submitted) / name / lesson
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / f"{lesson}.ipynb")
