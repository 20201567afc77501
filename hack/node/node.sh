#!/usr/bin/env bash
# A one-node Kubernetes cluster on this machine, for the in-cluster suite and `make up`: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kube-proxy and a kubelet built from the pinned k8s.io/kubernetes
# (hack/build-tools.sh), containerd + runc + the bridge CNI plugin from Debian's packages, a Docker engine (Debian's
# docker.io) to build the images, and the images imported into containerd without any registry.
#
#   hack/node/node.sh up        start everything (idempotent: a running node is left as it is); prints the kubeconfig
#   hack/node/node.sh down      stop everything this script started and remove its state (pods, iptables chains)
#   hack/node/node.sh status    exit 0 when the node is up and Ready
#   hack/node/node.sh images    (re)build the images and import them into the node's containerd
#   hack/node/node.sh env       print `export KUBECONFIG=... DOCKER_HOST=...`
#
# Needs root (a kubelet manages cgroups, mounts and network namespaces). State: $GATEWRIGHT_NODE_DIR, default
# /var/tmp/gatewright-node (one node per machine: the kubelet owns the machine's cgroups and iptables).
# The kernel here has cgroup v1 only; what that takes is in the README ("The test node").
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin="$repo/hack/.bin"
state="${GATEWRIGHT_NODE_DIR:-/var/tmp/gatewright-node}"
node_name=gatewright-node
pod_cidr=10.88.0.0/16
service_cidr=10.96.0.0/24
kubernetes_service_ip=10.96.0.1
# shellcheck disable=SC1091
source "$repo/hack/versions.env"

export PATH="$PATH:/usr/local/go/bin"
log() { echo "node: $*" >&2; }
die() { echo "node: $*" >&2; exit 1; }

export DOCKER_HOST="unix://$state/docker/docker.sock"
# Debian's client (the engine's own version); BuildKit builds, no legacy-builder warnings.
docker() { DOCKER_BUILDKIT=1 "$(command -v /usr/bin/docker || command -v docker)" "$@"; }
kubectl() { "$bin/kubectl" --kubeconfig "$state/admin.kubeconfig" "$@"; }
ctr() { command ctr --address "$state/containerd/containerd.sock" --namespace k8s.io "$@"; }

alive() { [ -f "$state/$1.pid" ] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

# start NAME BINARY ARGS... : runs BINARY in the background, its log in $state/NAME.log, its pid in $state/NAME.pid.
start() {
  local name=$1; shift
  if alive "$name"; then return 0; fi
  # 9>&-: the daemons must not inherit the lock of `up`.
  setsid "$@" >>"$state/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$state/$name.pid"
}

stop() { # stop NAME: SIGTERM, then SIGKILL after 15 s
  local name=$1 pid
  [ -f "$state/$name.pid" ] || return 0
  pid=$(cat "$state/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$state/$name.pid"
}

wait_for() { # wait_for DESCRIPTION SECONDS PROCESS-NAME COMMAND...
  local what=$1 seconds=$2 name=$3; shift 3
  local until=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$name" ] && ! alive "$name"; then tail -20 "$state/$name.log" >&2; die "$name exited while waiting for $what"; fi
    [ "$(date +%s)" -lt "$until" ] || { [ -n "$name" ] && tail -20 "$state/$name.log" >&2; die "timed out waiting for $what"; }
    sleep 0.3
  done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("",0)); print(s.getsockname()[1])'; }

host_ip() { # the address pods reach the API server on: this machine's source address for outside traffic
  ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -1
}

ensure_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v containerd >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  command -v openssl >/dev/null || missing+=(openssl)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
      { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
  fi
}

ensure_tools() {
  local t
  for t in etcd kube-apiserver kubectl kubelet kube-controller-manager kube-scheduler kube-proxy gatekeeper-manager; do
    [ -e "$bin/$t" ] || { bash "$repo/hack/build-tools.sh"; return; }
  done
}

# --- certificates: one CA; every component its own identity ----------------------------------------------------
issue() { # issue NAME SUBJECT EKU [SANS]
  local name=$1 subject=$2 eku=$3 sans=${4:-}
  [ -s "$state/pki/$name.crt" ] && return 0
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$state/pki/$name.key" 2>/dev/null
  openssl req -new -key "$state/pki/$name.key" -subj "$subject" -out "$state/pki/$name.csr" 2>/dev/null
  {
    echo 'basicConstraints=critical,CA:FALSE'
    echo 'keyUsage=critical,digitalSignature,keyEncipherment'
    echo "extendedKeyUsage=$eku"
    [ -z "$sans" ] || echo "subjectAltName=$sans"
  } >"$state/pki/$name.ext"
  openssl x509 -req -in "$state/pki/$name.csr" -CA "$state/pki/ca.crt" -CAkey "$state/pki/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$state/pki/$name.ext" -out "$state/pki/$name.crt" 2>/dev/null
}

kubeconfig() { # kubeconfig NAME CERT-NAME
  local b64; b64() { base64 -w0 <"$1"; }
  cat >"$state/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: gatewright-node, cluster: {server: "https://$(cat "$state/apiserver.address")", certificate-authority-data: $(b64 "$state/pki/ca.crt")}}]
users: [{name: $2, user: {client-certificate-data: $(b64 "$state/pki/$2.crt"), client-key-data: $(b64 "$state/pki/$2.key")}}]
contexts: [{name: gatewright-node, context: {cluster: gatewright-node, user: $2}}]
current-context: gatewright-node
EOF
  chmod 600 "$state/$1.kubeconfig"
}

make_pki() {
  mkdir -p "$state/pki" && chmod 700 "$state/pki"
  if [ ! -s "$state/pki/ca.crt" ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$state/pki/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$state/pki/ca.key" -subj /CN=gatewright-node-ca -days 30 -sha256 \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature \
      -out "$state/pki/ca.crt" 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$state/pki/sa.key" 2>/dev/null
    openssl pkey -in "$state/pki/sa.key" -pubout -out "$state/pki/sa.pub" 2>/dev/null
  fi
  local ip; ip=$(cat "$state/host.ip")
  issue apiserver /CN=kube-apiserver serverAuth \
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$ip,IP:$kubernetes_service_ip"
  issue admin /O=system:masters/CN=admin clientAuth
  issue apiserver-kubelet-client /CN=kube-apiserver-kubelet-client clientAuth
  issue controller-manager /CN=system:kube-controller-manager clientAuth
  issue scheduler /CN=system:kube-scheduler clientAuth
  issue kube-proxy /CN=system:kube-proxy clientAuth
  issue kubelet "/O=system:nodes/CN=system:node:$node_name" clientAuth
  issue kubelet-serving "/CN=$node_name" serverAuth "DNS:$node_name,IP:$ip,IP:127.0.0.1"
}

# --- the Docker engine (image builds only) ----------------------------------------------------------------------
docker_up() {
  mkdir -p "$state/docker"
  start dockerd dockerd --host "$DOCKER_HOST" --pidfile "$state/docker/dockerd.pid" \
    --data-root "${XDG_CACHE_HOME:-$HOME/.cache}/gatewright/docker" --exec-root "$state/docker/exec" \
    --storage-driver overlay2 --iptables=false --ip-masq=false --bridge=none
  wait_for "the Docker engine" 60 dockerd docker info
}

# --- images: built here, imported into the node's containerd ---------------------------------------------------
gatekeeper_version() { awk '$1=="github.com/open-policy-agent/gatekeeper/v3" && $2 ~ /^v[0-9]/ {print $2; exit}' "$repo/hack/tools/gatekeeper/go.mod"; }
k8s_module_dir() { (cd "$repo/hack/tools/kube-node" && go mod download -json k8s.io/kubernetes | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p'); }
# The pause image's version is the one its Makefile in the pinned k8s.io/kubernetes builds.
pause_tag() { echo "gatewright.local/pause:$(sed -n 's/^TAG ?= //p' "$(k8s_module_dir)/build/pause/Makefile")"; }

build_images() {
  docker_up
  local ctx k8s_dir gk
  ctx=$(mktemp -d)
  # The pause container from its source in the pinned k8s.io/kubernetes module (build/pause/linux/pause.c).
  k8s_dir=$(k8s_module_dir)
  if ! docker image inspect "$(pause_tag)" >/dev/null 2>&1; then
    gcc -Os -Wall -Werror -static -DVERSION="v$(pause_tag | cut -d: -f2)-gatewright" -o "$ctx/pause" "$k8s_dir/build/pause/linux/pause.c"
    printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' >"$ctx/Dockerfile"
    docker build -q -t "$(pause_tag)" "$ctx" >/dev/null
  fi
  # Gatekeeper: the pinned manager binary (make tools) as /manager, the path its own manifests run.
  gk=$(gatekeeper_version)
  rm -rf "${ctx:?}"/* && cp "$(readlink -f "$bin/gatekeeper-manager")" "$ctx/manager"
  printf 'FROM scratch\nCOPY manager /manager\nUSER 65532:65532\nENTRYPOINT ["/manager"]\n' >"$ctx/Dockerfile"
  docker build -q -t "gatewright.local/gatekeeper:$gk" "$ctx" >/dev/null
  rm -rf "$ctx"
  # gatewright itself: the repo's Dockerfile on the local Node base.
  local base npm_ca=${NPM_CA_FILE:-${NODE_EXTRA_CA_CERTS:-}}
  base=$(bash "$repo/hack/node/base-image.sh")
  docker build -q --network host \
    ${npm_ca:+--secret "id=npm-ca,src=$npm_ca"} \
    --build-arg "NODE_IMAGE=$base" -t gatewright:dev "$repo" >/dev/null
}

import_images() {
  local images=(gatewright:dev "gatewright.local/gatekeeper:$(gatekeeper_version)" "$(pause_tag)") want have
  want=$(for i in "${images[@]}"; do docker image inspect -f '{{.Id}}' "$i"; done | sort | tr '\n' ' ')
  have=$(cat "$state/images.imported" 2>/dev/null || true)
  if [ "$want" != "$have" ] || [ -z "$(ctr images ls -q name==docker.io/library/gatewright:dev)" ]; then
    docker save "${images[@]}" | ctr images import --no-unpack=false - >/dev/null
    echo "$want" >"$state/images.imported"
    # Same tags, new content: install.sh restarts what runs the old images.
    [ -z "$have" ] || touch "$state/images.changed"
  fi
}

# --- the node ---------------------------------------------------------------------------------------------------
write_configs() {
  local ip; ip=$(cat "$state/host.ip")
  mkdir -p "$state/containerd" "$state/cni/net.d" "$state/kubelet"
  cat >"$state/containerd/config.toml" <<EOF
version = 2
root = "$state/containerd/root"
state = "$state/containerd/state"
[grpc]
  address = "$state/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$(pause_tag)"
  # This VM withholds CAP_SYS_RESOURCE even from root, so runc cannot set the negative oom_score_adj the CRI gives
  # sandboxes (-998) and Guaranteed pods (-997): "failed to update /proc/self/oom_score_adj: Permission denied".
  # Clamp them to containerd's own score instead.
  restrict_oom_score_adj = $(restrict_oom)
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni/net.d"
EOF
  cat >"$state/cni/net.d/10-gatewright.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "gatewright",
  "plugins": [
    {"type": "bridge", "bridge": "gw-cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$pod_cidr"}]], "routes": [{"dst": "0.0.0.0/0"}],
              "dataDir": "$state/cni/ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "loopback"}
  ]
}
EOF
  cat >"$state/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This kernel has cgroup v1 only; the kubelet refuses it unless told otherwise (default true since v1.35).
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$state/containerd/containerd.sock
address: $ip
port: $(cat "$state/kubelet.port")
healthzBindAddress: 127.0.0.1
healthzPort: $(cat "$state/kubelet-healthz.port")
readOnlyPort: 0
tlsCertFile: $state/pki/kubelet-serving.crt
tlsPrivateKeyFile: $state/pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $state/pki/ca.crt}
authorization: {mode: Webhook}
failSwapOn: false
resolvConf: /etc/resolv.conf
# No cluster DNS: the operator reaches the API server through KUBERNETES_SERVICE_HOST, as every pod can.
clusterDomain: cluster.local
# A shared build machine: leave disk pressure to the machine, not to evictions mid-test.
evictionHard: {memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2%}
imageGCHighThresholdPercent: 100
serializeImagePulls: false
maxPods: 60
EOF
  cat >"$state/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $state/kube-proxy.kubeconfig}
mode: iptables
clusterCIDR: $pod_cidr
hostnameOverride: $node_name
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:$(cat "$state/kube-proxy-healthz.port")
metricsBindAddress: 127.0.0.1:$(cat "$state/kube-proxy-metrics.port")
# Leave the machine's conntrack table size alone.
conntrack: {maxPerCore: 0}
EOF
}

restrict_oom() { # true when this process may not lower its oom_score_adj (no CAP_SYS_RESOURCE)
  local cap; cap=$(sed -n 's/^CapEff:\s*//p' /proc/self/status)
  if (( (16#$cap >> 24) & 1 )); then echo false; else echo true; fi
}

up() {
  [ "$(id -u)" = 0 ] || die "needs root (a kubelet manages cgroups, mounts and network namespaces)"
  mkdir -p "$state"
  exec 9>"$state/.lock"; flock 9
  if status >/dev/null 2>&1; then log "already up"; echo "$state/admin.kubeconfig"; return 0; fi
  local t0; t0=$(date +%s)
  ensure_packages
  ensure_tools
  [ -s "$state/host.ip" ] || host_ip >"$state/host.ip"
  [ -s "$state/host.ip" ] || die "no IPv4 source address found for pods to reach the API server"
  local p
  for p in etcd-client etcd-peer apiserver kubelet kubelet-healthz kube-proxy-healthz kube-proxy-metrics; do
    [ -s "$state/$p.port" ] || free_port >"$state/$p.port"
  done
  echo "$(cat "$state/host.ip"):$(cat "$state/apiserver.port")" >"$state/apiserver.address"
  make_pki
  kubeconfig admin admin
  kubeconfig controller-manager controller-manager
  kubeconfig scheduler scheduler
  kubeconfig kube-proxy kube-proxy
  kubeconfig kubelet kubelet
  write_configs

  local etcd_url="http://127.0.0.1:$(cat "$state/etcd-client.port")"
  start etcd "$bin/etcd" --name=gatewright-node --data-dir="$state/etcd" \
    --listen-client-urls="$etcd_url" --advertise-client-urls="$etcd_url" \
    --listen-peer-urls="http://127.0.0.1:$(cat "$state/etcd-peer.port")" \
    --initial-advertise-peer-urls="http://127.0.0.1:$(cat "$state/etcd-peer.port")" \
    --initial-cluster="gatewright-node=http://127.0.0.1:$(cat "$state/etcd-peer.port")" \
    --unsafe-no-fsync --log-level=warn
  wait_for "etcd" 60 etcd curl -sf "$etcd_url/health"

  local ip; ip=$(cat "$state/host.ip")
  start kube-apiserver "$bin/kube-apiserver" --etcd-servers="$etcd_url" \
    --bind-address="$ip" --advertise-address="$ip" --secure-port="$(cat "$state/apiserver.port")" \
    --cert-dir="$state/apiserver-certs" --tls-cert-file="$state/pki/apiserver.crt" \
    --tls-private-key-file="$state/pki/apiserver.key" --client-ca-file="$state/pki/ca.crt" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --service-cluster-ip-range="$service_cidr" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$state/pki/sa.pub" --service-account-signing-key-file="$state/pki/sa.key" \
    --kubelet-client-certificate="$state/pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$state/pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$state/pki/ca.crt" --kubelet-preferred-address-types=InternalIP,Hostname
  wait_for "kube-apiserver /readyz" 120 kube-apiserver kubectl get --raw /readyz
  # The API server calls kubelets (logs, exec) as this user.
  kubectl create clusterrolebinding gatewright-node:apiserver-kubelet-client --clusterrole=system:kubelet-api-admin \
    --user=kube-apiserver-kubelet-client --dry-run=client -o yaml | kubectl apply -f - >/dev/null

  start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig="$state/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$state/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$state/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file="$state/pki/sa.key" --root-ca-file="$state/pki/ca.crt" \
    --cluster-signing-cert-file="$state/pki/ca.crt" --cluster-signing-key-file="$state/pki/ca.key" \
    --controllers='*'
  start kube-scheduler "$bin/kube-scheduler" --kubeconfig="$state/scheduler.kubeconfig" \
    --authentication-kubeconfig="$state/scheduler.kubeconfig" --authorization-kubeconfig="$state/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false

  start containerd containerd --config "$state/containerd/config.toml"
  wait_for "containerd" 60 containerd ctr version
  build_images
  import_images

  start kubelet "$bin/kubelet" --config="$state/kubelet/config.yaml" --kubeconfig="$state/kubelet.kubeconfig" \
    --root-dir="$state/kubelet/root" --hostname-override="$node_name" --node-ip="$ip" \
    --cert-dir="$state/kubelet/pki"
  start kube-proxy "$bin/kube-proxy" --config="$state/kube-proxy.yaml"
  wait_for "node $node_name Ready" 180 kubelet kubectl wait --for=condition=Ready "node/$node_name" --timeout=5s
  wait_for "the default ServiceAccount" 60 kube-controller-manager kubectl -n default get serviceaccount default
  log "up in $(( $(date +%s) - t0 )) s (state: $state)"
  echo "$state/admin.kubeconfig"
}

purge_chains() { # purge_chains iptables|ip6tables: the KUBE-* chains of kubelet and kube-proxy, CNI-* of the bridge
  local cmd=$1 table chain rule
  command -v "$cmd-save" >/dev/null || return 0
  for table in filter nat mangle raw; do
    { "$cmd-save" -t "$table" 2>/dev/null | grep -E '^-A [A-Z]+ .*-j (KUBE|CNI)-' || true; } | sed 's/^-A /-D /' |
      while read -r rule; do eval "$cmd -t $table $rule" 2>/dev/null || true; done
    for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\|CNI-[^ ]*\) .*/\1/p'); do
      "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\|CNI-[^ ]*\) .*/\1/p'); do
      "$cmd" -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
}

down() {
  [ -d "$state" ] || return 0
  # Pods first, while the kubelet runs: it tears their sandboxes down through CNI (IP leases, masquerade rules).
  stop kube-controller-manager
  stop kube-scheduler
  if alive kubelet && alive kube-apiserver; then
    kubectl delete pods --all --all-namespaces --force --grace-period=0 --wait=false >/dev/null 2>&1 || true
    for _ in $(seq 120); do [ -z "$(ctr tasks ls -q 2>/dev/null)" ] && break; sleep 0.5; done
  fi
  if alive containerd; then
    stop kubelet
    local c
    for c in $(ctr tasks ls -q 2>/dev/null); do ctr tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true; done
    sleep 1
    for c in $(ctr tasks ls -q 2>/dev/null); do ctr tasks delete -f "$c" >/dev/null 2>&1 || true; done
    for c in $(ctr containers ls -q 2>/dev/null); do ctr containers delete "$c" >/dev/null 2>&1 || true; done
  fi
  local name
  for name in kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver etcd containerd dockerd; do stop "$name"; done
  # What the kubelet and kube-proxy left on the machine: mounts under the state dir, pod cgroups, iptables chains.
  # (grep finds nothing once everything is unmounted: under pipefail that must not end the script.)
  { grep " $state/" /proc/mounts || true; } | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  for netns in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do ip netns delete "$netns" 2>/dev/null || true; done
  ip link delete gw-cni0 2>/dev/null || true
  for d in /sys/fs/cgroup/*/kubepods; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  [ ! -x "$bin/kube-proxy" ] || "$bin/kube-proxy" --cleanup >/dev/null 2>&1 || true
  purge_chains iptables
  purge_chains ip6tables
  rm -rf "$state"
  log "down"
}

status() {
  local name
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy; do
    alive "$name" || { echo "$name is not running"; return 1; }
  done
  kubectl wait --for=condition=Ready "node/$node_name" --timeout=5s >/dev/null || { echo "node not Ready"; return 1; }
  echo "up: KUBECONFIG=$state/admin.kubeconfig"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  images) mkdir -p "$state"; build_images; alive containerd && import_images ;;
  env) echo "export KUBECONFIG=$state/admin.kubeconfig DOCKER_HOST=$DOCKER_HOST" ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
