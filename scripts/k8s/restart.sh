#!/usr/bin/env bash
# Restart one component of a control plane started by up.sh (tests use it to restart the API
# server mid-run):  restart.sh WORK_DIR NAME  (NAME: etcd, kube-apiserver, kwok, ...)
set -euo pipefail
W=${1:?work dir}
NAME=${2:?component}
[[ -f $W/cmd/$NAME.sh ]] || { echo "restart.sh: $NAME was not started by up.sh in $W" >&2; exit 1; }
old=$(awk -v n="$NAME" '$2 == n {print $1}' "$W/pids")
if [[ -n $old ]]; then
  kill "$old" 2>/dev/null || true
  for _ in $(seq 40); do kill -0 "$old" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$old" 2>/dev/null || true
fi
setsid bash "$W/cmd/$NAME.sh" </dev/null >>"$W/logs/$NAME.log" 2>&1 &
new=$!
awk -v n="$NAME" -v p="$new" '$2 == n {$1 = p} {print}' "$W/pids" >"$W/pids.tmp" && mv "$W/pids.tmp" "$W/pids"
echo "$new"
