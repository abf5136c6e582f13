"""`report`: pass rates, the histogram and the list of bad submissions, with the isolation used."""

from autograder.grade import Batch, Submission
from autograder.report import pass_rates, write_report


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
    )
    broken = Submission("cat", "01_tensors", None, error="empty file", max_score=3)
    return Batch([good, half, broken], ["dan: no submission for lesson 01_tensors"], isolation)


def test_report_lists_rates_histogram_and_reasons(tmp_path):
    """Does the report give each exercise's pass rate, the histogram and every bad submission?"""
    text = write_report(out=tmp_path, batch=batch("bubblewrap")).read_text()
    assert pass_rates(batch("bubblewrap").submissions) == {
        ("01_tensors", "a_test"): (2, 2),
        ("01_tensors", "b_test"): (1, 2),
    }
    assert "| 01_tensors | b_test | 1/2 | 50% |" in text
    assert "| cat | 01_tensors | 0/3 | empty file |" in text
    assert "| bob | 01_tensors | 1/3 | cell x deleted |" in text
    assert "dan: no submission" in text
    assert (tmp_path / "score_histogram.png").stat().st_size > 1000


def test_report_says_when_the_sandbox_was_weaker(tmp_path):
    """Is a fallback without bubblewrap stated in bold at the top of the report?"""
    text = write_report(out=tmp_path, batch=batch("WEAKER FALLBACK: no bwrap")).read_text()
    assert text.splitlines()[2] == "**WEAKER FALLBACK: no bwrap.**"
