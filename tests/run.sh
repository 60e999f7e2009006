#!/usr/bin/env bash
# Runs every Wharf test: installs the test dependencies, builds with warnings as errors, and runs
# unit and integration tests through ctest. Exits non-zero when anything fails.
#   WHARF_BUILD_DIR (default build), WHARF_CTEST_ARGS (extra ctest arguments, e.g. "-L unit")
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

packaging/install-deps.sh --test
for extra in tests/integration/install-deps.sh tests/deploy/install-deps.sh; do
  [[ -x "$extra" ]] && "$extra"
done

# Python test tooling in a project venv.
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r tests/requirements.txt

# The default model (engine tests skip cleanly without it, but CI must have it).
packaging/fetch-model.sh models
# The same model as a Hugging Face directory (safetensors + tokenizer.json), for the HF loader tests.
PYTHON="$root/.venv/bin/python" tests/fixtures/make_hf_model.sh
# llama.cpp's tokenizer test vectors (and the Llama vocabulary as a tokenizer.json).
PYTHON="$root/.venv/bin/python" tests/fixtures/fetch-llamacpp-vocab.sh models/llama.cpp-vocab

packaging/build.sh -DWHARF_BUILD_TESTS=ON -DWHARF_WERROR=ON -DWHARF_PYTHON="$root/.venv/bin/python"

cd "${WHARF_BUILD_DIR:-build}"
# shellcheck disable=SC2086
ctest --output-on-failure --timeout 900 -j2 ${WHARF_CTEST_ARGS:-}
