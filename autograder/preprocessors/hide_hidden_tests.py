"""`HideHiddenTests`: keep hidden tests out of feedback (nbgrader issue 917).

nbgrader's feedback shows test cells as the grader ran them, hidden tests included. This
preprocessor removes the hidden region from every test cell's source (with nbgrader's own
`ClearHiddenTests`) and redacts any output line that quotes a hidden line, so code that prints
the source it can see while a test runs cannot leak it either.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import Integer, Unicode

REDACTED = "[a line of a hidden test was removed]"


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests' source from a graded notebook and redact outputs that quote it."""

    begin_delimiter = Unicode("BEGIN HIDDEN TESTS", help="Marks the start of hidden tests.").tag(
        config=True
    )
    end_delimiter = Unicode("END HIDDEN TESTS", help="Marks the end of hidden tests.").tag(
        config=True
    )
    min_length = Integer(
        16,
        help="Hidden lines shorter than this (`else:`, `return None`) are too common to redact: "
        "they would blank out the messages that quote them.",
    ).tag(config=True)

    def hidden_lines(self, nb: NotebookNode) -> set[str]:
        """Every line (stripped, long enough to be telling) found only in hidden-tests regions."""
        found, visible, inside = set(), set(), False
        for cell in nb.cells:
            for line in cell.source.splitlines():
                if self.begin_delimiter in line:
                    inside = True
                elif self.end_delimiter in line:
                    inside = False
                elif inside and len(line.strip()) >= self.min_length:
                    found.add(line.strip())
                else:
                    visible.add(line.strip())
        return found - visible

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """Strip hidden regions and redact outputs; `resources["hidden_lines"]` keeps the lines."""
        hidden = self.hidden_lines(nb)
        clear = ClearHiddenTests(
            begin_test_delimeter=self.begin_delimiter,
            end_test_delimeter=self.end_delimiter,
            enforce_metadata=False,
        )
        for cell in nb.cells:
            clear._remove_hidden_test_region(cell)
            for output in cell.get("outputs", []):
                _redact(output, hidden)
        resources["hidden_lines"] = sorted(hidden)
        return nb, resources


def _redact(output: NotebookNode, hidden: set[str]) -> None:
    def clean(text: str) -> str:
        return "\n".join(
            REDACTED if any(h in line for h in hidden) else line for line in text.split("\n")
        )

    if "text" in output:
        output.text = clean(output.text)
    if "traceback" in output:
        output.traceback = [clean(line) for line in output.traceback]
    if "evalue" in output:
        output.evalue = clean(output.evalue)
    for key, value in output.get("data", {}).items():
        if isinstance(value, str):
            output.data[key] = clean(value)
