"""`autograder.execute`: what is decided about a submission before and around its run."""

from __future__ import annotations

import nbformat
import pytest

from autograder.execute import REVIEW_NAMES, review_flags

NAMED = [(kind, name) for kind, names in REVIEW_NAMES.items() for name in names]


@pytest.mark.parametrize(("kind", "name"), NAMED, ids=[name for _, name in NAMED])
def test_code_that_names_a_way_around_the_checks_is_flagged(kind, name):
    """Is a submission whose code names a way to read or write raw memory, to turn off torch's
    function handling or to reach its stacks of modes (where the tests' spies are), flagged for
    review, and one whose markdown only mentions it not?"""
    code = nbformat.v4.new_code_cell(f"x = getattr(torch, 'x', None)\nview = {name}")
    text = nbformat.v4.new_markdown_cell(f"I read about {name}.")
    assert review_flags(nbformat.v4.new_notebook(cells=[code, text])) == [
        f"{kind}: the code names {name}; review it by hand"
    ]
    assert review_flags(nbformat.v4.new_notebook(cells=[text])) == []
