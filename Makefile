# WorkSynapse developer tasks. `make run` and `make test` are all a new
# developer needs; `make help` lists every target (docs/contributing.md).

GO        ?= go
BIN       ?= bin/worksynapse
PKGS      ?= ./...
GENERATED := ent internal/oas openapi.yaml

# PostgreSQL for tests: CI (.ci/run) always sets WORKSYNAPSE_TEST_DATABASE_URL.
# Locally we use the project machines' server when it answers; otherwise the
# suite runs on embedded SQLite and says that PostgreSQL tests were skipped.
PG_LOCAL_URL := postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
ifeq ($(origin WORKSYNAPSE_TEST_DATABASE_URL), undefined)
  ifeq ($(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo up),up)
    export WORKSYNAPSE_TEST_DATABASE_URL := $(PG_LOCAL_URL)
  endif
endif

.PHONY: bench all generate check-generated build run test check lint vet unit flakes migration help \
	spec-lint ts-client ts-check ts-pack ts-pack-check e2e-ts docs-assets docs-assets-check docs-check spec-diff k8s-lint \
	release-spec

all: build ## Default target: build the binary

# Every target a person runs carries a `## one line` comment; a test
# (internal/docgen) fails for a .PHONY target without one.
help: ## List every target with one line each
	@echo 'Usage: make <target>   (details: docs/contributing.md)'
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z0-9][a-z0-9 -]*:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

generate: ## Regenerate ent, openapi.yaml and the ogen server from ent/schema
	$(GO) generate ./...

check-generated: generate ## Fail if generated code differs from what is committed
	@if [ -n "$$(git status --porcelain -- $(GENERATED))" ]; then \
		echo "Generated code is stale: run 'make generate' and commit the result."; \
		git status --short -- $(GENERATED) | head -20; exit 1; fi

build: ## Build the binary into bin/
	$(GO) build -o $(BIN) ./cmd/worksynapse

run: ## Run the server on embedded SQLite (./data), http://127.0.0.1:8080
	$(GO) run ./cmd/worksynapse serve

lint vet: ## Static checks: go vet and gofmt
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l cmd internal ent/schema ent/entc.go migrations)" || { echo "gofmt needed:"; gofmt -l cmd internal ent/schema ent/entc.go migrations; exit 1; }

# The PgBouncer test (internal/e2e) needs Debian's pgbouncer: installed on first use, like
# Chromium below. Where apt-get cannot run, the test skips (and fails in CI).
PGBOUNCER ?= /usr/sbin/pgbouncer
$(PGBOUNCER):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	echo "installing pgbouncer (Debian package) for the transaction-pooling test"; \
	{ $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null; } \
		|| echo "NOTE: could not install pgbouncer: the PgBouncer test will be skipped"

# -parallel 4: the API tests mostly wait on PostgreSQL, so twice the cores' worth of parallel
# tests keeps both cores busy (internal/api: ~100 s at the default of 2, ~85 s at 4).
unit: $(PGBOUNCER) ## Run the Go tests (PostgreSQL too when available)
	@if [ -z "$$WORKSYNAPSE_TEST_DATABASE_URL" ]; then echo "NOTE: WORKSYNAPSE_TEST_DATABASE_URL is not set: PostgreSQL tests will be skipped."; fi
	$(GO) test -count=1 -parallel 4 -timeout 20m $(PKGS)

# Flaky-test hunt: every Go test COUNT times; with -race in the packages that
# run goroutines (a `go` statement, River, or the test server's background
# work), where the race detector can find something. Compare runs on a
# loaded machine too, e.g. beside a build.
COUNT     ?= 3
RACE_GREP := '^[[:space:]]*go [[:alnum:]_(]|"github.com/riverqueue/river"|internal/(testserver|jobs)"'
RACE_DIRS  = $(shell grep -rlE $(RACE_GREP) --include='*.go' cmd internal | xargs -r -n1 dirname | sort -u)
RACE_PKGS  = $(shell $(GO) list $(addprefix ./,$(RACE_DIRS)))
PLAIN_PKGS = $(filter-out $(RACE_PKGS),$(shell $(GO) list $(PKGS)))

flakes: ## Hunt flaky tests: Go tests COUNT times (default 3), -race where goroutines run
	$(GO) test -count=$(COUNT) -race -timeout 60m $(RACE_PKGS)
	$(GO) test -count=$(COUNT) -timeout 30m $(PLAIN_PKGS)

check: check-generated lint spec-lint ts-check ts-pack-check docs-assets-check spec-diff k8s-lint unit e2e-ts docs-check ## Everything CI runs

test: check ## Alias of check

# Load generator flags, e.g. LOADGEN_FLAGS='-duration 5s -tasks 10000' (see docs/performance.md).
LOADGEN_FLAGS ?=

bench: ## Go benchmarks, then the HTTP load generator on PostgreSQL (~4 min); compare runs with benchstat
	$(GO) test -run '^$$' -bench . -benchtime 2s -count 1 $(PKGS)
	@if [ -z "$$WORKSYNAPSE_TEST_DATABASE_URL" ]; then 		echo "NOTE: WORKSYNAPSE_TEST_DATABASE_URL is not set: the load generator (PostgreSQL only) is skipped."; 	else $(GO) run ./cmd/loadgen $(LOADGEN_FLAGS); fi

migration: ## Write a new migration from the ent schema: make migration name=add_x
	@test -n "$(name)" || { echo "usage: make migration name=short_description"; exit 1; }
	WORKSYNAPSE_DATABASE_URL=$${WORKSYNAPSE_DATABASE_URL:-$(PG_LOCAL_URL)} $(GO) run ./cmd/worksynapse migrate diff $(name)

# --- The contract as users meet it: spec lint, TypeScript client, end-to-end test ---
# Node tooling is pinned by committed lockfiles. `npm ci` runs only when a lockfile is newer
# than the installed tree, so after the first install everything here runs offline.
TS_CLIENT := clients/typescript
NPM_CI    := npm ci --no-audit --no-fund --ignore-scripts --prefer-offline --loglevel=error

%/node_modules/.package-lock.json: %/package.json %/package-lock.json
	cd $* && $(NPM_CI)

spec-lint: tools/spec/node_modules/.package-lock.json ## Lint openapi.yaml (Redocly recommended rules, see redocly.yaml)
	@REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true tools/spec/node_modules/.bin/redocly lint --config redocly.yaml

ts-client: $(TS_CLIENT)/node_modules/.package-lock.json ## Regenerate the TypeScript client's types from openapi.yaml
	cd $(TS_CLIENT) && npm run --silent generate

ts-pack: $(TS_CLIENT)/node_modules/.package-lock.json ## Build and pack @worksynapse/client as an installable tarball in clients/typescript
	cd $(TS_CLIENT) && rm -rf dist && npm run --silent build && npm pack --silent

ts-pack-check: $(TS_CLIENT)/node_modules/.package-lock.json ## Pack the client, install the tarball in a scratch app, type-check and load it there
	@tools/ts-pack-check.sh

ts-check: ts-client ## Fail if the TypeScript client is stale; type-check it
	@if [ -n "$$(git status --porcelain -- '$(TS_CLIENT)/src/schema*.ts')" ]; then \
		echo "$(TS_CLIENT)/src/schema.ts is stale: run 'make ts-client' and commit the result."; exit 1; fi
	cd $(TS_CLIENT) && npm run --silent typecheck

e2e-ts: build $(TS_CLIENT)/node_modules/.package-lock.json ## End-to-end test: the TypeScript client against the real server
	cd $(TS_CLIENT) && WORKSYNAPSE_BIN=$(abspath $(BIN)) npm run --silent test:e2e

# --- API reference page (GET /docs) ---
# Redoc's standalone bundle is pinned by tools/docs/package-lock.json and copied into the
# embedded folder; the copy is committed (the binary builds with Go alone) and checked like
# generated code. To upgrade: bump redoc in tools/docs/package.json, `npm install` there,
# `make docs-assets`, commit.
DOCS_TOOLS  := tools/docs
DOCS_ASSETS := internal/docs/assets
REDOC_FILES := redoc.standalone.js redoc.standalone.js.LICENSE.txt
CHROMIUM    ?= /usr/bin/chromium

docs-assets: $(DOCS_TOOLS)/node_modules/.package-lock.json ## Copy the pinned Redoc bundle into internal/docs/assets
	@for f in $(REDOC_FILES); do cp $(DOCS_TOOLS)/node_modules/redoc/bundles/$$f $(DOCS_ASSETS)/$$f; done
	@cp $(DOCS_TOOLS)/node_modules/redoc/LICENSE $(DOCS_ASSETS)/redoc.LICENSE.txt

docs-assets-check: docs-assets ## Fail if the embedded Redoc bundle differs from the pinned package
	@if [ -n "$$(git status --porcelain -- '$(DOCS_ASSETS)')" ]; then \
		echo "$(DOCS_ASSETS) differs from the pinned redoc package: run 'make docs-assets' and commit the result."; \
		git status --short -- '$(DOCS_ASSETS)'; exit 1; fi

# The browser test needs Chromium: installed from Debian on first use (CI runs as root).
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	echo "installing chromium (Debian package) for the docs browser test"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null

docs-check: build $(CHROMIUM) ## Browser test: /docs renders the spec offline in headless Chromium (screenshot in bin/test-artifacts)
	@rm -rf bin/test-artifacts && mkdir -p bin/test-artifacts
	WORKSYNAPSE_BIN=$(abspath $(BIN)) WORKSYNAPSE_CHROMIUM=$(CHROMIUM) $(GO) test -count=1 -v \
		-run '^TestDocsPageRendersInChromium$$' -artifacts -outputdir=$(abspath bin/test-artifacts) ./internal/e2e

# --- Contract compatibility with the last release ---
# The last release's contract is committed under api/releases (see its README), so the check
# runs on a clone without tags.
spec-diff: ## Fail on breaking changes to openapi.yaml since the last release (unless info.version has a major bump)
	@tools/spec-diff.sh

release-spec: ## Record openapi.yaml as a release's contract: make release-spec VERSION=v0.1.0
	@tools/spec-diff.sh record "$(VERSION)"

# --- Kubernetes manifests ---
# kubeconform fetches its JSON schemas from the internet, so deploy/k8s is checked offline by
# tools/k8scheck (its own module: k8s.io/api stays out of go.mod and is compiled once into the
# build cache). Its tests prove each rule fires on a broken copy of deploy/k8s; -count=1
# because go test does not see changes to files outside its module (deploy/k8s).
k8s-lint: ## Lint deploy/k8s offline: strict decode into k8s.io/api types, then our conventions
	@$(GO) -C tools/k8scheck test -count=1 -timeout 2m .
	@$(GO) -C tools/k8scheck build -o $(abspath bin/k8scheck) .
	@bin/k8scheck deploy/k8s
