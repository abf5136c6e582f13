"""`sandbox`: without bubblewrap, cells still run, tests are judged, and it says it is weaker."""

from autograder import sandbox


def test_fallback_runs_cells_and_judges_tests(tmp_path, monkeypatch):
    """Without bubblewrap, do cells still run under limits, with tests judged by the grader?"""
    monkeypatch.setattr(sandbox, "isolation", lambda: "WEAKER FALLBACK: test")
    cells = [
        {"index": 0, "kind": "code", "source": "def f(x):\n    return x + 1\nprint('hi')"},
        {"index": 1, "kind": "test", "source": "assert f(1) == 2\nprint('passed')"},
        {"index": 2, "kind": "test", "source": "assert f(1) == 3, 'f(1) should be 3'"},
    ]
    result = sandbox.run_sandboxed(
        cells=cells,
        trusted_setup="import math",
        scratch=tmp_path,
        limits=sandbox.Limits(cell_s=30, wall_s=60),
    )
    assert result.isolation.startswith("WEAKER FALLBACK")
    assert result.cells[0]["stdout"] == "hi\n"
    assert result.cells[1]["stdout"] == "passed\n" and "error" not in result.cells[1]
    assert result.cells[2]["error"]["evalue"] == "f(1) should be 3"
    assert result.cells[2]["error"]["traceback"] == []


def test_bwrap_command_exposes_no_course_files(tmp_path):
    """Does the bubblewrap command bind only Python, the course package and the scratch folder?"""
    command = sandbox.bwrap_command(tmp_path, sandbox.Limits())
    binds = [command[i + 1] for i, arg in enumerate(command) if arg in ("--bind", "--ro-bind")]
    root = sandbox.course_dir().parent
    assert str(root) not in binds
    assert not [b for b in binds if b.startswith(str(root / "solutions"))]
    assert "--unshare-net" in command and str(tmp_path) in binds
