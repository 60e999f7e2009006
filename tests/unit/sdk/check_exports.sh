#!/usr/bin/env bash
# Every plugin module built in this tree exports wharf_plugin_init and nothing else.
#   check_exports.sh <plugin-dir>
set -euo pipefail
dir=$1
count=0
for so in "$dir"/libwharf-*.so; do
  exports=$(nm -D --defined-only "$so" | awk '{print $3}')
  if [[ "$exports" != "wharf_plugin_init" ]]; then
    echo "FAIL: $so exports:" >&2
    echo "$exports" | head -20 >&2
    exit 1
  fi
  count=$((count + 1))
done
[[ $count -gt 0 ]] || { echo "FAIL: no plugin modules in $dir" >&2; exit 1; }
echo "$count modules export only wharf_plugin_init"
