# The front door: `make up` runs the platform, `make test` runs every test.
# Needs only python3 (3.11+) and make; uv and the locked dependencies are installed on first use.

SHELL := /bin/bash
UV := $(shell python3 .ci/ensure_uv.py)
RUN := $(UV) run --frozen
NAME ?=

.PHONY: up test sync lint bench tesseract faketime promtool loadtest help

help:
	@echo "make up       run API + worker + projector (embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL)"
	@echo "make test     run every test (local PostgreSQL/Redis if reachable, else embedded ones)"
	@echo "make lint     ruff + mypy"
	@echo "make bench    run the benchmarks (NAME=x for one)"
	@echo "make tesseract  install tesseract-ocr (OCR of uploaded documents) and the DejaVu fonts if missing"
	@echo "make faketime   install faketime (end-to-end tests pin the processes' clock) if it is missing"
	@echo "make promtool   fetch promtool (checks deploy/prometheus rules) into .tools/bin"
	@echo "make loadtest   1,000 simulated taxpayers for 120 s; report in loadtest-report/ (docs/load.md)"

sync:
	@$(UV) sync --frozen --quiet

up: sync tesseract
	$(RUN) burnblack up

test: sync tesseract faketime promtool
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

# promtool checks the alert rules (tests/unit/test_capacity_alerts.py). It ships in Debian's
# prometheus package; its binary is taken out of the .deb so no Prometheus server is installed.
promtool:
	@if command -v promtool >/dev/null || [ -x .tools/bin/promtool ]; then :; \
	elif command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then \
		echo "fetching promtool (Debian package prometheus) into .tools/bin"; \
		tmp=$$(mktemp -d) && (cd $$tmp && apt-get download prometheus >/dev/null 2>&1 \
			|| (apt-get update -qq && apt-get download prometheus >/dev/null 2>&1)) \
		&& dpkg-deb -x $$tmp/prometheus_*.deb $$tmp/x && mkdir -p .tools/bin \
		&& cp $$tmp/x/usr/bin/promtool .tools/bin/ ; rm -rf $$tmp; \
		[ -x .tools/bin/promtool ] || echo "could not fetch promtool; the alert-rule check is skipped"; \
	else \
		echo "promtool is missing (Debian: apt-get install prometheus; macOS: brew install prometheus);"; \
		echo "the alert-rule check is skipped without it."; \
	fi

loadtest: sync
	$(RUN) burnblack loadtest --users 1000 --duration 120 --api-instances 2 --report loadtest-report

lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports --no-cache

bench: sync tesseract
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk)) >/dev/null; } || echo "install wrk for the HTTP benchmarks"
	@if [ -n "$(NAME)" ]; then $(RUN) python -m benchmarks.$(NAME); \
	else for b in benchmarks/[a-z]*.py; do $(RUN) python -m benchmarks.$$(basename $$b .py) || exit 1; done; fi
