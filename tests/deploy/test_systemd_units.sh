#!/usr/bin/env bash
# systemd-analyze verify on the units (offline: works without systemd as PID 1), and the
# hardening of wharfd@.service stays rated "OK" by systemd-analyze security.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
cd "$repo/packaging/systemd"
set +e
out=$(systemd-analyze verify ./wharfd@.service ./wharf-healthcheck@.service ./wharf-healthcheck@.timer 2>&1)
set -e
# The binaries are only there once the package is installed.
problems=$(grep -vE 'Command /usr/(bin/wharfd|lib/wharf/wharf-healthcheck) is not executable' <<<"$out" || true)
[[ -z "$problems" ]] || fail "systemd-analyze verify:
$problems"
pass "systemd-analyze verify"
if score=$(systemd-analyze security --offline=true ./wharfd@.service 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p') && [[ -n "$score" ]]; then
  awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }' || fail "wharfd@.service exposure $score > 2.5"
  pass "systemd-analyze security: wharfd@.service exposure $score"
else
  echo "note: this systemd-analyze has no offline security check"
fi
for line in '^Type=notify$' '^WatchdogSec=30s$' '^Restart=on-failure$' '^User=wharf$' \
            '^ExecStart=/usr/bin/wharfd --config /etc/wharf/%i.ini$' '^ProtectSystem=strict$'; do
  grep -q "$line" wharfd@.service || fail "wharfd@.service lacks ${line//[\^\$]/}"
done
pass "wharfd@.service: notify, watchdog, restart, user, hardening"
