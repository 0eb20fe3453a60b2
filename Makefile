# The front door: `make up` runs the platform, `make test` runs every test.
# Needs only python3 (3.11+) and make; uv and the locked dependencies are installed on first use.

SHELL := /bin/bash
UV := $(shell python3 .ci/ensure_uv.py)
RUN := $(UV) run --frozen
NAME ?=

.PHONY: up test sync lint bench tesseract help

help:
	@echo "make up       run API + worker + projector (embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL)"
	@echo "make test     run every test (local PostgreSQL/Redis if reachable, else embedded ones)"
	@echo "make lint     ruff + mypy"
	@echo "make bench    run the benchmarks (NAME=x for one)"

sync:
	@$(UV) sync --frozen --quiet

up: sync
	$(RUN) burnblack up

test: sync
	$(RUN) pytest

lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

bench: sync
	@if [ -n "$(NAME)" ]; then $(RUN) python -m benchmarks.$(NAME); \
	else for b in benchmarks/[a-z]*.py; do $(RUN) python -m benchmarks.$$(basename $$b .py) || exit 1; done; fi
