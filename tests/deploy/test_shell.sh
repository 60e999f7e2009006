#!/usr/bin/env bash
# bash -n (or sh -n) and shellcheck over the deployment scripts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
cd "$repo"
scripts=(packaging/systemd/wharf-healthcheck packaging/ansible/roles/wharf/files/wharfd-bg
         packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm tests/deploy/*.sh)
for f in "${scripts[@]}"; do
  case "$(head -n 1 "$f")" in
    '#!/bin/sh'*) sh -n "$f" || fail "sh -n $f" ;;
    *) bash -n "$f" || fail "bash -n $f" ;;
  esac
done
pass "syntax of ${#scripts[@]} scripts"
command -v shellcheck >/dev/null || skip "shellcheck is not installed (tests/deploy/install-deps.sh)"
shellcheck -x "${scripts[@]}" || fail "shellcheck"
pass "shellcheck"
for py in tests/deploy/make_oci_layout.py packaging/ansible/roles/wharf/files/wharf-check-config; do
  python3 -c "import ast, sys; ast.parse(open(sys.argv[1]).read())" "$py" || fail "python syntax: $py"
done
pass "python syntax"
