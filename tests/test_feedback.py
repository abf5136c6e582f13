"""Feedback pages: hidden lines are found in any usual encoding, common lines the student can see
anyway are not leaks, outputs are capped and escape-free, and rendering has a time limit."""

from __future__ import annotations

import base64
import codecs
import os
import time
import zlib

import nbformat
import pytest

from autograder.feedback import (
    MAX_OUTPUT_CHARS,
    MAX_RENDERED_CELL_CHARS,
    PAGE_RENDER_CHARS,
    PAGE_SOURCE_CHARS,
    FeedbackTimeout,
    _Bounded,
    _time_limit,
    cap_outputs,
    cap_sources,
    clean_text,
    known_text,
    without_active_html,
)
from autograder.leaks import MAX_INFLATED, TooMuchToCheck, find_leaks, is_telling
from autograder.preprocessors import HideHiddenTests
from conftest import LESSONS, read_source_notebook

LINE = "checks.assert_close(result, batch.float() / 255, name='to_unit_range(batch)')"
ENCODED = {
    "plain": LINE,
    "html entities": LINE.replace("(", "&#40;").replace("'", "&#x27;"),
    "base64": base64.b64encode(LINE.encode()).decode(),
    "base64 mid-stream": base64.b64encode(b"xy" + LINE.encode()).decode(),
    "urlsafe base64": base64.urlsafe_b64encode(b"?>" + LINE.encode()).decode(),
    "zlib in base64": base64.b64encode(zlib.compress(LINE.encode())).decode(),
    "reversed base64": base64.b64encode(LINE.encode()).decode()[::-1],
    "base32": base64.b32encode(LINE.encode()).decode(),
    "hex": LINE.encode().hex(),
    "spaced hex": " ".join(f"{b:02X}" for b in LINE.encode()),
    "backslash escapes": "".join(f"\\x{b:02x}" for b in LINE.encode()),
    "url escapes": "".join(f"%{b:02x}" for b in LINE.encode()),
    "character codes": str([ord(c) for c in LINE]),
    "reversed": LINE[::-1],
    "rot13": codecs.encode(LINE, "rot13"),
    "spread apart": " ".join(LINE),
}


@pytest.mark.parametrize("encoding", ENCODED)
def test_encoded_hidden_line_is_found(encoding):
    page = f"<html><body><pre>output: {ENCODED[encoding]}\n</pre></body></html>"
    assert find_leaks(page, [LINE]) == [LINE]


def test_line_the_student_can_see_is_not_a_leak():
    """A short line such as `.module()` that the lesson's text also uses gives nothing away."""
    page = "<pre>exported = torch.export.export(m, args).module()</pre>"
    line = "exported = torch.export.export(m, args).module()"
    assert find_leaks(page, [line], known=f"    {line}\n") == []
    assert find_leaks(page, [line]) == [line]
    assert find_leaks(page, [").module()"]) == []  # too short to give anything away


def test_failure_messages_are_not_leaks():
    """Tests show their failure messages by design, so a line that is only a string is none."""
    line = '"(did you forget to copy after .detach()?)")'
    assert find_leaks(f"<pre>AssertionError: {line}</pre>", [line]) == []


@pytest.mark.parametrize("lesson", LESSONS)
def test_each_lesson_no_false_alarm_and_real_leaks_found(lesson):
    """A page showing the student version raises no alarm (lesson 07's `.module()`), while the
    same page with the hidden tests pasted in base64 is caught on (almost) every line."""
    source = read_source_notebook(lesson)
    visible, _ = HideHiddenTests().preprocess(nbformat.from_dict(source), {})
    page = "\n".join(cell.source for cell in visible.cells)
    hidden = HideHiddenTests().hidden_lines(source)
    known = known_text(source)
    assert find_leaks(page, hidden, known=known) == []
    telling = [line for line in hidden if is_telling(line, known)]
    assert len(telling) >= 0.4 * len(hidden), "most hidden lines must stay telling"
    pasted = base64.b64encode("\n".join(sorted(hidden)).encode()).decode()
    assert sorted(find_leaks(page + pasted, hidden, known=known)) == sorted(telling)


def test_spaced_numbers_that_end_in_text_are_read_once():
    """Numbers parted by long runs of spaces and ending in a letter made the search for
    character codes backtrack exponentially (13 spaces: a minute; 40: forever)."""
    bomb = ("1" + " " * 40) * 7 + "x"
    codes = " ".join(str(ord(c)) for c in LINE)
    assert find_leaks(f"<pre>{bomb}\n{codes}</pre>", [LINE]) == [LINE]


def test_compressed_text_past_the_budget_is_not_checked():
    """A page whose base64 runs inflate past MAX_INFLATED (a zip bomb, 1000 to 1) is refused,
    not inflated into the grader's memory."""
    bomb = base64.b64encode(zlib.compress(b"A" * (MAX_INFLATED + 1))).decode()
    with pytest.raises(TooMuchToCheck):
        find_leaks(f"<pre>{bomb}</pre>", [LINE])
    small = base64.b64encode(zlib.compress(b"A" * 1000 + LINE.encode())).decode()
    assert find_leaks(f"<pre>{small}</pre>", [LINE]) == [LINE]


def test_figures_are_searched_quickly():
    """Megabytes of figure data are decoded, not searched line by line."""
    figure = base64.b64encode(os.urandom(1_500_000)).decode()
    page = f"<img src='data:image/png;base64,{figure}'>" * 2
    hidden = [f"hidden line number {i}: torch.stuff(x)" for i in range(120)]
    start = time.perf_counter()
    assert find_leaks(page, hidden) == []
    assert time.perf_counter() - start < 10  # about 1 s on an idle 2-core machine


def test_outputs_are_capped_and_escape_free():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print()")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="\x1b[31mred\x1b[0m\n" * 100_000),
        nbformat.v4.new_output(
            "error", ename="ValueError", evalue="\x1b]0;title\x07" + "y" * 10**6,
            traceback=["\x1b[1;31mline\x1b[0m"] * 1000,
        ),
    ] + [nbformat.v4.new_output("stream", name="stdout", text="x")] * 500
    nb.cells.append(cell)
    capped = cap_outputs(nb).cells[0].outputs
    assert len(capped) <= 51
    for output in capped:
        texts = [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
        for text in texts:
            assert "\x1b" not in text and "\x07" not in text
            assert len(text) <= MAX_OUTPUT_CHARS + 100


def test_student_sources_are_capped_before_any_work():
    """A notebook of huge cells (megabytes of blank lines) is cut to a page's worth of the
    student's code; the lesson's own cells are kept whole."""
    lesson_cell = "x = 1\n" * 50_000
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(lesson_cell)]
    nb.cells += [nbformat.v4.new_code_cell(" \n" * 200_000) for _ in range(5)]
    capped = cap_sources(nb, {lesson_cell})
    assert capped.cells[0].source == lesson_cell
    student = [cell.source for cell in capped.cells[1:]]
    assert sum(len(s.partition("\n[")[0]) for s in student) <= PAGE_SOURCE_CHARS
    assert student[0].endswith(f"[{400_000 - PAGE_SOURCE_CHARS} more characters not shown]")
    assert student[-1] == "\n[400000 more characters not shown]"


def test_costly_source_is_shown_plain_not_highlighted():
    """Highlighting is quadratic on some input: a long cell of the student's, or any beyond the
    page's budget, is shown as escaped text; the lesson's cells are always highlighted, once
    per worker."""
    calls = []
    bounded = _Bounded(lambda source, *_: calls.append(source) or "<hl>", lambda s: "<md>")
    long = "<b>\n" * MAX_RENDERED_CELL_CHARS
    bounded.new_page({long})
    assert bounded.code(long) == "<hl>"  # the lesson's own: highlighted whatever its length
    assert bounded.code(long) == "<hl>" and calls == [long]  # rendered once per worker
    bounded.new_page(set())
    assert bounded.code("y = 2") == "<hl>" and calls == [long, "y = 2"]
    escaped = "&lt;b&gt;\n" * MAX_RENDERED_CELL_CHARS
    assert bounded.code(long + "#") == f"<pre>{escaped}#</pre>"
    assert bounded("# " + "(" * (MAX_RENDERED_CELL_CHARS + 1), "markdown", "").startswith("<pre>")
    cell = "z\n" * (MAX_RENDERED_CELL_CHARS // 3)
    shown = [bounded.code(cell + str(i)) for i in range(2 * PAGE_RENDER_CHARS // len(cell))]
    assert "<hl>" in shown and shown[-1].startswith("<pre>")  # the budget ran out


def test_clean_text_keeps_ordinary_text():
    assert clean_text("Visible tests passed.\n\tdone") == "Visible tests passed.\n\tdone"


def test_rendering_has_a_time_limit():
    with pytest.raises(FeedbackTimeout):
        with _time_limit(0.2):
            time.sleep(5)


def test_student_html_is_made_inert():
    """A student's markdown or rich output cannot put a script into the feedback page."""
    payload = '<script>alert(1)</script><img src="x" onerror="alert(2)">'
    nb = nbformat.v4.new_notebook()
    lesson_text = "# Lesson <b>text</b>"
    nb.cells = [nbformat.v4.new_markdown_cell(lesson_text), nbformat.v4.new_markdown_cell(payload)]
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": payload}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(3)"}),
    ]
    nb.cells.append(code)
    clean = without_active_html(nb, trusted={"# Lesson <b>text</b>"})
    assert clean.cells[0].source == "# Lesson <b>text</b>"  # the lesson's own HTML stays
    shown = clean.cells[1].source + str(clean.cells[2].outputs)
    assert "<script" not in shown and "<img" not in shown  # escaped: shown as text, never run
    assert "alert(3)" not in shown
