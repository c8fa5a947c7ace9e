#!/usr/bin/env bash
# Start (or reuse) ONE real node next to the KWOK nodes of the control plane up.sh started:
# containerd (Debian's, a private instance: its own root, state and socket, Docker's is left
# alone) with the CRI plugin, CNI bridge networking (Debian's containernetworking-plugins),
# CoreDNS on the bridge's gateway address (the pods' nameserver: headless-Service names
# resolve), and a kubelet built from the control plane's Kubernetes version.
#   node-up.sh            (after up.sh; needs root; binaries from build-node.sh)
# Conventions (docs/kubernetes.md): node $NODE_NAME, labelled osmo-tui/real-node=true and tainted
# with it (NoSchedule) so KWOK-namespace pods never land there; namespace $NODE_NAME, whose pods
# get that node selector and toleration from the PodNodeSelector and PodTolerationRestriction
# admission plugins; PVC osmo-data there (a hostPath PV on the node); images pulled from the
# local registry on 127.0.0.1:5000 over plain HTTP, for every registry name (`busybox:1.36` is
# 127.0.0.1:5000/library/busybox:1.36 there).
# Idempotent: a healthy node is reused (~1 s). Writes $NODE_RUN/pids ("PID name"),
# $NODE_RUN/logs/<name>.log. Stop with node-down.sh. The kubelet sets the kernel settings it
# needs (vm.overcommit_memory=1, kernel.panic=10, kernel.panic_on_oops=1): throwaway VMs only.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
source "$HERE/versions.sh"
W=$RUN_DIR
N=$NODE_RUN
L=$N/logs
BRIDGE=${OSMO_TUI_NODE_BRIDGE:-osmotui0}
NODE_CIDR=${OSMO_TUI_NODE_CIDR:-10.244.0.0/24} # pod IPs on the real node (KWOK's are 10.0/16)
GW=${NODE_CIDR%.*/*}.1                           # the bridge's address: node IP and pod DNS
KUBELET_PORT=${KUBELET_PORT:-10250}
KUBELET_HEALTHZ_PORT=${KUBELET_HEALTHZ_PORT:-10248}
COREDNS_READY=${COREDNS_READY:-127.0.0.1:18181}
REGISTRY=${OSMO_TUI_REGISTRY_ADDR:-127.0.0.1:5000}
SYNC_FREQUENCY=${OSMO_TUI_KUBELET_SYNC:-10s}
export KUBECONFIG=$W/admin.kubeconfig
export PATH=$DEST/bin:$PATH
SOCK=$N/containerd/containerd.sock
LABEL=osmo-tui/real-node

log() { echo "node-up.sh: $*" >&2; }
die() {
  echo "node-up.sh: ERROR: $*" >&2
  [[ -d $L ]] && for f in "$L"/*.log; do echo "--- last lines of $f:" >&2; tail -n 8 "$f" >&2; done
  exit 1
}
[[ $(id -u) == 0 ]] || die "a kubelet needs root (mounts, cgroups, network namespaces)"
[[ -s $KUBECONFIG ]] || die "no control plane in $W (run scripts/k8s/up.sh first)"
for b in kubelet; do [[ -x $DEST/bin/$b ]] || die "$DEST/bin/$b is not built (run scripts/k8s/build-node.sh)"; done
for b in coredns pause; do [[ -x $NODE_BIN/$b ]] || die "$NODE_BIN/$b is not built (run scripts/k8s/build-node.sh)"; done
CNI_BIN=/usr/lib/cni
missing=()
command -v containerd >/dev/null || missing+=(containerd)
[[ -x $CNI_BIN/bridge ]] || missing+=(containernetworking-plugins)
command -v iptables >/dev/null || missing+=(iptables)
command -v conntrack >/dev/null || missing+=(conntrack)
if ((${#missing[@]})); then
  log "installing ${missing[*]} (Debian packages)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

pid_of() { awk -v n="$1" '$2 == n {print $1}' "$N/pids" 2>/dev/null; }
running() { local p; p=$(pid_of "$1"); [[ -n $p ]] && kill -0 "$p" 2>/dev/null; }
wait_for() { # what seconds command...
  local what=$1 secs=$2 i
  shift 2
  for ((i = 0; i < secs * 4; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  die "timeout after ${secs}s waiting for $what"
}
node_ready() {
  [[ $(kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}
# start NAME ARGV...: in its own session (a Ctrl-C where the tests run must not take it down)
start() {
  local name=$1
  shift
  { echo "#!/usr/bin/env bash"; printf 'exec'; printf ' %q' "$@"; echo; } >"$N/cmd/$name.sh"
  setsid bash "$N/cmd/$name.sh" </dev/null >>"$L/$name.log" 2>&1 &
  awk -v n="$name" '$2 != n' "$N/pids" >"$N/pids.tmp" 2>/dev/null || true
  echo "$! $name" >>"$N/pids.tmp" && mv "$N/pids.tmp" "$N/pids"
}
stop_one() {
  local p i
  p=$(pid_of "$1")
  [[ -n $p ]] && kill "$p" 2>/dev/null || return 0
  for ((i = 0; i < 40; i++)); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.25; done
  kill -9 "$p" 2>/dev/null || true
}
mkdir -p "$N/cmd" "$L" "$N/pki" "$N/data" "$N/cni" "$N/certs.d/_default" "$N/kubelet" "$N/containerd"
touch "$N/pids"

# ---- the pause image (sandbox) and the stand-in images, in the local registry
registry_has() { curl -sf -o /dev/null -m 5 -I -H "Accept: application/vnd.docker.distribution.manifest.v2+json" \
  "http://$REGISTRY/v2/$1/manifests/$2"; }
PAUSE_TAG=$(basename "$(readlink -f "$NODE_BIN/pause")" | sed 's/^pause-//')
PAUSE_IMAGE=$REGISTRY/osmo-tui/pause:$PAUSE_TAG
curl -sf -o /dev/null -m 2 "http://$REGISTRY/v2/" || die "no registry on $REGISTRY (run scripts/services/registry.sh)"
if ! registry_has osmo-tui/pause "$PAUSE_TAG"; then
  ctx=$(mktemp -d)
  cp "$NODE_BIN/pause" "$ctx/pause"
  printf 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n' >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "$PAUSE_IMAGE" "$ctx" >/dev/null || die "docker build of the pause image failed"
  docker push -q "$PAUSE_IMAGE" >/dev/null || die "docker push $PAUSE_IMAGE failed"
  docker rmi "$PAUSE_IMAGE" >/dev/null
  rm -rf "$ctx"
  log "pushed $PAUSE_IMAGE"
fi
# Every stand-in tag of scripts/images/build.sh, as the node resolves it: a name without a host
# is library/<name> (one path segment) or <org>/<name> on the default registry, which the
# node's containerd maps to this registry.
stamp=$(docker image inspect --format '{{ index .Config.Labels "org.osmo-tui.build" }}' osmo-tui/base:amd64 2>/dev/null) ||
  die "the stand-in images are missing (run scripts/images/build.sh)"
if [[ $(cat "$N/images.pushed" 2>/dev/null) != "$stamp" ]]; then
  for tag in $(docker image ls --format '{{.Repository}}:{{.Tag}}' --filter "label=org.osmo-tui.build=$stamp" |
    grep -v -e "^arm64v8/" -e ":arm64$" -e "^$REGISTRY/" -e "<none>"); do
    repo=${tag%:*}
    [[ $repo == */* ]] || repo=library/$repo
    docker tag "$tag" "$REGISTRY/$repo:${tag##*:}"
    docker push -q "$REGISTRY/$repo:${tag##*:}" >/dev/null || die "docker push $REGISTRY/$repo:${tag##*:} failed"
    docker rmi "$REGISTRY/$repo:${tag##*:}" >/dev/null
  done
  echo "$stamp" >"$N/images.pushed"
  log "pushed the stand-in images to $REGISTRY"
fi

# ---- PKI: the kubelet's client certificate (Node authorizer: system:node:<name>)
P=$W/pki
if [[ ! -s $N/pki/kubelet.crt ]] || ! openssl verify -CAfile "$P/ca.crt" "$N/pki/kubelet.crt" >/dev/null 2>&1; then
  openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$N/pki/kubelet.key" -out "$N/pki/kubelet.csr" \
    -subj "/O=system:nodes/CN=system:node:$NODE_NAME" 2>/dev/null
  openssl x509 -req -sha256 -days 3650 -in "$N/pki/kubelet.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" \
    -CAcreateserial -out "$N/pki/kubelet.crt" \
    -extfile <(printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=clientAuth") 2>/dev/null
  rm -f "$N/pki/kubelet.csr"
  chmod 600 "$N/pki/kubelet.key"
fi
server=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')
cat >"$N/kubelet.kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "$server", certificate-authority: "$P/ca.crt"}
users:
- name: kubelet
  user: {client-certificate: "$N/pki/kubelet.crt", client-key: "$N/pki/kubelet.key"}
contexts:
- name: local
  context: {cluster: local, user: kubelet}
current-context: local
KCFG

# ---- kernel settings and the bridge (its address exists before CoreDNS binds it)
modprobe br_netfilter 2>/dev/null || true
sysctl -qw net.ipv4.ip_forward=1
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] && sysctl -qw net.bridge.bridge-nf-call-iptables=1
if ! ip link show "$BRIDGE" >/dev/null 2>&1; then ip link add "$BRIDGE" type bridge; fi
# (a pipe into `grep -q` would fail at random under pipefail: SIGPIPE)
[[ $(ip -4 addr show dev "$BRIDGE") == *"inet $GW/"* ]] || ip addr add "$GW/${NODE_CIDR#*/}" dev "$BRIDGE"
ip link set "$BRIDGE" up

# ---- configuration files (a change restarts the component that reads it)
changed=()
write() { # file component <<content
  local new
  new=$(cat)
  [[ -f $1 && $(cat "$1") == "$new" ]] && return 0
  printf '%s\n' "$new" >"$1"
  changed+=("$2")
}
write "$N/cni/10-osmo-real.conflist" containerd <<EOF
{
  "cniVersion": "1.0.0",
  "name": "osmo-real",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$NODE_CIDR", "gateway": "$GW"}]],
              "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$N/cni-ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "firewall", "backend": "iptables"}
  ]
}
EOF
# the firewall plugin accepts the pods' traffic in FORWARD, whose policy Docker sets to DROP
write "$N/certs.d/_default/hosts.toml" containerd <<EOF
# every registry name resolves through the local registry, over plain HTTP
[host."http://$REGISTRY"]
  capabilities = ["pull", "resolve"]
EOF
write "$N/containerd.toml" containerd <<EOF
version = 2
root = "$N/containerd/root"
state = "$N/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  netns_mounts_under_state_dir = true
  # without CAP_SYS_RESOURCE (sandboxed CI VMs) runc cannot lower a process's oom_score_adj:
  # the sandbox's -998 would fail every pod ("can't get final child's PID from pipe")
  restrict_oom_score_adj = true
  enable_cdi = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$N/cni"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$N/certs.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
EOF
write "$N/Corefile" coredns <<EOF
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    bind $GW
    errors
    ready $COREDNS_READY
    # no cache: a name looked up before its pod exists must resolve as soon as it does
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $KUBECONFIG
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 1
    }
}
.:53 {
    bind $GW
    errors
    forward . /etc/resolv.conf
    cache 30
}
EOF
write "$N/kubelet.yaml" kubelet <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $GW
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: "$P/ca.crt"}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://$SOCK
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
clusterDomain: cluster.local
clusterDNS: [$GW]
resolvConf: /etc/resolv.conf
podLogsDir: $N/pod-logs
# how often a pod's volumes (the barrier's downward-API file among them) are re-synced at the
# latest; an annotation change itself triggers a sync at once
syncFrequency: $SYNC_FREQUENCY
nodeStatusUpdateFrequency: 10s
serializeImagePulls: false
maxPods: 110
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
protectKernelDefaults: false
registerWithTaints:
- {key: $LABEL, value: "true", effect: NoSchedule}
EOF

# ---- the node namespace's pods land on the node: PodNodeSelector + PodTolerationRestriction
ensure_objects() {
  kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $NODE_NAME
  annotations:
    scheduler.alpha.kubernetes.io/node-selector: $LABEL=true
    scheduler.alpha.kubernetes.io/defaultTolerations: '[{"key":"$LABEL","operator":"Exists","effect":"NoSchedule"}]'
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: $NODE_NAME}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: $NODE_NAME-data}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteMany, ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: $NODE_NAME
  claimRef: {namespace: $NODE_NAME, name: osmo-data}
  hostPath: {path: "$N/data", type: DirectoryOrCreate}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [$NODE_NAME]}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: osmo-data, namespace: $NODE_NAME}
spec:
  accessModes: [ReadWriteMany]
  storageClassName: $NODE_NAME
  volumeName: $NODE_NAME-data
  resources: {requests: {storage: 10Gi}}
EOF
  wait_for "the default ServiceAccount of $NODE_NAME" 60 kubectl -n "$NODE_NAME" get serviceaccount default
  wait_for "PVC osmo-data to bind" 60 bash -c \
    "[[ \$(kubectl -n $NODE_NAME get pvc osmo-data -o jsonpath='{.status.phase}') == Bound ]]"
}

# ---- (re)start what is down or reconfigured, in dependency order
restart_from=""
for c in containerd coredns kubelet; do
  if [[ -z $restart_from ]] && { ! running "$c" || [[ " ${changed[*]} " == *" $c "* ]]; }; then restart_from=$c; fi
done
# a kubelet registers its node once: a fresh control plane (new etcd) needs a new kubelet
if [[ -z $restart_from ]] && ! kubectl get node "$NODE_NAME" >/dev/null 2>&1; then restart_from=kubelet; fi
if [[ -z $restart_from ]]; then
  wait_for "node $NODE_NAME Ready" 60 node_ready
  ensure_objects
  log "node $NODE_NAME reused"
  exit 0
fi
case $restart_from in
containerd) stop_one kubelet; stop_one coredns; stop_one containerd ;;
coredns) stop_one kubelet; stop_one coredns ;;
kubelet) stop_one kubelet ;;
esac

if ! running containerd; then
  start containerd containerd --config "$N/containerd.toml"
  wait_for containerd 30 ctr --address "$SOCK" version
fi
if ! running coredns; then
  start coredns "$NODE_BIN/coredns" -conf "$N/Corefile"
  wait_for "CoreDNS ready" 60 curl -fsS "http://$COREDNS_READY/ready"
fi
start kubelet "$DEST/bin/kubelet" --config="$N/kubelet.yaml" --kubeconfig="$N/kubelet.kubeconfig" \
  --root-dir="$N/kubelet" --cert-dir="$N/pki/serving" --hostname-override="$NODE_NAME" \
  --node-ip="$GW" --node-labels="$LABEL=true" --v=1
wait_for "node $NODE_NAME Ready (kubelet log: $L/kubelet.log)" 120 node_ready
ensure_objects
log "node $NODE_NAME up (containerd, CoreDNS on $GW, kubelet)"
