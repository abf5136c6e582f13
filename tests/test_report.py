"""`report`: statistics, histograms, pass rates and the list of bad submissions, escaped."""

from __future__ import annotations

import csv
import sys

from autograder.escape import csv_cell, markdown, terminal
from autograder.export import write_exports
from autograder.grade import Batch, Submission, write_csvs
from autograder.report import console_summary, pass_rates, write_report


def batch(isolation: str) -> Batch:
    good = Submission(
        "ann",
        "01_tensors",
        None,
        score=3,
        max_score=3,
        exercises=[("a_test", 1, 1), ("b_test", 2, 2)],
    )
    half = Submission(
        "bob",
        "01_tensors",
        None,
        score=1,
        max_score=3,
        notes=["cell x deleted"],
        exercises=[("a_test", 1, 1), ("b_test", 0, 2)],
        late=True,
    )
    good.file, good.intake = "01_tensors.ipynb", "chose 01_tensors.ipynb, the newest of 2 notebooks"
    broken = Submission("cat", "01_tensors", None, error="empty file", max_score=3)
    quiet = Submission(
        "dot",
        "01_tensors",
        None,
        score=2,
        max_score=3,
        feedback_problem="nbgrader failed",
        exercises=[("a_test", 0, 1), ("b_test", 2, 2)],
    )
    return Batch(
        [good, half, broken, quiet], ["dan: no submission for lesson 01_tensors"], isolation
    )


def test_report_gives_statistics_rates_histogram_and_reasons(tmp_path):
    """Does the report give mean and median, each exercise's pass rate, the histogram and every
    bad submission under the right heading?"""
    text = write_report(out=tmp_path, batch=batch("bubblewrap")).read_text()
    assert pass_rates(batch("bubblewrap").submissions) == {
        ("01_tensors", "a_test"): (2, 3),
        ("01_tensors", "b_test"): (2, 3),
    }
    assert "| 01_tensors | 4 | 1.50 | 1.5 | 3 |" in text  # mean of 3, 1, 0, 2; median 1.5
    assert r"| 01\_tensors | b\_test | 2/3 | 67% |" in text
    failed = text.split("## Could not be graded")[1].split("##")[0]
    no_feedback = text.split("## Graded, but no feedback")[1].split("##")[0]
    assert "| cat | cat | 01\\_tensors | 0/3 | empty file |" in failed
    assert "| dot |" in no_feedback and "2/3" in no_feedback and "dot" not in failed
    assert "| bob | bob | 01\\_tensors (late) | 1/3 | cell x deleted |" in text
    assert "dan: no submission" in text
    chosen = text.split("## Which upload was graded")[1].split("##")[0]
    assert "| ann | ann | 01\\_tensors | 01\\_tensors.ipynb | chose 01\\_tensors.ipynb" in chosen
    assert "| 2 clean" not in text and "1 clean" in text  # a choice among uploads is no repair
    assert (tmp_path / "scores_01_tensors.png").stat().st_size > 1000


def test_report_says_when_the_sandbox_was_weaker(tmp_path):
    """Is a fallback without bubblewrap stated in bold at the top of the report?"""
    text = write_report(out=tmp_path, batch=batch("WEAKER FALLBACK: no bwrap")).read_text()
    assert text.splitlines()[2] == "**WEAKER FALLBACK: no bwrap.**"


def test_report_leaves_matplotlibs_backend_alone(tmp_path):
    """Does drawing the histograms keep the importer's matplotlib backend (and pyplot unloaded
    when it was)?"""
    import matplotlib

    before = matplotlib.get_backend()
    had_pyplot = "matplotlib.pyplot" in sys.modules
    write_report(out=tmp_path, batch=batch("bubblewrap"))
    assert matplotlib.get_backend() == before
    assert ("matplotlib.pyplot" in sys.modules) == had_pyplot


def test_console_summary_separates_failures_from_missing_feedback():
    """Does the console summary count each status and name the failures, the flags and what was
    not graded?"""
    lines = console_summary(batch("bubblewrap"))
    assert lines[0].startswith("4 submissions in OUT")
    assert "1 failed" in lines[0] and "1 no feedback" in lines[0]
    assert "  could not be graded: cat 01_tensors: empty file" in lines
    assert "  no feedback: dot 01_tensors: nbgrader failed" in lines
    assert "  not graded: dan: no submission for lesson 01_tensors" in lines  # skipped, too


HOSTILE = '=HYPERLINK("http://evil","x")|<script>alert(1)</script>_*[a](b)\x1b[2J'


def test_student_text_is_escaped_in_markdown_csv_and_terminal(tmp_path):
    """Does text a student controls stay inert in the report, the CSVs and the console?"""
    s = Submission("eve", "01_tensors", None, error=HOSTILE, max_score=3, name="+cmd|' /C calc'!A0")
    b = Batch([s], [f"{HOSTILE}: stray file"], "bubblewrap")
    text = write_report(out=tmp_path, batch=b).read_text()
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\\[a\\]" in text and "\\|" in text and "\x1b" not in text
    write_csvs(tmp_path, b.submissions)
    write_exports(tmp_path, b.submissions)
    for name in ("grades.csv", "canvas_grades.csv", "moodle_01_tensors.csv"):
        with open(tmp_path / name, newline="") as f:
            cells = [c for row in csv.reader(f) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], name
        assert any(c.startswith("'+cmd") for c in cells), name
    assert csv_cell("-1") == "'-1" and csv_cell(-1.0) == -1.0
    assert "\x1b" not in terminal(HOSTILE) and "\n" not in markdown("a\nb")


def test_lms_exports_have_the_columns_the_lms_needs(tmp_path):
    """Do the Canvas and Moodle files have the columns their importers look for, with the late
    penalty applied to late submissions only?"""
    subs = batch("bubblewrap").submissions
    for s in subs:
        s.name = s.student.title()
    write_exports(tmp_path, subs, late_penalty=10)
    with open(tmp_path / "canvas_grades.csv", newline="") as f:
        canvas = list(csv.DictReader(f))
    assert list(canvas[0])[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert {r["ID"]: r["01_tensors"] for r in canvas} == {
        "ann": "3",
        "bob": "0.9",
        "cat": "0",
        "dot": "2",
    }
    with open(tmp_path / "moodle_01_tensors.csv", newline="") as f:
        moodle = {r["Identifier"]: r for r in csv.DictReader(f)}
    assert set(moodle) == {
        "Participant ann",
        "Participant bob",
        "Participant cat",
        "Participant dot",
    }
    assert moodle["Participant bob"]["Grade"] == "0.9"
    assert "Late: 10% taken off" in moodle["Participant bob"]["Feedback comments"]
    assert moodle["Participant ann"]["Maximum Grade"] == "3"
    assert moodle["Participant ann"]["Last modified (grade)"]
