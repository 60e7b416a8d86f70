# article3: the README's two commands are `make demo` and `make test`; both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The lock files: every package with its version and hashes, for Python 3.11+ on any platform.
# requirements.txt is what the service runs on (the Dockerfile, .ci/wheel); requirements-dev.txt adds
# the test and lint tools (.venv). Both come from pyproject.toml by `make lock`.
LOCK := requirements.txt
DEV_LOCK := requirements-dev.txt
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(DEV_LOCK) | cksum | cut -d' ' -f1)
# `make demo PORT=8080` serves on another port
PORT ?= 8000

.PHONY: demo serve test lint fmt install lock bench bench-data

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "article3 needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Exactly the locked versions, each checked against its hash (pip refuses anything the lock leaves
# out); then article3 itself, built by the locked setuptools, and `pip check`: a dependency that
# pyproject.toml declares but the lock lacks fails here (run `make lock`).
$(STAMP): pyproject.toml $(DEV_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## serve the API on the embedded database with the documented public cases
	$(BIN)/article3 serve --demo --port $(PORT)

serve: $(STAMP)
	$(BIN)/article3 serve --port $(PORT)

test: $(STAMP)  ## the whole suite (SQLite; set ARTICLE3_TEST_DATABASE_URL for PostgreSQL)
	$(BIN)/pytest -n 2 --dist loadgroup

# Resolved once for every platform and Python 3.11+, with the hashes of every file PyPI has for each
# version. Versions already locked stay while pyproject.toml allows them; `make lock UPGRADE=1` moves
# every package to the newest version allowed. The runtime lock is constrained by the dev lock, so both
# name the same versions. setuptools (the build backend) is locked too.
UV_LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock: | $(BIN)/python
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet "$$(grep -m1 '^uv==' $(DEV_LOCK) | cut -d' ' -f1)"
	printf 'setuptools>=77\n' | $(BIN)/uv pip compile pyproject.toml - --extra dev $(UV_LOCK_FLAGS) -o $(DEV_LOCK)
	printf 'setuptools>=77\n' | $(BIN)/uv pip compile pyproject.toml - -c $(DEV_LOCK) $(UV_LOCK_FLAGS) -o $(LOCK)

# The quick benchmarks, each printing its report (bench/README.md's table says which rows they rerun and
# what they gave). The reads are measured on a copy of one synthetic SQLite database of 100,000 persons
# (each run adds audit entries; the copy keeps every run starting from the same data), then the
# in-process figures. That database is made again (`bench/synth.py`, about 2.5 minutes, its own row in
# the table) only when what shapes it changed: the generator, the models, the migrations or the
# derived-table code; `make bench-data` makes it again regardless. About 1.5 minutes with it in
# place, 3.5 with it made (measured 5 December 2026); the PostgreSQL, ten-times and load runs are by hand.
BENCH_DATA := bench/out/synth.db
BENCH_DB := bench/out/bench-run.db
BENCH_SHAPES := bench/synth.py bench/names.py $(wildcard alembic/versions/*.py) $(wildcard app/models/*.py) $(wildcard app/services/flag*.py)
$(BENCH_DATA): $(BENCH_SHAPES) | $(STAMP)
	$(BIN)/python bench/synth.py $(BENCH_DATA) --force

bench-data: $(STAMP)
	$(BIN)/python bench/synth.py $(BENCH_DATA) --force

bench: $(STAMP) $(BENCH_DATA)
	rm -f $(BENCH_DB) $(BENCH_DB)-wal $(BENCH_DB)-shm
	$(BIN)/python -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' $(BENCH_DATA) $(BENCH_DB)
	cp $(BENCH_DATA).key $(BENCH_DB).key
	$(BIN)/python bench/history_p95.py $(BENCH_DB)
	$(BIN)/python bench/indicators.py $(BENCH_DB)
	$(BIN)/python bench/flags_agree.py $(BENCH_DB) --persons 1000
	$(BIN)/python bench/token_check.py --checks 5000
	$(BIN)/python bench/encryption.py --persons 10000 --ops 500
	$(BIN)/python bench/charge_quality.py
	$(BIN)/python bench/match_quality.py --no-http

lint: $(STAMP)
	$(BIN)/deptry .
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy app tests
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
