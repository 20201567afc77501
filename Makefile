# gatewright — every entry point a developer or CI needs. Node >= 22.19 is provisioned by hack/ensure-node.sh
# where the machine's is older; the Go programs are built from pinned modules by hack/build-tools.sh and cached
# outside the repo (${XDG_CACHE_HOME:-~/.cache}/gatewright).
SHELL := /bin/bash
NODE_BIN := $(shell bash hack/ensure-node.sh)
export PATH := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(PATH)
BIN := $(CURDIR)/hack/.bin


.PHONY: fault-table
.PHONY: all setup deps tools build templates crds rego-test gator-verify conformance bench bench-admission bench-converge test test-unit test-incluster up down image up-local down-local operator-start operator-stop

all: build

## setup: everything a fresh machine needs (Node, npm packages, Go tools, build)
setup: deps tools build

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

deps: node_modules/.installed

## tools: build etcd, kube-apiserver, kubectl, the Gatekeeper manager, gator and opa from their pinned Go modules
tools:
	bash hack/build-tools.sh

# The list of field modules is derived from src/fields before compiling (Node runs the generator's TypeScript as is).
build: deps
	node src/fields/module-list.ts
	tsc -p tsconfig.build.json
	node dist/api/build-validators.js
	node dist/library/pack.js templates

## templates: regenerate templates/<check>/template.yaml from template.src.yaml + src.rego + templates/lib
templates: build
	node dist/cli/main.js templates build

## crds: regenerate crds/*.yaml from src/api/schemas.ts
crds: build
	node dist/cli/main.js crds

rego-test:
	$(BIN)/opa check --strict --ignore '*.yaml' templates
	$(BIN)/opa test --ignore '*.yaml' templates

## gator-verify: every suite under the Rego engine, then under CEL with the same assertions
gator-verify: build
	cd templates && $(BIN)/gator verify ./... --enable-k8s-native-validation=false
	node dist/conformance/cel-suites.js

## conformance: PSA's own fixtures through the rendered baseline and restricted constraints
conformance: build
	node dist/conformance/run.js

## bench: compile 1,000 + 1,000 policies and 500 namespaces, and 10,000 policies and 2,000 namespaces; render
## 1,000 + 1,000 end to end. Prints times and memory
bench: build
	node dist/bench/compile-bench.js

## bench-admission: what the constraints cost per admission review (gator bench; restricted, baseline and the DVP
## documentation's policies; Rego and CEL). Flags after --: --compare DIR (another set, same objects, interleaved),
## --rounds N, --iterations N, --engine rego|cel, --scenario NAME, --profile, --scale 1,400,2400 (one privileged Pod
## of N containers)
ifeq (bench-admission,$(firstword $(MAKECMDGOALS)))
BENCH_ARGS := $(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS))
$(eval $(BENCH_ARGS):;@:)
endif
bench-admission: build
	node dist/bench/admission-bench.js $(BENCH_ARGS)

## bench-converge: the operator brings N + N policies to Ready on a fresh local control plane, against 8 parallel
## `kubectl apply --server-side` of the same objects on another (BENCH_ARGS='--policies 50 --idle 30' for a quick run)
bench-converge: setup
	tsc -p tsconfig.harness.json
	node dist/bench/converge-bench.js $(BENCH_ARGS)

## bench-validate: validation times of hostile policies (the worst the caps allow)
bench-validate: build
	node dist/bench/validate-bench.js

## test: every suite (lint, types, generated files, Rego, gator, unit, conformance, end to end); ends with `N passed, N failed`
test: setup
	node hack/test-all.mjs

## fault-table: issue 14's faults injected on the local control plane, gatewright run as a supervised process; prints
## each row (survived / restarted and converged) with its recovery time (also a step of `make test`: suite faults)
fault-table: cluster-tools build
	GATEWRIGHT_FAULT_TABLE=1 node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects e2e --runTestsByPath test/e2e/faults-table.test.ts

## test-incluster: gatewright and Gatekeeper installed from their manifests on a real node (hack/node/; needs root)
test-incluster: setup
	node hack/test-all.mjs incluster

test-unit: build
	node hack/test-all.mjs lint typecheck generated unit

## up: a one-node cluster on this machine (hack/node/), the images, Gatekeeper and gatewright installed from their
## manifests (`kubectl apply -k manifests/`), and the demo (manifests/examples/demo.yaml); prints what it denies
up: setup
	bash hack/node/up.sh

## down: remove everything `make up` (or an interrupted test run) started: pods, kubelet, containerd, Docker, etcd
down: operator-stop
	bash hack/node/node.sh down
	@$(MAKE) --no-print-directory cluster-down >/dev/null 2>&1 || true

## image: build gatewright's image (Dockerfile) on a Node base assembled from Debian packages, and the node's images
image: tools
	bash hack/node/node.sh images

## up-local: the fast way, without a node: etcd, kube-apiserver and Gatekeeper as processes, the operator as a process
up-local: setup cluster-up
	$(BIN)/kubectl --kubeconfig .cluster/kubeconfig apply --server-side -k crds/
	$(BIN)/kubectl --kubeconfig .cluster/kubeconfig wait --for=condition=Established --timeout=60s crd -l app.kubernetes.io/part-of=gatewright
	$(BIN)/kubectl --kubeconfig .cluster/kubeconfig create namespace gatewright-system --dry-run=client -o yaml | $(BIN)/kubectl --kubeconfig .cluster/kubeconfig apply -f -
	$(MAKE) --no-print-directory operator-start
	$(BIN)/kubectl --kubeconfig .cluster/kubeconfig apply -f manifests/examples/demo.yaml
	@echo
	@echo "gatewright runs on the local control plane (log: .cluster/operator.log). Try:"
	@echo "  export KUBECONFIG=$(CURDIR)/.cluster/kubeconfig PATH=$(BIN):\$$PATH"
	@echo "  kubectl get securitypolicies,operationpolicies"
	@echo "  kubectl -n demo-restricted run web --image=nginx:latest     # denied"
	@echo "  make down-local                                              # stop everything"

operator-start: build
	@if [ -f .cluster/operator.pid ] && kill -0 $$(cat .cluster/operator.pid) 2>/dev/null; then echo "operator already running"; else \
	  KUBECONFIG=$(CURDIR)/.cluster/kubeconfig nohup node dist/cli/main.js run --ops-port 0 --ops-host 127.0.0.1 --lease-namespace gatewright-system >.cluster/operator.log 2>&1 & echo $$! >.cluster/operator.pid; \
	  echo "operator started (pid $$(cat .cluster/operator.pid))"; fi

operator-stop:
	@if [ -f .cluster/operator.pid ]; then kill $$(cat .cluster/operator.pid) 2>/dev/null || true; rm -f .cluster/operator.pid; fi

down-local: operator-stop cluster-down

-include hack/cluster.mk
