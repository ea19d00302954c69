# Herald's tasks. `make dev` runs the local stack, `make test` everything CI checks.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

FUNCTIONS := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: help dev demo build test bench vet synth deploy invoke clean

help: ## list the tasks
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

dev: ## run all of Herald locally: AWS emulator, API and portal on http://127.0.0.1:8080
	@scripts/ensure-moto.sh
	go run ./cmd/herald-local $(ARGS)

demo: ## start the local stack, deliver one event of each type by webhook and email, stop
	@scripts/ensure-moto.sh
	go run ./cmd/herald-local demo

build: ## build every function as build/<function>/bootstrap for Lambda (linux/arm64)
	@for fn in $(FUNCTIONS); do \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' \
	    -o build/$$fn/bootstrap ./functions/$$fn; \
	  printf '  %-16s %s\n' $$fn "$$(du -h build/$$fn/bootstrap | cut -f1)"; \
	done

test: ## vet and test everything against a local AWS emulator (started for the run)
	@scripts/test.sh

bench: ## run the benchmarks (no emulator: Herald's own code only)
	go test -run '^$$' -bench . -benchmem ./...

vet: ## go vet and gofmt
	go vet ./...
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || { echo "gofmt: the files above need formatting"; exit 1; }

synth: build ## synthesize the CDK stack into infra/cdk.out (offline)
	@scripts/synth.sh

deploy: build ## deploy the CDK stack to AWS with the aws-cdk CLI (see README)
	@scripts/deploy.sh

invoke: ## run one function on an event, as Lambda would: make invoke FN=api EVENT=events/api-list.json
	@scripts/invoke.sh "$(FN)" "$(EVENT)"

clean: ## remove build outputs
	rm -rf build infra/cdk.out
