# Portcullis — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
ENV := source scripts/env.sh &&
TARGET_DIR := $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR),target)
BIN := $(TARGET_DIR)/release/portcullis

.PHONY: help tools test-tools build run test bench fmt lint clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-11s %s\n", $$1, $$2}'

tools: ## Install the build tools that are missing (idempotent)
	@bash scripts/bootstrap.sh build

test-tools: ## Install the build and test tools that are missing (idempotent)
	@bash scripts/bootstrap.sh test

build: tools ## Release build: the server, and the wasm bundle split by area and precompressed
	@$(ENV) cargo leptos build --release --split --precompress

run: build ## Build and serve at http://localhost:3000 on SQLite under data/ (developer mailbox on)
	@$(ENV) PORTCULLIS_DATA_DIR="$${PORTCULLIS_DATA_DIR:-data}" LEPTOS_SITE_ROOT=target/site \
		PORTCULLIS_DEV_MAILBOX="$${PORTCULLIS_DEV_MAILBOX:-true}" "$(BIN)" serve

test: test-tools ## Every test: unit, SQLite, PostgreSQL, browser (headless Chromium)
	@bash scripts/test.sh

bench: test-tools build ## Every budgeted figure: first load, session checks, sign-ins per core, refusal timing, a flood
	@$(ENV) node end2end/bench/first-load.mjs
	@$(ENV) cargo bench -p server --bench signin

fmt: ## Format the code
	@$(ENV) cargo fmt --all

lint: tools ## Clippy on both feature sets, warnings as errors
	@$(ENV) cargo clippy -p server --all-targets -- -D warnings
	@$(ENV) cargo clippy -p app --features ssr --all-targets -- -D warnings
	@$(ENV) cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

clean: ## Remove build output and local data
	rm -rf target end2end/.data
