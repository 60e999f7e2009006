# Shared helpers of the deploy tests (sourced).
# shellcheck shell=bash

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
pass() { echo "ok - $*"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL [CODE] [SECONDS]: until URL answers CODE (default 200).
wait_http() {
  local url=$1 want=${2:-200} secs=${3:-20} code
  local deadline=$((SECONDS + secs))
  while ((SECONDS < deadline)); do
    code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
    [[ "$code" == "$want" ]] && return 0
    sleep 0.2
  done
  return 1
}

# assert_contains FILE_OR_STRING PATTERN MESSAGE
assert_contains() {
  grep -qE -- "$2" <<<"$1" || fail "$3: expected /$2/ in:
$1"
}
assert_not_contains() {
  if grep -qE -- "$2" <<<"$1"; then fail "$3: unexpected /$2/ in:
$1"; fi
}
