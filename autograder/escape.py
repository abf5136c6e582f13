"""Student-controlled text (ids, names, file names, error messages) made safe where it lands."""

from __future__ import annotations

import codecs
import csv
import html
import io
import re
from collections.abc import Iterable
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def encodable(text: str) -> str:
    """`text` with what UTF-8 cannot encode (a lone surrogate from a notebook's JSON) written as
    a backslash escape: every file the grader writes can hold it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run as a formula: text starting with `= + - @`, a tab
    or a carriage return gets a leading apostrophe. Numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(path: Path, header: list[str], rows: Iterable[list]) -> None:
    """Write a CSV atomically, every student-controlled cell made formula-safe."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    tmp.replace(path)


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as a spreadsheet may have saved it: UTF-8 with or without a byte
    order mark, UTF-16 with one (Excel's "Unicode Text"), or Windows-1252; separated by commas,
    semicolons or tabs. OSError, or ValueError (with the reason) when it cannot be read as one."""
    data = path.read_bytes()
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    first = text.splitlines()[0] if text else ""
    delimiter = max(",;\t", key=first.count)
    try:
        return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ValueError(str(exc)) from None


def markdown(text: object, limit: int = 300) -> str:
    """Text shown literally in Markdown (and in the HTML it renders to): one line, no markup."""
    flat = "".join(c if c.isprintable() else "?" for c in " ".join(str(text).split()))
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def terminal(text: object, limit: int = 120) -> str:
    """Text safe to print on a terminal: one line, no control characters (escape sequences)."""
    flat = " ".join(str(text).split())
    flat = "".join(c if c.isprintable() else "?" for c in flat)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
