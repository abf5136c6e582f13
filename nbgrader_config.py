# nbgrader's configuration for this course, read by the `nbgrader` command and the formgrader.
# The settings themselves live in autograder/coursedir.py, so the autograder uses the same ones.
from pathlib import Path

from autograder.coursedir import nbgrader_config

c = get_config()  # noqa: F821 (nbgrader defines get_config when it loads this file)
c.merge(nbgrader_config(Path(__file__).resolve().parent))
