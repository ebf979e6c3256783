# The two set-up commands of the README: `make dev` and `make test`.
SHELL := /bin/bash
# uv from PATH, or installed from PyPI into .tools/ when the machine has none.
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
PYTEST_WORKERS ?= 2

.PHONY: dev test lint bench bench-full

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

# Benchmarks (never part of `make test`); both print each measure's time and the total.
# `make bench`: the QUICK profile (reduced sizes, 3 runs per contender, <= 15 minutes on
# 2 idle vCPUs), run before a change; it writes docs/benchmarks.md and its plot.
bench: $(UV)
	$(UV) sync --frozen --group bench
	BENCH_PROFILE=quick $(UV) run --frozen --group bench python -m bench.run_all
# `make bench-full`: the FULL profile (every size and run the first benchmarks issue asked
# for, MariaDB peers included; no time target); results in bench/results/full/ and the
# page's "Full profile" appendix.
bench-full: $(UV)
	$(UV) sync --frozen --group bench
	BENCH_PROFILE=full $(UV) run --frozen --group bench python -m bench.run_all
