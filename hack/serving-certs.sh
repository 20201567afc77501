#!/usr/bin/env bash
# Serving certificates for gatewright's optional HTTPS components (manifests/components/), made with openssl: one
# self-signed CA and, per Service, a key and a certificate for its in-cluster DNS names, signed by that CA.
#   hack/serving-certs.sh DIR [NAMESPACE] [DAYS]
# writes DIR/ca.crt, DIR/webhook/{tls.crt,tls.key} (Service gatewright-webhook) and DIR/provider/{tls.crt,tls.key}
# (Service gatewright-provider); manifests/overlays/full reads them into Secrets, and kustomize copies ca.crt into the
# ValidatingWebhookConfiguration's caBundle and the Provider's (through the operator's flag). Existing files are kept,
# so re-running is harmless; delete DIR to rotate (then `kubectl apply -k` again: the Secrets' hash suffixes change, so
# the Deployments roll onto the new certificates). The CA's key stays in DIR and never enters the cluster.
set -euo pipefail
dir=${1:?usage: hack/serving-certs.sh DIR [NAMESPACE] [DAYS]}
namespace=${2:-gatewright-system}
days=${3:-825}
mkdir -p "$dir"
umask 077
if [ ! -f "$dir/ca.crt" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$((days + 1))" \
    -subj "/CN=gatewright serving CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
fi
for component in webhook provider; do
  out="$dir/$component" service="gatewright-$component"
  [ -f "$out/tls.crt" ] && continue
  mkdir -p "$out"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$service.$namespace.svc" \
    -keyout "$out/tls.key" -out "$out/tls.csr" 2>/dev/null
  openssl x509 -req -in "$out/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days "$days" \
    -extfile <(printf 'subjectAltName=DNS:%s,DNS:%s.%s,DNS:%s.%s.svc,DNS:%s.%s.svc.cluster.local\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' \
      "$service" "$service" "$namespace" "$service" "$namespace" "$service" "$namespace") \
    -out "$out/tls.crt" 2>/dev/null
  rm -f "$out/tls.csr"
  cp "$dir/ca.crt" "$out/ca.crt"
done
chmod 0644 "$dir"/ca.crt "$dir"/*/ca.crt "$dir"/*/tls.crt
echo "$dir"
