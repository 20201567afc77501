# gatewright — every entry point a developer or CI needs. Node >= 22.19 is provisioned by hack/ensure-node.sh
# where the machine's is older; Go programs are built from pinned modules by hack/build-tools.sh.
SHELL := /bin/bash
NODE_BIN := $(shell bash hack/ensure-node.sh)
export PATH := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(PATH)
BIN := $(CURDIR)/hack/.bin

.PHONY: all deps tools build templates templates-check rego-test gator-verify

all: build

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

deps: node_modules/.installed

## tools: build etcd, kube-apiserver, kubectl, the Gatekeeper manager, gator and opa from their pinned Go modules
tools:
	bash hack/build-tools.sh

build: deps
	tsc -p tsconfig.build.json

## templates: regenerate templates/<check>/template.yaml from template.src.yaml + src.rego + templates/lib
templates: build
	node dist/cli/main.js templates build

templates-check: build
	node dist/cli/main.js templates build --check

rego-test:
	$(BIN)/opa check --strict --ignore '*.yaml' templates
	$(BIN)/opa test --ignore '*.yaml' templates

gator-verify:
	cd templates && $(BIN)/gator verify ./...
