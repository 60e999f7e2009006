#!/usr/bin/env bash
# Applies packaging/ansible/site.yml for real to this machine as a registry server
# (ansible_connection=local; without systemd as PID 1 wharfd runs in the background with a pid
# file), then: TLS with the generated self-signed certificate, htpasswd (bcrypt) auth, push and
# pull with skopeo, the health check restarting the deployed server after a drain, and a second
# run of the playbook that changes nothing.
#   test_registry_role.sh BUILD_DIR
# Installs Wharf from BUILD_DIR (cmake --install --prefix /usr, the `build` method of the role) or,
# with WHARF_DEPLOY_DEB=path/to/wharf_*.deb, from that package. Needs root. Ports are free ones.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

build=$(cd "${1:?usage: test_registry_role.sh BUILD_DIR}" && pwd)
[[ $(id -u) == 0 ]] || skip "needs root (installs Wharf and creates the wharf user)"
for tool in ansible-playbook skopeo curl python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (tests/deploy/install-deps.sh)"
done
[[ -f "$build/lib/wharf/plugins/libwharf-registry.so" ]] || skip "the registry plugin is not built in $build"
[[ -f "$build/lib/wharf/plugins/libwharf-storage-fs.so" ]] || skip "storage-fs is not built in $build"
auth=htpasswd
if [[ ! -f "$build/lib/wharf/plugins/libwharf-auth-htpasswd.so" ]]; then
  auth=none
  echo "NOTE: auth-htpasswd is not built: deploying an open registry (registry_auth=none)"
fi

name=ci-deploytest
storage=/var/lib/registry-deploytest
tmp=$(mktemp -d)
api=$(free_port)
metrics=$(free_port)
admin=$(free_port)
password="deploy-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

cleanup() {
  local rc=$?
  if ((rc != 0)); then
    echo "---- /var/log/wharf/$name.log (end)"; tail -n 30 "/var/log/wharf/$name.log" 2>/dev/null || true
  fi
  /usr/local/sbin/wharfd-bg stop "$name" >/dev/null 2>&1 || true
  if [[ -d /run/systemd/system ]]; then
    systemctl disable --now "wharf-healthcheck@$name.timer" "wharfd@$name.service" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp" "$storage" "/var/lib/wharf/$name" "/etc/wharf/$name".* "/etc/wharf/tls/$name".* \
    "/etc/wharf/healthcheck/$name.env" "/etc/systemd/system/wharfd@$name.service.d" \
    "/run/wharf-healthcheck/$name".* "/var/log/wharf/$name.log"
  exit "$rc"
}
trap cleanup EXIT

cat >"$tmp/inventory.yml" <<YAML
all:
  children:
    registry_servers:
      hosts:
        localhost:
          ansible_connection: local
          ansible_python_interpreter: /usr/bin/python3
YAML
if [[ -n "${WHARF_DEPLOY_DEB:-}" ]]; then
  install_vars="wharf_install_from: deb
wharf_deb: $(realpath "$WHARF_DEPLOY_DEB")"
else
  install_vars="wharf_install_from: build
wharf_build_dir: $build"
fi
firewall=false
command -v nft >/dev/null && firewall=true
cat >"$tmp/vars.yml" <<YAML
$install_vars
registry_name: $name
registry_port: $api
registry_metrics_port: $metrics
registry_admin_port: $admin
registry_allowed_cidrs: [127.0.0.0/8, "::1"]
registry_metrics_allowed_cidrs: [127.0.0.1]
registry_storage_root: $storage
registry_auth: $auth
registry_users:
  - {name: ci, password: "$password"}
registry_tls_fetch_dir: $tmp/certs
registry_log_level: warning
# This machine is shared: write and check (nft -c) the rules and sysctl file, do not load them.
common_firewall_enabled: $firewall
common_firewall_apply: false
common_sysctl_apply: false
common_packages: [curl]
wharf_healthcheck_grace: 0
YAML

playbook() {
  ANSIBLE_CONFIG="$repo/packaging/ansible/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
    ansible-playbook -i "$tmp/inventory.yml" -e "@$tmp/vars.yml" "$repo/packaging/ansible/site.yml"
}
recap() { grep -E '^localhost +:' "$1" | tail -n 1; }

# 1. First run: installs and starts everything.
start=$SECONDS
if ! playbook >"$tmp/run1.log" 2>&1; then
  cat "$tmp/run1.log"; fail "the first playbook run failed"
fi
echo "first run ($((SECONDS - start)) s): $(recap "$tmp/run1.log")"
recap "$tmp/run1.log" | grep -qE 'failed=0 ' || fail "first run: $(recap "$tmp/run1.log")"
pass "site.yml applied to this machine as a registry server"

# 2. What it deployed.
pid=$(cat "/run/wharf/$name.pid" 2>/dev/null) || pid=$(systemctl show -p MainPID --value "wharfd@$name" 2>/dev/null)
if [[ -z "$pid" ]] || ! kill -0 "$pid"; then fail "no running wharfd@$name"; fi
[[ $(ps -o user= -p "$pid") == wharf ]] || fail "wharfd runs as $(ps -o user= -p "$pid"), not wharf"
[[ $(stat -c '%U:%G %a' "/etc/wharf/$name.ini") == "root:wharf 640" ]] || fail "config: $(stat -c '%U:%G %a' "/etc/wharf/$name.ini")"
[[ $(stat -c '%U:%G' "$storage") == "wharf:wharf" ]] || fail "storage owner: $(stat -c '%U:%G' "$storage")"
/usr/local/sbin/wharf-check-config "/etc/wharf/$name.ini" >/dev/null || fail "deployed config does not pass check-config"
if [[ $auth == htpasswd ]]; then
  # shellcheck disable=SC2016
  grep -qE '^ci:\$2[aby]\$' "/etc/wharf/$name.htpasswd" || fail "htpasswd entry is not bcrypt: $(cut -c1-8 "/etc/wharf/$name.htpasswd")"
fi
[[ -f "/etc/systemd/system/wharfd@$name.service.d/50-ansible.conf" ]] || fail "no unit drop-in"
grep -q "ReadWritePaths=-$storage" "/etc/systemd/system/wharfd@$name.service.d/50-ansible.conf" || fail "drop-in lacks ReadWritePaths for $storage"
if [[ $firewall == true ]]; then
  grep -q "tcp dport $api ip saddr { 127.0.0.0/8 } accept" /etc/nftables.d/wharf.nft || fail "nft rules: $(cat /etc/nftables.d/wharf.nft)"
  nft -c -f /etc/nftables.d/wharf.nft || fail "nft -c rejects the rules"
fi
grep -q 'net.core.somaxconn = 4096' /etc/sysctl.d/60-wharf.conf || fail "sysctl file"
pass "runs as wharf; config root:wharf 0640 passes check-config; bcrypt htpasswd; drop-in; nft and sysctl files"

# 3. TLS with the fetched self-signed certificate, and auth.
cert="$tmp/certs/localhost-$name.crt"
[[ -s "$cert" ]] || fail "the certificate was not fetched to $cert"
mkdir -p "$tmp/certdir" && cp "$cert" "$tmp/certdir/ca.crt"
url="https://127.0.0.1:$api"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$cert" "$url/v2/")
if [[ $auth == htpasswd ]]; then
  [[ $code == 401 ]] || fail "GET /v2/ without credentials: $code (want 401)"
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$cert" -u "ci:$password" "$url/v2/")
  [[ $code == 200 ]] || fail "GET /v2/ with credentials: $code"
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$cert" -u "ci:wrong-password" "$url/v2/")
  [[ $code == 401 ]] || fail "GET /v2/ with a wrong password: $code"
else
  [[ $code == 200 ]] || fail "GET /v2/: $code"
fi
curl -s --cacert "$cert" "http://127.0.0.1:$metrics/metrics" >/dev/null || fail "metrics listener"
pass "TLS verified against the generated certificate (SAN 127.0.0.1); auth $auth"

# 4. Push and pull with skopeo.
creds=()
[[ $auth == htpasswd ]] && creds=(--dest-creds "ci:$password")
python3 "$here/make_oci_layout.py" "$tmp/src" v1 hello.txt "deployed by ansible $password" >"$tmp/src.digest"
skopeo --insecure-policy copy --quiet --dest-cert-dir "$tmp/certdir" "${creds[@]}" \
  "oci:$tmp/src:v1" "docker://127.0.0.1:$api/deploy/hello:v1" || fail "skopeo push"
if [[ $auth == htpasswd ]]; then
  if skopeo --insecure-policy copy --quiet --dest-cert-dir "$tmp/certdir" --dest-creds ci:wrong-password \
       "oci:$tmp/src:v1" "docker://127.0.0.1:$api/deploy/denied:v1" 2>/dev/null; then
    fail "push with a wrong password succeeded"
  fi
  creds=(--src-creds "ci:$password")
fi
pull() {
  rm -rf "$tmp/dst"
  skopeo --insecure-policy copy --quiet --src-cert-dir "$tmp/certdir" "${creds[@]}" \
    "docker://127.0.0.1:$api/deploy/hello:v1" "oci:$tmp/dst:v1" || fail "skopeo pull"
  local layer
  layer=$(python3 -c 'import json,sys; d=sys.argv[1]; i=json.load(open(d+"/index.json")); m=json.load(open(d+"/blobs/"+i["manifests"][0]["digest"].replace(":","/"))); print(m["layers"][0]["digest"].replace(":","/"))' "$tmp/dst")
  tar -xOf "$tmp/dst/blobs/$layer" hello.txt | grep -qx "deployed by ansible $password" || fail "pulled layer content differs"
  # skopeo compresses the layer on push; the digest it pulled is the one the registry serves.
  [[ "sha256/$(sha256sum "$tmp/dst/blobs/$layer" | cut -d' ' -f1)" == "$layer" ]] || fail "pulled layer digest mismatch"
}
pull
[[ -d "$storage/docker/registry/v2/repositories/deploy/hello" ]] || fail "nothing stored under $storage (distribution's layout)"
pass "skopeo push and pull through the deployed registry (file in the layer identical)"

# 5. Self-healing: drain it through the admin API; the deployed health-check settings restart it.
[[ -f "/etc/wharf/healthcheck/$name.env" ]] || fail "no health-check settings"
hc=/usr/lib/wharf/wharf-healthcheck
[[ -x $hc ]] || hc="$repo/packaging/systemd/wharf-healthcheck"
curl -sf -o /dev/null -X POST "http://127.0.0.1:$admin/admin/drain" || fail "POST /admin/drain"
wait_http "http://127.0.0.1:$admin/ready" 503 10 || fail "/ready did not turn 503 after the drain"
set +e
# shellcheck disable=SC1090
out=$(set -a && . "/etc/wharf/healthcheck/$name.env" && set +a &&
      WHARF_HC_FAILURES=1 "$hc" --state-dir "$tmp/hcstate" "$name" 2>&1)
rc=$?
set -e
[[ $rc == 2 ]] || fail "health check on the drained server: exit $rc: $out"
assert_contains "$out" "restarting after 1 consecutive failures" "health check logs the restart"
wait_http "http://127.0.0.1:$admin/ready" 200 30 || fail "not ready after the health check's restart"
newpid=$(cat "/run/wharf/$name.pid" 2>/dev/null) || newpid=$(systemctl show -p MainPID --value "wharfd@$name")
[[ "$newpid" != "$pid" ]] || fail "wharfd was not restarted (pid $pid)"
pull
pass "drained server restarted by the deployed health check ($pid -> $newpid); data still served"

# 6. A changed setting while it runs: the new file is checked (the old server holds the ports),
#    written, and the handler restarts the server.
sed -i 's/^registry_log_level: warning$/registry_log_level: info/' "$tmp/vars.yml"
start=$SECONDS
if ! playbook >"$tmp/run2.log" 2>&1; then
  cat "$tmp/run2.log"; fail "the second playbook run (log level changed) failed"
fi
echo "second run, log level changed ($((SECONDS - start)) s): $(recap "$tmp/run2.log")"
grep -q '^log_level = info$' "/etc/wharf/$name.ini" || fail "log_level not updated"
grep -q 'RUNNING HANDLER \[registry : Restart wharfd registry\]' "$tmp/run2.log" || fail "no restart handler ran"
wait_http "http://127.0.0.1:$admin/ready" 200 30 || fail "not ready after the handler's restart"
pid2=$(cat "/run/wharf/$name.pid" 2>/dev/null) || pid2=$(systemctl show -p MainPID --value "wharfd@$name")
[[ "$pid2" != "$newpid" ]] || fail "the handler did not restart wharfd"
pull
pass "changed setting: config validated while running, written, server restarted ($newpid -> $pid2)"

# 7. Third run: nothing changes.
start=$SECONDS
if ! playbook >"$tmp/run3.log" 2>&1; then
  cat "$tmp/run3.log"; fail "the third playbook run failed"
fi
echo "third run ($((SECONDS - start)) s): $(recap "$tmp/run3.log")"
if ! recap "$tmp/run3.log" | grep -qE 'changed=0 +unreachable=0 +failed=0'; then
  grep -E '^changed:' -A3 "$tmp/run3.log" || true
  fail "a run without changes is not idempotent: $(recap "$tmp/run3.log")"
fi
pass "run without changes: changed=0"
echo "all registry deployment tests passed"
