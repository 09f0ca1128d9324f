# How Deep Neural Networks Learn — one entry point for learners, instructors and CI.
#   make book       set everything up, build the book into _build/html
#   make test       set everything up, lint, run the whole test suite
#   make lint       ruff over the Python code (rules: pyproject.toml)
#   make exercises  regenerate exercises/ from solutions/ with nbgrader
#   make bench      grader vs serial nbgrader (ratio), CPU per phase, scaling to 640 submissions
#   make lab        JupyterLab for learners (no instructor tools), opens exercises/
#   make formgrader JupyterLab for instructors, on nbgrader's formgrader
#   make hub        the course hub (JupyterHub, as root): learners sign up, do and submit exercises; instructors grade
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup setup-dev book test lint exercises serve clean lock assets bench lab formgrader hub

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

$(VENV)/.runtime: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

# `jupyter-book build` with Sphinx's -j: one chapter (and its kernel) per core at a time
# (book/_ext/jb_parallel.py; BOOK_JOBS=1 builds serially). Every chapter is executed each time.
book: setup
	$(BIN)/python book/_ext/jb_parallel.py build --all --warningiserror --keep-going .
	@echo "Book built: open _build/html/index.html (or: make serve)"

# Vendored MathJax/require.js/widget JS (book/_vendor/, gitignored; the book build
# fetches them too). Pinned, sha512-checked npm tarballs: see book/_ext/course_assets.py.
assets: setup
	$(BIN)/python book/_ext/course_assets.py

serve:
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory _build/html

# CI runs `make test` (.ci/run): the lint runs first, in a second.
test: setup-dev lint
	$(BIN)/python -m pytest

lint: setup-dev
	$(BIN)/ruff check .

bench: setup-dev
	$(BIN)/python benchmarks/bench_grading.py

# Jupyter refuses to run as root (containers, CI) unless told
JUPYTER_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# Learners: no Formgrader / Create Assignment (autograder/jupyter_learner/ switches them off).
lab: setup
	JUPYTER_CONFIG_PATH=$(CURDIR)/autograder/jupyter_learner $(BIN)/jupyter lab $(JUPYTER_ROOT) --ServerApp.root_dir=$(CURDIR)/exercises

# Instructors: every nbgrader tool, starting on formgrader (the course folder is this repository).
formgrader: setup
	$(BIN)/jupyter lab $(JUPYTER_ROOT) --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/formgrader

# The course hub (JupyterHub 6, run as root; README: "The course hub"): settings in hub/course.toml; these
# variables override it for one run: HUB_IP, HUB_PORT (0: a free one), HUB_URL (the public URL,
# e.g. behind TLS), HUB_STATE (the folder of everything it keeps, default .hub/).
hub: setup
	HUB_IP="$(HUB_IP)" HUB_PORT="$(HUB_PORT)" HUB_URL="$(HUB_URL)" HUB_STATE="$(HUB_STATE)" $(BIN)/python -m hub

exercises: setup
	$(BIN)/python -m autograder.release

# jsonschema stays at 4.24.x: from 4.25 its format-nongpl extra (which jupyter-events asks for)
# pulls in rfc3987-syntax, whose import builds Earley parsers and costs every Jupyter process
# ~1-3 s of CPU (nbgrader --version: 2.0 s -> 0.66 s CPU here). 4.24 uses rfc3986-validator
# (MIT) instead; the GPL `rfc3987` package is deliberately not installed.
lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v -E '^(pytest|pytest-xdist|execnet|playwright|iniconfig|pluggy|greenlet|ruff)==' > requirements.txt

clean:
	rm -rf _build .pytest_cache tests/_output
