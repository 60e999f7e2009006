#!/usr/bin/env bash
# Quantization quality and speed on SmolLM2-135M-Instruct: the F16 baseline (the Q4_1 GGUF's
# weights dequantized into a Hugging Face directory, tests/fixtures/make_hf_model.sh), and what
# `wharfd quantize` makes of it -- RTN and AWQ at group size GROUP (64: SmolLM2's hidden size 576
# is not a multiple of 128, so AutoAWQ's usual g128 cannot be built for it), SqueezeLLM 4-bit dense, SqueezeLLM
# dense-and-sparse (0.45% fp16 outliers) -- next to the Q4_1 GGUF itself, each served by wharfd.
# Reports perplexity over a held-out English text (Python's own reference documentation, from
# pydoc_data, which calibration never sees; calibration reads the GPL-3 text that every Debian
# system has in /usr/share/common-licenses) through the API (tests/bench/perplexity.py: echo +
# logprobs), single-stream decode tokens/s (tests/bench/openai_load.py, the median of 3 runs) and
# quantization time. The "+ q8_0 head" rows serve the same checkpoint with engine-cpu's
# `lm_head = q8_0` (the F16 head re-encoded as Q8_0 at load, as the GGUF stores its head), so that
# the 4-bit formats meet Q4_1 at equal heads.
#   tests/bench/quant_quality.sh [build-dir]
#   env: THREADS (2), PYTHON (.venv/bin/python), EVAL_CHARS (30000), CALIB (the GPL-3 text), GROUP (64),
#        SAMPLES (16 windows of SEQ_LEN 256 tokens), KEEP (a directory to keep the models in)
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"
threads="${THREADS:-2}"
python="${PYTHON:-.venv/bin/python}"
hf=models/SmolLM2-135M-Instruct-hf
gguf=models/SmolLM2-135M-Instruct.Q4_1.gguf
calib="${CALIB:-/usr/share/common-licenses/GPL-3}"
samples="${SAMPLES:-16}"
group="${GROUP:-64}"
seq_len="${SEQ_LEN:-256}"
[[ -f "$gguf" ]] || packaging/fetch-model.sh models
[[ -d "$hf" ]] || PYTHON="$python" tests/fixtures/make_hf_model.sh

work=$(mktemp -d)
models="${KEEP:-$work/models}"
mkdir -p "$models"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {
  for _ in $(seq 600); do curl -fs "http://127.0.0.1:$1/v1/models" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "server on $1 did not come up" >&2; return 1
}

# The held-out text: the first EVAL_CHARS characters of Python's language reference topics.
"$python" - "${EVAL_CHARS:-30000}" >"$work/eval.txt" <<'PY'
import sys
from pydoc_data.topics import topics
text = "\n\n".join(topics[k] for k in sorted(topics))
sys.stdout.write(text[: int(sys.argv[1])])
PY

quantize() {  # name method [extra args]
  local name=$1 method=$2; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  "$build/bin/wharfd" quantize --method "$method" --model "$hf" --out "$models/$name" \
    --calib "$calib" --samples "$samples" --seq-len "$seq_len" --threads "$threads" "$@" >"$work/$name.quantize.log" 2>&1 \
    || { cat "$work/$name.quantize.log" >&2; return 1; }
  t1=$(date +%s.%N)
  "$python" -c "print('%.1f' % ($t1 - $t0))"
}

measure() {  # name model-path lm_head -> "ppl tok_s"
  local name=$1 model=$2 head=$3 p
  p=$(port)
  cat >"$work/$name.ini" <<INI
[host]
data_dir = $work/data-$name
metrics_listener = none
admin_listener = none
log_level = warning
[listener.api]
bind = 127.0.0.1:$p
[plugin.awq]
module = quant-awq
[plugin.squeezellm]
module = quant-squeezellm
[plugin.engine]
module = engine-cpu
model = $model
model_id = $name
threads = $threads
quantization = awq, squeezellm
lm_head = $head
[plugin.api]
module = inference-api
listener = api
engine = engine
INI
  "$build/bin/wharfd" --config "$work/$name.ini" >"$work/$name.log" 2>&1 & local pid=$!; pids+=($pid)
  wait_ready "$p" || { cat "$work/$name.log" >&2; return 1; }
  local ppl tok
  ppl=$("$python" tests/bench/perplexity.py --base-url "http://127.0.0.1:$p/v1" --model "$name" \
        --text "$work/eval.txt" --window 1024 --stride 512 | "$python" -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["perplexity"])')
  local runs=()
  for _ in 1 2 3; do
    runs+=("$("$python" tests/bench/openai_load.py --port "$p" --model "$name" --ban-tokens 0,1,2 --single-only \
             | "$python" -c 'import json,sys; print(json.load(sys.stdin)["single_stream_tok_s"])')")
  done
  tok=$("$python" -c 'import statistics,sys; print("%.1f" % statistics.median(map(float, sys.argv[1:])))' "${runs[@]}")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$ppl $tok"
}

declare -A qtime
qtime[rtn]=$(quantize "rtn-g$group" rtn --group-size "$group")
qtime[awq]=$(quantize "awq-g$group" awq --group-size "$group")
qtime[sq]=$(quantize squeezellm squeezellm)
qtime[sqs]=$(quantize squeezellm-sparse squeezellm --sparse 0.0045)

printf '%-34s %10s %8s %12s %10s\n' variant perplexity vs_f16 decode_tok_s quant_s
base=""
for row in "f16:$hf:-:as_stored" "f16+q8_0-head:$hf:-:q8_0" \
           "rtn-g$group:$models/rtn-g$group:${qtime[rtn]}:as_stored" \
           "awq-g$group:$models/awq-g$group:${qtime[awq]}:as_stored" \
           "awq-g$group+q8_0-head:$models/awq-g$group:${qtime[awq]}:q8_0" \
           "squeezellm:$models/squeezellm:${qtime[sq]}:as_stored" \
           "squeezellm+q8_0-head:$models/squeezellm:${qtime[sq]}:q8_0" \
           "squeezellm-sparse-0.45%:$models/squeezellm-sparse:${qtime[sqs]}:as_stored" \
           "gguf-q4_1:$gguf:-:as_stored"; do
  IFS=: read -r name path qt head <<<"$row"
  read -r ppl tok <<<"$(measure "$name" "$path" "$head")"
  [[ -z "$base" ]] && base=$ppl
  rel=$("$python" -c "print('%+.2f' % (($ppl / $base - 1) * 100))")
  printf '%-34s %10s %8s %12s %10s\n' "$name" "$ppl" "$rel%" "$tok" "$qt"
done
