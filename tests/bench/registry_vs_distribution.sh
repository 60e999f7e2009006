#!/usr/bin/env bash
# Runs the same load against wharfd (registry over storage-fs) and Debian's docker-registry
# (distribution 2.8, filesystem driver), both on loopback with storage in a temp dir, and prints
# each figure with the ratio wharf/distribution:
#   monolithic blob push MB/s, chunked push MB/s, blob pull MB/s, manifest GET req/s and p99
#   (wrk, 64 connections), small blob GET req/s and p99, skopeo image push and pull seconds.
#
# Usage: tests/bench/registry_vs_distribution.sh [BUILD_DIR]
# Env:   BLOB_MB (512), CHUNK_MB (16), WRK_SECONDS (10), WRK_CONNECTIONS (64), FSYNC (true),
#        DIRECT_IO (true: storage-fs writes what blobs hold beyond 64 MiB with O_DIRECT),
#        CACHE (1: storage-cache, 64 MiB, between the registry and storage-fs, as config/registry.ini
#        has it; 0: the registry on storage-fs alone)
# Needs: curl, wrk, skopeo, umoci, docker-registry, python3 (tests/integration/install-deps.sh
# installs the clients; wrk comes from Debian's wrk package).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-$repo/build}
wharfd=${WHARFD:-$build/bin/wharfd}
plugins=${WHARF_PLUGIN_DIR:-$build/lib/wharf/plugins}
blob_mb=${BLOB_MB:-512}
chunk_mb=${CHUNK_MB:-16}
wrk_s=${WRK_SECONDS:-10}
wrk_c=${WRK_CONNECTIONS:-64}
fsync=${FSYNC:-true}
direct_io=${DIRECT_IO:-true}
cache=${CACHE:-1}

for tool in curl wrk skopeo umoci docker-registry python3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
[ -x "$wharfd" ] || { echo "no wharfd at $wharfd (pass the build dir)" >&2; exit 2; }

work=$(mktemp -d /tmp/wharf-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
mbps() { python3 -c "print(f'{$1/1048576/($3-$2):.0f}')"; }

wait_up() {
  for _ in $(seq 1 200); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "server at $1 did not come up" >&2
  exit 1
}

start_wharfd() {
  local port=$1 dir=$work/wharf
  mkdir -p "$dir"
  local mport aport
  mport=$(free_port)
  aport=$(free_port)
  cat >"$dir/wharf.ini" <<INI
[host]
plugin_path = $plugins
data_dir = $dir/data
log_level = warning
metrics_listener = metrics
admin_listener = admin
[listener.api]
bind = 127.0.0.1:$port
max_threads = 128
[listener.metrics]
bind = 127.0.0.1:$mport
[listener.admin]
bind = 127.0.0.1:$aport
[plugin.fs]
module = storage-fs
root = $dir/storage
fsync = $fsync
direct_io = $direct_io
[plugin.cache]
module = storage-cache
backend = fs
max_bytes = 64M
[plugin.registry]
module = registry
listener = api
storage = $([[ $cache == 1 ]] && echo cache || echo fs)
INI
  "$wharfd" --config "$dir/wharf.ini" >"$dir/log" 2>&1 &
  pids+=($!)
  wait_up "http://127.0.0.1:$port/v2/"
}

start_distribution() {
  local port=$1 dir=$work/distribution
  mkdir -p "$dir"
  cat >"$dir/config.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
http:
  addr: 127.0.0.1:$port
YML
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  pids+=($!)
  wait_up "http://127.0.0.1:$port/v2/"
}

# --- test data -------------------------------------------------------------------------------
big=$work/big.bin
head -c $((blob_mb * 1048576)) /dev/urandom >"$big"
big_digest=sha256:$(sha256sum "$big" | cut -d' ' -f1)
small=$work/small.bin
head -c 1024 /dev/urandom >"$small"
small_digest=sha256:$(sha256sum "$small" | cut -d' ' -f1)
split -b $((chunk_mb * 1048576)) -d -a 4 "$big" "$work/chunk."
layout=$work/layout
umoci init --layout "$layout" >/dev/null
umoci new --image "$layout:v1" >/dev/null
umoci unpack --rootless --image "$layout:v1" "$work/bundle" >/dev/null
for i in 1 2 3; do head -c $((32 * 1048576)) /dev/urandom >"$work/bundle/rootfs/file$i"; done
umoci repack --image "$layout:v1" "$work/bundle" >/dev/null
rm -rf "$work/bundle"

location() { grep -i '^location:' | tail -1 | tr -d '\r' | cut -d' ' -f2; }
absolute() { case "$2" in http*) echo "$2" ;; *) echo "$1$2" ;; esac; }

# monolithic push: POST, then PUT with the whole body (both registries support this form)
push_monolithic() {
  local url=$1 repo=$2 loc
  loc=$(curl -fsS -D - -o /dev/null -X POST "$url/v2/$repo/blobs/uploads/" | location)
  loc=$(absolute "$url" "$loc")
  curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' \
    -T "$big" "$loc$([[ $loc == *\?* ]] && echo '&' || echo '?')digest=$big_digest"
}

push_chunked() {
  local url=$1 repo=$2 loc start=0 size
  loc=$(absolute "$url" "$(curl -fsS -D - -o /dev/null -X POST "$url/v2/$repo/blobs/uploads/" | location)")
  for c in "$work"/chunk.*; do
    size=$(stat -c %s "$c")
    loc=$(absolute "$url" "$(curl -fsS -D - -o /dev/null -X PATCH \
      -H "Content-Range: $start-$((start + size - 1))" -H 'Content-Type: application/octet-stream' \
      -T "$c" "$loc" | location)")
    start=$((start + size))
  done
  curl -fsS -o /dev/null -X PUT "$loc$([[ $loc == *\?* ]] && echo '&' || echo '?')digest=$big_digest"
}

wrk_run() {  # url, extra header -> "req/s p99ms"
  local out
  out=$(wrk -t2 -c"$wrk_c" -d"${wrk_s}s" --latency -H "$2" "$1")
  python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
print(f"{rps:.0f} {p99:.2f}{' (non-2xx: ' + errors.group(1) + ')' if errors else ''}")
PY
}

declare -A result
measure() {  # name url
  local name=$1 url=$2 host=${2#http://} t0 t1
  t0=$(now); push_monolithic "$url" bench/mono; t1=$(now)
  result[$name,push]=$(mbps $((blob_mb * 1048576)) "$t0" "$t1")
  t0=$(now); push_chunked "$url" bench/chunked; t1=$(now)
  result[$name,chunked]=$(mbps $((blob_mb * 1048576)) "$t0" "$t1")
  curl -fsS -o /dev/null "$url/v2/bench/mono/blobs/$big_digest"  # warm the page cache once
  t0=$(now); curl -fsS -o /dev/null "$url/v2/bench/mono/blobs/$big_digest"; t1=$(now)
  result[$name,pull]=$(mbps $((blob_mb * 1048576)) "$t0" "$t1")
  # small blob and manifest
  local loc
  loc=$(absolute "$url" "$(curl -fsS -D - -o /dev/null -X POST "$url/v2/bench/small/blobs/uploads/" | location)")
  curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$small" \
    "$loc$([[ $loc == *\?* ]] && echo '&' || echo '?')digest=$small_digest"
  local t1s t2s
  t1s=$(now)
  skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$layout:v1" "docker://$host/bench/image:v1"
  t2s=$(now)
  result[$name,skopeo_push]=$(python3 -c "print(f'{$t2s-$t1s:.2f}')")
  rm -rf "$work/pulled-$name"
  t1s=$(now)
  skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$host/bench/image:v1" "oci:$work/pulled-$name:v1"
  t2s=$(now)
  result[$name,skopeo_pull]=$(python3 -c "print(f'{$t2s-$t1s:.2f}')")
  read -r rps p99 rest < <(wrk_run "$url/v2/bench/image/manifests/v1" \
    "Accept: application/vnd.oci.image.manifest.v1+json")
  result[$name,manifest_rps]=$rps
  result[$name,manifest_p99]=$p99
  read -r rps p99 rest < <(wrk_run "$url/v2/bench/small/blobs/$small_digest" "X-Bench: 1")
  result[$name,small_rps]=$rps
  result[$name,small_p99]=$p99
}

wport=$(free_port)
start_wharfd "$wport"
measure wharf "http://127.0.0.1:$wport"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()

dport=$(free_port)
start_distribution "$dport"
measure distribution "http://127.0.0.1:$dport"

ratio() { python3 -c "w,d=$1,$2; print(f'{w/d:.2f}x' if d else '-')"; }
printf '\n%-32s %14s %14s %10s\n' "figure ($blob_mb MiB blobs)" "wharf" "distribution" "ratio"
row() {  # label key higher_is_better
  local w=${result[wharf,$2]} d=${result[distribution,$2]}
  local r
  if [ "$3" = 1 ]; then r=$(ratio "$w" "$d"); else r=$(ratio "$d" "$w"); fi
  printf '%-32s %14s %14s %10s\n' "$1" "$w" "$d" "$r"
}
row "monolithic push MB/s" push 1
row "chunked push ($chunk_mb MiB) MB/s" chunked 1
row "blob pull MB/s" pull 1
row "manifest GET req/s" manifest_rps 1
row "manifest GET p99 ms" manifest_p99 0
row "small blob GET req/s" small_rps 1
row "small blob GET p99 ms" small_p99 0
row "skopeo push s (3x32 MiB)" skopeo_push 0
row "skopeo pull s (3x32 MiB)" skopeo_pull 0
echo "(ratios: how many times better wharf is; wharf with fsync=$fsync direct_io=$direct_io cache=$cache, distribution never fsyncs)"
