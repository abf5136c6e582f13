# ruff: noqa
"""Forged nbgrader metadata: test cells deleted, their grade ids given to `pass` cells marked
as answers, an extra graded cell worth 100 points, a solution cell marked as a test."""
import copy
import nbformat


def build(release, model):
    cells = []
    for cell in release.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            forged = nbformat.v4.new_code_cell("pass")
            forged.metadata["nbgrader"] = {**meta, "solution": True, "grade": True}
            forged.metadata["nbgrader"].pop("checksum", None)
            cells.append(forged)
            continue
        cells.append(cell)
    bonus = nbformat.v4.new_code_cell("pass")
    bonus.metadata["nbgrader"] = {
        "grade": True, "solution": False, "locked": True, "points": 100,
        "grade_id": "bonus_points", "schema_version": 3,
    }
    cells.append(bonus)
    release.cells = cells
    return release
