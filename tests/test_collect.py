"""`python -m autograder collect`: real Canvas and Moodle downloads become the layout `grade` reads.

The downloads are built the way the LMSs name them: Canvas's bulk zip of
`name[_late]_userid_attachmentid_filename` files (re-uploads get `-1`, `-2`; no name with
anonymous grading), and Moodle's folder per student,
`Full Name_participantid_assignsubmission_file/` (`..._file_/` before Moodle 4.1), or per group
in a team assignment.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from autograder.collect import CollectError, collect

LESSON = "01_tensors"


def notebook(tag: str) -> bytes:
    """A small valid notebook whose content says who handed it in."""
    return json.dumps(
        {
            "cells": [{"cell_type": "markdown", "metadata": {}, "source": tag}],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    ).encode()


CANVAS = {
    "smithjohn_101_5001_01_tensors.ipynb": notebook("john smith 101"),
    "smithjohn_102_5002_01_tensors.ipynb": notebook("john smith 102"),
    "doejane_LATE_103_5003_01_tensors.ipynb": notebook("jane late"),
    "mary_ann_104_5004_01_tensors.ipynb": notebook("mary first"),
    "mary_ann_104_5010_01_tensors-1.ipynb": notebook("mary second"),
    "leeroy_105_5005_report.pdf": b"%PDF-1.4",
    "kim_106_5006_01_tensors.ipynb": notebook("kim"),
    "kim_106_5006_helper.py": b"print('hi')",
}


def canvas_zip(path: Path, extra=()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in CANVAS.items():
            zf.writestr(name, data)
        zf.writestr("../evil_107_5007_01_tensors.ipynb", notebook("escape"))
        zf.writestr("/tmp/abs_108_5008_01_tensors.ipynb", notebook("absolute"))
        link = zipfile.ZipInfo("linky_109_5009_01_tensors.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        for name, data in extra:
            zf.writestr(name, data)
    return path


def manifest(out: Path) -> dict[str, dict]:
    with open(out / "manifest.csv", newline="") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


def handed_in(out: Path, student: str) -> str:
    return json.loads((out / student / LESSON / f"{LESSON}.ipynb").read_text())["cells"][0][
        "source"
    ]


def check_canvas(out: Path, problems: list[str]) -> None:
    rows = manifest(out)
    assert set(rows) == {"101", "102", "103", "104", "105", "106"}
    # Two people called smithjohn stay two students, each with their own notebook.
    assert handed_in(out, "101") == "john smith 101" and handed_in(out, "102") == "john smith 102"
    assert rows["101"]["name"] == rows["102"]["name"] == "smithjohn"
    assert any("2 students named 'smithjohn'" in p for p in problems)
    # The late marker and the full name survive; the newer submission wins and says so.
    assert rows["103"]["late"] == "yes" and rows["101"]["late"] == ""
    assert rows["104"]["name"] == "mary_ann" and handed_in(out, "104") == "mary second"
    assert rows["104"]["file"] == "01_tensors.ipynb" and "newest of 2" in rows["104"]["note"]
    # No notebook: a row with the reason, no folder content.
    assert rows["105"]["file"] == "" and "no notebook submitted" in rows["105"]["note"]
    assert "report.pdf" in rows["105"]["note"]
    assert "helper.py" in rows["106"]["note"]
    assert all(r["lms"] == "canvas" for r in rows.values())
    # Unsafe members are skipped, reported, and nothing lands outside OUT.
    assert any("leaves the download" in p for p in problems)
    assert any("absolute path" in p for p in problems)
    assert any("a link" in p for p in problems)


def test_canvas_zip_is_keyed_by_user_id_with_late_and_resubmissions(tmp_path):
    """Does Canvas's submissions.zip give one row per Canvas user id, late kept, newest wins?"""
    out = tmp_path / "deep" / "submitted"
    result = collect(sources=canvas_zip(tmp_path / "submissions.zip"), out=out, lesson=LESSON)
    check_canvas(out, result.problems)
    assert not (tmp_path / "deep" / "evil_107_5007_01_tensors.ipynb").exists()
    assert not list(tmp_path.rglob("*evil*")) and not list(tmp_path.rglob("*abs_108*"))


def test_extracted_canvas_folder_gives_the_same_rows(tmp_path):
    """Does the extracted folder of the same download give the same manifest as the zip?"""
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name, data in CANVAS.items():
        (folder / name).write_bytes(data)
    (folder / "linky_109_5009_01_tensors.ipynb").symlink_to("/etc/passwd")
    out = tmp_path / "submitted"
    result = collect(sources=folder, out=out, lesson=LESSON)
    rows = manifest(out)
    assert set(rows) == {"101", "102", "103", "104", "105", "106"}
    assert handed_in(out, "104") == "mary second" and rows["103"]["late"] == "yes"
    assert any("a link" in p for p in result.problems)
    zipped = tmp_path / "zipped"
    collect(sources=canvas_zip(tmp_path / "s.zip"), out=zipped, lesson=LESSON)
    assert manifest(zipped) == rows


def moodle_folder(root: Path) -> Path:
    students = {
        "Jane Doe_2001_assignsubmission_file_": {"01_tensors.ipynb": notebook("jane")},
        "John Smith_2002_assignsubmission_file_": {
            "homework.ipynb": notebook("john 2002"),
            "notes.txt": b"notes",
        },
        "John Smith_2004_assignsubmission_file_": {"01_tensors.ipynb": notebook("john 2004")},
        "Bob Jones_2003_assignsubmission_file_": {"essay.pdf": b"%PDF"},
    }
    for folder, files in students.items():
        (root / folder).mkdir(parents=True)
        for name, data in files.items():
            (root / folder / name).write_bytes(data)
    return root


@pytest.mark.parametrize("as_zip", [False, True])
def test_moodle_download_is_keyed_by_participant_id(tmp_path, as_zip):
    """Does Moodle's folder per student (or its zip) give one row per participant id?"""
    source = moodle_folder(tmp_path / "moodle")
    if as_zip:
        archive = tmp_path / "moodle.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(source).as_posix())
        source = archive
    out = tmp_path / "submitted"
    result = collect(sources=source, out=out, lesson=LESSON)
    rows = manifest(out)
    assert set(rows) == {"2001", "2002", "2003", "2004"}
    assert rows["2002"]["name"] == rows["2004"]["name"] == "John Smith"
    assert handed_in(out, "2002") == "john 2002" and handed_in(out, "2004") == "john 2004"
    assert rows["2002"]["file"] == "homework.ipynb" and "notes.txt" in rows["2002"]["note"]
    assert "no notebook submitted" in rows["2003"]["note"] and "essay.pdf" in rows["2003"]["note"]
    assert all(r["lms"] == "moodle" for r in rows.values())
    assert any("2 students named 'John Smith'" in p for p in result.problems)


def test_plain_folder_and_a_second_lesson_merge_into_one_manifest(tmp_path):
    """Does a plain student/lesson folder work, and does collecting another lesson keep the
    first lesson's rows?"""
    plain = tmp_path / "plain"
    (plain / "ann" / LESSON).mkdir(parents=True)
    (plain / "ann" / LESSON / "mine.ipynb").write_bytes(notebook("ann"))
    (plain / "bob" / "02_autograd").mkdir(parents=True)
    (plain / "bob" / "02_autograd" / "02_autograd.ipynb").write_bytes(notebook("bob"))
    out = tmp_path / "submitted"
    collect(sources=plain, out=out, lesson=LESSON)
    collect(sources=plain, out=out, lesson="02_autograd")
    with open(out / "manifest.csv", newline="") as f:
        rows = {(r["student_id"], r["lesson"]) for r in csv.DictReader(f)}
    assert rows == {("ann", LESSON), ("bob", "02_autograd")}
    assert handed_in(out, "ann") == "ann"


def test_archive_bombs_are_refused_before_anything_is_written(tmp_path):
    """Does a small zip that expands past the caps stop collect, with nothing written?"""
    zeros = b"\0" * (8 << 20)
    bomb = canvas_zip(
        tmp_path / "bomb.zip",
        extra=[(f"bomb_{200 + i}_{6000 + i}_01_tensors.ipynb", zeros) for i in range(4)],
    )
    assert bomb.stat().st_size < 1 << 20
    out = tmp_path / "submitted"
    with pytest.raises(CollectError, match="archive bomb"):
        collect(sources=bomb, out=out, lesson=LESSON, max_total=16 << 20)
    assert not out.exists()
    with pytest.raises(CollectError, match="more than 5 files"):
        collect(sources=bomb, out=out, lesson=LESSON, max_entries=5)
    assert not out.exists()


def test_one_oversized_notebook_scores_zero_with_a_reason(tmp_path):
    """Does one notebook over the size cap become a row with the reason, the rest collected?"""
    archive = canvas_zip(
        tmp_path / "s.zip", extra=[("huge_300_7000_01_tensors.ipynb", b"\0" * (3 << 20))]
    )
    out = tmp_path / "submitted"
    collect(sources=archive, out=out, lesson=LESSON, max_file=1 << 20)
    rows = manifest(out)
    assert "larger than 1 MiB" in rows["300"]["note"] and rows["300"]["file"] == ""
    assert not (out / "300" / LESSON / f"{LESSON}.ipynb").exists()
    assert handed_in(out, "101") == "john smith 101"


def test_bad_downloads_are_one_clear_error(tmp_path):
    """Are a missing source, a broken zip, an OUT that is a file and an empty download refused
    before anything is written?"""
    (tmp_path / "broken.zip").write_bytes(b"not a zip")
    (tmp_path / "empty").mkdir()
    (tmp_path / "file").write_text("x")
    cases = [
        (tmp_path / "missing", tmp_path / "o1", "does not exist"),
        (tmp_path / "broken.zip", tmp_path / "o2", "not a valid zip"),
        (tmp_path / "empty", tmp_path / "file", "is a file"),
        (tmp_path / "empty", tmp_path / "o3", "no student submissions"),
    ]
    for source, out, message in cases:
        with pytest.raises(CollectError, match=message):
            collect(sources=source, out=out, lesson=LESSON)
    assert not any((tmp_path / name).exists() for name in ("o1", "o2", "o3"))
    assert os.path.isfile(tmp_path / "file")


def test_only_lessons_someone_submitted_are_reported_missing(tmp_path):
    """Is a student reported for a lesson others handed in, but not for lessons nobody did?"""
    from autograder.grade import find_submissions

    for student in ("ann", "bob"):
        (tmp_path / student).mkdir()
    (tmp_path / "ann" / "01_tensors").mkdir()
    (tmp_path / "ann" / "01_tensors" / "01_tensors.ipynb").write_text("{}")
    (tmp_path / "bob" / "02_autograd").mkdir()
    (tmp_path / "bob" / "02_autograd" / "02_autograd.ipynb").write_text("{}")
    _, problems = find_submissions(tmp_path, ["01_tensors", "02_autograd", "03_nn_module"])
    assert problems == [
        "ann: no submission for lesson 02_autograd",
        "bob: no submission for lesson 01_tensors",
    ]


def test_manifest_students_without_a_notebook_are_graded_zero(tmp_path):
    """Does a student whom collect found without a notebook become a failed submission?"""
    from autograder.grade import find_submissions

    collect(sources=canvas_zip(tmp_path / "s.zip"), out=tmp_path / "sub", lesson=LESSON)
    found, _ = find_submissions(tmp_path / "sub", [LESSON])
    by_id = {s.student: s for s in found}
    assert by_id["105"].path is None and "no notebook submitted" in by_id["105"].error
    assert by_id["103"].late and by_id["104"].name == "mary_ann"


def test_symlinked_folders_are_not_followed(tmp_path):
    """Is a student folder or lesson folder that is a symbolic link refused, never read?"""
    from autograder.grade import find_submissions

    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "01_tensors").mkdir(parents=True)
    (elsewhere / "01_tensors" / "01_tensors.ipynb").write_text("{}")
    submitted = tmp_path / "submitted"
    (submitted / "ann").mkdir(parents=True)
    (submitted / "ann" / "01_tensors").symlink_to(elsewhere / "01_tensors")
    (submitted / "bob").symlink_to(elsewhere)
    found, problems = find_submissions(submitted, ["01_tensors"])
    assert found == []
    assert problems == [
        "bob: a symbolic link, not a student folder (not followed)",
        "ann: 01_tensors is a symbolic link (not followed)",
    ]


def test_an_unsafe_student_folder_is_skipped_not_fatal(tmp_path):
    """Is a student folder with an unsafe name listed as a problem while the others are graded?"""
    from autograder.grade import find_submissions

    for student in ("ann", "b*b"):
        (tmp_path / student / "01_tensors").mkdir(parents=True)
        (tmp_path / student / "01_tensors" / "01_tensors.ipynb").write_text("{}")
    found, problems = find_submissions(tmp_path, ["01_tensors"])
    assert [s.student for s in found] == ["ann"]
    assert problems == ["b*b: not a safe id (letters, digits, . _ - @ only) (not graded)"]


def rezipped(path: Path, files: dict[str, bytes]) -> Path:
    """A zip of `files` (names as given: folders, `\\`, `._` files and all)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def canvas_repacked(tmp_path: Path) -> dict[str, Path]:
    """The Canvas download of CANVAS as instructors really pass it on, by how it was repacked."""
    finder = {f"submissions/{n}": d for n, d in CANVAS.items()}
    finder |= {f"__MACOSX/submissions/._{n}": b"\0\5\26\7" for n in CANVAS}
    finder["submissions/.DS_Store"] = b"\0\0\0\1Bud1"
    saved = tmp_path / "downloads"
    saved.mkdir()
    canvas_zip(saved / "submissions.zip")
    exfat = tmp_path / "exfat"  # extracted onto a drive where macOS keeps `._` files beside
    exfat.mkdir()
    for name, data in CANVAS.items():
        (exfat / name).write_bytes(data)
        (exfat / f"._{name}").write_bytes(b"\0\5\26\7 AppleDouble")
    return {
        "re-zipped by Finder": rezipped(tmp_path / "finder.zip", finder),
        "the zip zipped again": rezipped(
            tmp_path / "outer.zip", {"submissions.zip": (saved / "submissions.zip").read_bytes()}
        ),
        "the zip saved in a folder": saved,
        "extracted with ._ files": exfat,
    }


def test_a_repacked_canvas_download_gives_the_rows_of_the_original(tmp_path):
    """Does a download re-zipped by Finder, zipped again, kept in a folder or extracted with
    macOS's `._` files beside give every student their own notebook, as the original does?"""
    original = tmp_path / "original"
    collect(sources=canvas_zip(tmp_path / "submissions.zip"), out=original, lesson=LESSON)
    for how, source in canvas_repacked(tmp_path).items():
        out = tmp_path / how.replace(" ", "_")
        collect(sources=source, out=out, lesson=LESSON)
        assert manifest(out) == manifest(original), how
        assert handed_in(out, "104") == "mary second", how


def test_a_windows_zip_with_utf8_names_keeps_folders_and_names(tmp_path):
    """Does a Moodle download re-zipped on Windows (`\\` between folders, UTF-8 names without
    the zip's UTF-8 flag) give each participant, with their name as Moodle wrote it?"""
    folders = {"Zoë Ångström_2101": "zoe", "José Müller_2102": "jose"}
    placeholders = {}
    with zipfile.ZipFile(tmp_path / "moodle.zip", "w") as zf:
        for i, (person, tag) in enumerate(folders.items()):
            real = f"{person}_assignsubmission_file_\\01_tensors.ipynb".encode()
            placeholder = f"{i}".encode() * len(real)  # ASCII: written without the UTF-8 flag
            placeholders[placeholder] = real
            zf.writestr(placeholder.decode(), notebook(tag))
    data = (tmp_path / "moodle.zip").read_bytes()
    for placeholder, real in placeholders.items():
        data = data.replace(placeholder, real)  # the raw UTF-8 bytes, flag still unset
    (tmp_path / "moodle.zip").write_bytes(data)
    out = tmp_path / "submitted"
    collect(sources=tmp_path / "moodle.zip", out=out, lesson=LESSON)
    rows = manifest(out)
    assert {i: r["name"] for i, r in rows.items()} == {
        "2101": "Zoë Ångström",
        "2102": "José Müller",
    }
    assert handed_in(out, "2101") == "zoe" and handed_in(out, "2102") == "jose"


def test_what_canvas_gives_beside_files_and_autosaves(tmp_path):
    """Does a Canvas text entry or web link give its student a row (graded 0 with the reason),
    and does a notebook beat Jupyter's autosave of it, whatever Canvas's ids say?"""
    archive = rezipped(
        tmp_path / "submissions.zip",
        {
            "kimdana_201_6001_01_tensors.ipynb": notebook("kim's work"),
            "kimdana_201_6002_01_tensors-checkpoint.ipynb": notebook("kim's autosave"),
            "daydoris_202_text.html": b"<p>my answers are in the chat</p>",
            "eveevans_LATE_203_link.html": b"<a href='https://colab.example'>colab</a>",
        },
    )
    out = tmp_path / "submitted"
    collect(sources=archive, out=out, lesson=LESSON)
    rows = manifest(out)
    assert handed_in(out, "201") == "kim's work"
    assert rows["202"]["file"] == "" and "uploaded text.html" in rows["202"]["note"]
    assert rows["203"]["late"] == "yes" and "uploaded link.html" in rows["203"]["note"]


def flagged_zip(flag: int, name: str = "01_tensors.ipynb", swap=(b"", b"")) -> bytes:
    """A zip of one notebook with general-purpose `flag` set in both of its headers, and bytes
    of its member's name swapped."""
    made = io.BytesIO()
    with zipfile.ZipFile(made, "w") as zf:
        zf.writestr(name, notebook("flagged"))
    data = bytearray(made.getvalue())
    for signature, flags_at in ((b"PK\3\4", 6), (b"PK\1\2", 8)):  # local and central header
        data[data.index(signature) + flags_at] |= flag & 0xFF
        data[data.index(signature) + flags_at + 1] |= flag >> 8
    return bytes(data).replace(*swap)


def test_a_damaged_member_costs_only_its_student(tmp_path):
    """Does a notebook with a bad checksum, a student's zip that is encrypted, or one whose
    member's name says it is UTF-8 and is not, give that student a row saying why, while the
    others are collected?"""
    locked = flagged_zip(0x1)  # what `zip -P` sets: needs a password
    # 0x800: the name is UTF-8; a byte 0xff in it is not (zipfile raises UnicodeDecodeError)
    misnamed = flagged_zip(0x800, "01_tensorsX.ipynb", (b"01_tensorsX", b"01_tensors\xff"))
    good, damaged = "anna_301_7001_01_tensors.ipynb", "bert_302_7002_01_tensors.ipynb"
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(good, notebook("anna"))
        zf.writestr(damaged, notebook("bert's damaged notebook"))
        zf.writestr("cleo_303_7003_work.zip", locked)
        zf.writestr("dana_304_7004_work.zip", misnamed)
    data = archive.read_bytes()
    archive.write_bytes(data.replace(b"bert's damaged", b"bert's DAMAGED"))  # CRC now wrong
    out = tmp_path / "submitted"
    collect(sources=archive, out=out, lesson=LESSON)
    rows = manifest(out)
    assert handed_in(out, "301") == "anna"
    assert rows["302"]["file"] == "" and "could not read 01_tensors.ipynb" in rows["302"]["note"]
    assert "CRC" in rows["302"]["note"]
    assert rows["303"]["file"] == "" and "encrypted" in rows["303"]["note"]
    assert rows["304"]["file"] == "" and "no notebook submitted" in rows["304"]["note"]


def test_out_inside_the_download_is_refused(tmp_path):
    """Is collecting an extracted download into a folder inside it refused (a second collect
    would read the first one's output as a student)?"""
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name, data in CANVAS.items():
        (folder / name).write_bytes(data)
    with pytest.raises(CollectError, match="inside the download"):
        collect(sources=folder, out=folder / "submitted", lesson=LESSON)
    assert not (folder / "submitted").exists()


def test_a_moodle_file_name_cannot_pass_for_another_student(tmp_path):
    """With Moodle's folders off, the student names the end of each file: does a file called
    `x_2001_assignsubmission_file_01_tensors.ipynb` uploaded by 2005 stay 2005's?"""
    decoy = "x_2001_assignsubmission_file_01_tensors.ipynb"
    archive = rezipped(
        tmp_path / "moodle.zip",
        {
            "Jane Doe_2001_assignsubmission_file_01_tensors.ipynb": notebook("jane"),
            f"Eve Mallory_2005_assignsubmission_file_{decoy}": notebook("eve's decoy"),
        },
    )
    out = tmp_path / "submitted"
    collect(sources=archive, out=out, lesson=LESSON)
    assert handed_in(out, "2001") == "jane" and handed_in(out, "2005") == "eve's decoy"
    assert manifest(out)["2001"]["note"] == ""


def test_a_name_that_is_a_formula_is_kept_inert_in_the_manifest(tmp_path):
    """Does a display name a spreadsheet would run (`=HYPERLINK(...)`, from the LMS) reach
    manifest.csv inert, and come back as the name it was?"""
    from autograder.collect import read_manifest

    name = '=HYPERLINK("https:evil.example","Open")'
    archive = rezipped(
        tmp_path / "moodle.zip",
        {f"{name}_2001_assignsubmission_file_01_tensors.ipynb": notebook("formula")},
    )
    out = tmp_path / "submitted"
    collect(sources=archive, out=out, lesson=LESSON)
    with open(out / "manifest.csv", newline="") as f:
        assert next(r for r in csv.reader(f) if r[0] == "2001")[1] == f"'{name}"  # as stored
    assert read_manifest(out)[("2001", LESSON)]["name"] == name


@pytest.mark.parametrize("as_zip", [False, True])
def test_moodle_4_folders_without_the_trailing_underscore(tmp_path, as_zip):
    """Moodle 4.1 and later name a student's folder `Full Name_id_assignsubmission_file` (no `_`
    after `file`), `Participant_id_...` with blind marking: is each still keyed by participant
    id, whatever the name holds (spaces, digits)?"""
    files = {
        "Jane Doe_3001_assignsubmission_file/01_tensors.ipynb": notebook("jane"),
        "4242_3002_assignsubmission_file/01_tensors.ipynb": notebook("a name that is digits"),
        "Participant_3003_assignsubmission_file/sub/01_tensors.ipynb": notebook("blind"),
        "Bob Jones_3004_assignsubmission_onlinetext/onlinetext.html": b"<p>text</p>",
    }
    source = rezipped(tmp_path / "moodle.zip", files)
    if not as_zip:
        source = tmp_path / "moodle"
        for name, data in files.items():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes(data)
    out = tmp_path / "submitted"
    collect(sources=source, out=out, lesson=LESSON)
    rows = manifest(out)
    assert set(rows) == {"3001", "3002", "3003", "3004"}
    assert handed_in(out, "3001") == "jane" and handed_in(out, "3003") == "blind"
    assert rows["3002"]["name"] == "4242" and rows["3001"]["name"] == "Jane Doe"
    assert "no notebook submitted" in rows["3004"]["note"]
    assert all(r["lms"] == "moodle" for r in rows.values())


def test_canvas_lower_case_late_and_anonymous_names(tmp_path):
    """Current Canvas writes `late` in lower case, and with anonymous grading no name at all
    (`[late_]userid_attachmentid_file`): is each student keyed by user id, late kept, and is a
    name that fits neither form reported instead of keyed by the wrong number?"""
    archive = rezipped(
        tmp_path / "submissions.zip",
        {
            "doejane_late_103_5003_01_tensors.ipynb": notebook("jane late"),
            "2001_60001_01_tensors.ipynb": notebook("anonymous 2001"),
            "late_2002_60002_01_tensors.ipynb": notebook("anonymous 2002, late"),
            "late_2003_text.html": b"<p>an answer typed in</p>",
            "anonymous_k3Xq9_60004_01_tensors.ipynb": notebook("an id that is not a number"),
        },
    )
    out = tmp_path / "submitted"
    result = collect(sources=archive, out=out, lesson=LESSON)
    rows = manifest(out)
    assert set(rows) == {"103", "2001", "2002", "2003"}
    assert rows["103"]["name"] == "doejane" and rows["103"]["late"] == "yes"
    assert handed_in(out, "2001") == "anonymous 2001" and rows["2001"]["late"] == ""
    assert handed_in(out, "2002") == "anonymous 2002, late" and rows["2002"]["late"] == "yes"
    assert rows["2003"]["late"] == "yes" and "no notebook" in rows["2003"]["note"]
    assert rows["2001"]["file"] == "01_tensors.ipynb"
    assert any("anonymous_k3Xq9" in p and "not from a known LMS" in p for p in result.problems)


def lesson_notebook(tag: str) -> bytes:
    """A notebook that holds the lesson's exercises (one cell with a grade id of it)."""
    data = json.loads(notebook(tag))
    data["cells"].append(
        {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "to_unit_range"}},
         "source": "", "outputs": [], "execution_count": None}
    )  # fmt: skip
    return json.dumps(data).encode()


def test_the_lesson_notebook_beats_a_newer_scratch_notebook(tmp_path):
    """A student who uploads the lesson and, later, a scratch notebook in the same submission
    is graded on the lesson (as renamed by their computer, too: a browser, JupyterLab's
    Duplicate, Colab, macOS); newest wins only among those."""
    archive = rezipped(
        tmp_path / "submissions.zip",
        {
            "ann_101_7001_01_tensors.ipynb": notebook("ann lesson"),
            "ann_101_7002_scratch.ipynb": notebook("ann scratch"),
            "bob_102_7003_Copy of 01_Tensors (1).ipynb": notebook("bob lesson"),
            "bob_102_7004_Untitled.ipynb": notebook("bob untitled"),
            "cat_103_7005_mine.ipynb": notebook("cat older"),
            "cat_103_7006_work.ipynb": notebook("cat newer"),
            "dan_104_7007_01_tensors.ipynb.txt": notebook("dan, saved by a browser"),
            "dan_104_7008_notes.json": b"{}",
            "eve_105_7009_01_tensors-Copy1.ipynb": notebook("eve lesson"),
            "eve_105_7010_scratch.ipynb": notebook("eve scratch"),
            "fay_106_7011_Copy_of_01_tensors.ipynb": notebook("fay lesson"),
            "fay_106_7012_scratch.ipynb": notebook("fay scratch"),
            "gus_107_7013_Copy of 01_tensors 2.ipynb": notebook("gus lesson"),
            "gus_107_7014_scratch.ipynb": notebook("gus scratch"),
            "hal_108_7015_01_tensors_final.ipynb": notebook("hal lesson"),
            "hal_108_7016_scratch.ipynb": notebook("hal scratch"),
        },
    )
    out = tmp_path / "submitted"
    collect(sources=archive, out=out, lesson=LESSON)
    rows = manifest(out)
    assert handed_in(out, "101") == "ann lesson" and handed_in(out, "102") == "bob lesson"
    assert [handed_in(out, s) for s in ("105", "106", "107", "108")] == [
        "eve lesson", "fay lesson", "gus lesson", "hal lesson"
    ]  # fmt: skip
    assert "the one named for the lesson (2 notebooks in all)" in rows["101"]["note"]
    assert handed_in(out, "103") == "cat newer"
    assert handed_in(out, "104") == "dan, saved by a browser"
    assert "ignored notes.json" in rows["104"]["note"]
    assert "none named 01_tensors.ipynb: check it is the lesson" in rows["103"]["note"]
    moodle = tmp_path / "moodle"
    (moodle / "Ann Lee_3001_assignsubmission_file").mkdir(parents=True)
    lesson = moodle / "Ann Lee_3001_assignsubmission_file" / "01_tensors.ipynb"
    lesson.write_bytes(notebook("moodle lesson"))
    scratch = lesson.with_name("scratch.ipynb")
    scratch.write_bytes(notebook("moodle scratch"))
    os.utime(lesson, (1_700_000_000, 1_700_000_000))
    os.utime(scratch, (1_700_003_600, 1_700_003_600))  # uploaded an hour later
    collect(sources=moodle, out=tmp_path / "from_moodle", lesson=LESSON)
    assert handed_in(tmp_path / "from_moodle", "3001") == "moodle lesson"


def test_the_notebook_holding_the_lessons_exercises_wins_whatever_its_name(tmp_path):
    """Named anything at all (`lab1 final.ipynb`), the notebook that holds the lesson's exercises
    beats a newer scratch notebook, and beats one named for the lesson that holds none of them."""
    archive = rezipped(
        tmp_path / "submissions.zip",
        {
            "ann_101_7001_lab1 final.ipynb": lesson_notebook("ann lesson"),
            "ann_101_7002_scratch.ipynb": notebook("ann scratch"),
            "bob_102_7003_my work.ipynb": lesson_notebook("bob lesson"),
            "bob_102_7004_01_tensors.ipynb": notebook("bob's notes, named like the lesson"),
            "cat_103_7005_01_tensors.ipynb": lesson_notebook("cat lesson"),
        },
    )
    out = tmp_path / "submitted"
    collect(sources=archive, out=out, lesson=LESSON, exercise_ids={"to_unit_range", "other"})
    rows = manifest(out)
    assert [handed_in(out, s) for s in ("101", "102", "103")] == [
        "ann lesson", "bob lesson", "cat lesson"
    ]  # fmt: skip
    assert "lab1 final.ipynb, the one holding the lesson's exercises" in rows["101"]["note"]
    lesson_01 = rezipped(
        tmp_path / "lesson_01.zip",
        {f"s{i}_10{i}_700{i}_01_tensors.ipynb": lesson_notebook(f"s{i}") for i in range(3)},
    )
    with pytest.raises(CollectError, match="none of the 3 notebooks holds 02_autograd's exerc"):
        collect(sources=lesson_01, out=tmp_path / "wrong", lesson="02_autograd",
                exercise_ids={"mse_grads"})
    assert not (tmp_path / "wrong").exists()


def test_a_download_beside_other_files_or_other_sections(tmp_path):
    """The download saved in a folder with a grade sheet, two sections' downloads side by side,
    or a download a few folders deep: is every student read, with the other files reported?"""
    one = canvas_zip(tmp_path / "one.zip")
    other = rezipped(tmp_path / "other.zip", {"zed_201_9001_01_tensors.ipynb": notebook("zed")})
    beside = tmp_path / "beside"
    beside.mkdir()
    (beside / "submissions.zip").write_bytes(one.read_bytes())
    (beside / "grades.csv").write_text("Student,ID\n")
    out = tmp_path / "out_beside"
    result = collect(sources=beside, out=out, lesson=LESSON)
    check_canvas(out, result.problems)
    assert "grades.csv: beside the download, not part of it, skipped" in result.problems
    sections = tmp_path / "sections"
    sections.mkdir()
    (sections / "submissions.zip").write_bytes(one.read_bytes())
    (sections / "submissions (1).zip").write_bytes(other.read_bytes())
    collect(sources=sections, out=tmp_path / "out_sections", lesson=LESSON)
    assert set(manifest(tmp_path / "out_sections")) == set(manifest(out)) | {"201"}
    deep = tmp_path / "deep"
    (deep / "Lab1" / "submissions").mkdir(parents=True)
    for name, data in CANVAS.items():
        (deep / "Lab1" / "submissions" / name).write_bytes(data)
    collect(sources=deep, out=tmp_path / "out_deep", lesson=LESSON)
    assert manifest(tmp_path / "out_deep") == manifest(out)


def test_plain_folders_named_after_students(tmp_path):
    """Plain folders named `Jane Doe`, `José García` or `o'brien` are students too (ids made
    from their names, the names kept); two folders that would share an id are reported and
    neither is graded as the other."""
    plain = tmp_path / "plain"
    for folder in ("Jane Doe", "José García", "o'brien", "Sam Lee", "Sam_Lee"):
        (plain / folder).mkdir(parents=True)
        (plain / folder / "01_tensors.ipynb").write_bytes(notebook(folder))
    out = tmp_path / "submitted"
    result = collect(sources=plain, out=out, lesson=LESSON)
    rows = manifest(out)
    assert set(rows) == {"Jane_Doe", "Jose_Garcia", "o_brien"}
    assert rows["Jose_Garcia"]["name"] == "José García"
    assert handed_in(out, "Jose_Garcia") == "José García"
    assert any("'Sam Lee', 'Sam_Lee' would all be student 'Sam_Lee'" in p for p in result.problems)


def test_a_moodle_team_download_grades_every_member(tmp_path):
    """A team assignment's folders are named after groups and numbered by group id: is each
    group's notebook given to every member, under their participant id, from the grading
    worksheet; is the download refused without one; is a group nobody belongs to reported?"""
    download = rezipped(
        tmp_path / "teams.zip",
        {
            "Team Alpha_17_assignsubmission_file/01_tensors.ipynb": notebook("alpha"),
            "Team_Beta_18_assignsubmission_file/01_tensors.ipynb": notebook("beta"),
            "Default group_assignsubmission_file/01_tensors.ipynb": notebook("no group"),
            "Ghosts_19_assignsubmission_file/01_tensors.ipynb": notebook("ghosts"),
        },
    )
    with pytest.raises(CollectError, match="team assignment.*--moodle-worksheet"):
        collect(sources=download, out=tmp_path / "refused", lesson=LESSON)
    assert not (tmp_path / "refused").exists()
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_text(
        "\ufeffIdentifier,Full name,Email address,Status,Group,Grade\n"
        "Participant 901,Ann Lee,ann@example.org,Submitted,Team Alpha,\n"
        "Participant 902,Bo Chan,bo@example.org,Submitted,Team Alpha,\n"
        "Participant 903,Cy Diaz,cy@example.org,Submitted,Team_Beta,\n"
        "Participant 904,Di Eze,di@example.org,Submitted,Default group,\n",
        encoding="utf-8",
    )
    out = tmp_path / "submitted"
    result = collect(sources=download, out=out, lesson=LESSON, moodle_worksheet=worksheet)
    rows = manifest(out)
    assert set(rows) == {"901", "902", "903", "904"}
    assert handed_in(out, "901") == handed_in(out, "902") == "alpha"
    assert handed_in(out, "903") == "beta" and handed_in(out, "904") == "no group"
    assert rows["901"]["name"] == "Ann Lee (Team Alpha)"
    assert any(p.startswith("group 'Ghosts': not in the worksheet") for p in result.problems)
    (tmp_path / "not_a_worksheet.csv").write_text("Student,ID\nAnn,1\n")
    with pytest.raises(CollectError, match="not the grading worksheet of a Moodle team"):
        collect(sources=download, out=out, lesson=LESSON,
                moodle_worksheet=tmp_path / "not_a_worksheet.csv")
    with pytest.raises(CollectError, match="--moodle-worksheet is for a Moodle team download"):
        collect(sources=canvas_zip(tmp_path / "canvas.zip"), out=tmp_path / "c", lesson=LESSON,
                moodle_worksheet=worksheet)
    with pytest.raises(CollectError, match="none of the download.s 3 folders is a group.*individ"):
        collect(sources=moodle_folder(tmp_path / "individual"), out=tmp_path / "i",
                lesson=LESSON, moodle_worksheet=worksheet)


def test_team_names_moodle_shortens_in_folder_names_still_find_their_members(tmp_path):
    """Moodle deletes `' / " & : |` and the like from a folder's name (`Kevin's Team` becomes
    `Kevins Team`) and its worksheet may write `&` as `&amp;`; Excel's "Unicode Text" saves the
    worksheet as UTF-16 with tabs. Is every member still found?"""
    download = tmp_path / "teams"
    groups = {"Kevins Team_41": "kevin", "AB testers_43": "ab", "Rock  Roll_44": "rock",
              "=cmdx_45": "formula"}  # fmt: skip
    for folder, tag in groups.items():
        (download / f"{folder}_assignsubmission_file").mkdir(parents=True)
        (download / f"{folder}_assignsubmission_file" / "01_tensors.ipynb").write_bytes(
            notebook(tag)
        )
    worksheet = tmp_path / "worksheet.txt"
    worksheet.write_text(
        "Identifier\tFull name\tGroup\n"
        "Participant 3101\tKev Ng\tKevin's Team\n"
        "Participant 3102\tAl Bo\tA/B testers\n"
        "Participant 3103\tRo Ck\tRock &amp; Roll\n"
        "Participant 3104\tEq Ls\t=cmd|x\n",
        encoding="utf-16",
    )
    out = tmp_path / "submitted"
    result = collect(sources=download, out=out, lesson=LESSON, moodle_worksheet=worksheet)
    assert {s: handed_in(out, s) for s in manifest(out)} == {
        "3101": "kevin", "3102": "ab", "3103": "rock", "3104": "formula"
    }  # fmt: skip
    assert not result.problems


def test_a_manifest_saved_again_by_a_spreadsheet_reads_the_same(tmp_path):
    """An instructor opens manifest.csv in a spreadsheet and saves it: as UTF-8 with a byte
    order mark and CRLF, as Windows-1252, or with semicolons. Does it read the same, and does a
    file without its columns say so in one line?"""
    from autograder.collect import read_manifest, write_manifest

    out = tmp_path / "submitted"
    collect(sources=canvas_zip(tmp_path / "submissions.zip"), out=out, lesson=LESSON)
    rows = read_manifest(out)
    key = sorted(rows)[0]
    rows[key] = {**rows[key], "name": "Hana Itô"}
    write_manifest(out, rows)
    original = read_manifest(out)
    text = (out / "manifest.csv").read_text(encoding="utf-8")
    semicolons = io.StringIO()
    csv.writer(semicolons, delimiter=";").writerows(csv.reader(io.StringIO(text, newline="")))
    for saved in (
        "\ufeff".encode() + text.replace("\r\n", "\n").replace("\n", "\r\n").encode(),
        text.encode("cp1252"),
        semicolons.getvalue().encode("utf-8"),
    ):
        (out / "manifest.csv").write_bytes(saved)
        assert read_manifest(out) == original
    (out / "manifest.csv").write_text("id,grade\n1,2\n")
    with pytest.raises(CollectError, match="needs the columns student_id and lesson"):
        read_manifest(out)


def test_ids_a_spreadsheet_changed_are_refused_not_graded_as_new_students(tmp_path):
    """A spreadsheet that saved the manifest may write long ids as `1.7E+14` (so several rows
    share one) or drop leading zeros (so a row names a folder that does not exist): does
    grading stop with one line instead of merging students or adding phantom ones?"""
    from autograder.grade import GradingError, find_submissions

    plain = tmp_path / "plain"
    for student in ("00123456", "00765432"):
        (plain / student / LESSON).mkdir(parents=True)
        (plain / student / LESSON / f"{LESSON}.ipynb").write_bytes(notebook(student))
    out = tmp_path / "submitted"
    collect(sources=plain, out=out, lesson=LESSON)
    text = (out / "manifest.csv").read_text()
    (out / "manifest.csv").write_text(text.replace("00123456,00123456", "123456,123456"))
    with pytest.raises(GradingError, match="no folder 123456/01_tensors.*leading zeros"):
        find_submissions(out, [LESSON])
    for changed in (text.replace("00123456,", "1.23456E+5,"),
                    text.replace("00765432,", "00123456,", 1)):  # fmt: skip
        (out / "manifest.csv").write_text(changed)
        with pytest.raises(CollectError, match="turned ids into numbers"):
            find_submissions(out, [LESSON])
