#!/usr/bin/env bash
# Installs Gatekeeper and gatewright on the node of hack/node/node.sh the way a cluster admin does: Gatekeeper from
# its own manifest (deploy/gatekeeper.yaml of the pinned module), gatewright with `kubectl apply -k manifests/`.
# Images are the ones node.sh built and imported: only the image fields (and, on one node with two cores, the
# webhook's replica count) differ from what Gatekeeper ships.
#   hack/node/install.sh [gatekeeper|gatewright|all]     default all; idempotent
#   hack/node/install.sh uninstall                       removes gatewright (the README's uninstall), then Gatekeeper
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
state="${GATEWRIGHT_NODE_DIR:-/var/tmp/gatewright-node}"
export PATH="$PATH:/usr/local/go/bin"
kubectl() { "$repo/hack/.bin/kubectl" --kubeconfig "$state/admin.kubeconfig" "$@"; }
log() { echo "install: $*" >&2; }

gatekeeper_version=$(awk '$1=="github.com/open-policy-agent/gatekeeper/v3" && $2 ~ /^v[0-9]/ {print $2; exit}' "$repo/hack/tools/gatekeeper/go.mod")
gatekeeper_manifest() {
  local dir
  dir=$(cd "$repo/hack/tools/gatekeeper" && go mod download -json "github.com/open-policy-agent/gatekeeper/v3@$gatekeeper_version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  sed -e "s#image: openpolicyagent/gatekeeper:$gatekeeper_version#image: gatewright.local/gatekeeper:$gatekeeper_version#" \
    -e 's#imagePullPolicy: Always#imagePullPolicy: IfNotPresent#' \
    -e "s#^  replicas: 3\$#  replicas: ${GATEKEEPER_REPLICAS:-1}#" \
    "$dir/deploy/gatekeeper.yaml"
}

gatekeeper() {
  local t0; t0=$(date +%s)
  gatekeeper_manifest | kubectl apply --server-side --force-conflicts -f - >/dev/null
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
  kubectl apply --server-side --force-conflicts -k "$repo/manifests" >/dev/null
  # node.sh imported new images under the same tags: roll the Deployments onto them.
  if [ -f "$state/images.changed" ]; then
    kubectl -n gatekeeper-system rollout restart deployment >/dev/null
    kubectl -n gatewright-system rollout restart deployment/gatewright >/dev/null
    kubectl -n gatekeeper-system rollout status deployment --timeout=300s >/dev/null
    rm -f "$state/images.changed"
  fi
  kubectl -n gatewright-system rollout status deployment/gatewright --timeout=300s >/dev/null
  kubectl -n gatewright-system wait --for=condition=Available deployment/gatewright --timeout=120s >/dev/null
  log "gatewright Available in $(( $(date +%s) - t0 )) s"
}

uninstall() {
  # Policies first, while the operator runs: it prunes what it applied. Then the operator and its CRDs.
  kubectl delete securitypolicies,operationpolicies --all --wait=true --timeout=60s >/dev/null 2>&1 || true
  kubectl delete -k "$repo/manifests" --ignore-not-found --wait=true --timeout=120s >/dev/null || true
  gatekeeper_manifest | kubectl delete --ignore-not-found --wait=false -f - >/dev/null 2>&1 || true
}

case "${1:-all}" in
  gatekeeper) gatekeeper ;;
  gatewright) gatewright ;;
  all) gatekeeper; gatewright ;;
  uninstall) uninstall ;;
  *) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
