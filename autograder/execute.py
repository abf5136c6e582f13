"""`execute`: the worker step of grading: repair, sanitise and run one submission in the sandbox.

It runs in a worker process and returns the submission (with its notes, flags or error) and the
executed notebook; the main process saves scores and makes feedback (`autograder.grade`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from nbgrader.preprocessors import ClearOutput, DeduplicateIds, OverwriteCells, OverwriteKernelspec

from autograder.coursedir import RELEASE_DIRECTORY, SOURCE_DIRECTORY, read_course_notebook
from autograder.preprocessors import SandboxExecute
from autograder.repair import repair
from autograder.sandbox import SETUP_FAILED, Limits
from autograder.submissions import grade_id

if TYPE_CHECKING:
    from autograder.grade import Submission


def nbgrader_resources(course: Path, submission: Submission) -> dict:
    return {
        "nbgrader": {
            "db_url": f"sqlite:///{course / 'gradebook.db'}",
            "assignment": submission.lesson,
            "notebook": submission.lesson,
            "student": submission.student,
        }
    }


ALLOWANCES = ("threads", "processes", "loopback")
MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")

# What only code that reads or writes raw memory names: NumPy makes an array over any address an
# object's `__array_interface__` (or `__array_struct__`) gives, torch a storage over any address
# its private constructors get, and no audit hook sees it, so such code can rewrite the checks
# its own test calls (README, threat model). And what turns off torch's function handling or
# reaches torch's stacks of modes, where the tests' spies on forbidden calls (and the counter of
# `assert_vectorised`) keep what they saw: code under a spy could pop it or empty it (torch's own
# code needs all of these, so they stay). Neither can be refused from inside the process; the
# submission is flagged for the instructor instead.
REVIEW_NAMES = {
    "raw memory": (
        "__array_interface__",
        "__array_struct__",
        "_construct_storage_from_data_pointer",
        "_new_with_weak_ptr",
    ),
    "a frame evaluator installed": ("set_eval_frame",),
    "torch's function handling turned off or its modes reached": (
        "DisableTorchFunction",
        "_get_current_function_mode_stack",
        "_get_function_stack_at",
        "_pop_torch_function_stack",
        "_push_on_torch_function_stack",
        "_pop_mode",
        "_get_current_dispatch_mode_stack",
        "_get_dispatch_stack_at",
        "_pop_torch_dispatch_stack",
    ),
}


def review_flags(nb: dict) -> list[str]:
    """A flag for each kind of name in REVIEW_NAMES the submission's code uses."""
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    flags = []
    for kind, names in REVIEW_NAMES.items():
        named = [name for name in names if any(name in source for source in code)]
        if named:
            flags.append(f"{kind}: the code names {', '.join(named)}; review it by hand")
    return flags


def demo_sources(release: dict) -> list[str]:
    """The release's own code cells that are neither answers nor tests: demos and figures."""
    return [c.source for c in release.cells if c.cell_type == "code" and grade_id(c) is None]


def lesson_setting(course: Path, lesson: str, release: dict, key: str) -> list:
    """A list the lesson declares in its `"autograder"` notebook metadata (the release's, else
    the source notebook's): `allow` or `preload`."""
    declared = release.metadata.get("autograder", {}).get(key)
    if declared is None:
        source = course / SOURCE_DIRECTORY / lesson / f"{lesson}.ipynb"
        if source.exists():
            declared = read_course_notebook(source).metadata.get("autograder", {}).get(key)
    return list(declared) if isinstance(declared, list) else []


def allowed(course: Path, lesson: str, release: dict) -> list[str]:
    """What the lesson's tests need beyond plain Python (`"allow": [...]`)."""
    return [str(a) for a in lesson_setting(course, lesson, release, "allow") if a in ALLOWANCES]


def preloads(course: Path, lesson: str, release: dict) -> list[str]:
    """Modules the lesson's tests load on first use (`"preload": [...]`), for the zygote."""
    declared = lesson_setting(course, lesson, release, "preload")
    return [str(m) for m in declared if isinstance(m, str) and MODULE_NAME.fullmatch(m)]


def execute(course: Path, submission: Submission, limits: Limits) -> tuple[Submission, dict | None]:
    """Worker step: repair, sanitise and run one submission; return it and the executed notebook.

    Never raises: anything unexpected becomes the submission's error.
    """
    try:
        release = read_course_notebook(
            course / RELEASE_DIRECTORY / submission.lesson / f"{submission.lesson}.ipynb"
        )
        repaired = repair(path=submission.path, release=release)
        submission.notes += repaired.notes
        submission.flags += repaired.flags
        if repaired.notebook is None:
            submission.error = repaired.error
            return submission, None
        resources = nbgrader_resources(course, submission)
        nb = repaired.notebook
        submission.flags += review_flags(nb)
        for pp in (ClearOutput(), DeduplicateIds(), OverwriteKernelspec(), OverwriteCells()):
            nb, resources = pp.preprocess(nb, resources)
        runner = SandboxExecute(
            cell_timeout=limits.cell_s,
            wall_time=limits.wall_s,
            cpu_time=limits.cpu_s,
            memory_mb=limits.memory_mb,
            max_processes=limits.processes,
            file_mb=limits.file_mb,
            tmp_mb=limits.tmp_mb,
            lesson_files=str(course / RELEASE_DIRECTORY / submission.lesson),
            trusted_setup=next(c.source for c in release.cells if c.cell_type == "code"),
            demo_sources=demo_sources(release),
            allow=allowed(course, submission.lesson, release),
            preload=preloads(course, submission.lesson, release),
        )
        nb, resources = runner.preprocess(nb, resources)
        story = resources["autograder"]
        submission.isolation = story["isolation"]
        if story["setup_failed"]:
            submission.error = f"could not be graded: {SETUP_FAILED} ({story['setup_failed']})"
            return submission, None
        submission.notes += [f"{cell}: {why}" for cell, why in story["failures"].items()]
        submission.notes += story["notes"]
        submission.flags += [f"tampering in {what}" for what in story["tampering"]]
        return submission, nb
    except Exception as exc:  # noqa: BLE001 (a bad submission never stops the batch)
        submission.error = f"could not be graded: {type(exc).__name__}: {str(exc)[:200]}"
        return submission, None
