"""`course.checks`: a value whose type is not exactly a plain one is refused before comparing."""

import pytest
import torch

from course import checks


class LoudTensor(torch.Tensor):
    """A tensor subclass that says it equals anything."""

    def __eq__(self, other):
        return True


class Anything:
    """An object that answers every torch function itself."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return torch.tensor(True)


class SlyFloat(float):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (torch.ones(2).as_subclass(LoudTensor), "subclass of torch.Tensor"),
        (Anything(), "overrides torch functions"),
        (SlyFloat(1.0), "subclass of a Python float"),
    ],
)
def test_subclasses_are_refused_before_comparing(value, words):
    """Does assert_close refuse a subclass or override with a message naming it?"""
    with pytest.raises(AssertionError, match="type the tests do not accept") as caught:
        checks.assert_close(value, torch.ones(2))
    assert words in str(caught.value)


def test_plain_values_and_parameters_pass():
    """Are a plain tensor and an nn.Parameter still accepted?"""
    checks.assert_close(torch.ones(2), torch.ones(2))
    checks.assert_close(torch.nn.Parameter(torch.ones(2)), torch.ones(2))
    assert checks.exact_type_problem(3.0) is None and checks.exact_type_problem(True) is None


class SaysItIsATensor:
    """Not a tensor, but `isinstance(x, torch.Tensor)` believes it is."""

    @property
    def __class__(self):
        return torch.Tensor

    def __repr__(self):
        raise RuntimeError("a check ran the value's own __repr__")


def test_a_value_that_says_it_is_of_another_class_is_refused():
    """Is an object whose `__class__` lies refused, without its own code running?"""
    with pytest.raises(AssertionError, match="says it is of another class"):
        checks.assert_close(SaysItIsATensor(), torch.ones(2))


def test_what_is_set_on_a_tensor_does_not_take_part_in_a_check():
    """Does a tensor's own `detach` (an attribute set on it) leave the comparison unchanged?"""
    zeros = torch.zeros(2)
    zeros.detach = lambda: torch.ones(2)
    with pytest.raises(AssertionError, match="wrong values"):
        checks.assert_close(zeros, torch.ones(2))
    expected = torch.zeros(2)
    expected.detach = lambda: torch.ones(2)
    checks.assert_close(torch.zeros(2), expected)


def test_describing_a_value_runs_none_of_its_code():
    """Does a failing check describe a student's object by its type, never by its __repr__?"""
    class Loud:
        def __repr__(self):
            raise RuntimeError("ran")

    with pytest.raises(AssertionError, match="got:      test_describing_a_value_runs_none"):
        checks.assert_tensor(Loud())
    assert checks.describe([1, 2.5]) == "list [1, 2.5]"


def test_checks_keep_no_settings_a_cell_could_change_in_place():
    """The grader restores `course.checks`' names by identity, not a container's contents: is
    every setting there immutable (tuples, read-only mappings), so that no cell can loosen all
    checks by changing one?"""
    mutable = [name for name, value in vars(checks).items()
               if type(value) in (dict, list, set, bytearray) and not name.startswith("__")]
    assert mutable == [], f"course.checks keeps mutable settings: {mutable}"
    with pytest.raises(TypeError):
        checks._DEFAULT_TOLERANCES[torch.float32] = (1.0, 1.0)
