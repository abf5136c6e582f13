# ruff: noqa
"""Catastrophic regex input for repair: added code cells of hundreds of thousands of blank lines
and spaces (a `^\\s*(def|class)` scan is quadratic on them), and an answer cell with its
metadata stripped so repair has to look inside every cell."""
import nbformat


def build(release, model):
    blank = " \n" * 200_000 + "x = 1"
    release.cells.insert(1, nbformat.v4.new_code_cell(blank))
    release.cells.insert(2, nbformat.v4.new_code_cell("\t" * 300_000 + "\n" * 300_000 + "def"))
    release.cells.insert(3, nbformat.v4.new_markdown_cell("# " + "(" * 100_000))
    for cell in release.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell.metadata = {}
            cell.source = "  \n" * 50_000
            break
    return release
