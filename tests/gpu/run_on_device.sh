#!/usr/bin/env bash
# The one command that verifies the CUDA work on a GPU machine (the device tool's H200: CUDA 13,
# PyTorch and transformers, no Debian packages, no network). Build here first:
#     packaging/build.sh && cp build/bin/engine_cuda_gpu_tests tests/gpu/carry/
# then run, carrying tests/gpu/carry:
#     bash tests/gpu/run_on_device.sh
# It finds cuBLAS and NCCL in the Python packages (nvidia-cublas, nvidia-nccl-cu13) when the
# system has none, writes a SmolLM2-shaped random checkpoint with transformers, runs the
# gpu-labelled tests (the kernels against CPU references, the runner against engine-cpu's, the
# NCCL communicator) and writes the logs under $OUT.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/wharf-gpu-out}
mkdir -p "$OUT"
BIN=tests/gpu/carry/engine_cuda_gpu_tests
exec > >(tee "$OUT/run_on_device.log") 2>&1

echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true

echo "== cuBLAS and NCCL"
if ! ldconfig -p | grep -q libcublas.so.13 || ! ldconfig -p | grep -q libnccl.so.2; then
  libs=$(python3 - <<'PY'
import pathlib, site
dirs = set()
for root in site.getsitepackages():
    for pattern in ("libcublas*.so*", "libnccl*.so*"):
        for f in pathlib.Path(root, "nvidia").rglob(pattern):
            dirs.add(str(f.parent))
print(":".join(sorted(dirs)))
PY
)
  export LD_LIBRARY_PATH="${libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
fi
if ldd "$BIN" | grep "not found"; then
  echo "missing libraries (above): carry them in tests/gpu/carry or install the wheels"
  exit 1
fi

echo "== a SmolLM2-shaped random checkpoint"
python3 tests/gpu/make_random_llama.py smollm2-135m /tmp/smollm2-random || exit 1

echo "== gpu tests"
WHARF_TEST_HF_MODEL=/tmp/smollm2-random timeout 300 "$BIN" 2>&1 | tee "$OUT/gpu_tests.log"
status=${PIPESTATUS[0]}
echo "== gpu tests exit status $status"
exit "$status"
