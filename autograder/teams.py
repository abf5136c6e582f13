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

import html
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from autograder.escape import read_csv
from autograder.lms import Upload


class WorksheetError(ValueError):
    """A file that is not the grading worksheet of a Moodle team assignment."""


# What Moodle's `clean_filename` (PARAM_FILE) deletes from a folder name: control characters
# and & < > " ` | ' : \ /. `Kevin's Team` becomes `Kevins Team`, `A/B testers` `AB testers`.
FILENAME_DELETES = re.compile(r"[\x00-\x1f\x7f&<>\"`|':\\/]")


def group_key(name: str) -> str:
    """A group name as both the worksheet and the folder give it: Moodle's folder name deletes
    the characters a file name may not hold (FILENAME_DELETES), and `_` reads as a space; the
    worksheet may write `&` as `&amp;`."""
    name = FILENAME_DELETES.sub("", unicodedata.normalize("NFC", html.unescape(name)))
    return " ".join(re.sub(r"[^\w]+", " ", name.replace("_", " ")).split()).casefold()


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
    group the worksheet does not know is reported. WorksheetError when no folder is a group of
    the worksheet's (an individual assignment's download, or another assignment's worksheet)."""
    result, unknown, known = [], set(), False
    for upload in uploads:
        if upload.lms != "moodle":
            result.append(upload)
            continue
        members = teams.get(group_key(upload.name))
        if not members:
            unknown.add(upload.name)
            continue
        known = True
        for participant, full_name in members:
            name = f"{full_name} ({upload.name})" if full_name else upload.name
            result.append(replace(upload, student=participant, name=name))
    if unknown and not known:
        raise WorksheetError(
            f"none of the download's {len(unknown)} folders is a group of the worksheet: is it "
            "an individual assignment (then leave --moodle-worksheet out) or another "
            "assignment's worksheet?"
        )
    problems += [
        f"group {name!r}: not in the worksheet, so its members get no grade (download the "
        "worksheet again if groups changed)"
        for name in sorted(unknown)
    ]
    return result
