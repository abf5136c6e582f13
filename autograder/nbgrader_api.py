"""A thin, checked wrapper around nbgrader's Python API (`nbgrader.apps.NbGraderAPI`)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from autograder.coursedir import nbgrader_config


class NbGraderError(RuntimeError):
    """An nbgrader command reported failure; the message holds its log."""

    def one_line(self) -> str:
        """What failed (the message's first line) and why: the log's first `SomeError: ...`
        that says more than "see the traceback", else its first [ERROR] line, else its last."""
        lines = [line.strip() for line in str(self).strip().splitlines()] or [""]
        causes = [
            match[1]
            for line in lines
            if (match := re.search(r"(\w+(?:Error|Exception): .+)", line))
            and "see the" not in line
        ]
        errors = [line for line in lines if "[ERROR]" in line]
        why = (causes or errors or lines[-1:])[0]
        return f"{lines[0].rstrip(':')}: {why}"


def _put_own_scripts_on_path() -> None:
    """nbgrader runs the `alembic` command from PATH, so make it find this environment's copy
    even when the virtual environment is not activated."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def course_api(root: Path, *, db_path: Path | None = None) -> NbGraderAPI:
    """An `NbGraderAPI` for the course rooted at `root` (see `coursedir.nbgrader_config`)."""
    _put_own_scripts_on_path()
    return NbGraderAPI(config=nbgrader_config(root, db_path=db_path))


def check(result: dict, action: str) -> dict:
    """Raise `NbGraderError` unless an API call's `result` says it succeeded.

    nbgrader's API returns `{"success": bool, "log": str, "error": str}` instead of raising.
    """
    if not result.get("success"):
        detail = "\n".join(filter(None, [result.get("log"), result.get("error")])) or "no log"
        raise NbGraderError(f"nbgrader failed to {action}:\n{detail}")
    return result


def create_gradebook(db: Path) -> None:
    """Create an empty gradebook at `db`, exactly as nbgrader's `Gradebook` does for a new one
    (its tables, stamped with nbgrader's alembic head), but in this process: `Gradebook` asks a
    fresh `alembic heads` subprocess for the head, which costs seconds per new course."""
    if db.exists():
        return
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import _temp_alembic_ini
    from sqlalchemy import create_engine, text

    with _temp_alembic_ini(f"sqlite:///{db}") as ini:
        head = ScriptDirectory.from_config(Config(ini)).get_current_head()
    db.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{db}", future=True)
    try:
        with engine.begin() as connection:
            Base.metadata.create_all(bind=connection)
            connection.execute(
                text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);")
            )
            connection.execute(
                text("INSERT INTO alembic_version (version_num) VALUES (:head);"), {"head": head}
            )
    finally:
        engine.dispose()
