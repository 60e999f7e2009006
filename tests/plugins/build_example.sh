#!/usr/bin/env bash
# Builds sdk/examples/storage-example the way a third party would: install the SDK from a Wharf
# build tree into a temporary prefix, configure the example out of tree against that prefix only,
# check that the module exports nothing but wharf_plugin_init, then run the storage conformance
# suite against the built module.
#
# usage: build_example.sh <wharf-build-dir> <wharf-source-dir> <conformance-test-binary>
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 <wharf-build-dir> <wharf-source-dir> <conformance-test-binary>" >&2
  exit 2
fi
build=$1
source=$2
suite=$3

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
