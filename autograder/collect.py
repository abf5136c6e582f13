"""`collect`: turn what an LMS hands the instructor into the layout `grade` reads.

It reads a Canvas bulk download (the zip itself or its extracted folder), a Moodle download (folder
per student, or the zip), or a plain `student/lesson/*.ipynb` folder (see `autograder.lms`), and
writes, for each student, the notebook that won as `OUT/<student_id>/<lesson>/<lesson>.ipynb`, plus
`OUT/manifest.csv`: one row per student and lesson with the LMS user id, the display name, the late
marker, which file won and why, or why there is no notebook (that student is graded 0 with the
reason instead of vanishing). Students are keyed by their LMS user id, so two people with the same
name never merge. Collecting another lesson into the same OUT adds to the manifest.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from autograder import lms, teams
from autograder.escape import FORMULA_START, csv_cell, read_csv
from autograder.submissions import grade_ids_in

MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ["student_id", "name", "lms", "lesson", "late", "file", "note"]


class CollectError(ValueError):
    """A download that cannot be collected; the message is one line and nothing was written."""


@dataclass
class Collected:
    """What `collect` wrote: one manifest row per student, and what it skipped with why."""

    rows: list[dict[str, str]]
    problems: list[str]


def read_manifest(folder: Path) -> dict[tuple[str, str], dict[str, str]]:
    """`{(student_id, lesson): row}` from `folder/manifest.csv`; empty when there is none."""
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        rows = [{k: _unguarded(v or "") for k, v in r.items() if k} for r in read_csv(path)]
    except (OSError, ValueError) as exc:
        raise CollectError(f"{path}: cannot be read as a CSV file ({exc})") from None
    if rows and not {"student_id", "lesson"} <= set(rows[0]):
        raise CollectError(
            f"{path}: needs the columns student_id and lesson (as collect writes it), has "
            f"{', '.join(rows[0]) or 'none'}"
        )
    manifest: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:
        key = (row["student_id"], row["lesson"])
        if SPREADSHEET_NUMBER.match(key[0]) or key in manifest:
            how = "twice" if key in manifest else "as a number in scientific notation"
            raise CollectError(
                f"{path}: student id {key[0]!r} appears {how}; a spreadsheet that saved the "
                "manifest turned ids into numbers: collect the download again (or import the "
                "ids as text when opening it)"
            )
        manifest[key] = row
    return manifest


# How a spreadsheet writes a long id it took for a number: `1.7E+14`, `1,70E+14`.
SPREADSHEET_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?E\+?\d+$", re.I)


def write_manifest(folder: Path, rows: dict[tuple[str, str], dict[str, str]]) -> None:
    """Write the manifest atomically (a crash never leaves half a file)."""
    tmp = folder / f".{MANIFEST}.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, MANIFEST_COLUMNS)
        writer.writeheader()
        writer.writerows({k: csv_cell(v) for k, v in rows[key].items()} for key in sorted(rows))
    tmp.replace(folder / MANIFEST)


def _unguarded(value: str) -> str:
    """A cell as it was before `csv_cell` kept a spreadsheet from running it (a name such as
    `=HYPERLINK(...)` comes from the LMS, which the student may control)."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_START else value


def _expand_zips(uploads: list[lms.Upload], budget: lms.Budget, problems: list[str]) -> list:
    """A zip a student uploaded counts as its notebooks (one level deep, same caps)."""
    result = []
    for upload in uploads:
        if not upload.entry.name.lower().endswith(".zip"):
            result.append(upload)
            continue
        label = f"{upload.student}: {upload.entry.name}"
        try:
            data = upload.entry.read(budget.max_file)
            if len(data) > budget.max_file:
                problems.append(f"{label}: larger than {budget.max_file >> 20} MiB, skipped")
                continue
            inner = lms.zip_entries(io.BytesIO(data), budget, problems, prefix=f"{label}/")
        except lms.UnsafeDownload:
            raise
        except lms.UNREADABLE as exc:
            problems.append(f"{label}: not a zip that can be read ({_why(exc)}), skipped")
            result.append(upload)  # the student still has a row: what they uploaded, unread
            continue
        for entry in inner:
            entry.mtime = upload.entry.mtime
            result.append(replace(upload, entry=entry))
    return result


def _winner(upload: lms.Upload, lesson: str, holds: dict[int, bool]) -> tuple:
    """A notebook before Jupyter's autosave of it (`.ipynb_checkpoints/`, `-checkpoint`), then one
    that holds the lesson's exercises (`holds`, when known), then one named for the lesson (a
    scratch notebook uploaded beside it does not win by being newer), then one whose name has
    the lesson's in it (`01_tensors_final.ipynb`), then the LMS's ordering (newest submission,
    last re-upload), then the exact name."""
    parts = upload.entry.parts
    autosave = ".ipynb_checkpoints" in parts or parts[-1].endswith("-checkpoint.ipynb")
    return (
        not autosave,
        holds.get(id(upload), False),
        _named_for(upload.entry.name, lesson),
        lesson.lower() in upload.entry.name.lower(),
        *upload.order,
        upload.entry.name == f"{lesson}.ipynb",
        parts[-1],
    )


def _holding_the_lesson(
    notebooks: list[lms.Upload], exercise_ids: set[str], budget: lms.Budget
) -> dict[int, bool]:
    """Which of a student's notebooks carry the lesson's exercises (their cells' grade ids), by
    `id(upload)`: what a notebook holds, not its name, tells the lesson from a scratch notebook
    however the student's computer renamed it. Worth reading only when there is a choice."""
    if len(notebooks) < 2 or not exercise_ids:
        return {}
    holds = {}
    for upload in notebooks:
        try:
            held = grade_ids_in(upload.entry.read(budget.max_file))
            holds[id(upload)] = bool(held & exercise_ids)
        except lms.UNREADABLE:
            holds[id(upload)] = False  # said when it is chosen and cannot be read
    return holds


# What students and their computers do to a notebook's name, in any combination: `Copy of
# 01_tensors.ipynb` and Colab's `Copy_of_01_tensors.ipynb`, a browser's `01_tensors (1).ipynb`,
# JupyterLab's `01_tensors-Copy1.ipynb`, macOS's `01_tensors copy.ipynb` and `01_tensors 2.ipynb`,
# `01_Tensors.ipynb`.
COPIED_NAME = re.compile(
    r"^(?:copy[ _]of[ _])*(?P<stem>.+?)(?: ?\(\d+\)|-copy\d*| copy(?: \d+)?| \d+)*$", re.I
)


# A notebook a browser saved with another extension: `01_tensors.ipynb.txt`, `01_tensors.json`.
NOTEBOOK_SUFFIXES = (".ipynb", ".ipynb.txt", ".ipynb.json", ".json")


def _stem(filename: str) -> str:
    lower = filename.lower()
    suffix = next((s for s in NOTEBOOK_SUFFIXES if lower.endswith(s)), "")
    return filename[: len(filename) - len(suffix)]


def _named_for(filename: str, lesson: str) -> bool:
    """Is this the lesson's notebook, as students' computers rename it?"""
    return COPIED_NAME.match(_stem(filename).strip())["stem"].lower() == lesson.lower()


def _is_notebook(filename: str, lesson: str) -> bool:
    """A `.ipynb`, or one a browser saved as `.ipynb.txt` or `.json` (a `.json` only when it
    carries the lesson's name: other JSON files are not notebooks)."""
    lower = filename.lower()
    return lower.endswith(NOTEBOOK_SUFFIXES[:3]) or (
        lower.endswith(".json") and _named_for(filename, lesson)
    )


def _choice(won: lms.Upload, notebooks: list[lms.Upload], lesson: str, holds: dict) -> str:
    """Why this notebook of several was graded."""
    of_all = f" ({len(notebooks)} notebooks in all)"
    holding = sum(holds.values())
    if holding == 1 and holds[id(won)]:
        return f"chose {won.entry.name}, the one holding the lesson's exercises{of_all}"
    named = sum(_named_for(u.entry.name, lesson) for u in notebooks)
    if not named and lesson.lower() in won.entry.name.lower():
        return f"chose {won.entry.name}, whose name has the lesson's in it{of_all}"
    if not named:
        return (f"chose {won.entry.name}, the newest of {len(notebooks)} notebooks, none named "
                f"{lesson}.ipynb: check it is the lesson")
    of_all = of_all if named < len(notebooks) else ""
    if named == 1:
        return f"chose {won.entry.name}, the one named for the lesson{of_all}"
    return f"chose {won.entry.name}, the newest of {named} notebooks named for the lesson{of_all}"


def _why(exc: BaseException) -> str:
    """One line for a member that cannot be read: encrypted, Deflate64, a bad CRC, ..."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return "encrypted: it needs a password" if "encrypted" in text else text


def _row(upload: lms.Upload | None, student: str, name: str, kind: str, lesson: str) -> dict:
    return {
        "student_id": student,
        "name": name,
        "lms": kind,
        "lesson": lesson,
        "late": "yes" if upload is not None and upload.late else "",
        "file": upload.entry.name if upload is not None else "",
        "note": "",
    }


def _collect_student(
    uploads: list[lms.Upload], lesson: str, exercise_ids: set[str], budget: lms.Budget
) -> tuple[dict[str, str], bytes | None]:
    """One student's manifest row and the bytes of their winning notebook (None: no notebook)."""
    first = uploads[0]
    notebooks = [u for u in uploads if _is_notebook(u.entry.name, lesson)]
    holds = _holding_the_lesson(notebooks, exercise_ids, budget)
    notebooks.sort(key=lambda u: _winner(u, lesson, holds), reverse=True)
    others = sorted({u.entry.name for u in uploads} - {u.entry.name for u in notebooks})
    if not notebooks:
        row = _row(None, first.student, first.name, first.lms, lesson)
        row["late"] = "yes" if any(u.late for u in uploads) else ""
        uploaded = f" (uploaded {', '.join(others)})" if others else ""
        row["note"] = f"no notebook submitted{uploaded}"
        return row, None
    notes = []
    for won in notebooks:  # the first that can be read
        try:
            data = won.entry.read(budget.max_file)
            break
        except lms.UnsafeDownload:
            raise
        except lms.UNREADABLE as exc:
            notes.append(f"could not read {won.entry.name} ({_why(exc)})")
    else:
        row = _row(None, first.student, first.name, first.lms, lesson)
        row["note"] = "; ".join(notes)
        return row, None
    row = _row(won, first.student, first.name, first.lms, lesson)
    if len(notebooks) > 1:
        notes.append(_choice(won, notebooks, lesson, holds))
    if others:
        notes.append(f"ignored {', '.join(others)}")
    if len(data) > budget.max_file:
        notes.insert(0, f"notebook larger than {budget.max_file >> 20} MiB, not graded")
        row["note"], row["file"] = "; ".join(notes), ""
        return row, None
    row["note"] = "; ".join(notes)
    return row, data


def _refuse_another_lesson(
    results: list[tuple[dict, bytes | None]], lesson: str, exercise_ids: set[str]
) -> None:
    """Stop before writing when the class's notebooks hold exercises, but none of this lesson's:
    the download of another lesson, or the wrong --lesson."""
    if not exercise_ids:
        return
    held = [ids for ids in (grade_ids_in(data) for _, data in results if data) if ids]
    if len(held) >= 2 and not any(ids & exercise_ids for ids in held):
        raise CollectError(
            f"none of the {len(held)} notebooks holds {lesson}'s exercises (they hold another "
            f"lesson's): is this the download of {lesson}, and --lesson the right one?"
        )


def _write(out: Path, student: str, lesson: str, data: bytes | None) -> None:
    """Put the notebook where `grade` looks; remove one collected earlier when there is none."""
    target = out / student / lesson
    for old in target.glob("*.ipynb") if target.is_dir() else []:
        old.unlink()
    if data is None and target.is_dir() and not any(target.iterdir()):
        target.rmdir()  # the manifest's row says why there is no notebook
    if data is not None:
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{lesson}.ipynb").write_bytes(data)


def collect(
    *,
    sources: Path,
    out: Path,
    lesson: str,
    max_entries: int = lms.MAX_ENTRIES,
    max_total: int = lms.MAX_TOTAL_BYTES,
    max_file: int = lms.MAX_FILE_BYTES,
    moodle_worksheet: Path | None = None,
    exercise_ids: set[str] = frozenset(),
) -> Collected:
    """Lay out every student's notebook for `lesson` from an LMS download into `out`.

    Args:
        sources: a Canvas or Moodle zip, or a folder (extracted download or `student/lesson/`).
        out: the folder `grade` will read (created when missing); its manifest is merged.
        lesson: the lesson these submissions are for.
        max_entries, max_total, max_file: caps on what one download may hold (archive bombs).
        moodle_worksheet: the grading worksheet of a Moodle team assignment, which says who is
            in each group (`autograder.teams`).
        exercise_ids: the lesson's grade ids; of a student's several notebooks, one holding
            them wins whatever its name.

    Returns:
        The manifest rows written for this lesson, and what was skipped with why.

    Raises:
        CollectError: a missing or unreadable download, a cap passed (an archive bomb), `out`
            that is a file, or no student at all; nothing was written.
    """
    if not sources.exists():
        raise CollectError(f"{sources} does not exist")
    if out.exists() and not out.is_dir():
        raise CollectError(f"--out {out} is a file; give a folder")
    if sources.is_dir() and sources.resolve() in (out.resolve(), *out.resolve().parents):
        raise CollectError(f"--out {out} is inside the download {sources}; give another folder")
    try:
        reading, budget = lms.read_download(
            sources, max_entries=max_entries, max_total=max_total, max_file=max_file
        )
        problems = reading.problems
        uploads = _expand_zips(reading.uploads, budget, problems)
        uploads = _teams_to_members(uploads, moodle_worksheet, problems)
        return _lay_out(uploads, budget, problems, out, lesson, exercise_ids)
    except zipfile.BadZipFile:
        raise CollectError(f"{sources} is not a valid zip file") from None
    except lms.UnsafeDownload as exc:
        raise CollectError(f"{sources}: {exc}") from None


def _teams_to_members(
    uploads: list[lms.Upload], worksheet: Path | None, problems: list[str]
) -> list[lms.Upload]:
    """A Moodle team download's group folders as one submission per member; refused without
    the worksheet when the download shows it is one (a folder of students in no group)."""
    if worksheet is None:
        team = next((u for u in uploads if u.team), None)
        if team is not None:
            raise CollectError(
                f"{team.entry.parts[0]!r} is a Moodle team assignment's folder: its folders are "
                "named after groups, not students; add --moodle-worksheet with the assignment's "
                "grading worksheet (CSV) to grade every member under their participant id"
            )
        return uploads
    if not any(u.lms == "moodle" for u in uploads):
        found = sorted({u.lms for u in uploads})
        raise CollectError(
            f"--moodle-worksheet is for a Moodle team download; this one is {', '.join(found)}: "
            "leave the option out"
        )
    try:
        return teams.to_members(uploads, teams.read_worksheet(worksheet), problems)
    except teams.WorksheetError as exc:
        raise CollectError(str(exc)) from None


def _lay_out(
    uploads: list[lms.Upload],
    budget: lms.Budget,
    problems: list[str],
    out: Path,
    lesson: str,
    exercise_ids: set[str],
) -> Collected:
    """Group the uploads by student, pick each one's notebook, and write them with the manifest."""
    by_student: dict[str, list[lms.Upload]] = defaultdict(list)
    for upload in uploads:
        if upload.lesson is not None and upload.lesson != lesson:
            problems.append(f"{upload.student}/{upload.lesson}: another lesson, skipped")
        elif not lms.SAFE_ID.match(upload.student):
            problems.append(f"{upload.student!r}: not a usable student id, skipped")
        else:
            by_student[upload.student].append(upload)
    for student, items in list(by_student.items()):
        folders = sorted({u.name for u in items if u.lms == "folder"})
        if len(folders) > 1:  # `Jane Doe` and `Jane_Doe` would be one student: grade neither
            problems.append(f"folders {', '.join(map(repr, folders))} would all be student "
                            f"{student!r}: rename all but one, skipped")
            del by_student[student]
    names = defaultdict(set)
    for student, items in by_student.items():
        names[items[0].name].add(student)
    problems += [
        f"{len(ids)} students named {name!r} (ids {', '.join(sorted(ids))}) kept apart by id"
        for name, ids in sorted(names.items())
        if len(ids) > 1
    ]
    if not by_student:
        hint = f" ({problems[0]})" if problems else ""
        raise CollectError(f"no student submissions found for {lesson}{hint}")
    # Read everything first: a download that passes a cap raises before anything is written.
    results = [
        _collect_student(items, lesson, exercise_ids, budget)
        for _, items in sorted(by_student.items())
    ]
    _refuse_another_lesson(results, lesson, exercise_ids)
    out.mkdir(parents=True, exist_ok=True)
    for row, data in results:
        _write(out, row["student_id"], lesson, data)
    rows = [row for row, _ in results]
    manifest = read_manifest(out)
    manifest.update({(r["student_id"], r["lesson"]): r for r in rows})
    write_manifest(out, manifest)
    return Collected(rows, problems)
