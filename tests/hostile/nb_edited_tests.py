# ruff: noqa
"""Test cells edited to `pass` (checksums left as they were, or recomputed), and the release's
test cells duplicated with the copies emptied."""
import nbformat
from nbgrader.utils import compute_checksum


def build(release, model):
    for i, cell in enumerate(release.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            cell.source = "pass"
            if i % 2:
                meta["checksum"] = compute_checksum(cell)
    return release
