#!/usr/bin/env bash
# Configures and builds Wharf into ${WHARF_BUILD_DIR:-build} (Release with debug info, -j2).
# Extra arguments are passed to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${WHARF_BUILD_DIR:-build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j "${WHARF_JOBS:-2}"
