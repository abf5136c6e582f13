"""`SandboxExecute`: nbgrader's Execute step, run in the sandbox and judged by the grader.

It replaces `nbgrader.preprocessors.Execute` in the autograde pipeline. The notebook it receives
has already been sanitised by nbgrader (outputs cleared, test cells restored from the gradebook).
Its cells run in `autograder.sandbox`, each exercise in a fresh child process; the lesson's own
unchanged demo cells are skipped unless a test needs them. The outputs written back are built
here from the runner's structured report, so a submission cannot fake them: a test cell gets an
`error` output exactly when its verdict says it failed, and nbgrader's `SaveAutoGrades` scores it
from that. Tests' source reaches the sandbox only as each exercise's student code has finished.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution
from traitlets import Float, Integer, List, Unicode

from autograder.preprocessors.hide_hidden_tests import HideHiddenTests
from autograder.sandbox import Limits, Plan, run_sandboxed


class SandboxExecute(NbGraderPreprocessor):
    """Execute a sanitised submission in the sandbox and record each cell's outputs."""

    cell_timeout = Float(60.0, help="Seconds one cell may run before it is stopped.").tag(
        config=True
    )
    wall_time = Float(300.0, help="Seconds the whole submission may run, restarts included.").tag(
        config=True
    )
    cpu_time = Integer(300, help="CPU seconds one run of the notebook may use.").tag(config=True)
    memory_mb = Integer(
        2048, help="Memory (MiB of data segment) each sandboxed process may use."
    ).tag(config=True)
    max_processes = Integer(64, help="Processes and threads the sandbox may have at once.").tag(
        config=True
    )
    file_mb = Integer(64, help="MiB of the largest file a sandboxed process may write.").tag(
        config=True
    )
    tmp_mb = Integer(64, help="MiB of each of the sandbox's home, /tmp and /dev/shm.").tag(
        config=True
    )
    trusted_setup = Unicode(
        "", help="The lesson's own setup cell; the names it defines are restored before each test."
    ).tag(config=True)
    demo_sources = List(
        Unicode(),
        help="Sources of the release's own cells that are neither answers nor tests (demos and "
        "figures): a submitted cell equal to one of them is skipped unless a full run is needed.",
    ).tag(config=True)
    allow = List(
        Unicode(),
        help="What the lesson's tests need beyond plain Python: threads, processes, loopback.",
    ).tag(config=True)
    preload = List(
        Unicode(),
        help="Modules the lesson's tests load on first use: the zygote imports them once, so "
        "each exercise's child need not.",
    ).tag(config=True)
    lesson_files = Unicode(
        "", help="Folder of the files the lesson needs next to its notebook (copied to scratch)."
    ).tag(config=True)

    def limits(self) -> Limits:
        """The resource limits these traitlets describe."""
        return Limits(
            cell_s=self.cell_timeout,
            wall_s=self.wall_time,
            cpu_s=self.cpu_time,
            memory_mb=self.memory_mb,
            processes=self.max_processes,
            file_mb=self.file_mb,
            tmp_mb=self.tmp_mb,
        )

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """Run `nb` in the sandbox; put outputs on its cells and the run's story in resources.

        `resources["autograder"]` receives `isolation`, `failures` (cell index -> reason),
        `tampering` (descriptions), `notes` (limits hit by cells, worth reporting) and
        `setup_failed` (why no exercise could start, twice; empty when one did).
        """
        cells = _jobs(nb, set(s.strip() for s in self.demo_sources))
        plan = Plan(
            cells=cells,
            setup=self.trusted_setup,
            allow=frozenset(self.allow),
            preload=tuple(self.preload),
        )
        with tempfile.TemporaryDirectory(prefix="autograder-scratch-") as tmp:
            scratch = Path(tmp) / "work"
            self._fill_scratch(scratch, nb)
            scratch.chmod(0o755)
            result = run_sandboxed(plan=plan, scratch=scratch, limits=self.limits())
        tampering: list[str] = []
        notes: list[str] = []
        for cell in cells:
            index = cell["index"]
            report = result.cells.get(index)
            if cell["kind"] == "demo" and report is None and index not in result.failures:
                nb.cells[index].outputs = []  # a demo that grading did not need to run
                continue
            if cell["kind"] == "test" and report is not None and report.get("passed") is not True:
                # Only a verdict passes a test: a report without one (which a submission may
                # have sent as its own, with no error) counts as not run.
                report = report if report.get("error") else None
            nb.cells[index].outputs = _outputs(report, result.failures.get(index))
            limit = _limit_hit(report)
            if limit:
                notes.append(f"{_name(nb, index)}: {limit}")
            if report and report.get("tampering"):
                grade = nb.cells[index].metadata.nbgrader.get("grade_id", index)
                tampering.append(f"{grade}: changed {', '.join(report['tampering'][:5])}")
        resources.setdefault("autograder", {}).update(
            isolation=result.isolation,
            failures={_name(nb, i): why for i, why in result.failures.items()},
            tampering=tampering,
            notes=notes,
            setup_failed=result.setup_failed,
        )
        return nb, resources

    def _fill_scratch(self, scratch: Path, nb: NotebookNode) -> None:
        if self.lesson_files and Path(self.lesson_files).is_dir():
            shutil.copytree(
                self.lesson_files, scratch, ignore=shutil.ignore_patterns("*.ipynb", ".*")
            )
        scratch.mkdir(parents=True, exist_ok=True)
        # The student's copy of the notebook: test cells without their hidden tests.
        visible, _ = HideHiddenTests().preprocess(copy.deepcopy(nb), {})
        nbformat.write(visible, scratch / "submission.ipynb")


def _jobs(nb: NotebookNode, demos: set[str]) -> list[dict]:
    """Each code cell with its kind: `test`, `demo` (the lesson's own, unchanged) or `code`."""
    jobs = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if is_grade(cell) and not is_solution(cell):
            kind = "test"
        elif not is_solution(cell) and cell.source.strip() in demos:
            kind = "demo"
        else:
            kind = "code"
        jobs.append({"index": index, "kind": kind, "source": cell.source})
    return jobs


LIMIT_ERRORS = {
    "MemoryError": "hit the sandbox's memory limit",
    "BlockingIOError": "hit the sandbox's process limit",
    "SystemExit": "tried to exit the kernel",
    "KeyboardInterrupt": "interrupted itself",
    "Refused": "used something grading refuses (see the threat model)",
    "FrameRefused": "read the call stack, which grading refuses",
}


def _limit_hit(report: dict | None) -> str | None:
    """What a student cell's error says about the sandbox, when it says anything."""
    error = (report or {}).get("error") or {}
    if error.get("ename") == "OSError" and "network" in error.get("evalue", "").lower():
        return "tried to reach the network (blocked)"
    if error.get("ename") in ("Refused", "FrameRefused"):
        return f"{LIMIT_ERRORS[error['ename']]}: {error.get('evalue', '')[:200]}"
    return LIMIT_ERRORS.get(error.get("ename", ""))


def _name(nb: NotebookNode, index: int) -> str:
    grade = nb.cells[index].metadata.get("nbgrader", {}).get("grade_id")
    return grade or f"cell {index}"


def _outputs(report: dict | None, failure: str | None) -> list[NotebookNode]:
    if report is None:
        reason = failure or "not run"
        return [nbformat.v4.new_output("error", ename="NotRun", evalue=reason, traceback=[reason])]
    outputs = []
    if report.get("stdout"):
        outputs.append(nbformat.v4.new_output("stream", name="stdout", text=report["stdout"]))
    error = report.get("error")
    if error:
        traceback = error.get("traceback") or [f"{error['ename']}: {error['evalue']}"]
        outputs.append(
            nbformat.v4.new_output(
                "error", ename=error["ename"], evalue=error["evalue"], traceback=traceback
            )
        )
    return outputs
