#!/usr/bin/env bash
# Builds the Go programs the tests need from their pinned Go modules (hack/tools/*/go.mod).
# Binaries are cached outside the repo under ${XDG_CACHE_HOME:-$HOME/.cache}/gatewright/<tool>-<version>/
# and rebuilt only when the pinned module (go.mod + go.sum) changes. hack/.bin/ gets symlinks to them.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gatewright"
links="$repo/hack/.bin"
mkdir -p "$cache" "$links"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# tool | module dir | package | module whose version names the build | extra ldflags
tools=(
  "etcd|etcd|go.etcd.io/etcd/server/v3|go.etcd.io/etcd/server/v3|"
  "opa|opa|github.com/open-policy-agent/opa|github.com/open-policy-agent/opa|"
  "gatekeeper-manager|gatekeeper|github.com/open-policy-agent/gatekeeper/v3|github.com/open-policy-agent/gatekeeper/v3|"
  "gator|gatekeeper|github.com/open-policy-agent/gatekeeper/v3/cmd/gator|github.com/open-policy-agent/gatekeeper/v3|"
  "kube-apiserver|kube-apiserver|k8s.io/kubernetes/cmd/kube-apiserver|k8s.io/kubernetes|k8s"
  "kubectl|kube-apiserver|k8s.io/kubernetes/cmd/kubectl|k8s.io/kubernetes|k8s"
  "kubelet|kube-node|k8s.io/kubernetes/cmd/kubelet|k8s.io/kubernetes|k8s"
  "kube-controller-manager|kube-node|k8s.io/kubernetes/cmd/kube-controller-manager|k8s.io/kubernetes|k8s"
  "kube-scheduler|kube-node|k8s.io/kubernetes/cmd/kube-scheduler|k8s.io/kubernetes|k8s"
  "kube-proxy|kube-node|k8s.io/kubernetes/cmd/kube-proxy|k8s.io/kubernetes|k8s"
  # Image-signature e2e: an OCI registry on loopback, crane to push images, cosign to sign them.
  "registry|registry|github.com/distribution/distribution/v3/cmd/registry|github.com/distribution/distribution/v3|"
  "crane|crane|github.com/google/go-containerregistry/cmd/crane|github.com/google/go-containerregistry|"
  "cosign|cosign|github.com/sigstore/cosign/v2/cmd/cosign|github.com/sigstore/cosign/v2|"
)

only=("$@")
for entry in "${tools[@]}"; do
  IFS='|' read -r name dir pkg versionModule extra <<<"$entry"
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $name "* ]]; then continue; fi
  moddir="$repo/hack/tools/$dir"
  version=$(awk -v m="$versionModule" '$1==m && $2 ~ /^v[0-9]/ {print $2; exit}' "$moddir/go.mod")
  stamp=$(cat "$moddir/go.mod" "$moddir/go.sum" | sha256sum | cut -c1-16)
  out="$cache/$name-$version"
  if [ -x "$out/$name" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
    ln -sfn "$out/$name" "$links/$name"
    continue
  fi
  ldflags="-s -w"
  if [ "$extra" = k8s ]; then
    minor=$(echo "$version" | cut -d. -f2)
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags="$ldflags -X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    done
  fi
  echo "building $name $version (module $dir)" >&2
  start=$(date +%s)
  mkdir -p "$out"
  (cd "$moddir" && go build -trimpath -ldflags "$ldflags" -o "$out/$name.tmp" "$pkg")
  mv "$out/$name.tmp" "$out/$name"
  echo "$stamp" >"$out/.stamp"
  echo "built $name $version in $(( $(date +%s) - start ))s" >&2
  ln -sfn "$out/$name" "$links/$name"
done

# Gatekeeper's own CRDs, from the same tag as the manager (the module is in the Go module cache after the build).
if [ ${#only[@]} -eq 0 ]; then
  gk_version=$(awk '$1=="github.com/open-policy-agent/gatekeeper/v3" && $2 ~ /^v[0-9]/ {print $2; exit}' "$repo/hack/tools/gatekeeper/go.mod")
  gk_dir=$(cd "$repo/hack/tools/gatekeeper" && go mod download -json "github.com/open-policy-agent/gatekeeper/v3@$gk_version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  ln -sfn "$gk_dir/charts/gatekeeper/crds" "$links/gatekeeper-crds"
  # Pod Security Admission fixtures for `make conformance`: the newest release of k8s.io/pod-security-admission.
  psa_version=$(sed -n 's/^PSA_FIXTURES_VERSION=//p' "$repo/hack/versions.env")
  psa_dir=$(cd "$repo/hack/tools/gatekeeper" && go mod download -json "k8s.io/pod-security-admission@$psa_version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  ln -sfn "$psa_dir/test/testdata" "$links/psa-testdata"
fi
