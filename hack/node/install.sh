#!/usr/bin/env bash
# Installs Gatekeeper and gatewright on the node of hack/node/node.sh the way a cluster admin does: Gatekeeper from
# its own manifest (deploy/gatekeeper.yaml of the pinned module), gatewright with `kubectl apply -k manifests/`.
# Images are the ones node.sh built and imported: only the image fields (and, on one node with two cores, the
# webhook's replica count) differ from what Gatekeeper ships. gatewright is installed with its optional HTTPS parts
# (manifests/overlays/full: the policy webhook and the image signature provider, certificates by
# hack/serving-certs.sh); GATEWRIGHT_KUSTOMIZE=manifests installs the base alone.
#   hack/node/install.sh [gatekeeper|gatewright|all]     default all; idempotent
#   hack/node/install.sh uninstall                       removes gatewright (the README's uninstall), then Gatekeeper
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
state="${GATEWRIGHT_NODE_DIR:-/var/tmp/gatewright-node}"
export PATH="$PATH:/usr/local/go/bin"
kubectl() { "$repo/hack/.bin/kubectl" --kubeconfig "$state/admin.kubeconfig" "$@"; }
log() { echo "install: $*" >&2; }
kustomization="$repo/${GATEWRIGHT_KUSTOMIZE:-manifests/overlays/full}"
certs() { [ "${GATEWRIGHT_KUSTOMIZE:-manifests/overlays/full}" != manifests/overlays/full ] || bash "$repo/hack/serving-certs.sh" "$repo/manifests/overlays/full/certs" >/dev/null; }

gatekeeper_version=$(awk '$1=="github.com/open-policy-agent/gatekeeper/v3" && $2 ~ /^v[0-9]/ {print $2; exit}' "$repo/hack/tools/gatekeeper/go.mod")
gatekeeper_manifest() {
  local dir
  dir=$(cd "$repo/hack/tools/gatekeeper" && go mod download -json "github.com/open-policy-agent/gatekeeper/v3@$gatekeeper_version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  sed -e "s#image: openpolicyagent/gatekeeper:$gatekeeper_version#image: gatewright.local/gatekeeper:$gatekeeper_version#" \
    -e 's#imagePullPolicy: Always#imagePullPolicy: IfNotPresent#' \
    -e "s#^  replicas: 3\$#  replicas: ${GATEKEEPER_REPLICAS:-1}#" \
    "$dir/deploy/gatekeeper.yaml"
}

# The node runs no cluster DNS, and Gatekeeper finds the image signature provider by its Service's DNS name (the
# name its certificate is for). So the provider's Service gets a fixed cluster IP here, and Gatekeeper's Pods an
# /etc/hosts entry for it. A cluster with DNS needs neither.
provider_ip=10.96.0.200
provider_host=gatewright-provider.gatewright-system.svc
gatekeeper() {
  local t0; t0=$(date +%s)
  gatekeeper_manifest | kubectl apply --server-side --force-conflicts -f - >/dev/null
  for d in gatekeeper-controller-manager gatekeeper-audit; do
    kubectl -n gatekeeper-system patch deployment "$d" --type=strategic -p \
      "{\"spec\":{\"template\":{\"spec\":{\"hostAliases\":[{\"ip\":\"$provider_ip\",\"hostnames\":[\"$provider_host\"]}]}}}}" >/dev/null
  done
  kubectl -n gatekeeper-system wait --for=condition=Available deployment --all --timeout=300s >/dev/null
  # Available is not yet admitting: the API server must reach the webhook through its Service with the rotated
  # certificate. Gatekeeper denies a namespace that asks to be ignored: that answer proves the path.
  local until=$(( $(date +%s) + 120 ))
  until probe_denied; do
    [ "$(date +%s)" -lt "$until" ] || { log "Gatekeeper's webhook does not answer"; exit 1; }
    sleep 1
  done
  log "Gatekeeper $gatekeeper_version Available and admitting in $(( $(date +%s) - t0 )) s"
}

probe_denied() {
  local answer
  answer=$(kubectl apply --dry-run=server -f - 2>&1 <<'EOF' || true
apiVersion: v1
kind: Namespace
metadata:
  name: gatewright-webhook-probe
  labels:
    admission.gatekeeper.sh/ignore: "true"
EOF
)
  grep -q 'denied the request.*admission.gatekeeper.sh/ignore' <<<"$answer"
}

gatewright() {
  local t0; t0=$(date +%s)
  certs
  kubectl create namespace gatewright-system --dry-run=client -o yaml | kubectl apply --server-side -f - >/dev/null
  kubectl -n gatewright-system get service gatewright-provider >/dev/null 2>&1 ||
    kubectl -n gatewright-system create service clusterip gatewright-provider --tcp=8443 --clusterip="$provider_ip" >/dev/null
  kubectl apply --server-side --force-conflicts -k "$kustomization" >/dev/null
  # node.sh imported new images under the same tags: roll the Deployments onto them.
  if [ -f "$state/images.changed" ]; then
    kubectl -n gatekeeper-system rollout restart deployment >/dev/null
    kubectl -n gatewright-system rollout restart deployment >/dev/null
    kubectl -n gatekeeper-system rollout status deployment --timeout=300s >/dev/null
    rm -f "$state/images.changed"
  fi
  for d in $(kubectl -n gatewright-system get deployments -o name); do
    kubectl -n gatewright-system rollout status "$d" --timeout=300s >/dev/null
  done
  kubectl -n gatewright-system wait --for=condition=Available deployment --all --timeout=120s >/dev/null
  log "gatewright Available in $(( $(date +%s) - t0 )) s"
}

uninstall() {
  # Policies first, while the operator runs: it prunes what it applied. Then the operator and its CRDs.
  kubectl delete securitypolicies,operationpolicies --all --wait=true --timeout=60s >/dev/null 2>&1 || true
  # The operator prunes each template 10 s after the last constraint of its kind.
  for _ in $(seq 60); do
    kubectl get constrainttemplates -l app.kubernetes.io/managed-by=gatewright -o name 2>/dev/null | grep -q . || break
    sleep 2
  done
  certs
  kubectl delete -k "$kustomization" --ignore-not-found --wait=true --timeout=120s >/dev/null || true
  gatekeeper_manifest | kubectl delete --ignore-not-found --wait=false -f - >/dev/null 2>&1 || true
}

case "${1:-all}" in
  gatekeeper) gatekeeper ;;
  gatewright) gatewright ;;
  all) gatekeeper; gatewright ;;
  uninstall) uninstall ;;
  *) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
