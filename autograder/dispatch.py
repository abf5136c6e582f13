"""`run_all`: the grading loop. Worker steps go out to a pool; results come back to be saved.

Each submission is executed by a worker (`execute_job`), saved to the gradebook here, in the one
process that writes it, then given feedback by a worker (`feedback_job`) and journaled. At most
one job per worker is in flight, so when a worker dies only those jobs are in doubt: they run
again one at a time in a fresh pool, and the one that kills its worker again fails alone.

A worker keeps its lesson's sandbox warm between submissions (its setup is the slow part of a
sandbox), so submissions go out lesson by lesson: a worker that finished one gets another of
the same lesson while there is one, and otherwise the lesson with the most left that no other
worker is on.
"""

from __future__ import annotations

import shutil
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.gradebook import save_safely

if TYPE_CHECKING:
    from autograder.grade import Journal, Submission
    from autograder.pool import WorkerPool
    from autograder.sandbox import Limits


class LessonQueue:
    """Submissions waiting to be executed, by lesson, handed out so that workers switch
    lessons (and so start a new sandbox) as rarely as possible."""

    def __init__(self) -> None:
        self.waiting: dict[str, deque[Submission]] = {}

    def __len__(self) -> int:
        return sum(len(q) for q in self.waiting.values())

    def add(self, submission: Submission) -> None:
        self.waiting.setdefault(submission.lesson, deque()).append(submission)

    def take(self, *, after: str | None, busy: list[str]) -> Submission:
        """The next submission for a worker whose last lesson was `after`, while other workers
        are on the lessons in `busy`."""
        if not self.waiting.get(after):
            free = [lesson for lesson in self.waiting if lesson not in busy] or list(self.waiting)
            after = max(free, key=lambda lesson: len(self.waiting[lesson]))
        submission = self.waiting[after].popleft()
        if not self.waiting[after]:
            del self.waiting[after]
        return submission


def run_all(
    course: Path,
    out: Path,
    todo: list[Submission],
    *,
    pool: WorkerPool,
    limits: Limits,
    journal: Journal,
    progress: bool,
) -> None:
    """Run the worker steps of `todo` through `pool`, saving and journaling each as it finishes.

    Raises:
        Interrupted: Ctrl-C; the workers are stopped, the journal keeps what finished.
    """
    from tqdm.auto import tqdm

    from autograder.grade import Interrupted

    bar = tqdm(total=len(todo), unit="submission", disable=not progress, desc="grading")
    to_execute = LessonQueue()
    to_render: deque[Submission] = deque()  # feedback first: it finishes a submission
    suspects: deque[tuple[str, Submission]] = deque()
    in_flight: dict[Future, tuple[str, Submission, bool]] = {}
    slots = getattr(pool, "workers", 1)
    failed = 0
    last_lesson: str | None = None  # of the job whose worker is free now

    def finish(submission: Submission) -> None:
        nonlocal failed
        journal.append(submission)
        failed += submission.error is not None
        bar.set_postfix(failed=failed)
        bar.update()

    def executed(submission: Submission, nb: dict | None) -> None:
        save_safely(course, submission, nb)
        if nb is not None and submission.error is None:
            to_render.append(submission)
        else:
            finish(submission)

    def dispatch(kind: str, submission: Submission, alone: bool) -> None:
        if kind == "execute":
            shutil.rmtree(
                out / "feedback" / submission.student / submission.lesson, ignore_errors=True
            )
            future = _submit(pool, execute_job, course, submission, limits)
        else:
            future = _submit(pool, feedback_job, course, out, submission)
        in_flight[future] = (kind, submission, alone)

    def next_job() -> tuple[str, Submission]:
        if to_render:
            return "feedback", to_render.popleft()
        busy = [s.lesson for kind, s, _ in in_flight.values() if kind == "execute"]
        return "execute", to_execute.take(after=last_lesson, busy=busy)

    try:
        for s in todo:
            if s.path is None:
                shutil.rmtree(out / "feedback" / s.student / s.lesson, ignore_errors=True)
                save_safely(course, s, None)
                finish(s)
            else:
                to_execute.add(s)
        while to_execute or to_render or suspects or in_flight:
            if suspects and not in_flight:
                dispatch(*suspects.popleft(), alone=True)
            while (to_execute or to_render) and not suspects and len(in_flight) < slots:
                dispatch(*next_job(), alone=False)
            finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            broken = False
            for future in finished:
                kind, submission, alone = in_flight.pop(future)
                last_lesson = submission.lesson
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 (a dead worker costs one submission)
                    if not pool.died(exc):
                        result = _failed(kind, submission, exc)
                    elif alone:
                        result = _failed(kind, submission, exc, died=True)
                        broken = True
                    else:
                        suspects.append((kind, submission))
                        broken = True
                        continue
                if kind == "execute":
                    executed(*result)
                else:
                    submission.feedback_problem = result
                    finish(submission)
            if broken:
                suspects.extend((kind, s) for kind, s, _ in in_flight.values())
                in_flight.clear()
                pool.restart()
    except KeyboardInterrupt:
        bar.close()
        pool.close(kill=True)
        raise Interrupted(f"{bar.n} of {len(todo)} submissions finished before Ctrl-C") from None
    bar.close()
    pool.close(kill=False)  # every job is done: idle workers leave at once, closing their sandboxes


def _submit(pool: WorkerPool, fn, *args) -> Future:
    """`pool.submit`, except that a pool found broken (a worker died since the last look) gives
    a future holding that error: the job is then in doubt like those that were in flight."""
    try:
        return pool.submit(fn, *args)
    except Exception as exc:
        if not pool.died(exc):
            raise
        future: Future = Future()
        future.set_exception(exc)
        return future


def _failed(kind: str, submission: Submission, exc: BaseException, died: bool = False):
    why = "the grading worker died" if died else f"{type(exc).__name__}: {str(exc)[:200]}"
    if kind == "execute":
        submission.error = f"could not be graded: {why}"
        return submission, None
    return why


def execute_job(course: Path, submission: Submission, limits: Limits):
    """Worker step: the engine's `execute` (imported in the worker, not by the CLI)."""
    from autograder.execute import execute

    return execute(course, submission, limits)


def feedback_job(course: Path, out: Path, submission: Submission) -> str | None:
    """Worker step: the feedback of one saved submission; the problem, or None."""
    from autograder.feedback import feedback

    try:
        feedback(course, out, submission)
    except Exception as exc:  # noqa: BLE001 (reported, never fatal)
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    return None
