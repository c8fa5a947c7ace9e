#!/bin/sh
# Read into files[].contents by `localpath` (relative to the workflow file). OSMO tokens work here
# too: they are substituted in every string of the task, file contents included.
set -e
mkdir -p /ckpt
echo "run {{workflow_id}}: training on $(ls {{input:0}} | wc -l) files"
for step in 1 2 3; do
  sleep 10
  echo "step $step" >> /ckpt/progress.txt
done
cp /ckpt/progress.txt {{output}}/
