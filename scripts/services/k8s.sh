#!/usr/bin/env bash
# Service for the Kubernetes tests: build the control plane binaries (cached; ~15-30 min cold)
# and start or reuse the local control plane with its KWOK nodes, then ONE real node next to
# them (scripts/k8s/node-up.sh: kubelet + Debian's containerd + CNI bridge + CoreDNS; its
# images come from the local registry, which this starts first: scripts/services/registry.sh).
# The kubeconfig path is printed on the last line and is always
# ~/.cache/osmo-tui-k8s/run/admin.kubeconfig (see scripts/k8s/versions.sh).
# Set OSMO_TUI_SKIP_K8S=1 to skip (the kubernetes tests then skip locally, fail under CI=true);
# OSMO_TUI_SKIP_REAL_NODE=1 skips only the real node (its tests likewise).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -n ${OSMO_TUI_SKIP_K8S:-} ]]; then echo "k8s: skipped (OSMO_TUI_SKIP_K8S)"; exit 0; fi
# shellcheck source=../k8s/versions.sh
source scripts/k8s/versions.sh
missing=()
for tool in curl openssl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  # A fresh machine may lack them; CI runs as root with apt reachable.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
nice -n 10 bash scripts/k8s/build.sh >/dev/null
bash scripts/k8s/up.sh "$DEST/bin" "$RUN_DIR" scripts/k8s/nodes.yaml
if [[ -z ${OSMO_TUI_SKIP_REAL_NODE:-} ]]; then
  nice -n 10 bash scripts/k8s/build-node.sh >/dev/null
  bash scripts/services/registry.sh >/dev/null # idempotent: ~1 s when already up
  bash scripts/k8s/node-up.sh
fi
echo "$RUN_DIR/admin.kubeconfig"
