"""`feedback`: the HTML feedback of one graded submission, without hidden tests, quickly.

nbgrader's `generate_feedback` builds a whole application (configuration, gradebook scan, a new
nbconvert exporter and its Jinja templates) for every student, which made feedback dominate the
wall time of grading a class. Here each worker process configures nbgrader's own feedback exporter
once (nbgrader's `feedback` template and look, `GetGrades`, `CSSHTMLHeaderPreprocessor`, and
`HideHiddenTests` instead of nothing) and reuses it for every submission it renders. The output
lands where nbgrader would put it (`COURSE/feedback/<student>/<lesson>/<lesson>.html`) and in
`OUT/feedback/`, the folder handed out to students.

Before rendering, every output is capped and stripped of terminal escapes, so a submission that
printed megabytes or ANSI codes cannot bloat or slow the batch; rendering runs under a time
limit, and HTML the student wrote is made inert. After rendering, the page is checked to quote
no hidden test line, also not encoded (`autograder.leaks`); a page that does is withheld and the
submission says why.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import signal
from collections.abc import Set
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from nbformat import NotebookNode

from autograder.coursedir import RELEASE_DIRECTORY, SOURCE_DIRECTORY, read_course_notebook
from autograder.leaks import find_leaks
from autograder.preprocessors import HideHiddenTests

if TYPE_CHECKING:
    from nbconvert.exporters import HTMLExporter

    from autograder.grade import Submission

TIME_LIMIT_S = 60.0  # rendering one submission's feedback
MAX_OUTPUT_CHARS = 20_000  # of one text output or traceback, as shown to the student
MAX_DATA_CHARS = 2_000_000  # of one rich output (a figure), base64 included
MAX_OUTPUTS = 50  # outputs shown per cell
# Pygments and the markdown parser are quadratic on some input (thousands of blank lines), so a
# cell is highlighted (or its markdown rendered) only when short, and a page renders at most
# PAGE_RENDER_CHARS of source it has not rendered before; the rest is shown as plain text.
MAX_RENDERED_CELL_CHARS = 5_000
PAGE_RENDER_CHARS = 100_000
PAGE_SOURCE_CHARS = 200_000  # of the student's own cells shown on a page
UNSAFE_DATA = ("application/javascript", "text/javascript", "image/svg+xml")
# CSI/OSC escape sequences and the other C0 controls a terminal would interpret.
ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clearing the screen
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, hyperlinks
    r"|\x1b.?|[\x00-\x08\x0b-\x1f\x7f]"  # any other escape or control character
)


class FeedbackTimeout(Exception):
    """Rendering the feedback took longer than its time limit."""


def feedback(course: Path, out: Path, submission: Submission) -> None:
    """Render the feedback of a saved submission into COURSE/feedback and OUT/feedback.

    Raises:
        RuntimeError: the page would show a hidden test (it is then not written).
        TooMuchToCheck: the page holds more compressed text than the leak check inflates.
        FeedbackTimeout: rendering, or checking the page, took longer than TIME_LIMIT_S.
    """
    lesson, student = submission.lesson, submission.student
    graded = nbformat.read(course / "autograded" / student / lesson / f"{lesson}.ipynb", 4)
    release = read_course_notebook(course / RELEASE_DIRECTORY / lesson / f"{lesson}.ipynb")
    lesson_sources = {cell.source for cell in release.cells}
    graded = cap_sources(graded, lesson_sources)
    graded = without_active_html(graded, trusted=markdown_of(release))
    page = render(course, graded, submission, time_limit=TIME_LIMIT_S, lesson=lesson_sources)
    source = read_course_notebook(course / SOURCE_DIRECTORY / lesson / f"{lesson}.ipynb")
    with _time_limit(TIME_LIMIT_S):  # the page is the student's text: its check has a limit too
        hidden = HideHiddenTests().hidden_lines(source)
        leaked = find_leaks(page, hidden, known=known_text(graded))
    if leaked:
        raise RuntimeError(f"feedback would show hidden tests ({leaked[0]!r}); withheld")
    for folder in (course / "feedback", out / "feedback"):
        target = folder / student / lesson
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{lesson}.html").write_text(page, encoding="utf-8")


def failure_page(course: Path, out: Path, submission: Submission) -> None:
    """A page for a submission that could not be graded (no notebook, not JSON, a crash), so the
    student gets the reason with the zero instead of no feedback at all. The reason comes from
    the grader, but the page is checked for hidden tests like any other."""
    lesson, student = submission.lesson, submission.student
    reason = html.escape(clean_text(submission.error or "not graded"))
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(lesson)}: not graded</title></head><body>"
        f"<h1>{html.escape(lesson)}: not graded, score 0</h1>"
        f"<p>Your submission for this lesson could not be graded: {reason}.</p>"
        "<p>Ask your instructor if you think this is a mistake.</p></body></html>\n"
    )
    source = read_course_notebook(course / SOURCE_DIRECTORY / lesson / f"{lesson}.ipynb")
    if find_leaks(page, HideHiddenTests().hidden_lines(source), known=""):
        return  # the reason quotes a hidden test: the report still says why
    target = out / "feedback" / student / lesson
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{lesson}.html").write_text(page, encoding="utf-8")


def markdown_of(release: NotebookNode) -> set[str]:
    """The lesson's own markdown cells: trusted HTML (figures, tables)."""
    return {cell.source for cell in release.cells if cell.cell_type == "markdown"}


def without_active_html(nb: NotebookNode, *, trusted: set[str]) -> NotebookNode:
    """Student-written HTML made inert: nbgrader's feedback template renders markdown unsanitised,
    so a `<script>` or `onerror=` in a student's markdown cell or rich output would run when the
    student or an instructor opens the page. Scripts and SVG outputs are dropped."""
    from nbconvert.filters import clean_html

    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source not in trusted:
            cell.source = clean_html(cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for key in [k for k in data if k in UNSAFE_DATA]:
                del data[key]
            for key in [k for k in data if k in ("text/html", "text/markdown")]:
                data[key] = clean_html(_joined(data[key]))
            if "data" in output and not data:
                data["text/plain"] = "[output removed: it would run code in the page]"
    return nb


def known_text(graded: NotebookNode) -> str:
    """What the student already sees: every cell's source except the tests' hidden regions.

    A hidden line that also occurs here (a common `with torch.no_grad():`, an expression the
    lesson's text uses, a line the student wrote) gives nothing away.
    """
    visible, _ = HideHiddenTests().preprocess(nbformat.from_dict(graded), {})
    return "\n".join(cell.source for cell in visible.cells)


def render(
    course: Path,
    graded: NotebookNode,
    submission: Submission,
    *,
    time_limit: float,
    lesson: Set[str] = frozenset(),
) -> str:
    """nbgrader's feedback page for `graded` (hidden tests removed, outputs capped); the cells
    whose source is in `lesson` (the lesson's own) are rendered whatever their length."""
    nb = cap_outputs(nbformat.from_dict(graded))
    resources = {
        "lesson_sources": lesson,
        "unique_key": submission.lesson,
        "output_files_dir": f"{submission.lesson}_files",
        "nbgrader": {
            "student": submission.student,
            "assignment": submission.lesson,
            "notebook": submission.lesson,
            "db_url": _db_url(course),
        },
    }
    with _time_limit(time_limit):
        page, _ = exporter().from_notebook_node(nb, resources=resources)
    return page


def _db_url(course: Path) -> str:
    return f"sqlite:///{course / 'gradebook.db'}"


@cache
def exporter() -> HTMLExporter:
    """nbgrader's feedback exporter, configured once per process as `generate_feedback` does."""
    import nbgrader
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades
    from traitlets.config import Config

    package = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    config = Config()
    config.Exporter.default_preprocessors = []
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [str(package / "templates")]
    bootstrap = package / "static" / "node_modules" / "bootstrap" / "dist" / "css"
    config.HTMLExporter.extra_template_paths = [str(bootstrap)]
    html = _feedback_exporter_class()(config=config)
    for preprocessor in (GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests):
        html.register_preprocessor(preprocessor)  # as nbgrader does (its own enabled flags)
    return html


@cache
def _feedback_exporter_class() -> type:
    """nbconvert's HTMLExporter, minus the work that is the same for every student of a lesson.

    Most of a feedback page is the lesson itself: its markdown and code are rendered once per
    worker and remembered. nbconvert's final BeautifulSoup pass (alt text for images, tabindex
    for screen readers' focus) is replaced by the same two edits on the string.
    """
    from nbconvert.exporters import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    try:
        from jinja2 import pass_context as contextfilter
    except ImportError:  # older Jinja
        from jinja2 import contextfilter

    class FeedbackExporter(HTMLExporter):
        rendering = None  # this page's _Bounded renderer (markdown and code share its budget)

        @contextfilter
        def markdown2html(self, context, source):
            cell = context.get("cell", {})
            if cell.get("attachments") and self.rendering.affordable(source):
                return super().markdown2html(context, source)
            return self.rendering(source, "markdown", "")

        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            if self.rendering is None:
                highlight = Highlight2HTML(pygments_lexer=lexer, parent=self)
                markdown = partial(HTMLExporter.markdown2html, self, {})
                self.rendering = _Bounded(highlight, markdown)
                self.register_filter("highlight_code", self.rendering.code)
            self.rendering.new_page((resources or {}).get("lesson_sources", frozenset()))
            resources = self._init_resources(resources)
            data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("filter_data_type", data_type)
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _accessible(page), resources

    return FeedbackExporter


class _Bounded:
    """Code highlighting and markdown rendering that remember the lesson's own cells (most of
    a page, the same for every student) and render the student's only while a cell is short and
    the page's budget lasts; anything else is shown as plain, escaped text."""

    def __init__(self, highlight, markdown) -> None:
        self.highlight, self.markdown = highlight, markdown
        self.done: dict[tuple, str] = {}
        self.new_page(set())

    def new_page(self, lesson_sources: Set[str]) -> None:
        """Start a page whose lesson's own cells are `lesson_sources` (always rendered)."""
        self.budget, self.lesson_sources = PAGE_RENDER_CHARS, lesson_sources

    def affordable(self, source: str) -> bool:
        if source in self.lesson_sources:
            return True
        if len(source) > MAX_RENDERED_CELL_CHARS or len(source) > self.budget:
            return False
        self.budget -= len(source)
        return True

    def code(self, source, language=None, metadata=None) -> str:
        return self(source, language, json.dumps(metadata, sort_keys=True) if metadata else "")

    def __call__(self, source: str, language: str | None, metadata: str) -> str:
        key = (source, language, metadata)
        if key in self.done:
            return self.done[key]
        if not self.affordable(source):
            return f"<pre>{html.escape(source)}</pre>"
        if language == "markdown":
            page = self.markdown(source)
        else:
            page = self.highlight(source, language, json.loads(metadata) if metadata else None)
        if source in self.lesson_sources:
            self.done[key] = page  # the lesson's: the same for every student
        return page


def _accessible(page: str) -> str:
    """What nbconvert's BeautifulSoup pass adds: alt text on images, focusable cells."""
    page = re.sub(
        r"<img(?![^>]*\balt=)", '<img alt="No description has been provided for this image"', page
    )
    page = page.replace(
        'class="jp-Cell-inputWrapper"', 'class="jp-Cell-inputWrapper" tabindex="0"'
    )
    return page


def cap_sources(nb: NotebookNode, lesson_sources: Set[str]) -> NotebookNode:
    """The student's own cells cut to PAGE_SOURCE_CHARS in all (the cut is said), before any
    work on the page: every later step reads every line."""
    left = PAGE_SOURCE_CHARS
    for cell in nb.cells:
        if cell.source in lesson_sources:
            continue
        if len(cell.source) > left:
            cut = len(cell.source) - left
            cell.source = cell.source[:left] + f"\n[{cut} more characters not shown]"
        left -= min(left, len(cell.source))
    return nb


def cap_outputs(nb: NotebookNode) -> NotebookNode:
    """Every output short, escape-free and of a bounded count, before any rendering work."""
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        if len(outputs) > MAX_OUTPUTS:
            dropped = len(outputs) - MAX_OUTPUTS
            outputs[MAX_OUTPUTS:] = [
                nbformat.v4.new_output("stream", name="stdout", text=f"[{dropped} more outputs]")
            ]
        for output in outputs:
            _cap_output(output)
    return nb


def _cap_output(output: NotebookNode) -> None:
    if "text" in output:
        output.text = clean_text(_joined(output.text))
    if "evalue" in output:
        output.evalue = clean_text(str(output.evalue))
    if "ename" in output:
        output.ename = clean_text(str(output.ename))[:200]
    if "traceback" in output:
        lines = [str(line) for line in output.traceback][-40:]
        output.traceback = [clean_text("\n".join(lines))]
    data = output.get("data", {})
    for key in list(data):
        value = _joined(data[key]) if isinstance(data[key], str | list) else data[key]
        if not isinstance(value, str):
            continue
        if key.startswith("text/"):
            data[key] = clean_text(value)
        elif len(value) > MAX_DATA_CHARS:
            del data[key]
            data.setdefault("text/plain", "[output too large to show]")


def _joined(value: str | list) -> str:
    return "".join(value) if isinstance(value, list) else value


def clean_text(text: str) -> str:
    """`text` without terminal escapes, cut to MAX_OUTPUT_CHARS (the cut is said)."""
    if len(text) > 4 * MAX_OUTPUT_CHARS:
        text = text[: 4 * MAX_OUTPUT_CHARS]  # bounds the regex work below
    text = ESCAPES.sub("", text)
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS] + "\n[output cut here: too long]"
    return text


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise FeedbackTimeout in this thread after `seconds` (only in a process's main thread)."""
    import threading

    if threading.current_thread() is not threading.main_thread() or os.name != "posix":
        yield
        return

    def expire(signum, frame):
        raise FeedbackTimeout(f"rendering or checking took more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
