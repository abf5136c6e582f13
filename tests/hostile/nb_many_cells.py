# ruff: noqa
"""Five thousand added cells, each printing a little, and a 10 MB markdown cell."""
import nbformat


def build(release, model):
    extra = [nbformat.v4.new_code_cell(f"print({i})") for i in range(5_000)]
    release.cells[1:1] = extra
    release.cells.append(nbformat.v4.new_markdown_cell("m" * 10_000_000))
    return release
