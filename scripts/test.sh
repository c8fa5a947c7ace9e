#!/usr/bin/env bash
# Everything the test suite needs, from nothing, then the suite itself. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
for svc in scripts/services/*.sh; do
  [ -e "$svc" ] || continue
  echo "== $svc"
  bash "$svc"
done
exec .venv/bin/python -m pytest "$@"
