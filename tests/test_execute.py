"""`autograder.execute`: what is decided about a submission before and around its run."""

from __future__ import annotations

import nbformat
import pytest

from autograder.execute import RAW_MEMORY_NAMES, raw_memory_flags


@pytest.mark.parametrize("name", RAW_MEMORY_NAMES)
def test_code_that_names_a_raw_memory_route_is_flagged(name):
    """Is a submission whose code names a way to read or write raw memory flagged for review,
    and one whose markdown only mentions it not?"""
    code = nbformat.v4.new_code_cell(f"x = getattr(torch, 'x', None)\nview = {name}")
    text = nbformat.v4.new_markdown_cell(f"I read about {name}.")
    assert raw_memory_flags(nbformat.v4.new_notebook(cells=[code, text])) == [
        f"raw memory: the code names {name}; review it by hand"
    ]
    assert raw_memory_flags(nbformat.v4.new_notebook(cells=[text])) == []
