#!/usr/bin/env bash
# The OCI registry the image-pull tests run against, from nothing, idempotently: the CNCF
# distribution registry built once from the Go module proxy (cached per version, ~2 min cold),
# started in the background on 127.0.0.1:5000 with filesystem storage, and loaded with the
# stand-in images of scripts/images/build.sh: osmo-tui/base:amd64, osmo-tui/base:arm64 and the
# manifest list osmo-tui/base:multi of both. Runs after docker.sh (scripts/test.sh runs the
# services in alphabetical order), with no stdin; needs no root, only the Docker engine.
# A warm run (built, running, images pushed) takes about a second.
# Fails loudly (message + the tail of the registry's log, exit 1).
# Env: OSMO_TUI_SKIP_REGISTRY=1 skips (the registry tests then skip locally, fail under CI=true);
# OSMO_TUI_REGISTRY_ADDR, OSMO_TUI_REGISTRY_CACHE, REGISTRY_VERSION (see scripts/registry/versions.sh).
# `registry.sh stop` stops a registry this script started.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -n ${OSMO_TUI_SKIP_REGISTRY:-} ]]; then echo "[registry.sh] skipped (OSMO_TUI_SKIP_REGISTRY)"; exit 0; fi
# shellcheck source=../registry/versions.sh
source scripts/registry/versions.sh

MODULE=github.com/distribution/distribution/v3
LOG=$REGISTRY_RUN/registry.log
PIDFILE=$REGISTRY_RUN/registry.pid
CONFIG=$REGISTRY_RUN/config.yml
STAMP=$REGISTRY_DATA/osmo-tui-pushed # the local image ids last pushed, one line
REPO=osmo-tui/base
ACCEPT="application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json"
ACCEPT+=",application/vnd.docker.distribution.manifest.list.v2+json"
ACCEPT+=",application/vnd.docker.distribution.manifest.v2+json"

SHOW_LOG=0 # set once the registry is being started: its log then explains a failure
log() { echo "[registry.sh] $*"; }
die() {
  echo "[registry.sh] ERROR: $*" >&2
  if [[ $SHOW_LOG == 1 && -f $LOG ]]; then
    echo "--- last lines of $LOG:" >&2
    tail -n 10 "$LOG" >&2
  fi
  exit 1
}

our_pid() { # the pid of the registry this script started (any cached version), if it still runs
  local pid exe
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  # shellcheck disable=SC2053 # a glob on purpose
  [[ $exe == "$REGISTRY_CACHE"/*/registry ]] && echo "$pid"
  return 0
}

stop() {
  local pid i
  pid=$(our_pid)
  [[ -n $pid ]] || return 0
  kill "$pid"
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$PIDFILE"
  log "stopped the registry (pid $pid)"
}

if [[ ${1:-} == stop ]]; then
  stop
  exit 0
fi

# /v2/ answers 200 with the distribution API header: a registry (ours or anyone's) serves ADDR.
api_up() {
  curl -s -o /dev/null -m 2 -D - "http://$REGISTRY_ADDR/v2/" 2>/dev/null |
    tr -d '\r' | grep -qi '^docker-distribution-api-version: registry/2.0'
}

build() {
  [[ -x $REGISTRY_BIN ]] && return 0
  command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
  command -v go >/dev/null || die "no go toolchain (expected /usr/local/go/bin/go)"
  local work start
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: work is local
  trap "chmod -R u+w '$work' 2>/dev/null; rm -rf '$work'" EXIT
  start=$(date +%s)
  log "building $MODULE/cmd/registry@v$REGISTRY_VERSION from the Go module proxy (once, ~2 min)"
  # `go install pkg@version` builds exactly the pinned release with its own go.sum; the
  # checksum database is used as configured (never disabled here).
  if ! (cd "$work" && CGO_ENABLED=0 GOBIN="$work/bin" GOFLAGS=-trimpath nice -n 10 go install \
    -ldflags "-s -w -X $MODULE/version.version=v$REGISTRY_VERSION" \
    "$MODULE/cmd/registry@v$REGISTRY_VERSION") >"$work/build.log" 2>&1; then
    tail -n 25 "$work/build.log" >&2
    die "go install $MODULE/cmd/registry@v$REGISTRY_VERSION failed"
  fi
  mkdir -p "$(dirname "$REGISTRY_BIN")"
  mv "$work/bin/registry" "$REGISTRY_BIN.tmp"
  mv "$REGISTRY_BIN.tmp" "$REGISTRY_BIN"
  log "built $REGISTRY_BIN in $(($(date +%s) - start)) s"
}

write_config() { # -> 0 when the config changed
  local new
  new=$(
    cat <<EOF
# Written by scripts/services/registry.sh; edits are overwritten.
version: 0.1
log:
  level: warn # errors only: every request is logged at info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REGISTRY_DATA
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
  secret: osmo-tui-local-registry
EOF
  )
  [[ -f $CONFIG && $(cat "$CONFIG") == "$new" ]] && return 1
  printf '%s\n' "$new" >"$CONFIG"
}

start() {
  mkdir -p "$REGISTRY_RUN" "$REGISTRY_DATA"
  SHOW_LOG=1
  local pid changed=0
  write_config && changed=1
  pid=$(our_pid)
  if [[ -n $pid ]] && [[ $changed == 1 || $(readlink "/proc/$pid/exe") != "$REGISTRY_BIN" ]]; then
    log "the configuration or the version changed; restarting"
    stop
    pid=""
  fi
  if api_up; then
    if [[ -n $pid ]]; then log "registry already running on $REGISTRY_ADDR (pid $pid)"; else
      log "a registry already answers on $REGISTRY_ADDR (not started by this script); using it"
    fi
    return 0
  fi
  [[ -n $pid ]] && die "the registry (pid $pid) runs but http://$REGISTRY_ADDR/v2/ does not answer"
  if curl -s -o /dev/null -m 2 "http://$REGISTRY_ADDR/" 2>/dev/null; then
    die "$REGISTRY_ADDR is taken by something that is not a registry; set OSMO_TUI_REGISTRY_ADDR"
  fi
  log "starting $REGISTRY_BIN on $REGISTRY_ADDR; log: $LOG"
  # No tracing exporter: OpenTelemetry's default would try to send spans to localhost:4318.
  OTEL_TRACES_EXPORTER=none setsid nohup "$REGISTRY_BIN" serve "$CONFIG" >>"$LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDFILE"
  local i
  for ((i = 0; i < 200; i++)); do
    api_up && {
      log "registry is up (pid $pid)"
      return 0
    }
    kill -0 "$pid" 2>/dev/null || die "the registry exited at start"
    sleep 0.1
  done
  die "http://$REGISTRY_ADDR/v2/ did not answer within 20 s"
}

has_tag() { # tag -> 0 when the registry serves a manifest for $REPO:tag
  curl -sf -o /dev/null -m 5 -I -H "Accept: $ACCEPT" "http://$REGISTRY_ADDR/v2/$REPO/manifests/$1"
}

push_images() {
  docker info >/dev/null 2>&1 || die "the Docker engine is not running (run scripts/services/docker.sh)"
  local ids arch
  ids=$(docker image inspect --format '{{.Id}}' "$REPO:amd64" "$REPO:arm64" 2>/dev/null | tr '\n' ' ') ||
    die "$REPO:amd64/arm64 are missing (run scripts/images/build.sh)"
  if [[ $(cat "$STAMP" 2>/dev/null) == "$ids" ]] && has_tag amd64 && has_tag arm64 && has_tag multi; then
    log "images up to date: $REGISTRY_ADDR/$REPO:{amd64,arm64,multi}"
    return 0
  fi
  for arch in amd64 arm64; do
    docker tag "$REPO:$arch" "$REGISTRY_ADDR/$REPO:$arch"
    docker push -q "$REGISTRY_ADDR/$REPO:$arch" >/dev/null || die "docker push $REGISTRY_ADDR/$REPO:$arch failed"
    # Only the registry keeps these names: a local tag would hide every pull in the tests.
    docker rmi "$REGISTRY_ADDR/$REPO:$arch" >/dev/null
  done
  # The manifest list; `docker manifest` keeps its scratch files under DOCKER_CONFIG, so a
  # private one leaves the user's ~/.docker alone.
  local list=$REGISTRY_ADDR/$REPO:multi
  export DOCKER_CONFIG=$REGISTRY_RUN/docker-config
  docker manifest create --insecure --amend "$list" \
    "$REGISTRY_ADDR/$REPO:amd64" "$REGISTRY_ADDR/$REPO:arm64" >/dev/null ||
    die "docker manifest create $list failed"
  docker manifest push --insecure --purge "$list" >/dev/null || die "docker manifest push $list failed"
  unset DOCKER_CONFIG
  echo "$ids" >"$STAMP"
  log "pushed $REGISTRY_ADDR/$REPO:amd64, :arm64 and the manifest list :multi"
}

if ! command -v curl >/dev/null; then
  # A fresh machine may lack it; CI runs as root with apt reachable.
  [[ $(id -u) == 0 ]] || die "curl is needed (apt-get install curl)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
fi
build
start
push_images
log "ready: http://$REGISTRY_ADDR"
