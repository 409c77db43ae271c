#!/usr/bin/env bash
# Build upstream cnitool 1.1.2 offline from Debian's source package
# golang-github-appc-cni and install it at <repo>/.tools/bin/cnitool.
# Idempotent: skips everything when a working binary is already there.
# Needs root (apt), golang-go, golang-github-appc-cni-dev, dpkg-dev.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST_DIR="$REPO_ROOT/.tools/bin"
DEST="$DEST_DIR/cnitool"
SRC_LIST=/etc/apt/sources.list.d/cni-ts-src.sources
export DEBIAN_FRONTEND=noninteractive

log() { printf 'cnitool.sh: %s\n' "$*" >&2; }

# cnitool with no arguments prints usage and exits 1; anything else
# (missing, not executable, crashes) means "rebuild".
cnitool_works() {
  [ -x "$DEST" ] || return 1
  local out rc=0
  out="$("$DEST" </dev/null 2>&1)" || rc=$?
  [ "$rc" -eq 1 ] && grep -q 'cnitool' <<<"$out"
}

if cnitool_works; then
  log "already built: $DEST"
  exit 0
fi

# 1. deb-src entry, mirroring the deb entries in debian.sources (same
#    URIs/suites/keyring) so `apt-get source` can find the package.
if ! grep -rqsE '^[[:space:]]*Types:.*deb-src' /etc/apt/sources.list.d/ \
   && ! grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list; then
  log "adding $SRC_LIST"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    # Rewrite only the Types: lines; every other field is kept verbatim.
    sed -E 's/^([[:space:]]*Types:).*/\1 deb-src/' \
      /etc/apt/sources.list.d/debian.sources >"$SRC_LIST.tmp"
  else
    cat >"$SRC_LIST.tmp" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  mv "$SRC_LIST.tmp" "$SRC_LIST"
  NEED_UPDATE=1
else
  NEED_UPDATE=0
fi

# apt-get source needs the Sources index; refresh if we just added the
# entry or if no Sources list has been downloaded yet.
if [ "$NEED_UPDATE" = 1 ] || ! ls /var/lib/apt/lists/*_Sources* >/dev/null 2>&1; then
  log "apt-get update"
  apt-get update -qq
fi

# dpkg-source (from dpkg-dev) unpacks the source package; go builds it.
missing=()
command -v dpkg-source >/dev/null || missing+=(dpkg-dev)
command -v go >/dev/null || missing+=(golang-go)
[ -d /usr/share/gocode/src/github.com/containernetworking/cni ] || missing+=(golang-github-appc-cni-dev)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

WORK="$(mktemp -d /tmp/cni-ts-cnitool.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
# apt downloads as the unprivileged _apt user; let it write here (else it
# warns and falls back to downloading as root).
if id _apt >/dev/null 2>&1; then chown _apt "$WORK"; fi

# Same source version as the installed -dev package (1.1.2-1 on bookworm),
# so cnitool and the libcni it is built against match.
VER="$(dpkg-query -W -f='${Version}' golang-github-appc-cni-dev 2>/dev/null || true)"
SRC_PKG="golang-github-appc-cni${VER:+=$VER}"
log "apt-get source $SRC_PKG"
# --download-only + dpkg-source -x keeps us independent of the unpack dir name.
( cd "$WORK" && apt-get source -qq --download-only "$SRC_PKG" )
DSC="$(ls "$WORK"/golang-github-appc-cni_*.dsc | head -n1)"
dpkg-source --no-check -x "$DSC" "$WORK/src-pkg" >/dev/null

# 2. GOPATH layout: put the package's own tree first so cnitool builds
#    against the libcni of the same release; /usr/share/gocode supplies
#    any other dependency from Debian's -dev packages. No network.
GOPATH_DIR="$WORK/gopath"
mkdir -p "$GOPATH_DIR/src/github.com/containernetworking"
cp -a "$WORK/src-pkg" "$GOPATH_DIR/src/github.com/containernetworking/cni"

log "go build (GOPATH mode, offline)"
mkdir -p "$DEST_DIR"
(
  cd "$GOPATH_DIR/src/github.com/containernetworking/cni/cnitool"
  env GO111MODULE=off \
      GOPATH="$GOPATH_DIR:/usr/share/gocode" \
      GOPROXY=off GOFLAGS= \
      GOCACHE="$WORK/gocache" CGO_ENABLED=0 \
      go build -o "$DEST.tmp" .
)
mv "$DEST.tmp" "$DEST"

if ! cnitool_works; then
  log "built binary does not behave like cnitool (expected usage + exit 1)"
  exit 1
fi
log "installed $DEST"
