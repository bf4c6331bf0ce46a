#!/usr/bin/env bash
# Installs what volmacht needs to build, test and run, on Debian 12 as root. Idempotent: asks
# apt-get only for packages that are missing, so a second run is quick and offline-safe.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates openssl
  clang-14 libclang-rt-14-dev
  libboost1.81-dev libboost-url1.81-dev libboost-json1.81-dev
  libssl-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libcli11-dev libhpdf-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  poppler-utils nginx-light wrk
  liblasso3-dev xmlsec1 libxmlsec1-dev libxml2-dev libglib2.0-dev python3-pysaml2 python3-lasso
  chromium python3-requests
)
# Node.js and npm (test tooling only): this machine kind ships its own; take Debian's only
# when there is none (Debian's npm conflicts with a separately installed Node.js).
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test tooling from npm (spectral, playwright-core, openid-client), pinned by
# package-lock.json; installed again whenever the lock file changed since the last install.
if [ -f package-lock.json ]; then
  lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -d node_modules ] || [ "$(cat node_modules/.volmacht-lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
    npm ci --no-audit --no-fund --loglevel=error
    echo "$lock_sum" > node_modules/.volmacht-lock-sha256
  fi
fi
