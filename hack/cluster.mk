# Local control plane: etcd + kube-apiserver + the Gatekeeper manager as processes on 127.0.0.1 (test/harness/).
# Included from the Makefile, which provides $(BIN) (= hack/.bin) and a PATH with Node >= 22.19 and node_modules/.bin.
#   make cluster-up      start it in the background; writes .cluster/kubeconfig and .cluster/state.json
#   make cluster-status  is it running and ready?
#   make cluster-down    stop it (and clean up after test runs that were killed before their teardown)
#   make test-e2e        the e2e jest project; starts and stops its own control plane, or reuses the running one
#                        with GATEWRIGHT_REUSE_CLUSTER=1, one file at a time. Extra jest flags or paths: make test-e2e E2E_ARGS='-t smoke'

HARNESS_CLI := dist-test/test/harness/cli.js
HARNESS_SOURCES := $(wildcard test/harness/*.ts) tsconfig.harness.json tsconfig.json
CLUSTER_TOOLS := etcd kube-apiserver kubectl gatekeeper-manager gatekeeper-crds

.PHONY: cluster-up cluster-down cluster-status cluster-tools test-e2e

# Builds the pinned binaries only when one is missing (hack/build-tools.sh itself skips what is cached).
cluster-tools:
	@for tool in $(CLUSTER_TOOLS); do \
	  [ -e "$(BIN)/$$tool" ] || { bash hack/build-tools.sh; break; }; \
	done

$(HARNESS_CLI): $(HARNESS_SOURCES) | node_modules/.installed
	tsc -p tsconfig.harness.json

cluster-up: cluster-tools $(HARNESS_CLI)
	node $(HARNESS_CLI) up

cluster-down: $(HARNESS_CLI)
	node $(HARNESS_CLI) down

cluster-status: $(HARNESS_CLI)
	node $(HARNESS_CLI) status

test-e2e: cluster-tools | node_modules/.installed
	node --experimental-vm-modules node_modules/jest/bin/jest.js $(E2E_ARGS) --runInBand --selectProjects e2e
