"""`repair`: broken submissions are rebuilt on the release, and unreadable files say why."""

import json

import nbformat
import pytest

from autograder.repair import load, rebuild
from autograder.submissions import grade_id


def cell(source, gid=None, *, cell_type="code", solution=True):
    new = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    made = new(source)
    if gid:
        made.metadata["nbgrader"] = {
            "grade_id": gid,
            "solution": solution,
            "grade": False,
            "locked": False,
            "schema_version": 3,
            "task": False,
        }
    return made


@pytest.fixture
def release():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        cell("import torch"),
        cell("def f(x):\n    raise NotImplementedError()", "f"),
        cell("def g(x):\n    raise NotImplementedError()", "g"),
    ]
    return notebook


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty file"), (b"{oops", "not valid JSON"), (b"[1, 2]", "not a notebook")],
)
def test_unreadable_files_say_why(tmp_path, data, reason):
    """Is an empty, invalid or non-notebook file refused with a clear reason?"""
    path = tmp_path / "nb.ipynb"
    path.write_bytes(data)
    notebook, _, error = load(path)
    assert notebook is None and error.startswith(reason)


def test_old_nbformat_is_upgraded(tmp_path, release):
    """Is an nbformat 3 notebook read and the upgrade noted?"""
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nbformat.convert(release, 3)))
    notebook, notes, error = load(path)
    assert error is None and notebook.nbformat == 4 and notes == ["upgraded from nbformat 3 to 4"]


def test_answers_are_found_wherever_they_went(release):
    """Are a split, reordered, metadata-less answer and a student's helper all kept, in order?"""
    student = nbformat.v4.new_notebook()
    student.cells = [
        cell("import torch"),
        cell("def g(x):\n    return 2 * x"),
        cell("HELPER = 3"),
        cell("def f(x):\n    return x", "f"),
        cell("f2 = 1", "f"),
    ]
    repaired = rebuild(student, release)
    sources = [c.source for c in repaired.notebook.cells]
    assert sources == [
        "import torch",
        "def f(x):\n    return x\n\nf2 = 1",
        "def g(x):\n    return 2 * x",
        "HELPER = 3",
    ]
    assert [grade_id(c) for c in repaired.notebook.cells] == [None, "f", "g", None]
    text = " ".join(repaired.notes)
    assert "split" in text and "reordered" in text and "lost its nbgrader metadata" in text


def test_lesson_demo_is_never_taken_for_an_answer():
    """Is a demo that defines an answer's name left alone when the answer cell is missing?"""
    release = nbformat.v4.new_notebook()
    demo = "def train_step(G, D):\n    return 'the lesson demo'"
    release.cells = [
        cell("import torch"),
        cell(demo),
        cell("def train_step(G, D, loss_fn):\n    raise NotImplementedError()", "train_step"),
    ]
    student = nbformat.v4.new_notebook()
    student.cells = [cell("import torch"), cell(demo)]  # the answer cell was deleted
    repaired = rebuild(student, release)
    answer = next(c for c in repaired.notebook.cells if grade_id(c) == "train_step")
    assert "NotImplementedError" in answer.source
    assert not any("lost its nbgrader metadata" in note for note in repaired.notes)


def test_links_are_not_followed(tmp_path):
    """Is a submitted link refused instead of read?"""
    target = tmp_path / "secret.ipynb"
    target.write_text('{"cells": []}')
    link = tmp_path / "nb.ipynb"
    link.symlink_to(target)
    notebook, _, error = load(link)
    assert notebook is None and "link" in error


def test_definition_search_stays_linear():
    """Does looking for definitions in a huge whitespace-only cell take no time at all?"""
    import time

    from autograder.repair import _defined_names

    started = time.perf_counter()
    assert _defined_names(" \n" * 200_000 + "x") == set()
    assert time.perf_counter() - started < 1.0
