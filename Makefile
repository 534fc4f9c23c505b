# Two entry points for newcomers: `make demo` and `make test`. Everything else is a building block.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.stamp-$(shell cat requirements/constraints.txt requirements/control.in | sha1sum | cut -c1-12)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# ansible_collections/born2beroot/virt -> this checkout, so Ansible finds the live tree.
COLLECTIONS_ROOT := $(CURDIR)/.collections
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS_ROOT)
export ANSIBLE_COLLECTIONS_ROOT := $(COLLECTIONS_ROOT)

.PHONY: demo-destroy test-all help venv collection-link lab-deps lab-start lab-stop lab-image demo test lint sanity unit integration molecule compat clean

help:
	@echo "make demo   # set up everything and run the main job (site.yml) in the lab"
	@echo "make test   # set up everything and run every test suite"

# The venv links Mitogen's strategy plugins at a fixed path, .venv/strategy_plugins (B2B_MITOGEN=1, Molecule).
$(STAMP): requirements/constraints.txt requirements/control.in
	rm -rf $(VENV) && $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements/control.in -c requirements/constraints.txt
	ln -sfn "$$($(VENV)/bin/python -c 'import ansible_mitogen.plugins.strategy as s, os; print(os.path.dirname(s.__file__))')" $(VENV)/strategy_plugins
	touch $@

venv: lab-deps $(STAMP) collection-link

lab-deps:
	scripts/lab deps

collection-link:
	@mkdir -p $(COLLECTIONS_ROOT)/ansible_collections/born2beroot
	@ln -sfn $(CURDIR) $(COLLECTIONS_ROOT)/ansible_collections/born2beroot/virt

test: venv
	scripts/run-tests

# Also the scenarios too slow for CI (see molecule/*/skip-reason).
test-all: venv
	B2B_SLOW_SCENARIOS=1 scripts/run-tests

demo: venv
	scripts/demo

demo-destroy: venv
	scripts/demo destroy

lint: venv
	scripts/run-tests lint
sanity: venv
	scripts/run-tests sanity
unit: venv
	scripts/run-tests unit
integration: venv
	scripts/run-tests integration
molecule: venv
	scripts/run-tests molecule
compat: venv
	scripts/run-tests compat

lab-start: venv
	scripts/lab start
lab-stop:
	scripts/lab stop

clean:
	scripts/lab stop || true
	rm -rf $(VENV) $(COLLECTIONS_ROOT) tests/output
