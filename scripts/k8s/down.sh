#!/usr/bin/env bash
# Stop what up.sh started (only the PIDs it recorded), newest first.
#   down.sh [WORK_DIR] [--keep]    (default WORK_DIR ~/.cache/osmo-tui-k8s/run)
# Without --keep the etcd data and logs are removed too (the PKI is kept, it is cheap to reuse).
set -uo pipefail
# shellcheck source=versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"
W=${1:-$RUN_DIR}
# the real node first (node-down.sh): it deletes its pods through the API server
OSMO_TUI_K8S_RUN=$W bash "$(dirname "${BASH_SOURCE[0]}")/node-down.sh"
[[ -f $W/pids ]] || exit 0
tac "$W/pids" | while read -r pid name; do
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null && echo "down.sh: killed -9 $name ($pid)" >&2
done
: >"$W/pids"
[[ ${2:-} == --keep ]] || rm -rf "$W/etcd" "$W/logs" "$W/cmd"
