#!/usr/bin/env bash
# `make up`: the node, the images, Gatekeeper and gatewright installed from their manifests, and the demo
# (manifests/examples/demo.yaml); prints what the demo's policies deny and why. Ctrl-C while it runs, or
# `make down` later, removes everything.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
trap 'echo; echo "interrupted: removing the node"; bash "$repo/hack/node/node.sh" down; exit 130' INT TERM
t0=$(date +%s)
kubeconfig=$(bash "$repo/hack/node/node.sh" up)
bash "$repo/hack/node/install.sh" all
kubectl() { "$repo/hack/.bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }
kubectl apply --server-side -f "$repo/manifests/examples/demo.yaml" >/dev/null
echo
echo "== gatewright runs as a Deployment of two Pods on the node:"
kubectl -n gatewright-system get deployment,pods -l app.kubernetes.io/name=gatewright -o wide
echo
echo "== kubectl -n demo-restricted run web --image=nginx:latest     (the demo's policies deny it)"
for _ in $(seq 300); do
  out=$(kubectl -n demo-restricted run web --image=nginx:latest --dry-run=server 2>&1 || true)
  grep -q 'denied' <<<"$out" && break
  sleep 1
done
echo "$out"
grep -q 'denied' <<<"$out" || { echo "the demo Pod was not denied"; exit 1; }
echo
echo "== kubectl get securitypolicies,operationpolicies"
kubectl wait --for=condition=Ready securitypolicies,operationpolicies --all --timeout=120s >/dev/null || true
kubectl get securitypolicies,operationpolicies
echo
echo "up in $(( $(date +%s) - t0 )) s. Try:"
echo "  $(bash "$repo/hack/node/node.sh" env)"
echo "  export PATH=$repo/hack/.bin:\$PATH"
echo "  kubectl -n gatewright-system logs deployment/gatewright"
echo "  make down                                                    # remove everything"
