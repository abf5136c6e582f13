"""`report`: the instructor's summary of a graded class, as Markdown with one histogram per lesson.

It says how the sandbox isolated the submissions (loudly when only the weaker fallback was
available), then per lesson the mean, median and distribution of scores (`scores_<lesson>.png`,
integer axes), per-exercise pass rates, and every submission that could not be graded, was graded
without feedback, flagged (checksum mismatch, tampering) or repaired, with the reasons, plus the
problems of the submission folder itself. Student-controlled text is escaped for Markdown and the
HTML it renders to. `console_summary` is the short version printed at the end of `grade`.

Matplotlib's global backend is left alone: figures are drawn on an Agg canvas of their own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.escape import markdown, terminal

if TYPE_CHECKING:
    from autograder.grade import Batch, Submission

SECTIONS = (
    ("Could not be graded (scored 0)", "failed"),
    ("Graded, but no feedback (score kept)", "no feedback"),
    ("Flagged (checksum mismatch, tampering)", "flagged"),
    ("Repaired", "repaired"),
)


def pass_rates(submissions: list[Submission]) -> dict[tuple[str, str], tuple[int, int]]:
    """`{(lesson, exercise): (passed, graded)}` over the submissions that were graded."""
    rates: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for s in submissions:
        for name, score, max_score in s.exercises:
            rates[(s.lesson, name)][0] += score >= max_score
            rates[(s.lesson, name)][1] += 1
    return {key: (passed, total) for key, (passed, total) in sorted(rates.items())}


def histogram(submissions: list[Submission], path: Path, title: str) -> None:
    """Save the distribution of scores (points, one bar per whole point) to `path`."""
    import math

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    top = max(1, math.ceil(max((s.max_score for s in submissions), default=1)))
    scores = [min(math.floor(s.score), top) for s in submissions]
    fig = Figure(figsize=(6, 3.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.hist(scores, bins=[b - 0.5 for b in range(top + 2)], edgecolor="white")
    ax.set_xlim(-0.5, top + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"score (points out of {top}, rounded down)")
    ax.set_ylabel("submissions")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _rows(submissions: list[Submission], status: str) -> list[str]:
    rows = []
    for s in submissions:
        if s.status != status:
            continue
        reasons = [r for r in [s.error, s.feedback_problem] if r] + s.flags + s.notes
        late = " (late)" if s.late else ""
        who = f"{markdown(s.student)} | {markdown(s.name or s.student)}"
        rows.append(
            f"| {who} | {markdown(s.lesson)}{late} | {s.score:g}/{s.max_score:g} | "
            + markdown("; ".join(reasons), limit=600)
            + " |"
        )
    return rows


def _isolation_lines(isolation: str) -> list[str]:
    if isolation != "bubblewrap":
        return [f"**{markdown(isolation, limit=1000)}.**", ""]
    return [
        "Isolation: every submission ran in its own bubblewrap sandbox "
        "(no network, no access outside its scratch folder, resource limits).",
        "",
    ]


def _lesson_lines(out: Path, batch: Batch) -> list[str]:
    from autograder.grade import lesson_stats

    lines = [
        "## Scores per lesson",
        "",
        "| lesson | submissions | mean | median | points |",
        "| --- | --- | --- | --- | --- |",
    ]
    stats = lesson_stats(batch.submissions)
    for lesson, st in stats.items():
        lines.append(
            f"| {lesson} | {st['n']:g} | {st['mean']:.2f} | {st['median']:g} | {st['max']:g} |"
        )
    lines.append("")
    for lesson in stats:
        items = [s for s in batch.submissions if s.lesson == lesson]
        name = f"scores_{lesson}.png"
        histogram(items, out / name, f"{lesson}: scores of {len(items)} submissions")
        lines += [f"![{lesson} score distribution]({name})", ""]
    return lines


def _intake_lines(submissions: list[Submission]) -> list[str]:
    """Which upload was graded when a student handed in several (or other files beside it)."""
    rows = [
        f"| {markdown(s.student)} | {markdown(s.name or s.student)} | {markdown(s.lesson)} | "
        f"{markdown(s.file)} | {markdown(s.intake, limit=600)} |"
        for s in submissions
        if s.intake
    ]
    header = [
        "| student | name | lesson | graded file | uploads |",
        "| --- | --- | --- | --- | --- |",
    ]
    return ["## Which upload was graded", ""] + (header + rows if rows else ["None."]) + [""]


def write_report(*, out: Path, batch: Batch) -> Path:
    """Write `out/report.md` (and a histogram per lesson) for `batch`; return the report."""
    counts = Counter(s.status for s in batch.submissions)
    lines = ["# Grading report", ""] + _isolation_lines(batch.isolation)
    lines += [
        f"{len(batch.submissions)} submissions: "
        + ", ".join(
            f"{counts[k]} {k}" for k in ("clean", "repaired", "flagged", "no feedback", "failed")
        ),
        "",
    ]
    late = sum(s.late for s in batch.submissions)
    if late:
        penalty = (
            f", {batch.late_penalty:g}% taken off in the LMS exports" if batch.late_penalty else ""
        )
        lines += [f"{late} late submissions{penalty}.", ""]
    lines += _lesson_lines(out, batch)
    lines += [
        "## Pass rate per exercise",
        "",
        "| lesson | exercise | passed | rate |",
        "| --- | --- | --- | --- |",
    ]
    for (lesson, name), (passed, total) in pass_rates(batch.submissions).items():
        lines.append(
            f"| {markdown(lesson)} | {markdown(name)} | {passed}/{total} | "
            f"{100 * passed / total:.0f}% |"
        )
    lines.append("")
    header = [
        "| student | name | lesson | score | reasons |",
        "| --- | --- | --- | --- | --- |",
    ]
    for title, status in SECTIONS:
        rows = _rows(batch.submissions, status)
        lines += [f"## {title}", ""] + (header + rows if rows else ["None."]) + [""]
    lines += _intake_lines(batch.submissions)
    lines += ["## Problems with the submissions folder", ""]
    lines += [f"- {markdown(p, limit=600)}" for p in batch.problems] or ["None."]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def console_summary(batch: Batch, limit: int = 10) -> list[str]:
    """A few lines for the terminal: counts, then the failures and flags, most important first."""
    counts = Counter(s.status for s in batch.submissions)
    lines = [
        f"{len(batch.submissions)} submissions in OUT ({batch.graded_now} graded now): "
        + ", ".join(
            f"{counts[k]} {k}"
            for k in ("clean", "repaired", "flagged", "no feedback", "failed")
            if counts[k]
        )
    ]
    for status, label in (
        ("failed", "could not be graded"),
        ("no feedback", "no feedback"),
        ("flagged", "flagged"),
    ):
        items = [s for s in batch.submissions if s.status == status]
        for s in items[:limit]:
            why = s.error or s.feedback_problem or "; ".join(s.flags)
            lines.append(f"  {label}: {terminal(s.student, 40)} {s.lesson}: {terminal(why)}")
        if len(items) > limit:
            lines.append(f"  ... and {len(items) - limit} more {label} (see report.md)")
    for problem in batch.problems[:limit]:  # folders skipped, lessons missing
        lines.append(f"  not graded: {terminal(problem)}")
    if len(batch.problems) > limit:
        lines.append(f"  ... and {len(batch.problems) - limit} more not graded (see report.md)")
    return lines
