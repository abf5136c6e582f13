# ruff: noqa
"""Huge outputs: tens of MB of text full of ANSI escapes, a deep recursion traceback and an
exception with a 50 MB message, in a student cell and from inside the test call."""
# %% stubs
# %% answer to_unit_range
import sys

ESC = "\x1b[31m\x1b]0;pwned\x07\x1b[2J"


def to_unit_range(images):
    print((ESC + "x" * 1000 + "\n") * 5000)
    raise ValueError(ESC * 10 + "y" * 50_000_000)


for _ in range(20):
    sys.stdout.write((ESC + "z" * 10_000 + "\n") * 200)


def deep(n):
    return deep(n + 1)


deep(0)
