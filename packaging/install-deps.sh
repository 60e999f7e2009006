#!/usr/bin/env bash
# Installs what building and running Wharf needs on Debian 12, quietly and idempotently.
#   packaging/install-deps.sh          build + runtime dependencies
#   packaging/install-deps.sh --test   also what the test suite needs
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates unzip
  libpoco-dev prometheus-cpp-dev libboost-dev libboost-filesystem-dev libssl-dev libsystemd-dev
  libcrypt-dev nlohmann-json3-dev python3 python3-venv python3-pip
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(libgtest-dev libgmock-dev wrk clang-format)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
