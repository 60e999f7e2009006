#!/usr/bin/env bash
# HTTP baseline: wrk against wharfd's /health (plain and TLS) and a plugin route returning 600
# bytes, side by side with a bare Poco HTTPServer answering the same bodies, in one run.
# Prints req/s and p99 for each and the ratio wharfd / bare Poco.
#   tests/bench/http_baseline.sh [build-dir]     (env: DURATION=10s CONNECTIONS=64 THREADS=2)
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"
duration="${DURATION:-10s}"
conns="${CONNECTIONS:-64}"
wrk_threads="${THREADS:-2}"
wharfd="$build/bin/wharfd"
bare="$build/bin/poco_bare_server"
[[ -x "$wharfd" && -x "$bare" ]] || { echo "build first: $wharfd and $bare are needed" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

p_plain=$(port); p_tls=$(port); p_bare15=$(port); p_bare600=$(port)
cat > "$work/bench.ini" <<INI
[host]
plugin_path = $build/test-plugins
data_dir = $work/data
metrics_listener = none
admin_listener = none
log_level = warning
[listener.plain]
bind = 127.0.0.1:$p_plain
[listener.tls]
bind = 127.0.0.1:$p_tls
tls = self-signed
[plugin.echo]
module = test-echo
listener = plain
INI
"$wharfd" --config "$work/bench.ini" & pids+=($!)
"$bare" "$p_bare15" 15 & pids+=($!)
"$bare" "$p_bare600" 600 & pids+=($!)
for p in $p_plain $p_tls $p_bare15 $p_bare600; do wait_port "$p"; done

# -> "req/s p99_ms"
measure() {
  local out rps p99
  out=$(wrk -t"$wrk_threads" -c"$conns" -d"$duration" --latency "$1")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v/=1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v*=1000}; print v}' <<<"$out")
  echo "$rps $p99"
}

printf "%-34s %12s %10s\n" "target (wrk -t$wrk_threads -c$conns -d$duration)" "req/s" "p99 ms"
declare -A r
for name in bare15:http://127.0.0.1:$p_bare15/health wharf_health:http://127.0.0.1:$p_plain/health \
            bare600:http://127.0.0.1:$p_bare600/x wharf_plugin600:"http://127.0.0.1:$p_plain/echo/bytes?n=600" \
            wharf_tls:https://127.0.0.1:$p_tls/health; do
  key=${name%%:*}; url=${name#*:}
  r[$key]=$(measure "$url")
  printf "%-34s %12s %10s\n" "$key" ${r[$key]}
done
ratio() { awk -v a="${r[$1]%% *}" -v b="${r[$2]%% *}" 'BEGIN {printf "%.2f", a/b}'; }
echo
echo "wharfd /health        / bare Poco (15 B):  $(ratio wharf_health bare15)"
echo "wharfd plugin 600 B   / bare Poco (600 B): $(ratio wharf_plugin600 bare600)"
echo "wharfd TLS /health    / wharfd plain:      $(ratio wharf_tls wharf_health)"
