# The front door: `make up` runs the platform, `make test` runs every test.
# Needs only python3 (3.11+) and make; uv and the locked dependencies are installed on first use.

SHELL := /bin/bash
UV := $(shell python3 .ci/ensure_uv.py)
RUN := $(UV) run --frozen
NAME ?=

.PHONY: up test sync lint bench tesseract faketime help

help:
	@echo "make up       run API + worker + projector (embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL)"
	@echo "make test     run every test (local PostgreSQL/Redis if reachable, else embedded ones)"
	@echo "make lint     ruff + mypy"
	@echo "make bench    run the benchmarks (NAME=x for one)"
	@echo "make tesseract  install tesseract-ocr (OCR of uploaded documents) and the DejaVu fonts if missing"
	@echo "make faketime   install faketime (end-to-end tests pin the processes' clock) if it is missing"

sync:
	@$(UV) sync --frozen --quiet

up: sync tesseract
	$(RUN) burnblack up

test: sync tesseract faketime
	$(RUN) pytest

# Workers OCR uploaded documents with the tesseract binary (a Debian package, not a wheel).
tesseract:
	@if command -v tesseract >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing tesseract-ocr (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null; \
	else \
		echo "tesseract is not installed and this is not root with apt-get: install tesseract-ocr"; \
		echo "(Debian/Ubuntu: sudo apt-get install tesseract-ocr; macOS: brew install tesseract)."; \
		echo "Without it, document OCR fails and its tests are skipped."; \
	fi
	@# The generated Form 16 layouts (tests, make bench NAME=ocr) are drawn in DejaVu faces.
	@if [ -f /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing fonts-dejavu-core fonts-dejavu-extra (apt-get)"; \
		(apt-get install -y -qq fonts-dejavu-core fonts-dejavu-extra >/dev/null 2>&1 || \
		 (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core fonts-dejavu-extra >/dev/null)); \
	else \
		echo "DejaVu fonts missing (fonts-dejavu-core, fonts-dejavu-extra): the layout tests are skipped."; \
	fi

# End-to-end tests run the real processes with their clock pinned by libfaketime (Debian
# `faketime`), e.g. past 31 December of an assessment year. pytest itself never runs under it.
faketime:
	@if command -v faketime >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing faketime (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; \
	else \
		echo "faketime is not installed and this is not root with apt-get: install faketime"; \
		echo "(Debian/Ubuntu: sudo apt-get install faketime; macOS: brew install libfaketime)."; \
		echo "Without it, the end-to-end tests with a pinned clock are skipped."; \
	fi

lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports --no-cache

bench: sync tesseract
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk)) >/dev/null; } || echo "install wrk for the HTTP benchmarks"
	@if [ -n "$(NAME)" ]; then $(RUN) python -m benchmarks.$(NAME); \
	else for b in benchmarks/[a-z]*.py; do $(RUN) python -m benchmarks.$$(basename $$b .py) || exit 1; done; fi
