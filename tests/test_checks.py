"""Tests for course.checks: each assertion passes on good input and explains bad input."""

import numpy as np
import pytest
import torch

from course import checks


def fails_with(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_assert_tensor_names_what_came_back():
    """Does a non-tensor answer get a message saying what it was?"""
    message = fails_with(checks.assert_tensor, [1, 2], name="f(x)")
    assert "f(x) is not a torch.Tensor" in message and "list" in message
    assert "forget to return" in fails_with(checks.assert_tensor, None)
    assert "ndarray" in fails_with(checks.assert_tensor, np.zeros(2))


def test_assert_shape_shows_expected_and_actual():
    """Does a shape mismatch show both shapes?"""
    checks.assert_shape(torch.zeros(2, 3), (2, 3))
    message = fails_with(checks.assert_shape, torch.zeros(3, 2), (2, 3), name="out")
    assert "out has the wrong shape" in message
    assert "expected: (2, 3)" in message and "got:      (3, 2)" in message


def test_assert_dtype_and_device():
    """Are dtype and device mismatches reported by name?"""
    checks.assert_dtype(torch.zeros(1), torch.float32)
    assert "torch.int64" in fails_with(checks.assert_dtype, torch.zeros(1), torch.int64)
    checks.assert_device(torch.zeros(1), "cpu")
    assert "wrong device" in fails_with(checks.assert_device, torch.zeros(1), "meta")


def test_assert_requires_grad_gives_a_hint():
    """Does a detached result get a hint about detach/no_grad?"""
    x = torch.ones(2, requires_grad=True)
    checks.assert_requires_grad(x * 2)
    assert "no_grad" in fails_with(checks.assert_requires_grad, (x * 2).detach())
    assert "detach" in fails_with(checks.assert_requires_grad, x * 2, False)


def test_assert_close_matches_torch_testing_on_good_values():
    """Do values within tolerance pass, including Python numbers and lists?"""
    checks.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]))
    checks.assert_close(torch.tensor([1.0, 2.0]), [1.0, 2.0])
    checks.assert_close(torch.tensor(7), 7)


def test_assert_close_points_at_the_worst_element():
    """Does a value mismatch say how many elements differ and where the worst one is?"""
    expected = torch.zeros(2, 3)
    actual = expected.clone()
    actual[1, 2] = 5.0
    actual[0, 0] = 0.5
    message = fails_with(checks.assert_close, actual, expected, name="d")
    assert "d has wrong values: 2 of 6 elements differ" in message
    assert "at index (1, 2): expected 0, got 5" in message


def test_assert_close_checks_shape_then_dtype():
    """Are shape and dtype checked before values, with their own messages?"""
    assert "wrong shape" in fails_with(checks.assert_close, torch.zeros(3), torch.zeros(1, 3))
    message = fails_with(checks.assert_close, torch.zeros(3, dtype=torch.float64), torch.zeros(3))
    assert "wrong dtype" in message
    checks.assert_close(torch.zeros(3, dtype=torch.float64), torch.zeros(3), check_dtype=False)


def test_assert_close_reports_nan():
    """Is a NaN where a number was expected reported as a difference?"""
    message = fails_with(checks.assert_close, torch.tensor([float("nan")]), torch.tensor([1.0]))
    assert "1 of 1 elements differ" in message and "got nan" in message
    checks.assert_close(torch.tensor([float("nan")]), torch.tensor([float("nan")]), equal_nan=True)


def test_assert_equal_has_no_tolerance():
    """Does assert_equal reject a tiny difference that assert_close accepts?"""
    fails_with(checks.assert_equal, torch.tensor([1.0]), torch.tensor([1.0 + 1e-6]))
    checks.assert_equal(torch.tensor([3, 7, 3]), [3, 7, 3])


def test_assert_grad_close_explains_missing_gradients():
    """Does a missing .grad say why it might be missing?"""
    x = torch.ones(2, requires_grad=True)
    assert "backward() was not called" in fails_with(checks.assert_grad_close, x, [1.0, 1.0])
    (x * 3).sum().backward()
    checks.assert_grad_close(x, [3.0, 3.0])
    assert "does not require grad" in fails_with(checks.assert_grad_close, torch.ones(1), [1.0])


def test_assert_gradcheck_catches_a_wrong_backward():
    """Is a custom Function with a wrong backward caught by the gradient check?"""

    class WrongSquare(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**2

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2 * x

    x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    checks.assert_gradcheck(lambda t: t**2, [x])
    assert "finite differences" in fails_with(checks.assert_gradcheck, WrongSquare.apply, [x])


def loop_rows(x):
    return torch.stack([row.sum() for row in x])


def comprehension_over_lists(x):
    return torch.tensor([sum(row) for row in x.tolist()])


def builtin_map(x):
    return torch.stack(list(map(torch.sum, x)))


def vectorised(x):
    total = x.sum(dim=1)
    return total


@pytest.mark.parametrize("looped", [loop_rows, comprehension_over_lists, builtin_map])
def test_assert_vectorised_catches_loops_however_written(looped):
    """Is a Python loop caught whether it calls torch per row, works on lists or uses map?"""
    small, large = (torch.ones(3, 4),), (torch.ones(30, 4),)
    message = fails_with(checks.assert_vectorised, looped, small, large)
    assert "loops in Python" in message


def test_assert_vectorised_sees_loops_in_other_files_and_behind_wrappers():
    """Is a loop caught when it sits in a helper from another cell, or when the function is
    wrapped by code compiled elsewhere (the grader wraps each student function)?"""
    cell: dict = {"torch": torch}
    helper = "def helper(rows):\n    return [sum(r) for r in rows]\n"
    answer = "def answer(x):\n    return torch.tensor(helper(x.tolist()))\n"
    exec(compile(helper, "<cell 2>", "exec"), cell)
    exec(compile(answer, "<cell 3>", "exec"), cell)
    wrapper: dict = {"answer": cell["answer"]}
    exec(compile("def checked(x):\n    return answer(x)\n", "<string>", "exec"), wrapper)
    small, large = (torch.ones(3, 4),), (torch.ones(30, 4),)
    for fn in (cell["answer"], wrapper["checked"]):
        assert "loops in Python" in fails_with(checks.assert_vectorised, fn, small, large)


def test_assert_vectorised_passes_vectorised_code():
    """Does a broadcasting solution pass, however large the input?"""
    checks.assert_vectorised(vectorised, (torch.ones(3, 4),), (torch.ones(300, 4),))
    checks.assert_vectorised(
        torch.cdist, (torch.ones(3, 2), torch.ones(4, 2)), (torch.ones(30, 2), torch.ones(40, 2))
    )


def votes_with_ties_broken_by_hand(counts):
    """Loop-free, with a branch that only inputs holding a tie take."""
    best = counts == counts.max(dim=1, keepdim=True).values
    if (best.sum(dim=1) > 1).any():
        labels = torch.arange(counts.shape[1]).expand_as(counts)
        return torch.where(best, labels, counts.shape[1]).min(dim=1).values
    return counts.argmax(dim=1)


def test_assert_vectorised_passes_a_branch_only_the_large_input_takes():
    """Is loop-free code with an `if` that only the large input takes (a tie) still vectorised?"""
    no_tie = torch.tensor([[3, 1], [0, 2]])
    ties = torch.tensor([[2, 2], [0, 1]]).repeat(30, 1)
    checks.assert_vectorised(votes_with_ties_broken_by_hand, (no_tie,), (ties,))


def test_assert_close_accepts_one_tolerance_alone():
    """Can a test give only atol (or only rtol) and keep the dtype's default for the other?"""
    checks.assert_close(torch.tensor([1e-7]), [0.0], atol=1e-6)
    fails_with(checks.assert_close, torch.tensor([1e-5]), [0.0], atol=1e-6)
    checks.assert_close(torch.tensor([100.0001]), [100.0], rtol=1e-5)


def _student_line():
    checks.assert_close(torch.tensor([1.0]), torch.tensor([2.0]), name="answer")


def test_notebook_traceback_ends_at_the_students_line():
    """Does a failed check's traceback, as IPython shows it, leave out course/checks.py?"""
    with pytest.raises(checks.CheckFailed) as info:
        _student_line()
    assert isinstance(info.value, AssertionError)
    text = "\n".join(info.value._render_traceback_())
    assert "_student_line" in text and "answer has wrong values" in text
    assert "course/checks.py" not in text.replace("\\", "/"), text


def test_every_check_fails_with_check_failed():
    """Do the checks that fail in different ways all raise CheckFailed (so all are trimmed)?"""
    failures = [
        (checks.assert_tensor, ([1],)),
        (checks.assert_grad_close, (torch.zeros(1), [0.0])),
        (checks.assert_vectorised, (lambda n: [i for i in range(n)], [1], [50])),
        (checks.assert_close, (torch.zeros(1), [1.0])),
    ]
    for fn, args in failures:
        with pytest.raises(checks.CheckFailed):
            fn(*args)


def test_assert_close_shows_the_digits_that_differ():
    """When two values agree to six digits, does the message show enough digits to tell them
    apart, instead of the same number twice?"""
    expected = torch.tensor([52.77081], dtype=torch.float64)
    actual = torch.tensor([52.77083], dtype=torch.float64)
    message = fails_with(checks.assert_close, actual, expected, rtol=0, atol=1e-9)
    assert "expected 52.77081, got 52.77083" in message
