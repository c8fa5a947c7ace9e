#!/usr/bin/env bash
# The Docker engine the `--backend docker` tests run against, from nothing, idempotently:
# Debian's docker.io, qemu binfmt for arm64 (usable inside containers), dockerd in the background,
# and the local stand-in images (scripts/images/build.sh). Runs as root with no stdin.
# Fails loudly (message + the tail of dockerd's log, exit 1) when the engine cannot be started.
# Env: OSMO_TUI_DOCKERD_LOG (default /var/log/osmo-tui-dockerd.log), OSMO_TUI_SKIP_APT=1 to
# skip package installation (e.g. a developer machine with Docker already set up),
# OSMO_TUI_DOCKER_SOCK / OSMO_TUI_DOCKER_PIDFILE (defaults /var/run/docker.{sock,pid}; the tests
# point them elsewhere to check the failure path without touching the real engine).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
LOG="${OSMO_TUI_DOCKERD_LOG:-/var/log/osmo-tui-dockerd.log}"
SOCK="${OSMO_TUI_DOCKER_SOCK:-/var/run/docker.sock}"
PIDFILE="${OSMO_TUI_DOCKER_PIDFILE:-/var/run/docker.pid}"
[ -n "${OSMO_TUI_DOCKER_SOCK:-}" ] && export DOCKER_HOST="unix://$SOCK"
export DEBIAN_FRONTEND=noninteractive

log() { echo "[docker.sh] $*"; }
die() {
  echo "[docker.sh] ERROR: $*" >&2
  [ -f "$LOG" ] && { echo "--- last lines of $LOG:" >&2; tail -n 25 "$LOG" >&2; }
  exit 1
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

install_packages() {
  [ "${OSMO_TUI_SKIP_APT:-0}" = 1 ] && return 0
  local need=() pkg
  for pkg in docker.io containerd runc tini iptables qemu-user-static binfmt-support \
    busybox-static bash-static; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  # arm64 .debs of busybox/bash are downloaded (never installed) by the image build.
  local arch_added=0
  dpkg --print-foreign-architectures | grep -qx arm64 || {
    as_root dpkg --add-architecture arm64
    arch_added=1
  }
  if [ "${#need[@]}" -gt 0 ] || [ "$arch_added" = 1 ] ||
    ! apt-cache show busybox-static:arm64 >/dev/null 2>&1; then
    log "apt-get install ${need[*]:-(index update only)}"
    as_root apt-get update -q >/dev/null || die "apt-get update failed"
    if [ "${#need[@]}" -gt 0 ]; then
      as_root apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null ||
        die "apt-get install ${need[*]} failed"
    fi
  fi
}

setup_binfmt() {
  # Containers only see a binfmt interpreter registered with the F (fix-binary) flag: the
  # kernel opens qemu at registration time instead of looking it up in the container's rootfs.
  local entry=/proc/sys/fs/binfmt_misc/qemu-aarch64
  [ "$(uname -m)" = aarch64 ] && entry=/proc/sys/fs/binfmt_misc/qemu-x86_64
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    as_root mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
      die "cannot mount binfmt_misc (needed to run arm64 images through qemu)"
  fi
  if [ ! -e "$entry" ]; then
    as_root update-binfmts --enable "$(basename "$entry")" >/dev/null 2>&1 ||
      as_root update-binfmts --import "$(basename "$entry")" >/dev/null 2>&1 || true
  fi
  [ -e "$entry" ] || die "$entry is missing after update-binfmts (qemu-user-static installed?)"
  grep -q '^enabled' "$entry" || echo 1 | as_root tee "$entry" >/dev/null
  if ! grep -q '^flags:.*F' "$entry"; then
    # Registered by someone else without F: re-register from Debian's definition (fix_binary yes).
    echo -1 | as_root tee "$entry" >/dev/null
    as_root update-binfmts --enable "$(basename "$entry")" >/dev/null 2>&1 || true
    grep -qs '^flags:.*F' "$entry" || die "$entry lacks the F flag; emulation would fail in containers"
  fi
  log "binfmt: $(basename "$entry") $(grep '^flags' "$entry")"
}

engine_up() { docker info >/dev/null 2>&1; }

wait_engine() { # seconds pid -> 0 when the engine answers, 1 when it died or timed out
  local i
  for ((i = 0; i < $1 * 4; i++)); do
    engine_up && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.25
  done
  return 1
}

start_dockerd() {
  engine_up && {
    log "dockerd already running"
    return 0
  }
  command -v dockerd >/dev/null || die "dockerd not found (install docker.io)"
  local attempt pid old
  # A dockerd that is alive but not answering (still starting, or DOCKER_HOST points elsewhere)
  # is waited for, never replaced: removing its socket would break it for everyone.
  old=$(cat "$PIDFILE" 2>/dev/null || true)
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
    log "dockerd (pid $old) runs but does not answer yet (starting or shutting down); waiting"
    wait_engine 60 "$old" && return 0
    kill -0 "$old" 2>/dev/null &&
      die "dockerd (pid $old) runs but does not answer on ${DOCKER_HOST:-unix://$SOCK}"
    log "dockerd (pid $old) exited; starting a new one"
  fi
  # Each attempt relaxes one thing this host may not support: overlayfs (nested sandboxes),
  # then iptables (no netfilter); user-defined networks keep their embedded DNS either way.
  for attempt in "" "--storage-driver=vfs" "--storage-driver=vfs --iptables=false --ip-masq=false"; do
    as_root rm -f "$SOCK" "$PIDFILE"
    log "starting dockerd ${attempt:-(defaults)}; log: $LOG"
    # shellcheck disable=SC2086  # attempt is a list of flags
    setsid nohup dockerd -H "unix://$SOCK" --pidfile "$PIDFILE" $attempt >>"$LOG" 2>&1 </dev/null &
    pid=$!
    if wait_engine 60 "$pid"; then
      log "dockerd is up (pid $pid)"
      return 0
    fi
    kill "$pid" 2>/dev/null || true
    sleep 1
  done
  die "dockerd did not start (tried overlay2, vfs, vfs without iptables)"
}

check_network_dns() {
  # A per-run network with name resolution between containers is what {{host:<task>}} needs.
  local net="osmo-tui-selftest-$$" ok=0
  docker network create --label org.osmo-tui.selftest=1 "$net" >/dev/null
  docker run -d --rm --network "$net" --name "$net-srv" busybox:latest \
    sh -c 'echo pong | nc -w 10 -l -p 7777' >/dev/null
  if docker run --rm --network "$net" busybox:latest \
    sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do nc -w 2 $net-srv 7777 </dev/null && exit 0; sleep 0.3; done; exit 1" |
    grep -q pong; then ok=1; fi
  docker rm -f "$net-srv" >/dev/null 2>&1 || true
  docker network rm "$net" >/dev/null 2>&1 || true
  [ "$ok" = 1 ] || die "containers on a user-defined network cannot reach each other by name"
  log "per-run network DNS works"
}

check_arm64() {
  local got
  got=$(docker run --rm --platform linux/arm64 osmo-tui/base:arm64 uname -m 2>&1) || true
  [ "$got" = aarch64 ] || die "arm64 container printed '$got' instead of aarch64"
  log "linux/arm64 through qemu works"
}

install_packages
setup_binfmt
start_dockerd
bash "$HERE/../images/build.sh" 2> >(grep -v -e DEPRECATED -e 'BuildKit is currently' -e 'environment-variable' -e '^ *$' >&2)
check_network_dns
check_arm64
log "ready"
