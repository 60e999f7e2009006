#!/usr/bin/env bash
# Installs what the deployment tests (ctest -L deploy) need, from Debian, quietly and
# idempotently: Ansible and ansible-lint, the Python libraries the roles use on the target
# (passlib + bcrypt for htpasswd, cryptography for the certificate), nftables (`nft -c`),
# skopeo (push/pull), shellcheck and curl. Run as root.
set -euo pipefail

packages=(ansible ansible-lint python3-passlib python3-bcrypt python3-cryptography nftables
          skopeo shellcheck curl ca-certificates)
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
