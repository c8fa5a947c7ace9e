#!/usr/bin/env bash
# Build what the real node needs besides Debian's containerd and CNI plugins, from the Go module
# proxy only, cached per version: the kubelet (same k8s.io/kubernetes version as the control
# plane, through build.sh), CoreDNS, and the pod sandbox's pause binary (scripts/k8s/pause).
# A second run exits at once. ~5 min cold after build.sh (the kubelet shares its module cache).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
source "$HERE/versions.sh"
command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || { echo "build-node.sh: no go toolchain (expected /usr/local/go/bin/go)" >&2; exit 1; }
export CGO_ENABLED=0
start=$(date +%s)
log() { echo "build-node.sh: $* (+$(($(date +%s) - start))s)" >&2; }

# kubelet: the control plane's own recipe (replaces staging modules by their published versions)
K8S_CMDS=kubelet bash "$HERE/build.sh" >/dev/null

mkdir -p "$NODE_BIN"
if [[ ! -x $NODE_BIN/coredns ]]; then
  work=$(mktemp -d)
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
  # the main module has no replace directives, so `go install pkg@version` builds the release
  (cd "$work" && GOBIN="$work/bin" GOFLAGS=-trimpath go install -ldflags "-s -w" \
    "github.com/coredns/coredns@v$COREDNS_VERSION")
  mv "$work/bin/coredns" "$NODE_BIN/coredns"
  log "coredns built"
fi

# pause: rebuilt when its source changes (the stamp is part of the image tag node-up.sh pushes)
stamp=$(sha256sum "$HERE/pause/main.go" | cut -c1-12)
if [[ ! -x $NODE_BIN/pause-$stamp ]]; then
  work=$(mktemp -d)
  cp "$HERE/pause/main.go" "$work/"
  (cd "$work" && go mod init ci.local/pause >/dev/null 2>&1 &&
    GOFLAGS=-trimpath go build -ldflags "-s -w" -o "$NODE_BIN/pause-$stamp.tmp" .)
  rm -rf "$work"
  mv "$NODE_BIN/pause-$stamp.tmp" "$NODE_BIN/pause-$stamp"
  ln -sfn "pause-$stamp" "$NODE_BIN/pause"
  log "pause built"
fi
echo "$NODE_BIN"
