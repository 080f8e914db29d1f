# Quick start: `make run` starts the bot (the local simulator when no LINE credentials are set);
# `make test` runs every test. Both set up .venv first when needed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test check eval bench bench-load clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# uv installs in seconds what pip takes most of a minute for; pip is the fallback.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv || true
	if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test]'; \
	else $(BIN)/python -m pip install --quiet -e '.[test]'; fi
	@# The .pyc files, written once here: with PYTHONDONTWRITEBYTECODE set (or a read-only
	@# venv) every worker start would otherwise compile the SDK's sources again, about a second.
	@# Some packages ship Python 2 files that do not compile (aenum/_py2.py): not an error.
	$(BIN)/python -m compileall -qq -j 0 "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" bot || true
	touch $(STAMP)

run: install
	$(BIN)/faqbot serve

test: install
	bash scripts/install-browser.sh
	$(BIN)/python -m pytest -q

check: install
	$(BIN)/faqbot check

eval: install
	$(BIN)/faqbot eval faq/regression.tsv

bench: install
	$(BIN)/python bench/match_speed.py

# Webhook load against the SDK-pattern baseline (docs/benchmarks.md); ARGS=--quick for ~2 minutes.
bench-load: install
	$(BIN)/python bench/webhook_load.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
