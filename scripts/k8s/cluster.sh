#!/usr/bin/env bash
# A single-node Kubernetes for the chart test: etcd, kube-apiserver, controller-manager, scheduler, kubelet and
# kube-proxy (nftables) from scripts/k8s/build.sh, containerd and the bridge CNI from Debian.
#   up    start it (idempotent), load the local images into containerd, print the kubeconfig on the last line
#   down  stop everything it started, remove its pods, network and state; nothing is left running
#   env   print KUBECONFIG=… and the node's bridge address for the caller's shell
# Needs root. State lives in $SWITCHBOARD_K8S_RUN (default ~/.cache/switchboard/k8s/run), removed by `down`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
run="${SWITCHBOARD_K8S_RUN:-$cache/k8s/run}"
NODE=switchboard-node
# Addresses of this cluster's own making: the pods' bridge (its gateway is the node's address) and Services.
BRIDGE=sbk8s0
POD_CIDR=10.244.0.0/24
NODE_IP=10.244.0.1
SERVICE_CIDR=10.96.0.0/16
API_PORT="${SWITCHBOARD_K8S_API_PORT:-6443}"
ETCD_PORT=2389
PAUSE_IMAGE=registry.k8s.io/pause:3.10.1
# The images the chart test runs (scripts/images/build.sh makes them).
IMAGES=(switchboard:local apache/kafka:4.1.2 redis:7)

log() { echo "[k8s $(date -u +%H:%M:%S)] $*" >&2; }
die() { log "$*"; exit 1; }
kc() { "$bin/kubectl" --kubeconfig "$run/admin.kubeconfig" "$@"; }
ctrk() { ctr --address "$run/containerd/containerd.sock" -n k8s.io "$@"; }

pid_alive() { [ -f "$run/pids/$1" ] && kill -0 "$(cat "$run/pids/$1")" 2>/dev/null; }

start() { # name, command…: in the background, logging to $run/logs/name.log
  local name=$1; shift
  if pid_alive "$name"; then return 0; fi
  nohup "$@" >"$run/logs/$name.log" 2>&1 &
  echo $! >"$run/pids/$name"
}

wait_for() { # what, seconds, command…
  local what=$1 seconds=$2; shift 2
  local deadline=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then die "$what not ready after ${seconds}s (logs in $run/logs)"; fi
    sleep 1
  done
}

certs() {
  local pki="$run/pki"
  [ -f "$pki/admin.crt" ] && return 0
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj "/CN=switchboard-test-ca" 2>/dev/null
    cat >apiserver.ext <<EOF
subjectAltName = IP:127.0.0.1, IP:10.96.0.1, IP:$NODE_IP, DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:$NODE
extendedKeyUsage = serverAuth
EOF
    issue() { # name, subject, extfile
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 30 ${3:+-extfile "$3"} 2>/dev/null
      rm -f "$1.csr"
    }
    printf 'extendedKeyUsage = clientAuth\n' >client.ext
    printf 'subjectAltName = IP:%s, IP:127.0.0.1, DNS:%s\nextendedKeyUsage = serverAuth\n' "$NODE_IP" "$NODE" >kubelet.ext
    issue apiserver "/CN=kube-apiserver" apiserver.ext
    issue kubelet-serving "/CN=$NODE" kubelet.ext
    # Every component signs in as a cluster admin: a throwaway test cluster, not a hardening exercise.
    issue admin "/O=system:masters/CN=switchboard-test-admin" client.ext
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
  cat >"$run/admin.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: switchboard-test
    cluster: { server: "https://127.0.0.1:$API_PORT", certificate-authority: "$pki/ca.crt" }
users:
  - name: admin
    user: { client-certificate: "$pki/admin.crt", client-key: "$pki/admin.key" }
contexts:
  - name: switchboard-test
    context: { cluster: switchboard-test, user: admin }
current-context: switchboard-test
EOF
}

containerd_config() {
  mkdir -p "$run/containerd" "$run/cni/net.d"
  cat >"$run/containerd/config.toml" <<EOF
version = 2
root = "$run/containerd/root"
state = "$run/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$run/containerd/containerd.sock"
[ttrpc]
  address = "$run/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$run/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # root here lacks CAP_SYS_RESOURCE: without this every pod fails in runc ("can't get final child's PID").
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$run/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
EOF
  cat >"$run/cni/net.d/10-switchboard.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "switchboard-test",
  "plugins": [
    { "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "isDefaultGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]],
                "dataDir": "$run/cni/ipam" } },
    { "type": "loopback" }
  ]
}
EOF
}

component_configs() {
  cat >"$run/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$run/containerd/containerd.sock
address: $NODE_IP
port: 10250
healthzBindAddress: 127.0.0.1
healthzPort: 10248
readOnlyPort: 0
tlsCertFile: $run/pki/kubelet-serving.crt
tlsPrivateKeyFile: $run/pki/kubelet-serving.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: false }
  x509: { clientCAFile: $run/pki/ca.crt }
authorization: { mode: AlwaysAllow }
failSwapOn: false
# The images are imported, never pulled: never garbage-collect them, and evict nothing over a full disk.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%" }
serializeImagePulls: false
podLogsDir: $run/pod-logs
maxPods: 60
EOF
  cat >"$run/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
hostnameOverride: $NODE
clusterCIDR: $POD_CIDR
clientConnection: { kubeconfig: $run/admin.kubeconfig }
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Pods talking to a Service whose pod sits on the same bridge: masquerade so the replies come back through
# the node and are un-NATed (no reliance on br_netfilter).
nftables: { masqueradeAll: true }
# Leave the machine's conntrack sysctls alone (a container may not set them).
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
EOF
}

pause_image() {
  if docker image inspect "$PAUSE_IMAGE" >/dev/null 2>&1; then return 0; fi
  log "building the pause image ($PAUSE_IMAGE)"
  local dir; dir=$(mktemp -d)
  (cd "$here/pause" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS= go build -trimpath -ldflags '-s -w' -o "$dir/pause" .)
  cp "$here/pause/Dockerfile" "$dir/"
  docker build -q -t "$PAUSE_IMAGE" "$dir" >/dev/null
  rm -rf "$dir"
}

load_images() { # into containerd's k8s.io namespace, skipping those already there with the same id
  local image id have
  for image in "$PAUSE_IMAGE" "${IMAGES[@]}"; do
    docker image inspect "$image" >/dev/null 2>&1 || die "image $image is missing: run npm run images"
    id=$(docker image inspect -f '{{.Id}}' "$image")
    have=$(cat "$run/images/$(echo "$image" | tr '/:' '__')" 2>/dev/null || true)
    if [ "$have" = "$id" ]; then continue; fi
    log "importing $image into containerd"
    docker save "$image" | ctrk images import --all-platforms - >/dev/null
    mkdir -p "$run/images"
    echo "$id" >"$run/images/$(echo "$image" | tr '/:' '__')"
  done
}

up() {
  [ "$(id -u)" -eq 0 ] || die "needs root (containerd, kubelet, network)"
  local t0; t0=$(date +%s)
  bin=$(bash "$here/build.sh" | tail -1)
  for tool in etcd containerd runc nft; do command -v "$tool" >/dev/null || missing_pkgs=1; done
  if [ -n "${missing_pkgs:-}" ] || ! [ -x /usr/lib/cni/bridge ]; then
    log "installing etcd-server, containerd, runc, containernetworking-plugins, nftables, conntrack (Debian)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
      etcd-server containerd runc containernetworking-plugins nftables conntrack >/dev/null
  fi
  mkdir -p "$run/logs" "$run/pids"
  certs
  containerd_config
  component_configs
  local pki="$run/pki" t

  t=$(date +%s)
  start etcd etcd --name switchboard-test --data-dir "$run/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls http://127.0.0.1:2390 --initial-advertise-peer-urls http://127.0.0.1:2390 \
    --initial-cluster switchboard-test=http://127.0.0.1:2390
  start containerd containerd --config "$run/containerd/config.toml"
  wait_for etcd 60 curl -sf "http://127.0.0.1:$ETCD_PORT/health"
  wait_for containerd 60 ctrk version
  log "etcd and containerd up in $(( $(date +%s) - t ))s"

  # The node's address: the pods' bridge, made here before the kubelet so the apiserver can advertise it.
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$NODE_IP/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
  fi
  # dockerd sets the FORWARD policy to DROP: let traffic between this bridge's pods through (pod to pod,
  # and pod to a Service whose pod is on the same bridge), and nothing else.
  if command -v iptables >/dev/null && ! iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null; then
    iptables -I FORWARD 1 -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
  fi

  t=$(date +%s)
  start kube-apiserver "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --secure-port "$API_PORT" --advertise-address "$NODE_IP" \
    --service-cluster-ip-range "$SERVICE_CIDR" --allow-privileged=true \
    --authorization-mode RBAC --client-ca-file "$pki/ca.crt" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --kubelet-client-certificate "$pki/admin.crt" --kubelet-client-key "$pki/admin.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --endpoint-reconciler-type none --profiling=false
  wait_for kube-apiserver 120 kc get --raw /readyz
  log "kube-apiserver ready in $(( $(date +%s) - t ))s"

  t=$(date +%s)
  start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$run/admin.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --profiling=false
  start kube-scheduler "$bin/kube-scheduler" --kubeconfig "$run/admin.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --profiling=false
  pause_image
  load_images
  start kubelet "$bin/kubelet" --config "$run/kubelet.yaml" --kubeconfig "$run/admin.kubeconfig" \
    --hostname-override "$NODE" --node-ip "$NODE_IP" --root-dir "$run/kubelet" --cert-dir "$run/pki"
  start kube-proxy "$bin/kube-proxy" --config "$run/kube-proxy.yaml"
  wait_for "node $NODE" 120 kc wait --for=condition=Ready "node/$NODE" --timeout=2s
  wait_for "the default ServiceAccount" 60 kc get serviceaccount default -n default
  log "node Ready in $(( $(date +%s) - t ))s; cluster up in $(( $(date +%s) - t0 ))s"
  echo "KUBECONFIG=$run/admin.kubeconfig"
}

stop_pid() { # name: TERM, then KILL after 20 s
  local name=$1 pid
  [ -f "$run/pids/$name" ] || return 0
  pid=$(cat "$run/pids/$name")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$run/pids/$name"
}

# The kubelet's own iptables chains (its canaries, the hint, KUBE-FIREWALL), for IPv4 and IPv6.
kubelet_iptables_cleanup() {
  local tool
  for tool in iptables ip6tables; do
    command -v "$tool" >/dev/null || continue
    while "$tool" -t filter -D INPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    while "$tool" -t filter -D OUTPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    "$tool" -t filter -F KUBE-FIREWALL 2>/dev/null && "$tool" -t filter -X KUBE-FIREWALL 2>/dev/null
    for table in filter nat mangle; do
      "$tool" -t "$table" -X KUBE-KUBELET-CANARY 2>/dev/null || true
    done
    "$tool" -t mangle -X KUBE-IPTABLES-HINT 2>/dev/null || true
  done
  return 0
}

down() {
  [ -d "$run" ] || { log "nothing to stop ($run absent)"; return 0; }
  local t0; t0=$(date +%s)
  bin="$cache/k8s/${K8S_VERSION:-v1.34.1}/bin"
  stop_pid kube-controller-manager
  stop_pid kube-scheduler
  stop_pid kubelet
  # The pods: stopped and removed through the CRI, so the CNI plugin releases their addresses and netns.
  if pid_alive containerd && [ -x "$bin/crictl" ]; then
    "$bin/crictl" --runtime-endpoint "unix://$run/containerd/containerd.sock" --timeout 30s rmp -af >/dev/null 2>&1 || true
    # Anything the CRI did not own (there should be nothing): killed and deleted task by task.
    for task in $(ctrk tasks ls -q 2>/dev/null); do
      ctrk tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
      sleep 1
      ctrk tasks delete "$task" >/dev/null 2>&1 || true
    done
  fi
  stop_pid kube-proxy
  [ -x "$bin/kube-proxy" ] && "$bin/kube-proxy" --cleanup --config "$run/kube-proxy.yaml" >/dev/null 2>&1 || true
  stop_pid kube-apiserver
  stop_pid etcd
  stop_pid containerd
  ip link del "$BRIDGE" 2>/dev/null || true
  while iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null; do :; done
  kubelet_iptables_cleanup
  grep -o " $run[^ ]*" /proc/mounts | sort -r | while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
  rm -rf "$run"
  log "down in $(( $(date +%s) - t0 ))s"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env)
    echo "KUBECONFIG=$run/admin.kubeconfig"
    echo "SWITCHBOARD_K8S_NODE_IP=$NODE_IP"
    ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac
