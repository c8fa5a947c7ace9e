#!/usr/bin/env bash
# Everything the test suite needs, from nothing, then the suite itself. Extra args go to pytest.
# Under CI=true the Kubernetes test cluster (control plane and real node) is stopped at the end
# (scripts/k8s/down.sh: only the processes its scripts recorded); pytest's exit code is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${CI:-} == true ]]; then
  trap 'bash scripts/k8s/down.sh >/dev/null 2>&1 || echo "test.sh: stopping the Kubernetes test cluster failed" >&2' EXIT
fi
bash scripts/bootstrap.sh
for svc in scripts/services/*.sh; do
  [ -e "$svc" ] || continue
  echo "== $svc"
  bash "$svc"
done
rc=0
.venv/bin/python -m pytest "$@" || rc=$?
exit "$rc"
