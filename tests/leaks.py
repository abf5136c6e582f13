"""The tests' own look for hidden test lines in a feedback page, independent of the grader's.

`autograder.leaks` decodes the page; this encodes each hidden line the ways a student would and
searches the page for the result, so a bug in one is caught by the other.
"""

from __future__ import annotations

import base64
import codecs
import html
import urllib.parse
from collections.abc import Iterable, Iterator


def encodings(line: str) -> Iterator[str]:
    """`line` as it would appear in a page after the usual encodings."""
    raw = line.encode()
    yield line
    yield html.escape(line, quote=False)
    yield html.escape(line, quote=True)
    yield line[::-1]
    yield codecs.encode(line, "rot13")
    yield raw.hex()
    yield raw.hex().upper()
    yield urllib.parse.quote(line)
    yield "".join(f"\\x{b:02x}" for b in raw)
    yield base64.b32encode(raw).decode().rstrip("=")[:-8]
    for pad in range(3):
        # base64 of the line wherever it starts in the encoded text: keep the characters that
        # depend on the line alone.
        encoded = base64.b64encode(b"\0" * pad + raw).decode()
        middle = encoded[4 if pad else 0 : -4]
        yield middle
        yield middle[::-1]
        yield middle.replace("+", "-").replace("/", "_")


def encoded_leaks(page: str, hidden: Iterable[str], *, known: str = "") -> list[str]:
    """The hidden lines (not in `known`) that `page` contains in one of `encodings`."""
    found = []
    for line in hidden:
        if len(line) < 24 or line in known or _message(line):
            continue
        if any(len(form) >= 12 and form in page for form in encodings(line)):
            found.append(line)
    return found


def _message(line: str) -> bool:
    """A line that is only a string (part of an assertion's message, shown by design)."""
    core = line.strip().lstrip("(").rstrip("),;: ")
    return len(core) >= 2 and core[-1] in "'\"" and core.lstrip("rbfuRBFU")[:1] == core[-1]
