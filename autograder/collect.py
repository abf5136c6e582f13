"""`collect`: turn what instructors really download into nbgrader's `submitted/` layout.

Two forms are understood, side by side in one folder: a zip per student (`<student>.zip`, its
notebooks anywhere inside) and an LMS download of `<student>_<anything>.ipynb` files. Files are
copied, never moved; zip members are read by name only (no paths from the archive are used), so
an archive cannot write outside the layout. Anything else is reported, not fatal.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path, PurePosixPath

MAX_MEMBER_BYTES = 50 << 20


def _target(out: Path, student: str, lesson: str, name: str) -> Path:
    folder = out / student / lesson
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def _from_zip(archive: Path, out: Path, lesson: str, problems: list[str]) -> None:
    student = archive.stem
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if m.filename.endswith(".ipynb")]
            members = [m for m in members if "__MACOSX" not in m.filename]
            if not members:
                problems.append(f"{archive.name}: no notebook inside")
            for member in members:
                if member.file_size > MAX_MEMBER_BYTES:
                    problems.append(f"{archive.name}: {member.filename} too large, skipped")
                    continue
                name = PurePosixPath(member.filename).name
                _target(out, student, lesson, name).write_bytes(zf.read(member))
    except zipfile.BadZipFile:
        problems.append(f"{archive.name}: not a valid zip file")


def collect(*, sources: Path, out: Path, lesson: str) -> list[str]:
    """Copy every student's files from `sources` into `out/<student>/<lesson>/`.

    Args:
        sources: a folder of `<student>.zip` files and/or `<student>_<anything>.ipynb` files.
        out: the `submitted/` folder to fill (created when missing).
        lesson: the lesson these submissions are for.

    Returns:
        The files that could not be used, each with the reason.
    """
    problems: list[str] = []
    for path in sorted(p for p in sources.iterdir() if p.is_file()):
        if path.suffix == ".zip":
            _from_zip(path, out, lesson, problems)
        elif path.suffix == ".ipynb" and "_" in path.stem:
            student = path.stem.split("_", 1)[0]
            shutil.copyfile(path, _target(out, student, lesson, f"{lesson}.ipynb"))
        else:
            problems.append(f"{path.name}: not a zip or <student>_<anything>.ipynb, skipped")
    return problems
