"""`report`: the instructor's summary of a graded batch, as Markdown with a histogram figure.

It shows how the sandbox isolated the submissions (and says loudly when only the weaker fallback
was available), per-exercise pass rates, the score histogram (`score_histogram.png`), and every
submission that was repaired, flagged (checksum mismatch, tampering) or could not be graded, with
the reasons, plus the problems of the submission folder itself (missing lessons, stray files).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (the backend must be chosen first)

if TYPE_CHECKING:
    from autograder.grade import Batch, Submission


def pass_rates(submissions: list[Submission]) -> dict[tuple[str, str], tuple[int, int]]:
    """`{(lesson, exercise): (passed, graded)}` over the submissions that were graded."""
    rates: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for s in submissions:
        for name, score, max_score in s.exercises:
            rates[(s.lesson, name)][0] += score >= max_score
            rates[(s.lesson, name)][1] += 1
    return {key: (passed, total) for key, (passed, total) in sorted(rates.items())}


def histogram(submissions: list[Submission], path: Path) -> None:
    """Save a histogram of the score fractions (0-100 %) to `path`."""
    fractions = [100 * s.score / s.max_score for s in submissions if s.max_score]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(fractions, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.001], edgecolor="white")
    ax.set_xlabel("score (% of the lesson's points)")
    ax.set_ylabel("submissions")
    ax.set_title(f"Scores of {len(fractions)} submissions")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _rows(submissions: list[Submission], status: str) -> list[str]:
    rows = []
    for s in submissions:
        if s.status != status:
            continue
        reasons = ([s.error] if s.error else []) + s.flags + s.notes
        rows.append(
            f"| {s.student} | {s.lesson} | {s.score:g}/{s.max_score:g} | "
            + "; ".join(r.replace("|", "/") for r in reasons)
            + " |"
        )
    return rows


def write_report(*, out: Path, batch: Batch) -> Path:
    """Write `out/report.md` (and `out/score_histogram.png`) for `batch`; return the report."""
    histogram(batch.submissions, out / "score_histogram.png")
    counts = defaultdict(int)
    for s in batch.submissions:
        counts[s.status] += 1
    lines = ["# Grading report", ""]
    if batch.isolation != "bubblewrap":
        lines += [f"**{batch.isolation}.**", ""]
    else:
        lines += [
            "Isolation: every submission ran in its own bubblewrap sandbox "
            "(no network, no access outside its scratch folder, resource limits).",
            "",
        ]
    lines += [
        f"{len(batch.submissions)} submissions: "
        + ", ".join(f"{counts[k]} {k}" for k in ("clean", "repaired", "flagged", "failed")),
        "",
    ]
    lines += [
        "## Pass rate per exercise",
        "",
        "| lesson | exercise | passed | rate |",
        "| --- | --- | --- | --- |",
    ]
    for (lesson, name), (passed, total) in pass_rates(batch.submissions).items():
        lines.append(f"| {lesson} | {name} | {passed}/{total} | {100 * passed / total:.0f}% |")
    lines += ["", "## Scores", "", "![score histogram](score_histogram.png)", ""]
    header = ["| student | lesson | score | reasons |", "| --- | --- | --- | --- |"]
    for title, status in (
        ("Could not be graded (scored 0)", "failed"),
        ("Flagged (checksum mismatch, tampering)", "flagged"),
        ("Repaired", "repaired"),
    ):
        rows = _rows(batch.submissions, status)
        lines += [f"## {title}", ""] + (header + rows if rows else ["None."]) + [""]
    lines += ["## Problems with the submissions folder", ""]
    lines += [f"- {p}" for p in batch.problems] or ["None."]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path
