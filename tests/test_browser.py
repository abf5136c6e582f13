"""The course in a real browser: JupyterLab, opened in headless Chromium, runs a lesson as a
student does; its explorer answers the mouse, its figures show, nbgrader validates it, and the
instructor's formgrader loads.

One JupyterLab serves a scratch copy of the course (solutions/, lessons/, nbgrader_config.py)
and is started in that copy, as `make instructor` starts in the checkout, so both the student's
side (the lesson, the Validate button) and the formgrader are checked on one server and nothing
is written into the repository. The lesson run is the solution notebook: "Run All Cells" stops at
the first exception, and in the student version every exercise cell raises NotImplementedError
by design, so only the solution runs every cell, and any error output at all is a real fault.
The student version differs from it only in exercise cells (tests/test_release.py checks that).

Screenshots land in artifacts/browser/.
"""

from __future__ import annotations

import re
import time

import pytest
from browser_helpers import (
    SHOTS,
    Notebook,
    chromium_missing_reason,
    copy_course,
    jupyter,
    lab_server,
    launch_chromium,
    save_screenshot,
)

from conftest import ROOT

LESSON = "01_tensors"
NOTEBOOK = f"solutions/{LESSON}/{LESSON}.ipynb"
MISSING = chromium_missing_reason()
needs_browser = pytest.mark.skipif(MISSING is not None, reason=str(MISSING))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
pytestmark = pytest.mark.slow  # a JupyterLab server, Chromium and a whole lesson


def code_cells(path) -> list:
    """The notebook's code cells, in order (as the page lists them)."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.fixture(scope="module", autouse=True)
def list_screenshots(request):
    """After the module, print the screenshots it saved (shown even when output is captured)."""
    started = time.time()
    yield
    saved = sorted(p for p in SHOTS.glob("*.png") if p.stat().st_mtime >= started)
    if saved:
        capture = request.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print("\nbrowser screenshots:", *saved, sep="\n  ")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    course = copy_course(ROOT, tmp_path_factory.mktemp("course"), lessons=[LESSON])
    with lab_server(course, home=tmp_path_factory.mktemp("jupyter-home")) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    # Generous limits: a shared CI machine can be slow; a passing run never waits for them.
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(120_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def lesson(server, page) -> Notebook:
    """The lesson open in JupyterLab after Run > Run All Cells has finished."""
    notebook = Notebook(page, server, NOTEBOOK, shots=SHOTS)
    try:
        notebook.open()
        cells = code_cells(server.root_dir / NOTEBOOK)
        notebook.run_all(code_cells=sum(1 for cell in cells if cell.source.strip()))
    except Exception:
        notebook.screenshot("lesson_failed_to_run")
        print(server.log_tail())
        raise
    return notebook


def test_nbgrader_front_end_is_enabled():
    """Does `jupyter labextension list` show nbgrader's JupyterLab extension enabled and OK
    (not "not compatible") with this environment's JupyterLab?"""
    listing = ANSI.sub("", jupyter("labextension", "list"))
    nbgrader = [line for line in listing.splitlines() if "@jupyter/nbgrader" in line]
    assert nbgrader, listing
    assert "enabled" in nbgrader[0] and "OK" in nbgrader[0], listing


@needs_browser
def test_nbgrader_server_extensions_load(server):
    """Does the running server load nbgrader's four server extensions?"""
    log = server.log_path.read_text()
    for name in ("formgrader", "validate_assignment", "assignment_list", "course_list"):
        assert f"nbgrader.server_extensions.{name} | extension was successfully loaded" in log


@needs_browser
def test_lesson_runs_every_cell_without_an_error(lesson, server):
    """After Run All, has every code cell run, with no error or warning output shown, except in
    cells tagged `raises-exception` (a pitfall shown on purpose)?"""
    lesson.screenshot("lesson_after_run_all")
    cells = code_cells(server.root_dir / NOTEBOOK)
    errors = {
        index: texts
        for index, texts in lesson.stderr_outputs().items()
        if "raises-exception" not in cells[index].metadata.get("tags", [])
    }
    assert errors == {}, "\n---\n".join(
        f"code cell {index}:\n{cells[index].source}\n{''.join(texts)}"
        for index, texts in errors.items()
    )


@needs_browser
def test_lesson_shows_matplotlib_figures(lesson):
    """Are the lesson's own figures (besides the explorer's) drawn as images, and none left
    as '<Figure size ...>' text?"""
    images = lesson.page.locator(".jp-Cell-outputArea .jp-RenderedImage img")
    widths = images.evaluate_all(
        "images => images.map(i => i.closest('.widget-interact') ? null : i.naturalWidth)"
    )
    figures = [index for index, width in enumerate(widths) if width is not None]
    assert figures and all(widths[index] > 100 for index in figures), widths
    figure = images.nth(figures[0])
    figure.scroll_into_view_if_needed()
    lesson.screenshot("figure", locator=figure)
    texts = lesson.page.locator(".jp-Cell-outputArea").all_inner_texts()
    assert not any("<Figure size" in text for text in texts)


@needs_browser
def test_explorer_is_a_live_control(lesson):
    """Is the stride explorer drawn as sliders and a drop-down (not 'interactive(...)' text),
    and does dragging a slider or picking a view redraw its picture?"""
    page = lesson.page
    explorer = page.locator(".widget-interact").first
    explorer.scroll_into_view_if_needed()
    outputs = page.locator(".jp-OutputArea").all_inner_texts()
    assert not any("interactive(children" in text for text in outputs)
    rows = explorer.locator(".widget-hslider", has=page.locator("label", has_text="rows"))
    lesson.screenshot("explorer_before", locator=explorer)

    with lesson.picture_changes(explorer):
        lesson.drag_slider_to_end(rows)
    readout = rows.locator(".widget-readout").inner_text()
    assert readout == rows.locator(".noUi-handle").get_attribute("aria-valuemax").split(".")[0]
    lesson.screenshot("explorer_after_drag", locator=explorer)

    with lesson.picture_changes(explorer):
        explorer.locator(".widget-dropdown select").select_option("x.t().contiguous()")
    lesson.screenshot("explorer_after_dropdown", locator=explorer)


@needs_browser
def test_nbgrader_validates_the_lesson(lesson):
    """Does the notebook show the Nbgrader menu and a Validate button, and does validating the
    lesson report that it passes all its tests?"""
    page = lesson.page
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
    page.locator(".lm-Menu-itemLabel", has_text="Formgrader").first.wait_for()
    items = page.locator(".lm-Menu-itemLabel").all_inner_texts()
    lesson.screenshot("nbgrader_menu")
    page.keyboard.press("Escape")
    assert {"Assignment List", "Formgrader"} <= set(items), items

    page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for(timeout=240_000)  # validating runs the whole lesson again
    lesson.screenshot("validate")
    assert "Success! Your notebook passes all the tests." in dialog.inner_text()
    dialog.get_by_role("button", name="Ok").click()


# What nbgrader's student panel shows when no exchange directory is set up (this course hands out
# lessons through the repository): the notice, once per list, and, in the course selector above
# them, that it found no course to list. Any other error is a fault.
EXCHANGE_NOTICE = "The exchange directory does not exist and could"
NO_COURSES = "Error fetching courses!"
ASSIGNMENT_LISTS = ("Released assignments", "Downloaded assignments", "Submitted assignments")


@needs_browser
def test_assignment_list_opens_but_lists_no_lesson(lesson):
    """Does Nbgrader > Assignment List open its real panel? It lists nothing: nbgrader's
    Assignment List shows what an instructor released to an exchange directory, and this course
    hands out lessons through the repository instead, so each of its three lists shows the
    exchange notice (not another error, not the lessons)."""
    from playwright.sync_api import expect

    lesson.menu("Nbgrader", "Assignment List")
    panel = lesson.page.locator(".lm-DockPanel-widget:visible", has_text="Released assignments")
    courses = panel.locator("#course_list_default")
    expect(courses).not_to_have_text("Loading, please wait...", timeout=60_000)
    expect(panel).to_contain_text(EXCHANGE_NOTICE, timeout=60_000)
    lesson.screenshot("assignment_list")
    text = panel.inner_text()
    print(text)
    assert all(title in text for title in ASSIGNMENT_LISTS), text
    assert text.count(EXCHANGE_NOTICE) == len(ASSIGNMENT_LISTS), text
    assert courses.inner_text().strip() == NO_COURSES, text
    assert "error" not in text.replace(NO_COURSES, "").lower() and LESSON not in text, text


def expect_manage_assignments(formgrader) -> None:
    """`formgrader` (a page or an iframe) shows the formgrader's real Manage Assignments panel:
    its heading, and the lesson as one draft assignment with no submissions; no error box."""
    from playwright.sync_api import expect

    row = formgrader.locator("tbody#main-table tr", has_text=LESSON)
    row.wait_for(timeout=120_000)
    expect(formgrader.locator("h1", has_text="Manage Assignments")).to_be_visible()
    expect(formgrader.locator("tbody#main-table tr")).to_have_count(1)
    cells = [text.strip() for text in row.locator("td").all_inner_texts()]
    assert cells[0] == LESSON and "draft" in cells, cells
    assert cells[-3] == "0", f"expected 0 submissions, the row reads {cells}"
    expect(formgrader.locator(".alert-danger:visible")).to_have_count(0)


@needs_browser
def test_formgrader_lists_the_lesson(server, browser):
    """Does the instructor's /formgrader page load its real panel and list the lesson?"""
    context = browser.new_context(viewport={"width": 1400, "height": 800})
    try:
        page = context.new_page()
        page.set_default_navigation_timeout(120_000)
        page.goto(server.address("formgrader"))
        expect_manage_assignments(page)
        save_screenshot(page, "formgrader")
    finally:
        context.close()


@needs_browser
def test_formgrader_opens_from_the_nbgrader_menu(lesson):
    """Does Nbgrader > Formgrader open the formgrader's real panel in a JupyterLab tab?"""
    lesson.menu("Nbgrader", "Formgrader")
    expect_manage_assignments(lesson.page.frame_locator(".lm-DockPanel-widget:visible iframe"))
    lesson.screenshot("formgrader_in_lab")
