#!/usr/bin/env bash
# Build etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok from the Go module
# proxy only (no other network), cached per version set. A second run exits at once.
#
#   bash scripts/k8s/build.sh            -> prints the bin dir on the last line of stdout
#   K8S_VERSION=1.34.10 ETCD_VERSION=3.5.24 KWOK_VERSION=0.8.0 K8S_CMDS="... kubelet" bash ...
# (pinned defaults in versions.sh)
#
# Each component is built only when its binary is missing, so a failure halfway does not redo
# the finished parts. Heavy: ~20-30 min cold on 2 cores; run it niced.
set -euo pipefail

K8S_CMDS=${K8S_CMDS:-"kube-apiserver kube-controller-manager kube-scheduler"}
# shellcheck source=versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"
command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || { echo "build.sh: no go toolchain (expected /usr/local/go/bin/go)" >&2; exit 1; }
export CGO_ENABLED=0
# The checksum database is used when reachable (the default). If it is not, a CI machine may
# set GONOSUMDB=k8s.io,sigs.k8s.io,go.etcd.io itself: acceptable only because every module
# version built here is pinned in versions.sh, but it trades away integrity checking, so never
# by default.

have() { [[ -x $DEST/bin/$1 ]]; }
have_all() {
  local b
  for b in $K8S_CMDS etcd kwok; do have "$b" || return 1; done
  [[ -d $DEST/kwok/stage && -d $DEST/kwok/crd ]]
}
if have_all; then echo "$DEST/bin"; exit 0; fi

mkdir -p "$DEST/bin" "$DEST/kwok"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
start=$(date +%s)
log() { echo "build.sh: $* (+$(($(date +%s) - start))s)" >&2; }

# ---------------------------------------------------------------- etcd (smallest first)
# go.etcd.io/etcd/server/v3 carries `replace => ../api` directives, so it cannot be
# `go install`ed; a throwaway module with a 3-line main calling etcdmain.Main does the same.
if ! have etcd; then
  mkdir "$work/etcd" && cd "$work/etcd"
  go mod init ci.local/etcdbuild >/dev/null 2>&1
  cat >main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  GOFLAGS=-mod=mod go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  GOFLAGS=-mod=mod go mod tidy
  GOFLAGS="-mod=mod -trimpath" go build -ldflags "-s -w" -o "$DEST/bin/etcd.tmp" .
  mv "$DEST/bin/etcd.tmp" "$DEST/bin/etcd"
  log "etcd built"
fi

# ---------------------------------------------------------------- kube-* binaries
# k8s.io/kubernetes cannot be `go install`ed: its go.mod requires every staging module
# (k8s.io/api, k8s.io/client-go, ...) at v0.0.0 and maps them with `replace => ./staging/...`,
# which is ignored when it is a dependency. Workaround: a throwaway main module that requires
# k8s.io/kubernetes vX.Y.Z and replaces each such staging module with its published v0.Y.Z.
missing=()
for c in $K8S_CMDS; do have "$c" || missing+=("$c"); done
if ((${#missing[@]})); then
  mkdir "$work/k8s" && cd "$work/k8s"
  go mod init ci.local/k8sbuild >/dev/null 2>&1
  kmod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  minor_patch=${K8S_VERSION#1.} # 34.10
  minor=${minor_patch%%.*}      # 34
  staging=$(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$kmod" | sort -u)
  [[ -n $staging ]] || { echo "build.sh: no v0.0.0 staging requirements in $kmod" >&2; exit 1; }
  for m in $staging; do go mod edit -replace="$m=$m@v0.$minor_patch"; done
  # mirror upstream's `godebug default=goX.Y` line (1.33+), so runtime defaults match official builds
  gd=$(sed -n 's/^godebug[[:space:]]\{1,\}\(default=go[0-9.]*\)[[:space:]]*$/\1/p' "$kmod" | head -1)
  if [[ -n $gd ]]; then go mod edit -godebug="$gd"; fi
  pkgs=()
  for c in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  GOFLAGS=-mod=mod go get "${pkgs[@]/%/@v$K8S_VERSION}"
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitVersion=v$K8S_VERSION"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done
  # one package at a time: keeps the peak memory down and lets a finished binary survive
  # a failure in the next one
  for c in "${missing[@]}"; do
    GOFLAGS="-mod=mod -trimpath" go build -ldflags "$ld" -o "$DEST/bin/$c.tmp" "k8s.io/kubernetes/cmd/$c"
    mv "$DEST/bin/$c.tmp" "$DEST/bin/$c"
    log "$c built"
  done
fi

# ---------------------------------------------------------------- kwok (plain go install works)
if ! have kwok || [[ ! -d $DEST/kwok/stage ]]; then
  cd "$work"
  GOFLAGS=-trimpath GOBIN="$DEST/bin" go install "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
  # upstream stage + CRD manifests next to the binary (read from the module cache, never committed)
  ksrc=$(go env GOMODCACHE)/sigs.k8s.io/kwok@v$KWOK_VERSION
  rm -rf "$DEST/kwok/stage" "$DEST/kwok/crd"
  cp -r "$ksrc/kustomize/stage" "$DEST/kwok/stage"
  cp -r "$ksrc/kustomize/crd/bases" "$DEST/kwok/crd"
  chmod -R u+w "$DEST/kwok"
  log "kwok built"
fi

"$DEST/bin/kube-apiserver" --version >&2 || true
"$DEST/bin/etcd" --version 2>&1 | head -1 >&2 || true
log "all built"
echo "$DEST/bin"
