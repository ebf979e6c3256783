# The two set-up commands of the README: `make dev` and `make test`.
SHELL := /bin/bash
# uv from PATH, or installed from PyPI into .tools/ when the machine has none.
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
PYTEST_WORKERS ?= 2

.PHONY: dev test lint bench

$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/python -m pip install --quiet uv

# Install from the committed uv.lock, migrate the development database, report it.
dev: $(UV)
	$(UV) sync --frozen --compile-bytecode
	./scripts/dev_migrate

# The whole suite; it starts the PostgreSQL and MariaDB servers it needs by itself.
# worksteal: a worker that runs out of tests takes queued ones from the other, so the
# minute-long scenario tests at the end do not leave one core idle.
test: $(UV)
	$(UV) sync --frozen --compile-bytecode
	$(UV) run --frozen pytest -n $(PYTEST_WORKERS) --dist worksteal

lint: $(UV)
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy
	$(UV) run --frozen rowstamp lint --all

# Benchmarks (never part of `make test`): writes docs/benchmarks.md and its plot, <= 20 min.
bench: $(UV)
	$(UV) sync --frozen --group bench
	$(UV) run --frozen --group bench python -m bench.run_all
