"""Are the exercise tests fair? Every correct answer, however written, passes its test cell, and
every common mistake fails it.

The answers live in tests/exercise_answers/<lesson>.py as `CORRECT = {grade_id: [code, ...]}` and
`MISTAKES = {grade_id: {description: code}}`. Each case runs the notebook's setup cell (its first
code cell), then the answer, then that exercise's test cell with its hidden tests, in a fresh
namespace.

A mistake counts as caught only when the test cell raises `AssertionError` (what `course.checks`
and the tests' own `assert`s raise, with a message that tells the student what went wrong). A
mistake that legitimately fails another way (a list has no `.shape`, so a `TypeError`) is listed in
the lesson's optional `EXPECTED_ERRORS = {(grade_id, description): "TypeError"}`.
"""

import ast
import contextlib
import io
import runpy
import warnings
from pathlib import Path

import pytest

from autograder.submissions import answers_of, exercises
from conftest import LESSONS, read_source_notebook

ANSWERS_DIR = Path(__file__).parent / "exercise_answers"


def _cells_by_grade_id(notebook):
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in notebook.cells
        if "nbgrader" in cell.metadata
    }


def _setup_code(notebook) -> str:
    return next(cell.source for cell in notebook.cells if cell.cell_type == "code")


def _variants(lesson: str) -> dict:
    return runpy.run_path(str(ANSWERS_DIR / f"{lesson}.py"))


def _cases():
    for lesson in LESSONS:
        if not (ANSWERS_DIR / f"{lesson}.py").exists():
            continue
        variants = _variants(lesson)
        expected_errors = variants.get("EXPECTED_ERRORS", {})
        for grade_id, codes in variants["CORRECT"].items():
            for i, code in enumerate(codes):
                yield pytest.param(lesson, grade_id, code, None, id=f"{lesson}-{grade_id}-ok{i}")
        for grade_id, mistakes in variants["MISTAKES"].items():
            for description, code in mistakes.items():
                error = expected_errors.get((grade_id, description), "AssertionError")
                yield pytest.param(
                    lesson,
                    grade_id,
                    code,
                    error,
                    id=f"{lesson}-{grade_id}-{description.replace(' ', '_')}",
                )


def run_exercise(lesson: str, grade_id: str, answer: str) -> dict:
    """Run setup, `answer` and the test cell of exercise `grade_id`; raise what the test raises,
    else return the namespace they ran in."""
    notebook = read_source_notebook(lesson)
    test_id, _ = exercises(notebook)[grade_id]
    namespace: dict = {"__name__": "__main__"}
    exec(compile(_setup_code(notebook), f"<{lesson} setup>", "exec"), namespace)
    exec(compile(answer, f"<{lesson} {grade_id} answer>", "exec"), namespace)
    exec(compile(_cells_by_grade_id(notebook)[test_id], f"<{test_id}>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(("lesson", "grade_id", "answer", "error"), list(_cases()))
def test_exercise_answer(lesson, grade_id, answer, error):
    """Does this answer pass (correct, `error` None) or fail with the expected error (a mistake)?"""
    if error is None:
        run_exercise(lesson, grade_id, answer)
        return
    try:
        run_exercise(lesson, grade_id, answer)
    except Exception as raised:  # noqa: BLE001 (which error it is, is what this test checks)
        got = type(raised).__name__
        caught = isinstance(raised, AssertionError) if error == "AssertionError" else got == error
        assert caught, (
            f"the test cell should fail with {error}, but raised {got}: {raised}\n(a mistake "
            "counts as caught when a check names what is wrong; list a legitimate other error "
            "in EXPECTED_ERRORS)"
        )
    else:
        pytest.fail("the test cell passed this known mistake: a hidden test should catch it")


@pytest.mark.parametrize("lesson", LESSONS)
def test_expected_errors_name_known_mistakes(lesson):
    """Does every EXPECTED_ERRORS entry name a mistake that MISTAKES lists?"""
    variants = _variants(lesson)
    for grade_id, description in variants.get("EXPECTED_ERRORS", {}):
        assert description in variants["MISTAKES"].get(grade_id, {}), (
            f"EXPECTED_ERRORS names ({grade_id!r}, {description!r}), which MISTAKES does not list"
        )


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_has_alternatives_and_mistakes(lesson):
    """Does every exercise list at least one other correct answer and one known mistake?"""
    variants = _variants(lesson)
    graded = set(exercises(read_source_notebook(lesson)))
    assert graded == set(answers_of(read_source_notebook(lesson)))
    assert set(variants["CORRECT"]) == graded
    assert set(variants["MISTAKES"]) == graded
    assert all(variants["MISTAKES"][g] for g in graded)


# The model answer, behind a wrapper that zeroes the tensors (and arrays) it is given, in place,
# from call `honest_calls + 1` on (only those of more than `small` elements: the small literal
# cases a test starts with are answered honestly), and then answers for those zeros. A test
# that computes its expected values from the same tensors after the call agrees with it: an
# answer that zeroes its inputs and returns what zeros give would pass without solving anything.
ZEROING_ANSWER = """
_model_answer, _calls = {name}, [0]


def {name}(*args, **kwargs):
    import numpy as _np
    import torch as _torch

    _calls[0] += 1
    if _calls[0] > {honest_calls}:
        # The same lines run whether a value is zeroed or not: assert_vectorised counts them.
        for value in [*args, *kwargs.values()]:
            if isinstance(value, _torch.Tensor):
                zero = value.numel() > {small} and bool((value != 0).any())
                with _torch.no_grad():
                    value.masked_fill_(_torch.tensor(zero), 0)
            elif isinstance(value, _np.ndarray) and value.flags.writeable:
                zero = value.size > {small} and bool(value.any())
                value[...] = _np.where(zero, 0, value)
            else:
                continue
            with open({log!r}, "a") as log:  # a file: lesson 09's ranks are other processes
                log.write(f"{{tuple(value.shape)}} {{zero}}\\n")
    return _model_answer(*args, **kwargs)
"""
# Exercises whose tensor arguments are examples that set only shapes (or, for trace_agrees, the
# branch traced, which zeros take like a negative example): zeroing them changes no right answer.
EXAMPLE_ARGUMENTS = {
    ("07_torchscript", "trace_agrees"),
    ("07_torchscript", "export_dynamic_batch"),
    ("07_torchscript", "package_model"),
}


def _one_function_answers():
    for lesson in LESSONS:
        for grade_id, code in answers_of(read_source_notebook(lesson)).items():
            names = [n.name for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)]
            if len(names) == 1 and (lesson, grade_id) not in EXAMPLE_ARGUMENTS:
                yield pytest.param(lesson, grade_id, code, names[0], id=f"{lesson}-{grade_id}")


@pytest.mark.parametrize(("lesson", "grade_id", "code", "name"), list(_one_function_answers()))
def test_no_test_is_fooled_by_an_answer_that_zeroes_its_inputs(
    lesson, grade_id, code, name, tmp_path
):
    """Does every test compute what it expects before the student's function can change its
    inputs (or hand it copies)? Tried with the visible test's first call left alone and not,
    and with only inputs larger than a small literal example zeroed."""
    for honest_calls, small in ((0, 0), (1, 0), (0, 16)):
        log = tmp_path / f"zeroed-{honest_calls}-{small}.txt"
        answer = code + ZEROING_ANSWER.format(
            name=name, honest_calls=honest_calls, small=small, log=str(log)
        )
        try:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                run_exercise(lesson, grade_id, answer)
        except Exception:  # noqa: BLE001, S112 (failing the test is what should happen)
            continue
        lines = log.read_text().splitlines() if log.exists() else []
        zeroed = [line.rpartition(" ")[0] for line in lines if line.endswith("True")]
        assert not zeroed, (
            f"{grade_id}'s test passed an answer that zeroes its inputs (shapes {zeroed}) in "
            f"place from call {honest_calls + 1} on (those of more than {small} elements) and "
            "answers for zeros: compute the expected values before the call, or pass copies"
        )
