"""Tensor-aware assertions for exercise tests, with messages that tell a student what went wrong.

Every check raises `CheckFailed`, an `AssertionError` (so nbgrader counts it as a failed test), with
a message that names the thing checked, what was expected and what came back. In a notebook its
traceback ends at the student's line: the frames inside this module explain nothing to a student.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import traceback
from collections.abc import Callable, Sequence
from types import MappingProxyType, WrapperDescriptorType
from typing import Any

import torch
from torch.autograd.gradcheck import GradcheckError
from torch.overrides import TorchFunctionMode

__all__ = [
    "CheckFailed",
    "assert_close",
    "assert_device",
    "assert_dtype",
    "assert_equal",
    "assert_grad_close",
    "assert_gradcheck",
    "assert_requires_grad",
    "assert_shape",
    "assert_tensor",
    "assert_vectorised",
    "describe",
]


class CheckFailed(AssertionError):
    """A failed check; IPython shows its traceback up to the line that called the check."""

    def _render_traceback_(self) -> list[str]:
        """IPython's hook for custom tracebacks: drop the frames inside `course.checks`."""
        self.__traceback__ = _without_check_frames(self.__traceback__)
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover (IPython calls this hook, so it is there)
            get_ipython = None
        shell = get_ipython() if get_ipython else None
        if shell is not None:
            return shell.InteractiveTB.structured_traceback(type(self), self, self.__traceback__)
        return "".join(traceback.format_exception(self)).splitlines()


def _without_check_frames(tb: Any) -> Any:
    """`tb` cut before its first frame in this file (kept whole if it starts here)."""
    head, previous = tb, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == __file__:
            if previous is None:
                return head
            previous.tb_next = None
            return head
        previous, tb = tb, tb.tb_next
    return head


# Read through `type` itself: a class of the student's cannot answer these its own way.
_mro_of = type.__dict__["__mro__"].__get__
_dict_of = type.__dict__["__dict__"].__get__
_name_of = type.__dict__["__qualname__"].__get__
# Taken at import, before any student code: the class's own method, which an attribute set on a
# tensor (`t.detach = ...`) cannot replace.
_detach = torch.Tensor.detach
_PLAIN_VALUES = (bool, int, float, complex, str, type(None))


def describe(value: Any) -> str:
    """A one-line description of `value`: shape, dtype and device for tensors, the value for
    plain numbers, strings and short lists of them, the type otherwise (no code of the value's
    own runs)."""
    kind = type(value)
    if kind in EXACT_TENSOR_TYPES:
        grad = ", requires_grad=True" if value.requires_grad else ""
        return (
            f"tensor of shape {tuple(value.shape)}, dtype {value.dtype}, "
            f"device {value.device}{grad}"
        )
    plain = kind in _PLAIN_VALUES or (
        kind in (list, tuple) and len(value) <= 20 and all(type(v) in _PLAIN_VALUES for v in value)
    )
    if not plain:
        return f"{_name_of(kind)} object"
    text = repr(value)
    return f"{kind.__name__} {text[:60] + '...' if len(text) > 60 else text}"


def _fail(name: str, problem: str, expected: Any, got: Any) -> None:
    __tracebackhide__ = True
    raise CheckFailed(f"{name} {problem}.\n  expected: {expected}\n  got:      {got}")


# The only tensor types a test accepts: a subclass could answer comparisons any way it likes.
EXACT_TENSOR_TYPES = (torch.Tensor, torch.nn.Parameter)
EXACT_SCALAR_TYPES = (bool, int, float, complex, str)


def exact_type_problem(value: Any) -> str | None:
    """Why `value` cannot be compared as it is (a tensor subclass, a `__torch_function__`
    override, a subclass of a Python number), or None when its type is exactly a plain one.

    Checked before any comparison: the comparison itself would run the subclass's code.
    """
    kind = type(value)
    if kind in EXACT_TENSOR_TYPES or kind in EXACT_SCALAR_TYPES:
        return None
    mro, name = _mro_of(kind), _name_of(kind)
    if any(_claims_another_class(_dict_of(k)) for k in mro if k is not object):
        return f"an object that says it is of another class ({name})"
    if torch.Tensor in mro:
        return f"a subclass of torch.Tensor ({name}), not a torch.Tensor"
    if any("__torch_function__" in _dict_of(k) for k in mro):
        return f"an object that overrides torch functions ({name})"
    plain = next((k for k in EXACT_SCALAR_TYPES if k in mro), None)
    if plain is not None:
        return f"a subclass of a Python {plain.__name__} ({name})"
    return None


def _claims_another_class(members: Any) -> bool:
    """Whether a class's own members can answer `__class__` falsely: a `__class__` of its own,
    or a `__getattribute__` written in Python (the built-in types' own is C's)."""
    own = members.get("__getattribute__")
    return "__class__" in members or (own is not None and type(own) is not WrapperDescriptorType)


def require_exact_type(actual: Any, *, name: str = "result") -> None:
    """Fail the check when `actual`'s type is not exactly a plain tensor or Python value."""
    __tracebackhide__ = True
    problem = exact_type_problem(actual)
    if problem is not None:
        _fail(name, "has a type the tests do not accept", "a plain torch.Tensor or value", problem)


def assert_tensor(actual: Any, *, name: str = "result") -> None:
    """Check that `actual` is a `torch.Tensor` (not a list, NumPy array or Python number)."""
    __tracebackhide__ = True
    require_exact_type(actual, name=name)
    if not isinstance(actual, torch.Tensor):
        hint = " (did you forget to return it?)" if actual is None else ""
        _fail(name, f"is not a torch.Tensor{hint}", "a torch.Tensor", describe(actual))


def assert_shape(actual: torch.Tensor, shape: Sequence[int], *, name: str = "result") -> None:
    """Check `actual.shape == shape`."""
    __tracebackhide__ = True
    if not isinstance(shape, (tuple, list, torch.Size)):
        raise TypeError(f"assert_shape: shape must be a tuple such as (2, 3), got {shape!r}")
    assert_tensor(actual, name=name)
    if tuple(actual.shape) != tuple(shape):
        _fail(name, "has the wrong shape", tuple(shape), tuple(actual.shape))


def assert_dtype(actual: torch.Tensor, dtype: torch.dtype, *, name: str = "result") -> None:
    """Check `actual.dtype == dtype`."""
    __tracebackhide__ = True
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"assert_dtype: dtype must be a torch.dtype such as torch.float32, got "
                        f"{dtype!r}")
    assert_tensor(actual, name=name)
    if actual.dtype != dtype:
        _fail(name, "has the wrong dtype", dtype, actual.dtype)


def assert_device(
    actual: torch.Tensor, device: torch.device | str, *, name: str = "result"
) -> None:
    """Check that `actual` lives on `device` ("cuda" matches any CUDA device index)."""
    __tracebackhide__ = True
    assert_tensor(actual, name=name)
    device = torch.device(device)
    same_type = actual.device.type == device.type
    if not same_type or (device.index is not None and actual.device.index != device.index):
        _fail(name, "is on the wrong device", device, actual.device)


def assert_requires_grad(
    actual: torch.Tensor, expected: bool = True, *, name: str = "result"
) -> None:
    """Check whether `actual` takes part in autograd (`requires_grad`)."""
    __tracebackhide__ = True
    assert_tensor(actual, name=name)
    if actual.requires_grad != expected:
        hint = (
            " (is it detached, or computed under torch.no_grad()?)"
            if expected
            else " (did you forget .detach() or torch.no_grad()?)"
        )
        _fail(name, f"has the wrong requires_grad{hint}", expected, actual.requires_grad)


# torch.testing.assert_close's default (rtol, atol) per dtype; exact for integers and bools.
# Read-only: no cell can loosen every check at once by changing it.
_DEFAULT_TOLERANCES = MappingProxyType({
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
})


def _tolerances(dtype: torch.dtype, rtol: float | None, atol: float | None) -> tuple[float, float]:
    default_rtol, default_atol = _DEFAULT_TOLERANCES.get(dtype, (0.0, 0.0))
    return (default_rtol if rtol is None else rtol, default_atol if atol is None else atol)


def _as_tensor_like(expected: Any, actual: torch.Tensor) -> torch.Tensor:
    if type(expected) in EXACT_TENSOR_TYPES:
        return _detach(expected)
    if isinstance(expected, torch.Tensor):
        return expected
    return torch.as_tensor(expected, dtype=actual.dtype)


def _worst_element(actual: torch.Tensor, expected: torch.Tensor, equal_nan: bool) -> str:
    exact = not (actual.is_floating_point() or actual.is_complex()) and not (
        expected.is_floating_point() or expected.is_complex()
    )
    if exact:  # integers past 2**53 would round as doubles: compare them as integers
        a, e = actual.detach().cpu().long(), expected.detach().cpu().long()
        close = a == e
        diff = (a - e).abs()
    else:
        a, e = actual.detach().cpu().double(), expected.detach().cpu().double()
        close = torch.isclose(a, e, rtol=0.0, atol=0.0, equal_nan=equal_nan)
        diff = (a - e).abs().nan_to_num(nan=float("inf"))
    diff[close] = 0
    flat = int(diff.argmax())
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), a.shape))
    where = f" at index {index}" if index else ""
    want, got = e.reshape(-1)[flat].item(), a.reshape(-1)[flat].item()
    want, got = (str(want), str(got)) if exact else _distinct(want, got)
    largest = diff.reshape(-1)[flat].item()
    return (
        f"{int((~close).sum())} of {a.numel()} elements differ; the largest difference is "
        f"{largest if exact else format(largest, '.4g')}{where}: expected {want}, got {got}"
    )


def _distinct(expected: float, actual: float) -> tuple[str, str]:
    """The two numbers with 6 significant digits, or as many more as it takes to tell them
    apart (52.7708 and 52.7708 say nothing; 52.77081 and 52.77083 do)."""
    for digits in range(6, 18):
        shown = f"{expected:.{digits}g}", f"{actual:.{digits}g}"
        if shown[0] != shown[1]:
            return shown
    return shown


def assert_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    name: str = "result",
    check_dtype: bool = True,
    check_device: bool = True,
    equal_nan: bool = False,
) -> None:
    """Check that `actual` is a tensor of the same shape, dtype and device as `expected`, with
    values equal within `atol + rtol * |expected|` (PyTorch's default for the dtype when None,
    so `atol=1e-6` alone keeps the default `rtol`).

    `expected` may also be a Python number or nested list; it then takes `actual`'s dtype.
    """
    __tracebackhide__ = True
    if expected is None:
        raise TypeError("assert_close: expected must be a tensor, a number or a nested list, "
                        "got None")
    if any(tol is not None and not tol >= 0 for tol in (rtol, atol)):
        raise ValueError(f"assert_close: rtol and atol must be 0 or more, got {rtol}, {atol}")
    assert_tensor(actual, name=name)
    # From here on only a new tensor object is used: whatever was set on the student's tensor
    # (its own `detach`, `cpu` or `to`) stays behind.
    actual = _detach(actual)
    check_dtype = check_dtype and isinstance(expected, torch.Tensor)
    expected = _as_tensor_like(expected, actual)
    assert_shape(actual, expected.shape, name=name)
    if check_dtype:
        assert_dtype(actual, expected.dtype, name=name)
    if check_device:
        assert_device(actual, expected.device, name=name)
    rtol, atol = _tolerances(actual.dtype, rtol, atol)
    try:
        torch.testing.assert_close(
            actual.detach().cpu(),
            expected.detach().cpu().to(actual.dtype),
            rtol=rtol,
            atol=atol,
            equal_nan=equal_nan,
            check_dtype=False,
        )
    except AssertionError:
        detail = _worst_element(actual, expected, equal_nan)
        raise CheckFailed(
            f"{name} has wrong values: {detail}.\n"
            f"  expected: {_preview(expected)}\n  got:      {_preview(actual)}"
        ) from None


def assert_equal(actual: Any, expected: Any, *, name: str = "result", **kwargs: Any) -> None:
    """Check that `actual` equals `expected` exactly: `assert_close` with zero tolerance."""
    __tracebackhide__ = True
    assert_close(actual, expected, rtol=0.0, atol=0.0, name=name, **kwargs)


def _preview(t: torch.Tensor) -> str:
    with torch.no_grad():
        text = repr(t.detach().cpu())
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:300] + " ..."


def assert_grad_close(
    tensor: torch.Tensor, expected_grad: Any, *, name: str = "x", **kwargs: Any
) -> None:
    """Check that `tensor.grad` exists and is close to `expected_grad`."""
    __tracebackhide__ = True
    assert_tensor(tensor, name=name)
    if tensor.grad is None:
        hint = (
            "it does not require grad"
            if not tensor.requires_grad
            else "backward() was not called, or it is not a leaf (use retain_grad())"
        )
        raise CheckFailed(f"{name}.grad is None: {hint}.")
    assert_close(tensor.grad, expected_grad, name=f"{name}.grad", **kwargs)


def assert_gradcheck(
    fn: Callable[..., Any], inputs: Sequence[torch.Tensor], *, name: str = "backward"
) -> None:
    """Compare the analytical gradients of `fn` at `inputs` with finite differences.

    Inputs should be float64 with `requires_grad=True`, as `torch.autograd.gradcheck` needs.
    """
    __tracebackhide__ = True
    try:
        torch.autograd.gradcheck(fn, tuple(inputs), eps=1e-6, atol=1e-5, rtol=1e-3)
    except GradcheckError as error:
        first_line = str(error).strip().splitlines()[0]
        raise CheckFailed(
            f"{name} disagrees with finite differences: {first_line}\n{error}"
        ) from None


class _CountTorchCalls(TorchFunctionMode):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.calls += 1
        return func(*args, **(kwargs or {}))


# More Python work on the large input that is still no loop: a branch only it takes.
BRANCH_LINES, BRANCH_CALLS = 8, 12


def _library_dirs() -> tuple[str, ...]:
    """Where code that is not the student's lives: Python's and the installed packages' folders,
    and this package (a loop there is no loop of the student's)."""
    paths = sysconfig.get_paths()
    dirs = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    # "<grader>": the autograder's own checks of what a student's function returns
    return (*dirs, os.path.dirname(os.path.abspath(__file__)), "<frozen ", "<grader>")


# Taken once, as the course is imported (before any student code): a student's cell may rebind
# `sys.settrace` or patch `sysconfig` later, and this check must not believe either.
_LIBRARY_DIRS = _library_dirs()
_settrace, _gettrace = sys.settrace, sys.gettrace


def _count_work(fn: Callable[..., Any], args: Sequence[Any]) -> tuple[int, int]:
    """Run `fn(*args)`; return (Python lines executed outside libraries, torch calls made).

    Every line outside the libraries counts, whichever file or cell it is in: a loop may sit in a
    helper from another cell, and a grader may wrap the student's function in code of its own.
    """
    library = _LIBRARY_DIRS
    lines = 0

    def tracer(frame, event, arg):
        nonlocal lines
        if frame.f_code.co_filename.startswith(library):
            return None
        if event == "line":
            lines += 1
        return tracer

    counter = _CountTorchCalls()
    previous = _gettrace()
    _settrace(tracer)
    try:
        with counter:
            fn(*args)
    finally:
        _settrace(previous)
    return lines, counter.calls


def assert_vectorised(
    fn: Callable[..., Any],
    small_args: Sequence[Any],
    large_args: Sequence[Any],
    *,
    name: str | None = None,
) -> None:
    """Check that `fn` does no more Python work on large inputs than on small ones.

    A Python loop over rows runs more lines and makes more torch calls as the input grows; a
    vectorised function does not. This watches what the function does, not how it is written.
    A few more lines or calls are not a loop: an `if` that only some inputs take (ties in a
    vote, say) adds a handful once. Give the large input at least 20 more rows than the small
    one, so that a loop over them stands out from that.
    """
    __tracebackhide__ = True
    name = name or f"{fn.__name__}()"
    small = _count_work(fn, small_args)
    large = _count_work(fn, large_args)
    if large[0] > small[0] + BRANCH_LINES or large[1] > small[1] + BRANCH_CALLS:
        raise CheckFailed(
            f"{name} does more Python work on bigger inputs, so it loops in Python: "
            f"{small[0]} lines and {small[1]} torch calls on the small input, "
            f"{large[0]} lines and {large[1]} torch calls on the large one. "
            "Use broadcasting or a single tensor operation instead of a loop."
        )
