#!/usr/bin/env bash
# Installs what the registry integration tests drive: real clients and Debian's docker-registry
# (apt), wrk for tests/bench/registry_vs_distribution.sh, gdb for the stacks of a wharfd that does
# not stop, and pytest, requests and cryptography
# (pip). Idempotent: skips what is already present. Run as root.
set -euo pipefail

packages=(skopeo umoci podman buildah docker.io docker-registry apache2-utils uidmap fuse-overlayfs wrk gdb)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -qq update
  # --no-install-recommends keeps the image small; docker.io's daemon is started by the tests only.
  apt-get -qq install -y --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts docker-registry as a service on install: the tests run their own.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now docker-registry 2>/dev/null || true; fi
fi

python="${WHARF_PYTHON:-python3}"
if ! "$python" -c 'import pytest, requests, cryptography' 2>/dev/null; then
  "$python" -m pip install -q pytest requests cryptography 2>/dev/null ||
    "$python" -m pip install -q --break-system-packages pytest requests cryptography
fi
