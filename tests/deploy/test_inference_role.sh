#!/usr/bin/env bash
# Applies packaging/ansible/site.yml for real to this machine as an inference server
# (engine-cpu + inference-api serving the SmolLM2 test model copied into /app/models; systemd
# skipped when it is not PID 1), asks it for a completion, checks the admin token, and runs the
# playbook again: changed=0.
#   test_inference_role.sh BUILD_DIR [MODEL]   (MODEL default: $WHARF_TEST_MODEL or models/*.gguf)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

build=$(cd "${1:?usage: test_inference_role.sh BUILD_DIR [MODEL]}" && pwd)
model=${2:-${WHARF_TEST_MODEL:-$repo/models/SmolLM2-135M-Instruct.Q4_1.gguf}}
[[ $(id -u) == 0 ]] || skip "needs root (installs Wharf and creates the wharf user)"
for tool in ansible-playbook curl python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (tests/deploy/install-deps.sh)"
done
for plugin in engine-cpu inference-api; do
  [[ -f "$build/lib/wharf/plugins/libwharf-$plugin.so" ]] || skip "$plugin is not built in $build"
done
[[ -s "$model" ]] || skip "no model at $model (packaging/fetch-model.sh models)"
model=$(realpath "$model")

name=ci-deploytest-llm
models_dir=/app/models
model_file=$(basename "$model")
placed=false
[[ -e "$models_dir/$model_file" ]] || placed=true
tmp=$(mktemp -d)
api=$(free_port)
metrics=$(free_port)
admin=$(free_port)
token="tok-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

cleanup() {
  local rc=$?
  if ((rc != 0)); then
    echo "---- /var/log/wharf/$name.log (end)"; tail -n 30 "/var/log/wharf/$name.log" 2>/dev/null || true
  fi
  /usr/local/sbin/wharfd-bg stop "$name" >/dev/null 2>&1 || true
  if [[ -d /run/systemd/system ]]; then
    systemctl disable --now "wharf-healthcheck@$name.timer" "wharfd@$name.service" >/dev/null 2>&1 || true
  fi
  if [[ $placed == true ]]; then rm -f "${models_dir:?}/$model_file"; fi
  rm -rf "$tmp" "/var/lib/wharf/$name" "/etc/wharf/$name".* "/etc/wharf/healthcheck/$name.env" \
    "/etc/systemd/system/wharfd@$name.service.d" "/var/log/wharf/$name.log"
  exit "$rc"
}
trap cleanup EXIT

cat >"$tmp/inventory.yml" <<YAML
all:
  children:
    inference_servers:
      hosts:
        localhost:
          ansible_connection: local
          ansible_python_interpreter: /usr/bin/python3
YAML
cat >"$tmp/vars.yml" <<YAML
wharf_install_from: build
wharf_build_dir: $build
inference_name: $name
inference_port: $api
inference_admin_port: $admin
inference_metrics_port: $metrics
inference_allowed_cidrs: [127.0.0.0/8]
inference_admin_bind_address: 127.0.0.1
inference_admin_allowed_cidrs: [127.0.0.1]
inference_admin_token: "$token"
inference_metrics_allowed_cidrs: [127.0.0.1]
inference_model: $model_file
inference_model_src: $model
inference_served_model_name: smollm2
inference_threads: 1
inference_engine_extra: {kv_cache_bytes: 64M, max_model_len: 1024, max_num_seqs: 4}
inference_log_level: warning
common_firewall_enabled: false
common_sysctl_apply: false
common_packages: [curl]
YAML

playbook() {
  ANSIBLE_CONFIG="$repo/packaging/ansible/ansible.cfg" ANSIBLE_NOCOLOR=1 \
    ansible-playbook -i "$tmp/inventory.yml" -e "@$tmp/vars.yml" "$repo/packaging/ansible/site.yml"
}
recap() { grep -E '^localhost +:' "$1" | tail -n 1; }

start=$SECONDS
if ! playbook >"$tmp/run1.log" 2>&1; then
  cat "$tmp/run1.log"; fail "the first playbook run failed"
fi
echo "first run ($((SECONDS - start)) s): $(recap "$tmp/run1.log")"
pass "site.yml applied to this machine as an inference server"

pid=$(cat "/run/wharf/$name.pid" 2>/dev/null) || pid=$(systemctl show -p MainPID --value "wharfd@$name")
[[ $(ps -o user= -p "$pid") == wharf ]] || fail "wharfd runs as $(ps -o user= -p "$pid"), not wharf"
[[ $(stat -c '%U:%G %a' "$models_dir") == "root:wharf 750" ]] || fail "models dir: $(stat -c '%U:%G %a' "$models_dir")"
grep -q 'vm.swappiness = 1' /etc/sysctl.d/60-wharf.conf || fail "inference sysctl (vm.swappiness) not written"
models=$(curl -sf "http://127.0.0.1:$api/v1/models") || fail "GET /v1/models"
assert_contains "$models" '"id": ?"smollm2"' "served model name"
reply=$(curl -sf "http://127.0.0.1:$api/v1/completions" -H 'Content-Type: application/json' \
  -d '{"model": "smollm2", "prompt": "The capital of France is", "max_tokens": 4, "temperature": 0}') \
  || fail "POST /v1/completions"
assert_contains "$reply" '"choices"' "completion reply"
echo "completion: $(python3 -c 'import json,sys; print(repr(json.loads(sys.argv[1])["choices"][0]["text"]))' "$reply")"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/admin/plugins")
[[ $code == 401 ]] || fail "admin API without the token: $code (want 401)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$admin/admin/plugins")
[[ $code == 200 ]] || fail "admin API with the token: $code"
pass "runs as wharf; /v1/models and /v1/completions answer; admin API needs the token"

start=$SECONDS
if ! playbook >"$tmp/run2.log" 2>&1; then
  cat "$tmp/run2.log"; fail "the second playbook run failed"
fi
echo "second run ($((SECONDS - start)) s): $(recap "$tmp/run2.log")"
if ! recap "$tmp/run2.log" | grep -qE 'changed=0 +unreachable=0 +failed=0'; then
  grep -E '^changed:' -B2 "$tmp/run2.log" || true
  fail "second run is not idempotent: $(recap "$tmp/run2.log")"
fi
pass "second run: changed=0"
echo "all inference deployment tests passed"
