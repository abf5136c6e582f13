"""`repair`: rebuild a submitted notebook on the released lesson before nbgrader sees it.

Students duplicate, split, delete, reorder and retype cells, lose nbgrader's metadata and save
with old nbformat versions. nbgrader then rejects the whole notebook (nbgrader issue 1083) or
grades the wrong cell. Here the released notebook is the skeleton: every graded cell comes back in
the release's order with the release's metadata, an answer cell carries what the student wrote
for it (wherever it ended up), and the student's own extra code cells are kept in place. Every
change is reported. A file that is not a notebook at all cannot be repaired and says why.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.utils import compute_checksum

from autograder.submissions import grade_id, is_answer_cell

# Top-level definitions only; `[ \t]*` (not `\s*`) never spans lines, so matching stays linear.
DEF_LINE = re.compile(r"^(?:async[ \t]+)?(def|class)[ \t]+(\w{1,200})", re.MULTILINE)
MAX_BYTES = 20 << 20  # a submitted notebook larger than this is not read
MAX_CELLS = 2000  # nor one with more cells than this


@dataclass
class Repaired:
    """A repaired notebook, what was changed, and the integrity flags raised."""

    notebook: NotebookNode | None  # None when the file could not be read as a notebook
    notes: list[str] = field(default_factory=list)  # repairs made
    flags: list[str] = field(default_factory=list)  # edits to cells students must not change
    error: str | None = None  # why the file could not be graded


def load(path: Path) -> tuple[NotebookNode | None, list[str], str | None]:
    """Read `path` as a version-4 notebook; return it, notes, and an error when impossible."""
    if path.is_symlink():
        return None, [], "a link, not a notebook (links are not followed)"
    if path.stat().st_size > MAX_BYTES:
        return None, [], f"larger than {MAX_BYTES >> 20} MB"
    raw = path.read_bytes()
    if not raw.strip():
        return None, [], "empty file"
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, [], f"not valid JSON ({exc.__class__.__name__}: {str(exc)[:80]})"
    has_cells = isinstance(data, dict) and ("cells" in data or "worksheets" in data)
    if not has_cells:
        return None, [], "not a notebook (no cells)"
    if len(data.get("cells") or []) > MAX_CELLS:
        return None, [], f"more than {MAX_CELLS} cells"
    notes = []
    version = data.get("nbformat")
    try:
        notebook = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # noqa: BLE001 (nbformat raises many kinds on malformed input)
        return None, [], f"not a readable notebook ({str(exc)[:80]})"
    if version != 4:
        notes.append(f"upgraded from nbformat {version} to 4")
    return notebook, notes, None


def _defined_names(source: str) -> set[str]:
    return {match.group(2) for match in DEF_LINE.finditer(source)}


def _match(student: NotebookNode, release: NotebookNode) -> tuple[dict[int, str], list[str]]:
    """Map student cell positions to release grade_ids; note cells that lost their metadata."""
    release_ids = {grade_id(c): c for c in release.cells if grade_id(c)}
    by_source = {c.source.strip(): grade_id(c) for c in release.cells if grade_id(c)}
    # The lesson's own cells (demos, figures): never anyone's answer, whatever they define.
    lesson_cells = {c.source.strip() for c in release.cells if not grade_id(c)}
    present = {grade_id(c) for c in student.cells if grade_id(c) in release_ids}
    answer_names = {
        gid: _defined_names(c.source)
        for gid, c in release_ids.items()
        if is_answer_cell(c) and gid not in present
    }
    matched, notes = {}, []
    for pos, cell in enumerate(student.cells):
        gid = grade_id(cell)
        if gid in release_ids:
            matched[pos] = gid
            continue
        source = cell.source.strip()
        gid = by_source.get(source)
        if gid is None and cell.cell_type == "code" and source not in lesson_cells:
            # Only an answer cell that is missing is looked for by the names it defines.
            names = _defined_names(cell.source)
            gid = next((g for g, n in answer_names.items() if n and n <= names), None)
        if gid is not None:
            matched[pos] = gid
            notes.append(f"cell {gid} had lost its nbgrader metadata (restored)")
    return matched, notes


def _merge_answer(gid: str, sources: list[str], notes: list[str]) -> str:
    unique = list(dict.fromkeys(s for s in sources))
    if len(sources) > 1 and len(unique) == 1:
        notes.append(f"answer cell {gid} was duplicated (one copy kept)")
    elif len(unique) > 1:
        notes.append(f"answer cell {gid} was split into {len(unique)} cells (joined in order)")
    return "\n\n".join(unique)


def _graded_cell(
    gid: str, release_cell: NotebookNode, student_cells: list[NotebookNode], repaired: Repaired
) -> NotebookNode:
    cell = nbformat.from_dict(release_cell)
    if any(c.cell_type != release_cell.cell_type for c in student_cells):
        repaired.notes.append(f"cell {gid} had its type changed (restored)")
    if not student_cells:
        what = "answer cell" if is_answer_cell(release_cell) else "cell"
        repaired.notes.append(f"{what} {gid} was deleted (restored from the release)")
        return cell
    if is_answer_cell(release_cell):
        cell.source = _merge_answer(gid, [c.source for c in student_cells], repaired.notes)
    elif "checksum" in release_cell.metadata.nbgrader:
        edited = any(
            compute_checksum(_as(release_cell, c.source)) != release_cell.metadata.nbgrader.checksum
            for c in student_cells
        )
        if edited:
            repaired.flags.append(f"checksum mismatch: read-only cell {gid} was edited (restored)")
    return cell


def _as(release_cell: NotebookNode, source: str) -> NotebookNode:
    cell = nbformat.from_dict(release_cell)
    cell.source = source
    return cell


def rebuild(student: NotebookNode, release: NotebookNode) -> Repaired:
    """The release's cells with the student's answers and extra code cells (see module doc)."""
    repaired = Repaired(notebook=None)
    matched, repaired.notes[:0] = _match(student, release)
    order = [release_index(release, gid) for gid in dict.fromkeys(matched.values())]
    if order != sorted(order):
        repaired.notes.append("graded cells were reordered (the release's order restored)")
    extras_after: dict[str | None, list[NotebookNode]] = {}
    anchor = None
    release_sources = {c.source.strip() for c in release.cells}
    for pos, cell in enumerate(student.cells):
        if pos in matched:
            anchor = matched[pos]
        elif cell.cell_type == "code" and cell.source.strip() not in release_sources:
            extras_after.setdefault(anchor, []).append(_plain_code(cell.source))
    cells = list(extras_after.get(None, []))
    for release_cell in release.cells:
        gid = grade_id(release_cell)
        if gid is None:
            cells.append(nbformat.from_dict(release_cell))
            continue
        mine = [student.cells[pos] for pos, g in matched.items() if g == gid]
        cells.append(_graded_cell(gid, release_cell, mine, repaired))
        cells.extend(extras_after.get(gid, []))
    notebook = nbformat.from_dict(release)
    notebook.cells = cells
    repaired.notebook = notebook
    return repaired


def release_index(release: NotebookNode, gid: str) -> int:
    """The position of the cell `gid` in the release."""
    return next(i for i, c in enumerate(release.cells) if grade_id(c) == gid)


def _plain_code(source: str) -> NotebookNode:
    """A student's own code cell, kept without outputs or metadata."""
    return nbformat.v4.new_code_cell(source)


def repair(*, path: Path, release: NotebookNode) -> Repaired:
    """Read a submitted notebook and rebuild it on the released lesson.

    Args:
        path: the submitted file; it is only read, never changed.
        release: the student version of the lesson (with nbgrader metadata and checksums).

    Returns:
        The notebook to grade with the notes and flags to report, or, when the file is not a
        notebook (empty, invalid JSON, no cells), no notebook and the reason.
    """
    notebook, notes, error = load(path)
    if notebook is None:
        return Repaired(notebook=None, error=error)
    repaired = rebuild(notebook, release)
    repaired.notes[:0] = notes
    nbformat.validate(repaired.notebook)
    return repaired
