#!/usr/bin/env bash
# Stop the real node node-up.sh started, and only what it started: its pods first (deleted
# through the API while the kubelet still runs, so their sandboxes and CNI set-ups are torn down
# properly; what is left is killed through the node's own containerd), then the kubelet,
# CoreDNS and containerd by the pids recorded in $NODE_RUN/pids.
#   node-down.sh [--purge]   (--purge also removes the node's images, volumes and data)
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
source "$HERE/versions.sh"
N=$NODE_RUN
[[ -s $N/pids ]] || exit 0
export KUBECONFIG=$RUN_DIR/admin.kubeconfig PATH=$DEST/bin:$PATH
SOCK=$N/containerd/containerd.sock
pid_of() { awk -v n="$1" '$2 == n {print $1}' "$N/pids"; }
stop_one() {
  local p
  p=$(pid_of "$1")
  [[ -n $p ]] && kill "$p" 2>/dev/null || return 0
  for _ in $(seq 40); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.25; done
  kill -9 "$p" 2>/dev/null && echo "node-down.sh: killed -9 $1 ($p)" >&2
}
if kill -0 "$(pid_of kubelet)" 2>/dev/null; then
  kubectl delete pods -A --field-selector "spec.nodeName=$NODE_NAME" --grace-period=0 --force \
    --wait=false >/dev/null 2>&1 || true
  # the kubelet notices the deleted pods within a few seconds and removes their sandboxes
  for _ in $(seq 60); do
    [[ -z $(ctr --address "$SOCK" -n k8s.io tasks ls -q 2>/dev/null) ]] && break
    sleep 0.5
  done
fi
stop_one kubelet
# a stopped node leaves the cluster: its NotReady Node would still make the cluster "not all
# KWOK" to a backend, and a new kubelet registers afresh
kubectl delete node "$NODE_NAME" --wait=false >/dev/null 2>&1 || true
if kill -0 "$(pid_of containerd)" 2>/dev/null; then
  for t in $(ctr --address "$SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr --address "$SOCK" -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
  done
  sleep 0.5
  for t in $(ctr --address "$SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr --address "$SOCK" -n k8s.io tasks rm -f "$t" >/dev/null 2>&1 || true
  done
fi
stop_one coredns
stop_one containerd
# the kubelet bind-mounts its root dir onto itself (shared propagation); a restart would stack one more
mountpoint -q "$N/kubelet" && umount "$N/kubelet" 2>/dev/null
: >"$N/pids"
if [[ ${1:-} == --purge ]]; then
  # mounts the kubelet left (pod volumes) must go before the directories can
  grep -o " $N/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$N/containerd" "$N/kubelet" "$N/data" "$N/cni-ipam" "$N/pod-logs"
fi
echo "node-down.sh: node $NODE_NAME stopped" >&2
