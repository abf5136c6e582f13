"""`benchmark`: its summary, and the sizes it refuses before any work (the run itself is timed
by hand: `python -m autograder benchmark 01_tensors --students 16 --workers 2`)."""

from __future__ import annotations

import pytest

from autograder.benchmark import Throughput, benchmark


def test_summary_says_speed_up_agreement_and_failures():
    result = Throughput(16, 200.0, 40.0, 2, [], ["student_003: could not be graded"])
    text = "\n".join(result.lines())
    assert result.speedup == pytest.approx(5.0)
    assert "4.8 submissions/min" in text and "24.0 submissions/min" in text
    assert "5.0x nbgrader" in text
    assert "scores agree for every student" in text
    assert "not graded by the autograder: student_003" in text


def test_disagreements_are_named():
    text = "\n".join(Throughput(2, 10.0, 5.0, 2, ["student_001 (nbgrader 3/15, ...)"]).lines())
    assert "scores differ for: student_001" in text


@pytest.mark.parametrize(
    ("students", "workers", "lesson"),
    [(0, 2, "01_tensors"), (2, 0, "01_tensors"), (2, 2, "99_nothing")],
)
def test_bad_input_is_refused_before_any_work(tmp_path, root, students, workers, lesson):
    with pytest.raises(ValueError):
        benchmark(root=root, work=tmp_path, lesson=lesson, students=students, workers=workers)
    assert not any(tmp_path.iterdir()), "nothing may be written for a refused run"
