# The course's everyday commands; each sets up the virtual environment first.
#   make lab         open the lessons in JupyterLab
#   make test        run every test: lint, release check, unit tests, grading and notebooks
#   make test-fast   the same without the slow end-to-end tests (pytest -m "not slow")
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)
STAMP := $(VENV)/.installed
# Jupyter refuses to start as root (containers, CI) unless told that is intended.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: setup sandbox browser lab instructor test test-fast release clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# The autograder runs each submission in bubblewrap; install it from apt when missing (as root).
sandbox:
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && { apt-get install -y -qq bubblewrap \
	  || { apt-get update -qq && apt-get install -y -qq bubblewrap; }; } \
	  || echo "bubblewrap missing and not root: grading would use the weaker fallback"; }

# tests/test_browser.py drives Debian's Chromium; install it from apt when missing (as root).
browser:
	@[ -x /usr/bin/chromium ] || { [ "$$(id -u)" = 0 ] && { apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium; } \
	  || echo "chromium missing and not installed: tests/test_browser.py will skip"; }

lab: $(STAMP)
	$(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir=lessons

instructor: $(STAMP)
	$(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir=.

release: $(STAMP)
	$(BIN)/python -m autograder release

test: $(STAMP) sandbox browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# For the edit-test loop: everything but the end-to-end tests marked slow.
test-fast: $(STAMP) sandbox
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf $(VENV) .pytest_cache
