#!/usr/bin/env bash
# Start (or reuse) a local control plane on 127.0.0.1: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and the kwok controller (fake nodes), then create the
# fake nodes.
#   up.sh [BIN_DIR [WORK_DIR [NODES_YAML]]]
# Defaults (versions.sh): BIN_DIR = where build.sh puts the binaries, WORK_DIR =
# ~/.cache/osmo-tui-k8s/run, NODES_YAML = nodes.yaml next to this script.
# Idempotent: a healthy control plane already running from WORK_DIR is reused as is.
# Writes WORK_DIR/admin.kubeconfig, WORK_DIR/pids ("PID name"), WORK_DIR/cmd/<name>.sh (how to
# start each component again: restart.sh), WORK_DIR/logs/<name>.log.
# Stop with down.sh WORK_DIR (kills only the PIDs listed in WORK_DIR/pids).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
source "$HERE/versions.sh"
BIN=${1:-$DEST/bin}
W=${2:-$RUN_DIR}
NODES=${3:-$HERE/nodes.yaml}
[[ -x $BIN/kube-apiserver ]] || { echo "up.sh: no control-plane binaries in '$BIN' (run scripts/k8s/build.sh)" >&2; exit 1; }
BIN=$(cd "$BIN" && pwd)
KWOKDIR=${KWOKDIR:-$BIN/../kwok} # upstream stage/ and crd/ copied by build.sh
ETCD_PORT=${ETCD_PORT:-23790}
ETCD_PEER_PORT=${ETCD_PEER_PORT:-23800}
APISERVER_PORT=${APISERVER_PORT:-16443}
KWOK_PORT=${KWOK_PORT:-10247}
KCM_PORT=${KCM_PORT:-10257}
SCHED_PORT=${SCHED_PORT:-10259}
SVC_CIDR=${SVC_CIDR:-10.96.0.0/16}
POD_CIDR=${POD_CIDR:-10.0.0.0/16} # fake pod IPs: written to status only, never routed
P=$W/pki
L=$W/logs
export KUBECONFIG=$W/admin.kubeconfig
export PATH=$BIN:$PATH # a kubectl built by build.sh (K8S_CMDS+=" kubectl") wins over /usr/bin's
command -v kubectl >/dev/null || { echo "up.sh: kubectl missing" >&2; exit 1; }
command -v curl >/dev/null || { echo "up.sh: curl missing" >&2; exit 1; }
TLS=(--cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key")

alive() { # every recorded pid still runs
  local pid name n=0
  [[ -s $W/pids ]] || return 1
  while read -r pid name; do kill -0 "$pid" 2>/dev/null || return 1; n=$((n + 1)); done <"$W/pids"
  ((n == 5))
}
healthy() {
  # an API server started by an older up.sh lacks the admission plugins the real node relies on
  grep -q PodTolerationRestriction "$W/cmd/kube-apiserver.sh" 2>/dev/null &&
    alive && curl -fsS "${TLS[@]}" "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null 2>&1 &&
    curl -fsS "http://127.0.0.1:$KWOK_PORT/healthz" >/dev/null 2>&1
}
wait_for() { # what, seconds, command...
  local what=$1 secs=$2 i
  shift 2
  for ((i = 0; i < secs * 4; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  echo "up.sh: timeout waiting for $what; last log lines:" >&2
  tail -n 20 "$L"/*.log >&2
  return 1
}
apply_nodes() {
  [[ -n $NODES ]] || return 0
  kubectl apply -f "$NODES" >/dev/null
  wait_for nodes-ready 60 kubectl wait --for=condition=Ready nodes -l type=kwok --timeout=5s
}

if healthy; then
  apply_nodes # recreate a node a test deleted
  echo "control plane reused: KUBECONFIG=$KUBECONFIG"
  exit 0
fi
# half-dead or stale: stop what is left and start clean (fresh etcd, so no stale objects)
if [[ -s $W/pids ]]; then bash "$HERE/down.sh" "$W" --keep; fi
rm -rf "$W/etcd" "$W/cmd" "$L"
mkdir -p "$W" "$L" "$W/cmd"
: >"$W/pids"
for port in $ETCD_PORT $ETCD_PEER_PORT $APISERVER_PORT $KWOK_PORT $KCM_PORT $SCHED_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "up.sh: port $port on 127.0.0.1 is taken by another process; set the *_PORT variables" >&2
    exit 1
  fi
done

# start NAME ARGV...: remember the command (restart.sh re-runs it) and start it in its own
# session, so a Ctrl-C in the terminal that started the tests does not take it down.
start() {
  local name=$1
  shift
  { echo "#!/usr/bin/env bash"; printf 'exec'; printf ' %q' "$@"; echo; } >"$W/cmd/$name.sh"
  setsid bash "$W/cmd/$name.sh" </dev/null >>"$L/$name.log" 2>&1 &
  echo "$! $name" >>"$W/pids"
}

APISERVER_PORT=$APISERVER_PORT bash "$HERE/gen-pki.sh" "$P"
cp "$P/admin.kubeconfig" "$W/admin.kubeconfig"

# ---- etcd (3.5+ built from the proxy; Debian's 3.4 etcd-server works as a fallback)
etcd_extra=()
"$BIN/etcd" --version 2>&1 | grep -q 'Version: 3\.4\.' || etcd_extra+=(--unsafe-no-fsync)
start etcd "$BIN/etcd" --name=osmo-tui --data-dir="$W/etcd" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="osmo-tui=http://127.0.0.1:$ETCD_PEER_PORT" --log-level=warn "${etcd_extra[@]}"
wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

# ---- kube-apiserver
start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
  --advertise-address=127.0.0.1 --endpoint-reconciler-type=none \
  --cert-dir="$W/apiserver-certs" \
  --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" \
  --client-ca-file="$P/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
  --service-cluster-ip-range="$SVC_CIDR" \
  --authorization-mode=Node,RBAC \
  --enable-admission-plugins=PodNodeSelector,PodTolerationRestriction \
  --allow-privileged=true \
  --kubelet-preferred-address-types=InternalIP,Hostname \
  --kubelet-client-certificate="$P/admin.crt" --kubelet-client-key="$P/admin.key" \
  --profiling=false --v=1
wait_for kube-apiserver 120 curl -fsS "${TLS[@]}" "https://127.0.0.1:$APISERVER_PORT/readyz"

# ---- kube-controller-manager (namespace, GC, serviceaccount, pod-GC, node-lifecycle controllers)
start kube-controller-manager "$BIN/kube-controller-manager" \
  --kubeconfig="$KUBECONFIG" --authentication-kubeconfig="$KUBECONFIG" --authorization-kubeconfig="$KUBECONFIG" \
  --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
  --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" \
  --cluster-signing-cert-file="$P/ca.crt" --cluster-signing-key-file="$P/ca.key" \
  --service-cluster-ip-range="$SVC_CIDR" --v=1
# ---- kube-scheduler (the real one: nodeSelector, affinity, taints, extended resources)
start kube-scheduler "$BIN/kube-scheduler" \
  --kubeconfig="$KUBECONFIG" --authentication-kubeconfig="$KUBECONFIG" --authorization-kubeconfig="$KUBECONFIG" \
  --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --leader-elect=false --v=1

# ---- kwok: upstream node-initialize/heartbeat + pod-delete stages (from the module cache, via
#      build.sh) + osmo-tui's own pod stages (pod-stages.yaml: outcomes from annotations)
{
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-delete.yaml; do
    cat "$KWOKDIR/stage/$f"
    printf '\n---\n'
  done
  cat "${OSMO_TUI_POD_STAGES:-$HERE/pod-stages.yaml}"
} >"$W/kwok.yaml"
for k in logs clusterlogs; do kubectl apply -f "$KWOKDIR/crd/kwok.x-k8s.io_$k.yaml" >/dev/null; done
wait_for kwok-crds 30 kubectl wait --for=condition=Established --timeout=5s \
  crd/logs.kwok.x-k8s.io crd/clusterlogs.kwok.x-k8s.io
start kwok "$BIN/kwok" --kubeconfig="$KUBECONFIG" --config="$W/kwok.yaml" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --node-ip=127.0.0.1 --node-name=localhost --node-port="$KWOK_PORT" \
  --server-address="127.0.0.1:$KWOK_PORT" --node-lease-duration-seconds=40 \
  --cidr="$POD_CIDR" --enable-crds=Logs,ClusterLogs

wait_for kube-controller-manager 60 curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz"
wait_for kube-scheduler 60 curl -fsSk "https://127.0.0.1:$SCHED_PORT/healthz"
wait_for kwok 60 curl -fsS "http://127.0.0.1:$KWOK_PORT/healthz"
# pods are rejected until the serviceaccount controller has created default/default
wait_for serviceaccount 60 kubectl get serviceaccount default -n default
apply_nodes
echo "control plane up: KUBECONFIG=$KUBECONFIG"
