"""Moodle team assignments: each group's folder handed back to every member of the group.

In a team assignment Moodle's download has one folder per group, named after the group and
numbered with the *group's* id (`Team Alpha_17_assignsubmission_file/`), or `Default group_
assignsubmission_file/` for students in no group. Grades go back per student, by participant
id, so the group folder has to become one submission per member. The download does not say who
is in which group; the assignment's grading worksheet does (Moodle: *View all submissions* →
*Download grading worksheet*): its `Identifier` column is `Participant 1234`, its `Group` column
the member's group.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from autograder.escape import read_csv
from autograder.lms import Upload


class WorksheetError(ValueError):
    """A file that is not the grading worksheet of a Moodle team assignment."""


def group_key(name: str) -> str:
    """A group name as both the worksheet and the folder give it: Moodle's folder name turns
    `_` into spaces and drops characters a file name cannot hold."""
    name = unicodedata.normalize("NFC", name).replace("_", " ")
    return " ".join(re.sub(r"[^\w]+", " ", name).split()).casefold()


def read_worksheet(path: Path) -> dict[str, list[tuple[str, str]]]:
    """`{group key: [(participant id, full name), ...]}` from a team assignment's worksheet."""
    try:
        rows = read_csv(path)
    except (OSError, ValueError) as exc:
        raise WorksheetError(f"{path}: cannot be read as a CSV file ({exc})") from None
    if not rows or not {"Identifier", "Group"} <= set(rows[0]):
        raise WorksheetError(
            f"{path}: not the grading worksheet of a Moodle team assignment (it needs the "
            "columns Identifier and Group)"
        )
    teams: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        number = re.search(r"(\d+)\s*$", row["Identifier"] or "")  # "Participant 1234"
        if number:
            member = (number[1], row.get("Full name") or "")
            teams.setdefault(group_key(row["Group"] or ""), []).append(member)
    return teams


def to_members(
    uploads: list[Upload], teams: dict[str, list[tuple[str, str]]], problems: list[str]
) -> list[Upload]:
    """Each Moodle group folder's uploads, once for every member of the group; a folder whose
    group the worksheet does not know is reported."""
    result, unknown = [], set()
    for upload in uploads:
        if upload.lms != "moodle":
            result.append(upload)
            continue
        members = teams.get(group_key(upload.name))
        if not members:
            unknown.add(upload.name)
            continue
        for participant, full_name in members:
            name = f"{full_name} ({upload.name})" if full_name else upload.name
            result.append(replace(upload, student=participant, name=name))
    problems += [
        f"group {name!r}: no member of it in the worksheet, skipped" for name in sorted(unknown)
    ]
    return result
