#!/usr/bin/env bash
# wharf-healthcheck against a real wharfd: quiet while /ready is 200; after POST /admin/drain it
# counts failures and, at the threshold, runs the restart command it was given (a script that
# records the call and really restarts wharfd) and logs it. Also: --count, the grace period,
# --active-cmd, a failing restart command, probe timeouts, usage errors.
#   test_healthcheck.sh WHARFD
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
hc="$here/../../packaging/systemd/wharf-healthcheck"
wharfd=${1:-${WHARFD:-}}
[[ -x "$wharfd" ]] || skip "wharfd not built (got '$wharfd')"
command -v curl >/dev/null || skip "curl is not installed"

tmp=$(mktemp -d)
pids=()
cleanup() {
  if [[ -f "$tmp/wharfd.pid" ]]; then kill "$(cat "$tmp/wharfd.pid")" 2>/dev/null || true; fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

admin=$(free_port)
metrics=$(free_port)
cat >"$tmp/hc.ini" <<INI
[host]
data_dir = $tmp/data
drain_timeout = 2s
[listener.admin]
bind = 127.0.0.1:$admin
[listener.metrics]
bind = 127.0.0.1:$metrics
INI
# The restart command: records its call, stops wharfd (SIGTERM) and starts a new one.
cat >"$tmp/restart.sh" <<SH
#!/usr/bin/env bash
echo "restart \$1 \$(date +%s)" >>"$tmp/restarts"
old=\$(cat "$tmp/wharfd.pid")
kill -TERM "\$old"
while kill -0 "\$old" 2>/dev/null; do sleep 0.1; done
"$wharfd" --config "$tmp/hc.ini" >>"$tmp/wharfd.log" 2>&1 &
echo \$! >"$tmp/wharfd.pid"
echo "wharfd restarted as pid \$!"
SH
chmod +x "$tmp/restart.sh"

"$wharfd" --config "$tmp/hc.ini" >>"$tmp/wharfd.log" 2>&1 &
echo $! >"$tmp/wharfd.pid"
ready="http://127.0.0.1:$admin/ready"
wait_http "$ready" 200 20 || fail "wharfd did not become ready: $(cat "$tmp/wharfd.log")"

run_hc() {  # run_hc ARGS... -> sets out, rc
  set +e
  out=$("$hc" --url "$ready" --state-dir "$tmp/state" --timeout 2 --active-cmd '' \
        --restart-cmd "$tmp/restart.sh web" "$@" web 2>&1)
  rc=$?
  set -e
}

# 1. Healthy: exit 0, nothing logged, no restart, however often it runs.
for _ in 1 2 3 4; do
  run_hc --failures 2 --grace 0
  [[ $rc == 0 ]] || fail "healthy server: exit $rc, output: $out"
  [[ -z "$out" ]] || fail "healthy server: expected no output, got: $out"
done
[[ ! -e "$tmp/restarts" ]] || fail "healthy server was restarted"
pass "healthy wharfd: exit 0, silent, no restart"

# 2. Drained through the admin API: /ready turns 503.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$admin/admin/drain")
[[ "$code" =~ ^20[0-9]$ ]] || fail "POST /admin/drain answered $code"
wait_http "$ready" 503 10 || fail "/ready did not turn 503 after the drain"
old_pid=$(cat "$tmp/wharfd.pid")

run_hc --failures 2 --grace 0
[[ $rc == 1 ]] || fail "first failure: expected exit 1, got $rc: $out"
assert_contains "$out" 'web: not ready \(1/2\): .*HTTP 503' "first failure is logged with the HTTP status"
[[ ! -e "$tmp/restarts" ]] || fail "restarted after one failure (threshold 2)"
grep -q '^failures=1$' "$tmp/state/web.state" || fail "state file: $(cat "$tmp/state/web.state")"

run_hc --failures 2 --grace 0
[[ $rc == 2 ]] || fail "second failure: expected exit 2 (restarted), got $rc: $out"
assert_contains "$out" 'web: not ready \(2/2\)' "second failure logged"
assert_contains "$out" "web: restarting after 2 consecutive failures: $tmp/restart.sh web" "restart logged with its command"
assert_contains "$out" 'web: restart command output: wharfd restarted as pid' "restart output logged"
assert_contains "$out" 'web: restart command succeeded' "restart success logged"
[[ $(wc -l <"$tmp/restarts") == 1 ]] || fail "expected one restart, got: $(cat "$tmp/restarts")"
grep -q '^restart web ' "$tmp/restarts" || fail "restart command got the wrong argument: $(cat "$tmp/restarts")"
grep -q '^failures=0$' "$tmp/state/web.state" || fail "failure count not reset: $(cat "$tmp/state/web.state")"
[[ "$(cat "$tmp/wharfd.pid")" != "$old_pid" ]] || fail "wharfd was not restarted"
pass "drained wharfd: failure 1/2 counted (exit 1), restart command run and logged at 2/2 (exit 2)"

# 3. The restarted wharfd is ready again: healthy runs do nothing more.
wait_http "$ready" 200 20 || fail "restarted wharfd is not ready: $(tail -5 "$tmp/wharfd.log")"
run_hc --failures 2 --grace 0
[[ $rc == 0 && -z "$out" ]] || fail "after the restart: exit $rc, output: $out"
[[ $(wc -l <"$tmp/restarts") == 1 ]] || fail "restarted again while healthy"
pass "restarted wharfd is ready; health check quiet again"

# 4. --count: one run probing 3 times restarts on its own; a failure then 'ready again' resets.
curl -s -o /dev/null -X POST "http://127.0.0.1:$admin/admin/drain"
wait_http "$ready" 503 10 || fail "/ready did not turn 503 after the second drain"
run_hc --failures 3 --count 3 --interval 0.2 --grace 0
[[ $rc == 2 ]] || fail "--count 3: expected exit 2, got $rc: $out"
[[ $(grep -c 'not ready' <<<"$out") == 3 ]] || fail "--count 3: expected 3 failed probes: $out"
[[ $(wc -l <"$tmp/restarts") == 2 ]] || fail "--count 3: expected a second restart"
wait_http "$ready" 200 20 || fail "wharfd not ready after the second restart"
pass "--count 3 --interval 0.2: three failed probes in one run restart it"

# 5. Grace period: right after a restart, failures are logged but not counted.
curl -s -o /dev/null -X POST "http://127.0.0.1:$admin/admin/drain"
wait_http "$ready" 503 10 || fail "/ready did not turn 503 after the third drain"
run_hc --failures 1 --grace 300
[[ $rc == 1 ]] || fail "grace: expected exit 1, got $rc: $out"
assert_contains "$out" 'grace period' "grace period logged"
[[ $(wc -l <"$tmp/restarts") == 2 ]] || fail "restarted during the grace period"
pass "no restart within the grace period after a restart"

# 6. --active-cmd failing (server stopped on purpose): nothing probed, nothing restarted.
set +e
out=$("$hc" --url "$ready" --state-dir "$tmp/state" --failures 1 --grace 0 --active-cmd false \
      --restart-cmd "$tmp/restart.sh web" web 2>&1)
rc=$?
set -e
[[ $rc == 0 ]] || fail "inactive server: expected exit 0, got $rc: $out"
[[ $(wc -l <"$tmp/restarts") == 2 ]] || fail "inactive server was restarted"
pass "--active-cmd false (stopped on purpose): no probe, no restart"

# 7. A failing restart command: exit 3, logged.
run_hc --failures 1 --grace 0 --restart-cmd "exit 5"
[[ $rc == 3 ]] || fail "failing restart command: expected exit 3, got $rc: $out"
assert_contains "$out" 'restart command failed with exit status 5' "failed restart logged"
pass "a failing restart command: exit 3 and logged"

# 8. A server that accepts but never answers: the probe times out.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$tmp/hang.port" &
pids+=($!)
for _ in $(seq 50); do [[ -s "$tmp/hang.port" ]] && break; sleep 0.1; done
start=$SECONDS
set +e
out=$("$hc" --url "http://127.0.0.1:$(cat "$tmp/hang.port")/ready" --state-dir "$tmp/state2" \
      --timeout 1 --failures 5 --active-cmd '' --restart-cmd true hang 2>&1)
rc=$?
set -e
[[ $rc == 1 ]] || fail "hung server: expected exit 1, got $rc: $out"
assert_contains "$out" 'hang: not ready \(1/5\): .*no answer \(curl exit 28' "timeout logged"
((SECONDS - start <= 5)) || fail "the 1 s probe timeout took $((SECONDS - start)) s"
pass "a hung server: the probe times out (--timeout 1) and counts as a failure"

# 9. Usage errors: exit 64 with a message.
set +e
out=$("$hc" --failures x web 2>&1); rc=$?
set -e
[[ $rc == 64 ]] || fail "bad --failures: expected 64, got $rc"
assert_contains "$out" "failures must be a whole number" "bad --failures message"
set +e
out=$("$hc" 2>&1); rc=$?
set -e
[[ $rc == 64 ]] || fail "no NAME: expected 64, got $rc"
pass "usage errors exit 64 with a message"
echo "all health-check tests passed"
