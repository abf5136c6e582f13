# The course's two everyday commands; each sets up the virtual environment first.
#   make lab    open the lessons in JupyterLab
#   make test   run every test: lint, release check, unit tests, grading and notebooks
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)
STAMP := $(VENV)/.installed

.PHONY: setup lab instructor test release clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=lessons

instructor: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=.

release: $(STAMP)
	$(BIN)/python -m autograder release

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache
