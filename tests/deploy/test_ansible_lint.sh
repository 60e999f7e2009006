#!/usr/bin/env bash
# ansible-playbook --syntax-check and ansible-lint (production profile) over packaging/ansible
# and the test playbooks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
command -v ansible-playbook >/dev/null || skip "ansible is not installed (tests/deploy/install-deps.sh)"
export ANSIBLE_NOCOLOR=1 ANSIBLE_ROLES_PATH="$repo/packaging/ansible/roles"
cd "$repo/packaging/ansible"
ansible-playbook --syntax-check -i inventory/hosts.yml site.yml >/dev/null || fail "syntax-check site.yml"
ansible-playbook --syntax-check -i localhost, "$here/playbooks/bad_vars.yml" >/dev/null || fail "syntax-check bad_vars.yml"
ansible-inventory -i inventory/hosts.yml --graph >/dev/null || fail "inventory/hosts.yml"
pass "ansible-playbook --syntax-check"
command -v ansible-lint >/dev/null || skip "ansible-lint is not installed (tests/deploy/install-deps.sh)"
ansible-lint --nocolor || fail "ansible-lint packaging/ansible"
cd "$repo"
ansible-lint --nocolor -c packaging/ansible/.ansible-lint tests/deploy/playbooks/bad_vars.yml || fail "ansible-lint tests/deploy/playbooks"
pass "ansible-lint"
