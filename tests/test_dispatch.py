"""Does the grading loop hand out submissions so that workers switch lessons rarely?"""

from autograder.dispatch import LessonQueue
from autograder.grade import Submission


def queue_of(lessons: dict[str, int]) -> LessonQueue:
    queue = LessonQueue()
    for student in range(max(lessons.values())):  # students hand in every lesson, in turn
        for lesson, count in lessons.items():
            if student < count:
                queue.add(Submission(f"s{student}", lesson, None))
    return queue


def simulate(queue: LessonQueue, workers: int) -> list[list[str]]:
    """The lessons each worker grades, in order, when every job takes as long."""
    done: list[list[str]] = [[] for _ in range(workers)]
    while queue:
        for history in done:
            if queue:
                busy = [h[-1] for h in done if h is not history and h]
                history.append(queue.take(after=history[-1] if history else None, busy=busy).lesson)
    return done


def switches(history: list[str]) -> int:
    return sum(1 for i, lesson in enumerate(history) if i == 0 or lesson != history[i - 1])


def test_each_lesson_is_started_once_when_lessons_outnumber_workers():
    lessons = {f"{n:02d}_lesson": 3 for n in range(1, 10)}
    done = simulate(queue_of(lessons), workers=2)
    every_job = sorted(lesson for lesson, n in lessons.items() for _ in range(n))
    assert sorted(sum(done, [])) == every_job
    # Each lesson is started once, and at the end an idle worker may join the last one;
    # in the order the students come (each hands in every lesson), every job would switch.
    assert sum(switches(h) for h in done) <= len(lessons) + 1


def test_workers_share_one_big_lesson_and_start_on_different_ones():
    queue = queue_of({"01_a": 10, "02_b": 2})
    first = queue.take(after=None, busy=[])
    second = queue.take(after=None, busy=[first.lesson])
    assert (first.lesson, second.lesson) == ("01_a", "02_b")
    assert queue.take(after="02_b", busy=["01_a"]).lesson == "02_b"
    assert queue.take(after="02_b", busy=["01_a"]).lesson == "01_a"  # 02_b is done: help out
    assert len(queue) == 8
