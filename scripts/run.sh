#!/usr/bin/env bash
# The main job: the app on an example workflow, with the built-in simulator as backend.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/osmo-tui "${@:-examples/train_pipeline.yaml}"
