#!/usr/bin/env bash
# Builds sdk/examples/storage-example the way a third party would: install the SDK from a Wharf
# build tree into a temporary prefix, configure the example out of tree against that prefix only,
# check that the module exports nothing but wharf_plugin_init, then run the storage conformance
# suite against the built module and, given wharfd, load it into a real wharfd.
#
# usage: build_example.sh <wharf-build-dir> <wharf-source-dir> <conformance-test-binary> [wharfd]
set -euo pipefail

if [[ $# -lt 3 || $# -gt 4 ]]; then
  echo "usage: $0 <wharf-build-dir> <wharf-source-dir> <conformance-test-binary> [wharfd]" >&2
  exit 2
fi
build=$1
source=$2
suite=$3
wharfd=${4:-}

work=$(mktemp -d "${TMPDIR:-/tmp}/wharf-example.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== installing the SDK into $work/prefix"
cmake --install "$build" --prefix "$work/prefix" --component dev >/dev/null

echo "== configuring the example out of tree"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
cmake -S "$source/sdk/examples/storage-example" -B "$work/build" "${generator[@]}" \
  -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  ${cxx:+-DCMAKE_CXX_COMPILER="$cxx"} \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" >/dev/null

found=$(sed -n 's/^Wharf_DIR:PATH=//p' "$work/build/CMakeCache.txt")
if [[ "$found" != "$work/prefix/lib/cmake/Wharf" ]]; then
  echo "FAIL: find_package(Wharf) used '$found', not the installed SDK" >&2
  exit 1
fi

echo "== building"
cmake --build "$work/build" -j2

module="$work/build/libwharf-example-kv.so"
exports=$(nm -D --defined-only "$module" | awk '{print $3}')
if [[ "$exports" != "wharf_plugin_init" ]]; then
  echo "FAIL: $module exports more than wharf_plugin_init:" >&2
  echo "$exports" >&2
  exit 1
fi
echo "== exports: $exports"

echo "== conformance suite against $module"
WHARF_EXTRA_STORAGE_MODULE="$module:dir=@TMP@" "$suite" --gtest_filter='*/extra_*' \
  | tee "$work/suite.log"
passed=$(grep -c '^\[       OK \] .*/extra_example_kv' "$work/suite.log" || true)
if [[ "$passed" -eq 0 ]]; then
  echo "FAIL: no conformance test ran against the example module" >&2
  exit 1
fi
echo "== $passed conformance tests passed against the example"

[[ -n "$wharfd" ]] || exit 0
echo "== loading the example into wharfd"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api=$(port)
admin=$(port)
cat >"$work/example.ini" <<INI
[host]
plugin_path = $work/build
data_dir = $work/data
metrics_listener = none
admin_listener = admin
[listener.api]
bind = 127.0.0.1:$api
[listener.admin]
bind = 127.0.0.1:$admin
[plugin.kv]
module = example-kv
dir = $work/kv
INI
"$wharfd" plugins --config "$work/example.ini" | tee "$work/plugins.log" || true
grep -q "^storage	example-kv	" "$work/plugins.log" || { echo "FAIL: wharfd plugins does not list example-kv" >&2; exit 1; }
"$wharfd" --config "$work/example.ini" >"$work/wharfd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$api/ready" >/dev/null 2>&1 && break; sleep 0.05; done
curl -fsS "http://127.0.0.1:$api/ready"
echo
curl -fsS "http://127.0.0.1:$admin/admin/plugins" | tee "$work/admin.json"
echo
grep -q '"module":"example-kv"' "$work/admin.json" || { echo "FAIL: instance kv not listed" >&2; cat "$work/wharfd.log"; exit 1; }
kill -TERM "$pid"
wait "$pid" || { echo "FAIL: wharfd exited with $?" >&2; cat "$work/wharfd.log"; exit 1; }
echo "== example-kv loaded, served /ready and stopped cleanly"
