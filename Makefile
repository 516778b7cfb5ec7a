# Metering — developer and CI entry points. `make` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SOLUTION      ?= Metering.sln
CONFIGURATION ?= Release
INFRA_DIR     ?= .run/infra

export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: help build test run bench chaos lint infra-up infra-down clean

help: ## list the targets
	@echo "Metering — make targets:"
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN { FS = ":.*## " } { printf "  %-11s %s\n", $$1, $$2 }'
	@echo "Variables: TEST_FILTER=<dotnet test filter> (test), CONFIGURATION=$(CONFIGURATION)"

build: ## dotnet build the solution (Release)
	dotnet build $(SOLUTION) -c $(CONFIGURATION)

test: ## install deps, start throwaway Redis+PostgreSQL, run all tests, tear down
	bash scripts/test.sh

run: ## install deps, start infra under .run/infra and the services; Ctrl-C stops all
	bash scripts/run.sh

bench: ## transport, ingest, flush and settlement benchmarks; results under .bench/
	bash scripts/bench.sh $(BENCH_ARGS)

chaos: ## fault-injection suite: SIGKILL service, restart Redis, stop PostgreSQL, crash the flusher (CHAOS_CYCLES=50)
	bash scripts/chaos.sh

lint: ## buf lint of the protos (buf from npm, into .tools/)
	bash scripts/lint.sh

infra-up: ## start Redis+PostgreSQL under .run/infra (source .run/infra/env)
	bash scripts/install-deps.sh
	bash scripts/infra.sh start $(INFRA_DIR)
	@echo "source $(INFRA_DIR)/env"

infra-down: ## stop the .run/infra Redis+PostgreSQL and remove the folder
	bash scripts/infra.sh stop $(INFRA_DIR)

clean: infra-down ## stop dev infra, remove bin/ obj/ and .run/ (keeps .bench/ results)
	find services clients tests -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} + 2>/dev/null || true
	rm -rf .run
