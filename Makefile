# Geo Engine for QGIS: set-up, tests, the bundled server and the demo.
# Every target installs what it needs first and is quick once that is done.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PY          := $(VENV)/bin/python
OFFICIAL    := .venv-official
PORT        ?= 3030
SYSTEM_PY   := /usr/bin/python3
export QT_QPA_PLATFORM ?= offscreen
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup setup-official test lint pytest serve demo bench mutate package translations screenshots clean

help:
	@echo "make demo    - run the main job against the bundled server (writes demo.png)"
	@echo "make test    - install what is missing, lint, run every test"
	@echo "make serve   - run the bundled Geo Engine-compatible server on 127.0.0.1:$(PORT)"
	@echo "make bench   - run the benchmarks in bench/"
	@echo "make mutate  - mutation testing of the number-critical modules (slow; MODULES=core/colorizer.py for one)"
	@echo "make package - build the installable plugin zip into dist/"
	@echo "make translations - update i18n/*.ts from the tr() calls (then translate the new strings)"
	@echo "make screenshots - render the docks and dialogs with data from the bundled server into docs/"

$(VENV)/.installed: requirements.txt requirements-dev.txt tools/ensure-host-packages.sh
	@tools/ensure-host-packages.sh
	@test -x $(PY) || $(SYSTEM_PY) -m venv --system-site-packages $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@tools/check-venv.sh $(PY)
	@touch $@

$(OFFICIAL)/.installed: requirements-official.txt
	@test -x $(OFFICIAL)/bin/python || $(SYSTEM_PY) -m venv $(OFFICIAL)
	@$(OFFICIAL)/bin/python -m pip install -q --disable-pip-version-check -r requirements-official.txt
	@touch $@

setup: $(VENV)/.installed
setup-official: $(OFFICIAL)/.installed

# bandit: the shipped code (what `make package` zips), as the QGIS plugin repository checks uploads; every
# finding is fixed or marked `# nosec <id> # why`. secrets: detect-secrets over every tracked file.
SHIPPED_EXCLUDES := ./tests,./bench,./tools,./docs,./build,./dist,./.venv,./.venv-official,./.ci,./.git,./i18n,./resources

lint: setup
	$(PY) -m ruff check .
	$(PY) -m bandit -q -r . -x $(SHIPPED_EXCLUDES)
	$(PY) tools/secrets_scan.py
	$(PY) tools/check_qt6.py  # QGIS 4 / Qt 6: scoped enums, no exec_, Qt only via qgis.PyQt
	$(PY) tools/check_tr.py  # every user-visible text through tr()

pytest: setup setup-official
	$(PY) -m pytest

test: lint pytest

serve: setup
	PYTHONPATH=tests $(PY) -m geoengine_server --port $(PORT)

demo: setup
	$(PY) tools/demo.py --output demo.png

screenshots: setup
	$(PY) tools/screenshots.py --output docs
	$(PY) tools/feature_screenshots.py --output docs

bench: setup setup-official
	$(PY) bench/run_all.py

# Mutation testing (cosmic-ray) in a scratch copy of the tree; see TESTING.md. Not part of make test.
MODULES ?=
mutate: setup
	$(PY) tools/mutate.py $(MODULES)

translations:
	$(SYSTEM_PY) tools/update_translations.py

package:
	@$(SYSTEM_PY) tools/package_plugin.py --output dist

clean:
	rm -rf $(VENV) $(OFFICIAL) .pytest_cache .ruff_cache build dist
