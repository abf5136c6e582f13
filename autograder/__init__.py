"""Instructor tooling."""

import sys
import warnings

# nbformat validates notebooks with jsonschema, which builds a grammar for IRI strings as it
# loads whenever `rfc3987_syntax` is installed (Jupyter's event schemas pull it in): about a
# second in every grading process. No notebook schema uses an IRI format, so grading goes
# without it.
sys.modules.setdefault("rfc3987_syntax", None)

# nbgrader's own gradebook code trips SQLAlchemy's autoflush warning for every submission
# ("Object of type <SubmittedAssignment> not in session..."): nothing an instructor can act on,
# and hundreds of lines in a class's run.
warnings.filterwarnings(
    "ignore", message=r"Object of type <\w+> not in session", module=r"nbgrader\."
)
