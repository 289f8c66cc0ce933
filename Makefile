# file-upload-extraction: every command a developer needs. `make help` lists them.
# Settings come from the environment or a .env file (see README.md, "Configuration").

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help
.PHONY: help tools up bootstrap down status logs search dlq redrive reconcile trace test unit-test integration-test races bench bench-extract fuzz clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

tools: ## Create or refresh the project's virtualenv (.venv)
	@$(PYTHON) -m fue.venvs tools

up: tools ## Start LocalStack + PostgreSQL (Docker if an engine answers, else on the host) and deploy the pipeline
	@$(PY) -m fue up

bootstrap: tools ## Create or update the bucket, functions, notifications and schema (idempotent)
	@$(PY) -m bootstrap

down: ## Stop everything `make up` started
	@if [ -x $(PY) ]; then $(PY) -m fue down; else echo "nothing to stop"; fi

status: tools ## Show what is running
	@$(PY) -m fue status

logs: tools ## LocalStack's log; `make logs fn=extract` for a function's log; add follow=1 to follow
	@$(PY) -m fue logs $(if $(fn),--function $(fn)) $(if $(follow),--follow)

search: tools ## Full-text search: make search q='invoice -draft' [json=1] [limit=N]
	@$(PY) -m fue search "$(q)" $(if $(json),--json) $(if $(limit),--limit $(limit))

dlq: tools ## Events that failed after all retries, with the reason [json=1]
	@$(PY) -m fue dlq $(if $(json),--json)

redrive: tools ## Process the dead-letter queue's events again
	@$(PY) -m fue redrive

reconcile: tools ## Find files stuck between uploads/, extracted/ and the index, and re-drive them [dry_run=1]
	@$(PY) -m fue reconcile $(if $(dry_run),--dry-run) $(if $(json),--json)

trace: tools ## Where one file is: make trace key=uploads/report.pdf
	@$(PY) -m fue trace "$(key)"

unit-test: tools ## Fast tests of handler logic (no stack needed)
	@$(PY) -m pytest tests/unit -q

integration-test: up ## End-to-end and fault tests against the running stack (starts it if needed)
	@$(PY) -m pytest tests/executor tests/db tests/integration tests/faults -q --require-services

test: unit-test integration-test ## Unit and integration tests: what CI runs

races: up ## Play the known races on the running stack and count files stale / left / lost [tries=5]
	@$(PY) -m tests.integration.races $(if $(tries),--tries $(tries))

bench: up ## Benchmark: latency upload -> extracted -> searchable, throughput, cold start
	@$(PY) -m bench $(if $(n),--count $(n)) $(if $(concurrency),--concurrency $(concurrency))

bench-extract: tools ## Worst-case files through the extractors: time and peak memory per case [cases=html,docx-bomb]
	@$(PY) bench/extract_bench.py $(if $(cases),--cases $(cases))

fuzz: tools ## Fuzz the extract function's code with many random and mutated files [examples=2000]
	@FUZZ_EXAMPLES=$(or $(examples),2000) $(PY) -m pytest tests/unit/extract/test_extract_fuzz.py -q

clean: ## Stop the stack and delete all local state (.state, .venv, Docker volumes)
	@if [ -x $(PY) ]; then $(PY) -m fue down --delete-data; fi
	rm -rf .state $(VENV)
