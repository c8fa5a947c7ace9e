#!/usr/bin/env bash
# Build the local stand-in images (amd64 + arm64) from Debian's static busybox and bash, and tag
# them with the names the examples and cookbook tutorials use. No image is ever pulled: the
# images are FROM scratch. Idempotent: skips the build when every tag carries the current stamp.
# Needs: a running dockerd, apt with the arm64 architecture added (scripts/services/docker.sh).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${OSMO_TUI_IMAGE_CACHE:-/var/cache/osmo-tui/images}"
export DOCKER_BUILDKIT=0 # the classic builder ships with the engine; buildx may not exist

# Tags served by each architecture's image. Only tags that are missing or ours are (re)written:
# a developer's genuine ubuntu:24.04 is never overwritten.
AMD64_TAGS=(
  osmo-tui/base:amd64 osmo-tui/busybox:amd64
  ubuntu:24.04 ubuntu:22.04 ubuntu:latest
  alpine:3.18 alpine:3.20 alpine:latest
  busybox:latest busybox:1.36
  bash:5 bash:latest
  debian:bookworm debian:bookworm-slim
)
ARM64_TAGS=(
  osmo-tui/base:arm64 osmo-tui/busybox:arm64
  arm64v8/ubuntu:24.04 arm64v8/ubuntu:22.04
  arm64v8/alpine:3.18 arm64v8/busybox:latest arm64v8/bash:5
)
PACKAGES=(busybox-static bash-static)

log() { echo "[images] $*"; }
die() {
  echo "[images] ERROR: $*" >&2
  exit 1
}

image_label() { # image label -> value ('' when image or label is missing)
  docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

fetch_debs() { # arch -> the .deb files of PACKAGES for that arch, downloaded once into CACHE
  local arch=$1 dir="$CACHE/debs/$1"
  mkdir -p "$dir"
  if ! ls "$dir"/busybox-static_*.deb "$dir"/bash-static_*.deb >/dev/null 2>&1; then
    log "downloading ${PACKAGES[*]} for $arch"
    chmod 777 "$dir" # apt's sandbox user must be able to write here
    (cd "$dir" && apt-get download -q "${PACKAGES[@]/%/:$arch}" >/dev/null) ||
      die "apt-get download ${PACKAGES[*]} for $arch failed (is 'dpkg --add-architecture $arch' done and apt updated?)"
  fi
}

make_rootfs() { # arch -> builds $CACHE/ctx-<arch>/rootfs
  local arch=$1 ctx="$CACHE/ctx-$1" deb
  rm -rf "$ctx" && mkdir -p "$ctx/extract" "$ctx/rootfs"
  for deb in "$CACHE/debs/$arch"/*.deb; do dpkg-deb -x "$deb" "$ctx/extract"; done
  local root="$ctx/rootfs"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,root,home,tmp,var/tmp,proc,sys,dev,run}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  install -m 0755 "$ctx/extract/bin/busybox" "$root/bin/busybox"
  install -m 0755 "$ctx/extract/bin/bash-static" "$root/bin/bash"
  ln -s /bin/bash "$root/usr/bin/bash"
  # The applet list is the same for both arches (same Debian build); the host's busybox lists it.
  local applet
  while read -r applet; do
    [ -e "$root/$applet" ] || [ -L "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
  done < <("$CACHE/ctx-amd64/extract/bin/busybox" --list-full)
  printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  printf 'NAME="osmo-tui stand-in"\nID=osmo-tui\nPRETTY_NAME="osmo-tui busybox+bash stand-in (%s)"\n' \
    "$arch" >"$root/etc/os-release"
  cp "$HERE/Dockerfile" "$ctx/Dockerfile"
}

build_arch() { # arch stamp variant-label...
  local arch=$1 stamp=$2
  shift 2
  make_rootfs "$arch"
  log "building osmo-tui/base:$arch (linux/$arch)"
  docker build -q --platform "linux/$arch" \
    --label "org.osmo-tui.build=$stamp" --label "org.osmo-tui.stand-in=true" "$@" \
    -t "osmo-tui/base:$arch" "$CACHE/ctx-$arch" >/dev/null ||
    die "docker build for linux/$arch failed"
  local got
  got=$(docker image inspect --format '{{.Architecture}}' "osmo-tui/base:$arch")
  [ "$got" = "$arch" ] || die "osmo-tui/base:$arch has architecture '$got', expected $arch"
}

tag_all() { # source tag...
  local src=$1 tag
  shift
  for tag in "$@"; do
    [ "$tag" = "$src" ] && continue
    if docker image inspect "$tag" >/dev/null 2>&1 && [ -z "$(image_label "$tag" org.osmo-tui.stand-in)" ]; then
      log "keeping the existing (genuine) image $tag"
      continue
    fi
    docker tag "$src" "$tag"
  done
}

main() {
  # make_rootfs deletes and recreates $CACHE/ctx-<arch>: only ever under an absolute, real dir.
  case "$CACHE" in
  /?*) ;;
  *) die "OSMO_TUI_IMAGE_CACHE must be an absolute path, not '$CACHE'" ;;
  esac
  docker info >/dev/null 2>&1 || die "the Docker engine is not running"
  mkdir -p "$CACHE"
  fetch_debs amd64
  fetch_debs arm64
  local stamp
  stamp=$(cat "$HERE/Dockerfile" "$HERE/build.sh" <(ls "$CACHE"/debs/*/) | sha256sum | cut -c1-16)
  local tag fresh=1
  for tag in "${AMD64_TAGS[@]}" "${ARM64_TAGS[@]}"; do
    local have
    have=$(image_label "$tag" org.osmo-tui.build)
    if [ "$have" != "$stamp" ] && { [ -n "$have" ] || ! docker image inspect "$tag" >/dev/null 2>&1; }; then
      fresh=0
    fi
  done
  if [ "$fresh" = 1 ]; then
    log "images up to date (stamp $stamp)"
    return 0
  fi
  # amd64 first: its busybox lists the applets for both rootfs trees.
  # Each image names its other-arch sibling so the backend can pick the right one for a
  # task's platform (the classic engine keeps one architecture per tag).
  build_arch amd64 "$stamp" --label "org.osmo-tui.variant.arm64=osmo-tui/base:arm64"
  build_arch arm64 "$stamp" --label "org.osmo-tui.variant.amd64=osmo-tui/base:amd64"
  tag_all osmo-tui/base:amd64 "${AMD64_TAGS[@]}"
  tag_all osmo-tui/base:arm64 "${ARM64_TAGS[@]}"
  docker image prune -f --filter "label=org.osmo-tui.stand-in=true" >/dev/null || true
  log "built and tagged: ${AMD64_TAGS[*]} (amd64); ${ARM64_TAGS[*]} (arm64)"
}

main "$@"
