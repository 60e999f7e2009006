#!/usr/bin/env bash
# Wrong or missing variables stop the roles and templates with a message naming the variable:
# runs playbooks/bad_vars.yml (one block per case; its rescue checks the message).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
command -v ansible-playbook >/dev/null || skip "ansible is not installed (tests/deploy/install-deps.sh)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cases=$(grep -c '^    - name: "Case: ' "$here/playbooks/bad_vars.yml")
set +e
ANSIBLE_NOCOLOR=1 ANSIBLE_ROLES_PATH="$repo/packaging/ansible/roles" WHARF_DEPLOY_TMP="$tmp" \
  ansible-playbook -i localhost, "$here/playbooks/bad_vars.yml" >"$tmp/out.log" 2>&1
rc=$?
set -e
grep -E '"msg": "rejected: ' "$tmp/out.log" | sed 's/^ *"msg": "rejected: /  rejected: /; s/"$//' || true
recap=$(grep -E '^localhost +:' "$tmp/out.log" | tail -n 1)
if ((rc != 0)) || ! grep -qE "failed=0 .*rescued=$cases " <<<"$recap"; then
  cat "$tmp/out.log"
  fail "expected $cases rejected cases and no failure; got rc=$rc: $recap"
fi
pass "$cases wrong or missing settings rejected with the expected messages"
