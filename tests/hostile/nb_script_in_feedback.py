# ruff: noqa
"""Markdown cells and outputs carrying HTML that runs when the feedback page is opened (by the
student, or by an instructor reviewing it): `<script>`, `onerror=` handlers, `javascript:` links."""
import nbformat

PAYLOAD = (
    '<script>document.title="PWNED-SCRIPT"</script>'
    '<img src="x" onerror="document.title=\'PWNED-ONERROR\'">'
    '<a href="javascript:alert(\'PWNED-LINK\')">click</a>'
)


def build(release, model):
    release.cells.insert(1, nbformat.v4.new_markdown_cell("# Notes\n" + PAYLOAD))
    code = nbformat.v4.new_code_cell(
        "from IPython.display import HTML, display\n"
        f"display(HTML({PAYLOAD!r}))\nprint({PAYLOAD!r})"
    )
    release.cells.insert(2, code)
    return release
