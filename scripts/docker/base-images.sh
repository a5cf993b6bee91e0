#!/bin/sh
# Makes the upstream-named base images Skiff's Dockerfiles start FROM, on a machine that cannot reach
# any registry: debian:bookworm-slim (debootstrap --variant=minbase, slimmed), node:20-bookworm-slim
# (that + this machine's Node 20 binary and npm) and python:3-slim-bookworm (that + Debian's python3 and pip).
# Idempotent: an image that exists is kept (SKIFF_BASE_REBUILD=1 remakes them). The debootstrap
# root file systems are cached as tarballs in SKIFF_IMAGE_CACHE, so a machine that lost its images
# (docker system prune, a new data-root) gets them back in seconds, without the network.
set -eu

CACHE=${SKIFF_IMAGE_CACHE:-/var/cache/skiff-images}
MIRROR=${SKIFF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
NODE_BIN=${SKIFF_NODE_BIN:-$(command -v node || true)}
SUITE=bookworm
DEBIAN_IMAGE=debian:bookworm-slim
NODE_IMAGE=node:20-bookworm-slim
PYTHON_IMAGE=python:3-slim-bookworm

log() { echo "base-images: $*" >&2; }
have() { [ "${SKIFF_BASE_REBUILD:-}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }
need_root() { [ "$(id -u)" = 0 ] || { log "debootstrap needs root (run as root, or load the images another way)"; exit 1; }; }

# Drops what a container never needs, as the upstream slim images do (docs, man pages, locales, apt lists).
slim() {
  root=$1
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
    "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log \
    "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
  # The apt settings of the upstream Debian images: no recommends, no caches left behind in layers.
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root"/etc/apt/apt.conf.d/00skiff-slim
  printf 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };\n' \
    >"$root"/etc/apt/apt.conf.d/docker-clean
  : >"$root"/etc/hostname
  rm -f "$root"/etc/resolv.conf
}

# Writes a root file system tarball atomically (a killed run leaves no half tarball in the cache).
pack() {
  root=$1 out=$2
  tar --numeric-owner -C "$root" -cf "$out.partial" . && mv "$out.partial" "$out"
}

# $CACHE/debian-bookworm-minbase.tar: debootstrap once per machine.
debian_rootfs() {
  out="$CACHE/debian-$SUITE-minbase.tar"
  [ -s "$out" ] && return 0
  need_root
  log "debootstrap --variant=minbase $SUITE from $MIRROR (once; cached in $out)"
  dir=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  debootstrap --variant=minbase "$SUITE" "$dir" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 || {
    log "debootstrap failed, see $CACHE/debootstrap.log"
    rm -rf "$dir"
    exit 1
  }
  slim "$dir"
  pack "$dir" "$out"
  rm -rf "$dir"
}

# $CACHE/python3-pip-bookworm.tar: the Debian root plus python3 and pip, installed in a chroot.
python_rootfs() {
  out="$CACHE/python3-pip-$SUITE.tar"
  [ -s "$out" ] && return 0
  need_root
  log "adding python3 and pip to the Debian root (once; cached in $out)"
  dir=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  tar -C "$dir" -xf "$CACHE/debian-$SUITE-minbase.tar"
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" >"$dir/etc/apt/sources.list"
  if ! chroot "$dir" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip' \
    >"$CACHE/python3.log" 2>&1; then
    log "installing python3 failed, see $CACHE/python3.log"
    rm -rf "$dir"
    exit 1
  fi
  slim "$dir"
  pack "$dir" "$out"
  rm -rf "$dir"
}

# The Dockerfile of node:20-bookworm-slim: the node user (uid 1000) as upstream, node + npm in /usr/local.
node_image() {
  [ -n "$NODE_BIN" ] || { log "no node binary found (set SKIFF_NODE_BIN)"; exit 1; }
  version=$("$NODE_BIN" --version)
  case "$version" in v20.*) ;; *) log "$NODE_BIN is $version, not Node 20 (set SKIFF_NODE_BIN)"; exit 1 ;; esac
  npm_dir=$(dirname "$(readlink -f "$NODE_BIN")")/../lib/node_modules/npm
  ctx=$(mktemp -d)
  cp "$(readlink -f "$NODE_BIN")" "$ctx/node"
  if [ -d "$npm_dir" ]; then cp -a "$npm_dir" "$ctx/npm"; else mkdir "$ctx/npm"; fi
  cat >"$ctx/Dockerfile" <<EOF
FROM $DEBIAN_IMAGE
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN if [ -f /usr/local/lib/node_modules/npm/bin/npm-cli.js ]; then \
      ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && \
      ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; fi && node --version
ENV NODE_VERSION=${version#v}
LABEL org.skiff.base="made by scripts/docker/base-images.sh from this machine's node $version"
CMD ["node"]
EOF
  log "building $NODE_IMAGE (node $version from $NODE_BIN)"
  DOCKER_BUILDKIT=0 docker build -q -t "$NODE_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
}

mkdir -p "$CACHE"
if ! have "$DEBIAN_IMAGE"; then
  debian_rootfs
  log "importing $DEBIAN_IMAGE"
  docker import --change 'CMD ["bash"]' --message "debootstrap --variant=minbase $SUITE (scripts/docker/base-images.sh)" \
    "$CACHE/debian-$SUITE-minbase.tar" "$DEBIAN_IMAGE" >/dev/null
fi
have "$NODE_IMAGE" || node_image
if [ "${SKIFF_BASE_PYTHON:-1}" = 1 ] && ! have "$PYTHON_IMAGE"; then
  debian_rootfs
  python_rootfs
  log "importing $PYTHON_IMAGE"
  docker import --change 'CMD ["python3"]' --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' --message "$SUITE minbase + python3, pip (scripts/docker/base-images.sh)" \
    "$CACHE/python3-pip-$SUITE.tar" "$PYTHON_IMAGE" >/dev/null
fi
log "ready: $DEBIAN_IMAGE $NODE_IMAGE$([ "${SKIFF_BASE_PYTHON:-1}" = 1 ] && echo " $PYTHON_IMAGE")"
