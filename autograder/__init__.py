"""Instructor tooling."""

import sys

# nbformat validates notebooks with jsonschema, which builds a grammar for IRI strings as it
# loads whenever `rfc3987_syntax` is installed (Jupyter's event schemas pull it in): about a
# second in every grading process. No notebook schema uses an IRI format, so grading goes
# without it.
sys.modules.setdefault("rfc3987_syntax", None)
