"""What an LMS hands an instructor: read Canvas and Moodle downloads, and plain folders, safely.

Canvas's "Download Submissions" gives one `submissions.zip` whose files are named
`name_userid_attachmentid_filename` (`name_late_userid_...` when late, `LATE` in older Canvas);
the name is the student's sortable name squashed to lowercase, so two people can share it, and
with anonymous grading it is left out (`[late_]userid_attachmentid_filename`). A file uploaded
again gets `-1`, `-2` before its extension. Moodle's "Download all submissions" gives a folder per
student, `Full Name_12345_assignsubmission_file/` (`..._file_/` before Moodle 4.1), where 12345
is the participant id that Moodle's grading worksheet calls `Participant 12345` (or, with
"download submissions in folders" off, files named `Full Name_12345_assignsubmission_file_
filename`); a team assignment names the folders after groups instead (`autograder.teams`). A
plain folder is `student/lesson/*.ipynb` or `student/*.ipynb`. Canvas's text entries and web
links come as `name_userid_text.html` and `name_userid_link.html` (no attachment id): such a
student has a row and no notebook.

Downloads rarely arrive as the LMS made them: the zip saved in a folder (perhaps beside a grade
sheet or other sections' zips), or zipped again, or extracted and re-zipped by macOS Finder (one
folder on top, `__MACOSX/` and `._` files beside) or by Windows (`\\` in names), with UTF-8
names the zip does not flag as UTF-8. The download inside is found and read; the operating
systems' own files are left out.

Everything is read as a list of `Entry`s (a path inside the download and a way to read its bytes),
whether it came from a zip or a folder, so both are treated alike. No path from a download is ever
used to write: `collect` writes each student's winning notebook under a name it makes itself.
Unsafe entries (`..`, absolute paths, links) are skipped and reported, and reading stops at caps
on the number of entries and the bytes read, so a small archive cannot expand without bound.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

MAX_ENTRIES = 20_000  # files in one download (zip members or files in a folder)
MAX_FILE_BYTES = 50 << 20  # one notebook
MAX_TOTAL_BYTES = 2 << 30  # everything read from one download

# Canvas names a file `name[_late]_userid_attachmentid_filename` (the name and the late marker
# squashed to lower case by current Canvas, `LATE` by older ones). Canvas ids never start with 0,
# which keeps a lesson file name such as `01_tensors.ipynb` from passing for an id.
CANVAS_ID = r"[1-9]\d*"
CANVAS_FILE = re.compile(
    rf"^(?P<name>[^/]+?)_(?:(?P<late>(?i:late))_)?(?P<uid>{CANVAS_ID})_(?P<sid>{CANVAS_ID})_"
    r"(?P<file>.+)$"
)
# With anonymous grading there is no name: `[late_]userid_attachmentid_filename`; a name made only
# of characters Canvas squashes away (emoji, punctuation) leaves its `_` in front.
CANVAS_ANONYMOUS = re.compile(
    rf"^_?(?:(?P<late>(?i:late))_)?(?P<uid>{CANVAS_ID})_(?P<sid>{CANVAS_ID})_(?P<file>.+)$"
)
CANVAS_ENTRY = re.compile(
    rf"^_?(?:(?P<name>[^/]+?)_)??(?:(?P<late>(?i:late))_)?(?P<uid>{CANVAS_ID})_"
    r"(?P<file>text\.html|link\.html)$"
)
# Moodle names a student's folder `Full Name_participantid_assignsubmission_file` (4.1 on;
# `..._file_` before), or, without folders, each file `Full Name_participantid_assignsubmission_
# file_filename`. The first `_<id>_assignsubmission_` is Moodle's: the file name after it is the
# student's own, and may imitate the pattern to pass as someone else.
MOODLE_PART = re.compile(
    r"^(?P<name>.+?)_(?P<uid>\d+)_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<file>.*))?$"
)
# A team submission's folder is named after the group (`Team A_17_...`, or `Default group_...`
# without an id); its number is a group id, which no grade sheet row carries.
MOODLE_NO_ID = re.compile(r"^(?P<name>.+?)_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<file>.*))?$")
RESUBMITTED = re.compile(r"^(?P<stem>.*)-(?P<n>\d+)$")
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
# Files an operating system adds to what it copies or zips, never a student's.
SYSTEM_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}
# What reading a damaged or unusual zip raises: a bad CRC, a password, Deflate64, a member name
# flagged UTF-8 that is not (UnicodeDecodeError, a ValueError), a truncated header (struct.error).
# An UnsafeDownload (a ValueError too) is not among them: it ends the whole download.
UNREADABLE = (
    zipfile.BadZipFile,
    RuntimeError,
    NotImplementedError,
    EOFError,
    OSError,
    zlib.error,
    ValueError,
    struct.error,
)


class UnsafeDownload(ValueError):
    """A download that must not be read further (too many entries, too many bytes)."""


@dataclass
class Entry:
    """One file of a download: its path inside it, its size and a way to read it."""

    parts: tuple[str, ...]
    size: int
    read: Callable[[int], bytes]  # read at most n bytes
    mtime: float = 0.0

    @property
    def name(self) -> str:
        return self.parts[-1]


@dataclass
class Upload:
    """A file one student handed in, with what the LMS says about it."""

    student: str  # the LMS user id (Canvas user id, Moodle participant id) or folder name
    name: str  # the display name the LMS gives
    lms: str  # "canvas", "moodle" or "folder"
    entry: Entry
    late: bool = False
    order: tuple = ()  # the LMS's own ordering: larger is newer
    lesson: str | None = None  # a lesson folder in a plain layout
    team: bool = False  # a Moodle team download's folder with no id: a sure sign of teams


@dataclass
class Reading:
    """Every upload found in a download, and the entries that were skipped with why."""

    uploads: list[Upload] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class Budget:
    """Counts entries and bytes read from one download; raises past the caps."""

    def __init__(self, max_entries: int, max_total: int, max_file: int) -> None:
        self.entries, self.total = 0, 0
        self.max_entries, self.max_total, self.max_file = max_entries, max_total, max_file

    def entry(self) -> None:
        self.entries += 1
        if self.entries > self.max_entries:
            raise UnsafeDownload(f"more than {self.max_entries} files; not read further")

    def spend(self, n: int) -> None:
        self.total += n
        if self.total > self.max_total:
            raise UnsafeDownload(
                f"expands past {self.max_total >> 20} MiB (an archive bomb?); not read further"
            )


def _unsafe(parts: tuple[str, ...], name: str) -> str | None:
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    if any(p in ("..", "") for p in parts):
        return "path leaves the download (..)"
    return None


def _system_file(parts: tuple[str, ...]) -> bool:
    """macOS's `__MACOSX/` and `._name` files, `.DS_Store`, Windows' `Thumbs.db`, ..."""
    return any(p == "__MACOSX" or p.startswith("._") or p in SYSTEM_FILES for p in parts)


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its maker meant it: UTF-8 even where the zip does not say so
    (`zipfile` then reads it as CP437), and `/` where Windows wrote `\\`."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except UnicodeError:
            pass  # really CP437 (or plain ASCII): as read
    return name.replace("\\", "/")


def zip_entries(archive, budget: Budget, problems: list[str], prefix: str = "") -> list[Entry]:
    """The files of a zip (a path or a file object), read lazily and within `budget`; unsafe
    members are reported, not read."""
    zf = zipfile.ZipFile(archive)
    entries = []
    for info in zf.infolist():
        budget.entry()
        name = _zip_name(info)
        parts = tuple(PurePosixPath(name).parts)
        if name.endswith("/") or _system_file(parts):
            continue
        label = f"{prefix}{name}"
        why = _unsafe(tuple(name.split("/")), name)
        if why is None and stat.S_ISLNK(info.external_attr >> 16):
            why = "a link"
        if why:
            problems.append(f"{label}: {why}, skipped")
            continue
        entries.append(
            Entry(parts, info.file_size, _zip_reader(zf, info, budget), _zip_mtime(info))
        )
    return entries


def _zip_mtime(info: zipfile.ZipInfo) -> float:
    import datetime

    try:
        return datetime.datetime(*info.date_time).timestamp()
    except ValueError:
        return 0.0


def _zip_reader(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget):
    def read(limit: int) -> bytes:
        # The declared size can lie: read at most `limit + 1` bytes and let the caller judge.
        with zf.open(info) as f:
            data = f.read(limit + 1)
        budget.spend(len(data))
        return data

    return read


def folder_entries(root: Path, budget: Budget, problems: list[str]) -> list[Entry]:
    """The files under `root`, links reported and never followed."""
    entries = []
    for base, folders, names in os.walk(root, followlinks=False):
        base_path = Path(base)
        for name in sorted(folders):
            if (base_path / name).is_symlink():
                problems.append(f"{(base_path / name).relative_to(root)}: a link, skipped")
        folders[:] = [name for name in folders if not _system_file((name,))]
        for name in sorted(names):
            path = base_path / name
            budget.entry()
            rel = path.relative_to(root)
            if _system_file(rel.parts):
                continue
            if path.is_symlink() or not path.is_file():
                problems.append(f"{rel}: a link or special file, skipped")
                continue
            st = path.lstat()
            entries.append(Entry(rel.parts, st.st_size, _file_reader(path, budget), st.st_mtime))
    return entries


def _file_reader(path: Path, budget: Budget):
    def read(limit: int) -> bytes:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            data = f.read(limit + 1)
        budget.spend(len(data))
        return data

    return read


def _resubmission(filename: str) -> tuple[str, int]:
    """`("01_tensors.ipynb", 2)` for Canvas's `01_tensors-2.ipynb`; `(filename, 0)` otherwise."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    match = RESUBMITTED.match(stem)
    if not match:
        return filename, 0
    return f"{match['stem']}{dot}{ext}", int(match["n"])


def _canvas_name(name: str) -> re.Match | None:
    """A Canvas file name parsed: an anonymous one first, whose leading `late_` or user id
    would otherwise pass for a student's name."""
    return CANVAS_ANONYMOUS.match(name) or CANVAS_FILE.match(name) or CANVAS_ENTRY.match(name)


def folder_id(folder: str) -> str:
    """A student id for a plain folder named after the student: `Jane Doe` is `Jane_Doe`, `José
    García` is `Jose_Garcia`, `o'brien` is `o_brien` (the folder's name stays their name)."""
    ascii_name = unicodedata.normalize("NFKD", folder).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", ascii_name).strip("_.-@")[:64]


def classify(entries: list[Entry], problems: list[str]) -> list[Upload]:
    """Which student handed in each entry, by the naming of Canvas, Moodle or a plain folder."""
    uploads = []
    for entry in entries:
        top = unicodedata.normalize("NFC", entry.parts[0])  # macOS writes names decomposed
        moodle = MOODLE_PART.match(top) or MOODLE_NO_ID.match(top)
        alone = len(entry.parts) == 1 and not moodle
        canvas = _canvas_name(top) if alone else None
        if canvas:
            original, n = _resubmission(canvas["file"])
            submission = int(canvas.groupdict().get("sid") or 0)
            uploads.append(
                Upload(
                    student=canvas["uid"],
                    name=canvas.groupdict().get("name") or canvas["uid"],  # anonymous: no name
                    lms="canvas",
                    entry=entry,
                    late=bool(canvas["late"]),
                    order=(submission, n, entry.mtime),
                )
            )
            entry.parts = (original,)
        elif moodle:
            uid = moodle.groupdict().get("uid")
            uploads.append(
                Upload(
                    student=uid or "",
                    name=moodle["name"],
                    lms="moodle",
                    entry=entry,
                    order=(0, 0, entry.mtime),
                    team=uid is None,
                )
            )
            if len(entry.parts) == 1:
                entry.parts = (moodle["file"] or entry.name,)
        elif len(entry.parts) >= 2:
            lesson = entry.parts[1] if len(entry.parts) >= 3 else None
            uploads.append(
                Upload(
                    student=folder_id(top),
                    name=top,
                    lms="folder",
                    entry=entry,
                    lesson=lesson,
                    order=(0, 0, entry.mtime),
                )
            )
        elif entry.name.endswith(".zip"):
            uploads.append(
                Upload(
                    student=Path(top).stem,
                    name=Path(top).stem,
                    lms="folder",
                    entry=entry,
                    order=(0, 0, entry.mtime),
                )
            )
        else:
            problems.append(f"{'/'.join(entry.parts)}: not from a known LMS download, skipped")
    return uploads


def read_download(
    source: Path,
    *,
    max_entries: int = MAX_ENTRIES,
    max_total: int = MAX_TOTAL_BYTES,
    max_file: int = MAX_FILE_BYTES,
) -> tuple[Reading, Budget]:
    """Every upload in `source` (a Canvas/Moodle zip, or an extracted download or plain folder)."""
    reading = Reading()
    budget = Budget(max_entries, max_total, max_file)
    if source.is_file():
        entries = zip_entries(source, budget, reading.problems)
    else:
        entries = folder_entries(source, budget, reading.problems)
    entries = _inner_download(entries, budget, reading.problems)
    reading.uploads = classify(entries, reading.problems)
    return reading, budget


def _inner_download(entries: list[Entry], budget: Budget, problems: list[str]) -> list[Entry]:
    """The LMS download wrapped in this one, when it is: the download saved as a zip in a folder
    (alone, beside other files such as a grade sheet, or with other sections' zips: all are
    read), or zipped again, or its files in folders above the LMS's names (a download extracted
    and re-zipped by macOS Finder, or kept a few folders deep). Else `entries` as they are."""
    current = entries
    while not _named_by_an_lms(current):
        current = _downloads_inside(current, budget, problems) or _below_one_folder(current)
        if not current:
            return entries
    return current


def _downloads_inside(entries: list[Entry], budget: Budget, problems: list[str]) -> list[Entry]:
    """The files of every top-level zip that holds a download (each section's, merged), with the
    files beside them reported. Empty when no zip there holds one."""
    found, beside, reported = [], [], []
    for entry in entries:
        if len(entry.parts) == 1 and entry.name.lower().endswith(".zip"):
            seen: list[str] = []
            try:
                data = io.BytesIO(entry.read(budget.max_total))
                inner = zip_entries(data, budget, seen, prefix=f"{entry.name}/")
                inner = _inner_download(inner, budget, seen)
            except UnsafeDownload:
                raise
            except UNREADABLE:
                if len(entries) == 1:
                    raise  # the download itself, saved in a folder, is damaged
                inner = []  # a student's zip in a plain folder: judged when it is collected
            if _named_by_an_lms(inner):
                found += inner
                reported += seen
                continue
        beside.append("/".join(entry.parts))
    if not found:
        return []
    problems += reported
    problems += [f"{name}: beside the download, not part of it, skipped" for name in beside]
    return found


def _below_one_folder(entries: list[Entry]) -> list[Entry]:
    """The entries one folder down, when every file sits in the same top folder; else empty."""
    if len({e.parts[0] for e in entries}) == 1 and all(len(e.parts) > 1 for e in entries):
        return [replace(e, parts=e.parts[1:]) for e in entries]
    return []


def _named_by_an_lms(entries: list[Entry]) -> bool:
    return any(
        MOODLE_PART.match(e.parts[0])
        or (len(e.parts) == 1 and _canvas_name(e.name))
        for e in entries
    )
