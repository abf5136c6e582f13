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
