# file-upload-extraction: every command a developer needs. `make help` lists them.
# Settings come from the environment or a .env file (see README.md, "Configuration").

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The one command line (cli/); `$(VENV)/bin/pipeline --help` is the same program.
CLI := $(PY) -m cli
export PYTHONDONTWRITEBYTECODE := 1

# Values given on the command line (q=, key=, ...) reach the CLI exactly as typed, as one
# word each: `$(call arg,q)` is q's unexpanded value, single-quoted for the shell, so
# `$`, quotes, backslashes and `#` in a search, a key or a password stay as they are.
# `$(call opt,limit,--limit)` is `--limit '<value>'`, or nothing when limit is not set.
arg = '$(subst ','\'',$(value $(1)))'
opt = $(if $(value $(1)),$(2) $(call arg,$(1)))

.DEFAULT_GOAL := help
.PHONY: help tools lock up dev bootstrap down invoke watch status logs search dlq redrive reconcile trace ui cost browser ui-test vendor-js lint test unit-test integration-test races bench bench-extract bench-reload fuzz mutation clean \
	template-check plan-aws deploy-aws migrate

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

tools: ## Create or refresh the project's virtualenv (.venv)
	@$(PYTHON) -m lifecycle.venvs tools

lock: tools ## Regenerate the full locks requirements/*.lock after editing requirements/*.txt (uv pip compile)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	@$(PY) -m lifecycle.venvs lock $(VENV)/bin/uv

up: tools ## Start LocalStack + PostgreSQL (Docker if an engine answers, else on the host) and deploy the pipeline [HOT_RELOAD=1]
	@$(CLI) up

dev: tools ## `make up` with hot reload: the functions run from lambdas/, an edit is live at the next invocation
	@HOT_RELOAD=1 $(CLI) up

bootstrap: tools ## Create or update the bucket, functions, notifications and schema (idempotent)
	@$(CLI) bootstrap

down: ## Stop everything `make up` started
	@if [ -x $(PY) ]; then $(CLI) down; else echo "nothing to stop"; fi

status: tools ## Show what is running
	@$(CLI) status

logs: tools ## LocalStack's log; `make logs fn=extract` for a function's log; add follow=1 to follow
	@$(CLI) logs $(call opt,fn,--function) $(if $(follow),--follow)

search: tools ## Full-text search: make search q='invoice -draft' [json=1] [limit=N]
	@$(CLI) search $(if $(json),--json) $(call opt,limit,--limit) -- $(call arg,q)

dlq: tools ## Events that failed after all retries, with the reason [json=1]
	@$(CLI) dlq $(if $(json),--json)

redrive: tools ## Process the dead-letter queue's events again
	@$(CLI) redrive

reconcile: tools ## Find files stuck between uploads/, extracted/ and the index, and re-drive them [dry_run=1]
	@$(CLI) reconcile $(if $(dry_run),--dry-run) $(if $(json),--json)

trace: tools ## Where one file is: make trace key=uploads/report.pdf
	@$(CLI) trace -- $(call arg,key)

invoke: tools ## Replay one file through one function: make invoke fn=extract key=uploads/report.pdf [event=FILE] [local=1]
	@$(CLI) invoke $(call opt,event,--event) $(if $(local),--local) -- $(call arg,fn) $(call opt,key,)

watch: tools ## Follow both functions' logs and each upload's or delete's stages with latency (Ctrl-C stops)
	@$(CLI) watch

ui: tools ## The dashboard on http://127.0.0.1:UI_PORT (default 8080); `make up` starts it in the background too
	@$(CLI) ui

cost: tools ## What the observed workload would cost on AWS: make cost [minutes=60]
	@$(CLI) cost $(call opt,minutes,--minutes)

browser: tools ## Install Debian's chromium + chromium-driver for the browser tests when absent (needs root)
	@$(PY) -m tests.ui.browser

ui-test: up browser ## Browser tests of the dashboard in headless Chromium (screenshots in docs/screenshots/)
	@$(PY) -m pytest tests/ui -q

vendor-js: ## Refresh the dashboard's vendored JavaScript from the npm registry (needs npm)
	@python3 -m dashboard.vendor

template-check: tools ## Lint template.yaml (AWS SAM) with cfn-lint, offline
	@$(VENV)/bin/cfn-lint template.yaml && echo "template.yaml: cfn-lint found nothing"

ifndef profile
profile := $(value AWS_PROFILE)
endif
AWS_ARGS = --profile $(call arg,profile) $(call opt,region,--region) $(call opt,stack,--stack) \
	--bucket $(call arg,bucket) --secret $(call arg,secret) $(call opt,prefix,--name-prefix) \
	$(call opt,subnets,--subnets) $(call opt,security_groups,--security-groups) $(call opt,code_bucket,--code-bucket)

plan-aws: tools ## Show the change set AWS would apply: make plan-aws profile=P bucket=B secret=S [region= stack= ...]
	@$(CLI) plan-aws $(AWS_ARGS)

deploy-aws: tools ## Deploy template.yaml to AWS: make deploy-aws profile=P bucket=B secret=S [region= stack= ...]
	@$(CLI) deploy-aws $(AWS_ARGS)

migrate: tools ## Apply the search schema to any PostgreSQL: make migrate DATABASE_URL=postgresql://...
	@$(CLI) migrate --database-url $(call arg,DATABASE_URL)

lint: tools ## ruff format --check, ruff check and mypy over every product package (pyproject.toml)
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy
	@$(VENV)/bin/mypy lambdas/extract/handler.py
	@$(VENV)/bin/mypy lambdas/insert/handler.py

# Suites are chosen by marker (pyproject.toml, tests/conftest.py): unmarked = unit; db, stack.
unit-test: tools ## Fast tests of handler logic (no stack needed)
	@$(PY) -m pytest -m "not db and not stack" -q

integration-test: up ## End-to-end and fault tests against the running stack (starts it if needed)
	@$(PY) -m pytest -m "db or stack" -q --require-services

test: lint template-check unit-test integration-test ## Lint, template lint, unit and integration tests: what CI runs

races: up ## Play the known races on the running stack and count files stale / left / lost [tries=5]
	@$(PY) -m tests.integration.races $(call opt,tries,--tries)

bench: up ## Benchmark: latency upload -> extracted -> searchable, throughput, cold start
	@$(CLI) bench pipeline $(call opt,n,--count) $(call opt,concurrency,--concurrency)

bench-extract: tools ## Worst-case files through the extractors: time and peak memory per case [cases=html,docx-bomb]
	@$(CLI) bench extract $(call opt,cases,--cases)

bench-reload: tools ## Edit -> live time of a hot-reloaded function (its own copy of extract) [edits=10]
	@$(CLI) bench reload $(call opt,edits,--edits)

fuzz: tools ## Fuzz the extract function's code with many random and mutated files [examples=2000]
	@FUZZ_EXAMPLES=$(if $(value examples),$(call arg,examples),2000) $(PY) -m pytest tests/unit/extract/test_extract_fuzz.py -q

clean: ## Stop the stack and delete all local state (.state, .venv, Docker volumes)
	@if [ -x $(PY) ]; then $(CLI) down --delete-data; fi
	rm -rf .state $(VENV)

mutation: tools ## Mutation testing of the core logic (unit + db suites); ends with the score [keep=1] [survivors=1] [only='extractor.spool.*'] [jobs=1]
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/mutation.txt
	@set -f; $(PY) -m tests.mutation $(if $(keep),--keep) $(if $(survivors),--survivors) $(if $(only),--only $(only)) \
		$(call opt,jobs,--max-children)
