#!/usr/bin/env bash
# Installs the Debian packages Sextant needs to build and test, and only those missing.
# Idempotent; prints nothing when there is nothing to do.
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --test   build + test dependencies (interop peers)
set -euo pipefail

build_packages=(pkg-config libzstd-dev libsnappy-dev libsqlite3-dev zlib1g-dev)
test_packages=(prometheus prometheus-node-exporter prometheus-alertmanager)

if [[ "${1:-}" == "--test" ]]; then
  build_packages+=("${test_packages[@]}")
fi

if ! command -v swift >/dev/null 2>&1; then
  if [[ -x /opt/swift/usr/bin/swift ]]; then
    echo "install-deps: swift is at /opt/swift/usr/bin but not on PATH; add it: export PATH=/opt/swift/usr/bin:\$PATH" >&2
  else
    echo "install-deps: no Swift toolchain found; Sextant needs Swift 6.1 or newer (swift.org/install)" >&2
  fi
  exit 1
fi

missing=()
for pkg in "${build_packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

# Python packages the tests talk to: aiosmtpd is the real SMTP server for email receivers.
if [[ "${1:-}" == "--test" ]] && command -v python3 >/dev/null 2>&1 && ! python3 -c "import aiosmtpd" 2>/dev/null; then
  echo "install-deps: installing aiosmtpd (pip)"
  python3 -m pip install --quiet --disable-pip-version-check aiosmtpd >/dev/null 2>&1 \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages aiosmtpd >/dev/null \
    || echo "install-deps: could not install aiosmtpd; the email tests will be skipped" >&2
fi

[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
