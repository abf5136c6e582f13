"""The autograder's own nbgrader preprocessors, one class per module."""

from autograder.preprocessors.hide_hidden_tests import HideHiddenTests
from autograder.preprocessors.sandbox_execute import SandboxExecute

__all__ = ["HideHiddenTests", "SandboxExecute"]
