#!/usr/bin/env bash
# The embedded default: installs what is needed (Debian 12), builds, fetches the default model and
# runs wharfd in the foreground with config/all-in-one.ini (registry on 127.0.0.1:5000,
# OpenAI-compatible inference on 127.0.0.1:8000, admin on 127.0.0.1:8080, metrics on :9100).
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/install-deps.sh
packaging/build.sh -DWHARF_BUILD_TESTS=OFF   # wharfd and the plugins only
if [[ -x packaging/fetch-model.sh ]]; then
  packaging/fetch-model.sh models
fi
mkdir -p .data
exec build/bin/wharfd --config config/all-in-one.ini
