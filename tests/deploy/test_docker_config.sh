#!/usr/bin/env bash
# The container images' default registry configuration passes `wharfd check-config` (paths moved
# into a temporary directory), and every file the Dockerfiles COPY exists. The images themselves
# are not built here (no Docker engine).
#   test_docker_config.sh WHARFD
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
wharfd=${1:?usage: test_docker_config.sh WHARFD}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
plugins=$(dirname "$wharfd")/../lib/wharf/plugins
[[ -f "$plugins/libwharf-registry.so" ]] || skip "the registry plugin is not built"
sed "s|/var/lib/|$tmp/|g" "$repo/packaging/docker/registry.ini" >"$tmp/registry.ini"
"$wharfd" check-config "$tmp/registry.ini" || fail "packaging/docker/registry.ini"
pass "packaging/docker/registry.ini passes check-config"
for df in "$repo/packaging/docker/Dockerfile" "$repo/packaging/docker/Dockerfile.cuda"; do
  while read -r src; do
    [[ -e "$repo/$src" ]] || fail "$(basename "$df") copies $src, which does not exist"
  done < <(sed -n 's/^COPY \([^-][^ ]*\) .*/\1/p' "$df" | grep -v '^\.$')
  for directive in '^HEALTHCHECK' '^USER 10001' '^EXPOSE' '^ENTRYPOINT'; do
    grep -q "$directive" "$df" || fail "$(basename "$df") has no ${directive#^}"
  done
done
pass "Dockerfile and Dockerfile.cuda copy existing files; HEALTHCHECK, non-root USER, EXPOSE"
