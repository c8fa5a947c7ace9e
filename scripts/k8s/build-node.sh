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
work=$(mktemp -d)
# module cache files are read-only; a failing trap command would turn success into exit 1
trap 'chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"' EXIT
if [[ ! -x $NODE_BIN/coredns ]]; then
  # Only the plugins the Corefile of node-up.sh uses: the release's own main imports every
  # plugin (cloud DNS SDKs included), several times the build. A throwaway main module pins
  # the release and keeps its dependency versions (go.sum verified as usual).
  mkdir "$work/coredns" && cd "$work/coredns"
  go mod init ci.local/corednsbuild >/dev/null 2>&1
  cat >main.go <<'GO'
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

// The plugins' order in a server's chain (a subset of the release's plugin.cfg, same order).
func init() {
	dnsserver.Directives = []string{"bind", "ready", "health", "errors", "log", "cache", "kubernetes", "forward"}
}

func main() { coremain.Run() }
GO
  GOFLAGS=-mod=mod go get "github.com/coredns/coredns@v$COREDNS_VERSION"
  GOFLAGS=-mod=mod go mod tidy
  GOFLAGS="-mod=mod -trimpath" go build -ldflags "-s -w" -o "$NODE_BIN/coredns.tmp" .
  mv "$NODE_BIN/coredns.tmp" "$NODE_BIN/coredns"
  cd "$HERE"
  log "coredns built"
fi

# pause: rebuilt when its source changes (the stamp is part of the image tag node-up.sh pushes)
stamp=$(sha256sum "$HERE/pause/main.go" | cut -c1-12)
if [[ ! -x $NODE_BIN/pause-$stamp ]]; then
  mkdir "$work/pause"
  cp "$HERE/pause/main.go" "$work/pause/"
  (cd "$work/pause" && go mod init ci.local/pause >/dev/null 2>&1 &&
    GOFLAGS=-trimpath go build -ldflags "-s -w" -o "$NODE_BIN/pause-$stamp.tmp" .)
  mv "$NODE_BIN/pause-$stamp.tmp" "$NODE_BIN/pause-$stamp"
  ln -sfn "pause-$stamp" "$NODE_BIN/pause"
  log "pause built"
fi
echo "$NODE_BIN"
