"""`leaks`: does a feedback page quote a hidden test, plainly or encoded?

A submission that could read hidden tests while it ran could print them into its own outputs,
and so into its feedback. The grader is built so that it cannot read them; this check is the
second line: the page is read back in the encodings a student would reach for (HTML entities,
URL and backslash escapes, base64/base32/hex runs, zlib inside base64, lists of character codes,
reversed, rot13, characters spread apart) and every decoded view is searched for the hidden lines.
Lines that are only a string literal are parts of failure messages, which students are meant to
read, and are never counted.

A hidden line shorter than MIN_TELLING, or that also occurs in what the student already sees
(the lesson's text, the visible part of the tests, the student's own code) gives nothing away
and is not looked for: short common lines such as `.module()` or `with torch.no_grad():` are
not leaks.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
import urllib.parse
import zlib
from collections.abc import Iterable, Iterator

MAX_TEXT = 8_000_000  # characters of a page looked at; pages are capped well below this
BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
BASE32_RUN = re.compile(r"[A-Z2-7]{16,}=*")
HEX_RUN = re.compile(r"(?:[0-9a-fA-F]{2}[\s,:;.-]?){8,}")
# One way only to read each separator (atomic): spaces that may be split many ways made a run
# of numbers followed by something else take exponential time.
CODES_RUN = re.compile(r"(?:\d{1,7}(?>\s*[,;]\s*|\s+)){7,}\d{1,7}")
BACKSLASH = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3})")
STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S | re.I)
LONG_RUN = re.compile(r"[A-Za-z0-9+/=_-]{4096,}")
MIN_TELLING = 24  # characters of a hidden line worth looking for
MAX_CODES = 1_000_000  # characters of one run of character codes read
MAX_INFLATED = 32 << 20  # bytes that zlib runs of one page may inflate to, all together
# Characters spread apart by one separator: `a s s e r t`, `a_s_s_e_r_t`, `a,s,s,e,r,t`.
SPREAD_RUN = re.compile(r"(?:[^\n][ _,.|/-]){8,}[^\n]?")
MESSAGE = re.compile(r"""[rRbBuUfF]{0,2}("|')(?:(?!\1).|\\.)*\1""")


def find_leaks(text: str, hidden: Iterable[str], *, known: str = "") -> list[str]:
    """The hidden lines that `text` shows in some encoding, excluding those found in `known`.

    Args:
        text: the page (HTML) as handed to the student.
        hidden: lines of hidden tests (stripped), e.g. `HideHiddenTests().hidden_lines(source)`.
        known: text the student sees anyway; a hidden line occurring in it is not a leak.
    """
    telling = [line for line in hidden if is_telling(line, known)]
    if not telling:
        return []
    views = list(decoded_views(text[:MAX_TEXT]))
    return [line for line in telling if any(line in view for view in views)]


def is_telling(line: str, known: str = "") -> bool:
    """Whether showing `line` would give a hidden test away: long enough to be specific (short
    lines such as `with torch.no_grad():` fill libraries too), unknown to the student, and code
    rather than a failure message."""
    return len(line) >= MIN_TELLING and line not in known and not is_message(line)


def is_message(line: str) -> bool:
    """Whether a hidden line is only a string literal: part of a failure message, which tests
    exist to show (`"(which operation only changes strides?)")`)."""
    return MESSAGE.fullmatch(line.strip().lstrip("(").rstrip("),;: ")) is not None


def decoded_views(text: str) -> Iterator[str]:
    """`text` read in every encoding this module knows, a few long strings.

    The page's style sheets come from the template, not from the student, and are left out;
    long runs (figures) are only looked at decoded, so the cheap views stay small; every run
    that decodes to text joins one view, its pieces separated by line breaks.
    """
    text = STYLE.sub(" ", text)
    plain = html.unescape(text)
    short = LONG_RUN.sub(" ", plain)
    yield LONG_RUN.sub(" ", text)
    yield short
    base = [short, _backslash_decoded(short), urllib.parse.unquote_plus(short)]
    yield from base[1:]
    for view in base:
        yield view[::-1]
        yield codecs.encode(view, "rot13")
    inflate = _Inflater()
    pieces = "\n".join(
        piece
        for source in (plain, plain[::-1])
        for piece in decoded_pieces(source, inflate)
        if piece
    )
    yield pieces
    yield pieces[::-1]
    yield codecs.encode(pieces, "rot13")


def _readable(piece: str) -> bool:
    """Whether a decoded run looks like text (figures, random bytes and noise do not)."""
    sample = piece[:2000]
    if len(sample) < 8:
        return False
    printable = sum(" " <= ch <= "~" or ch in "\n\t" for ch in sample)
    return printable >= 0.95 * len(sample)


def decoded_pieces(text: str, inflate: _Inflater) -> Iterator[str]:
    """Every run of `text` that decodes as base64, base32, hex or character codes (zlib inside
    base64 inflated within `inflate`'s budget, shared by the page)."""
    for match in BASE64_RUN.finditer(text):
        run = match.group().rstrip("=")
        for shift in range(4):
            yield from _from_base64(run[shift:], inflate)
    for match in BASE32_RUN.finditer(text):
        run = match.group().rstrip("=")
        for shift in range(8):
            part = run[shift:]
            with _ignored():
                yield _text(base64.b32decode(part + "=" * (-len(part) % 8)))
    for match in HEX_RUN.finditer(text):
        digits = re.sub(r"[^0-9a-fA-F]", "", match.group())
        for shift in range(2):
            part = digits[shift:]
            with _ignored():
                yield _text(bytes.fromhex(part[: len(part) // 2 * 2]))
    for match in SPREAD_RUN.finditer(text):
        yield match.group()[::2]
        yield match.group()[1::2]
    for match in CODES_RUN.finditer(text):
        codes = [int(code) for code in re.findall(r"\d+", match.group()[:MAX_CODES])]
        decoded = "".join(chr(code) for code in codes if 0 < code < 0x110000)
        if _readable(decoded):
            yield decoded


def _from_base64(run: str, inflate: _Inflater) -> Iterator[str]:
    padded = run[: len(run) // 4 * 4 + (len(run) % 4 if len(run) % 4 > 1 else 0)]
    padded += "=" * (-len(padded) % 4)
    for altchars in (None, b"-_"):
        with _ignored():
            raw = base64.b64decode(padded, altchars=altchars)
            yield _text(raw)
            with _ignored():
                yield _text(inflate(raw))


def _text(raw: bytes) -> str:
    """`raw` as text, or "" when it does not start like text (a figure, random bytes)."""
    if not _readable(raw[:2000].decode("utf-8", errors="ignore")):
        return ""
    return raw.decode("utf-8", errors="ignore")


def _backslash_decoded(text: str) -> str:
    """`\\x41`, `\\u0041`, `\\U00000041` and `\\101` read as the characters they stand for."""

    def char(match: re.Match) -> str:
        escape = match.group()
        code = int(escape[1:], 8) if escape[1].isdigit() else int(escape[2:], 16)
        return chr(code) if code < 0x110000 else escape

    return BACKSLASH.sub(char, text)


class TooMuchToCheck(Exception):
    """The page's compressed runs inflate past MAX_INFLATED: it cannot be checked, so it is not
    handed out (an honest page holds no compressed text at all)."""


class _Inflater:
    """zlib inflation with one budget for a whole page: a small run can inflate a thousandfold."""

    def __init__(self) -> None:
        self.left = MAX_INFLATED

    def __call__(self, raw: bytes) -> bytes:
        data = zlib.decompressobj().decompress(raw, self.left + 1)
        if len(data) > self.left:
            raise TooMuchToCheck(f"compressed text inflating past {MAX_INFLATED >> 20} MiB")
        self.left -= len(data)
        return data


class _ignored:
    """Skip a decoding that does not apply (bad padding, odd length, not compressed)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return exc[0] is not None and issubclass(exc[0], ValueError | binascii.Error | zlib.error)
