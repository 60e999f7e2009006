#!/usr/bin/env bash
# Single-stream decode of several models (or engine keys) in interleaved rounds, for ratios on a
# noisy machine: each round starts a fresh wharfd per variant, warms it with 16 tokens, then times
# 3 greedy completions of 256 tokens (ignore_eos) around the requests only, and reads the server's
# CPU time from /proc. Prints one line per variant and round: wall tokens/s and CPU ms per token.
#   tests/bench/decode_rounds.sh [-b build-dir] [-r rounds] NAME:MODEL[:KEY=VALUE] ...
#   e.g. tests/bench/decode_rounds.sh -r 3 q41:models/SmolLM2-135M-Instruct.Q4_1.gguf \
#          awq:/tmp/qq-models/awq-g64 awq8:/tmp/qq-models/awq-g64:lm_head=q8_0
#   env: THREADS (2), PYTHON (.venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build rounds=3
while getopts b:r: o; do
  case $o in b) build=$OPTARG ;; r) rounds=$OPTARG ;; *) exit 64 ;; esac
done
shift $((OPTIND - 1))
(($# > 0)) || { sed -n 2,9p "$0" >&2; exit 64; }
python="${PYTHON:-.venv/bin/python}"
threads="${THREADS:-2}"
work=$(mktemp -d)
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

complete() {  # port max_tokens prompt
  curl -fsS "http://127.0.0.1:$1/v1/completions" -H 'Content-Type: application/json' \
    -d "{\"model\":\"m\",\"prompt\":\"$3\",\"max_tokens\":$2,\"temperature\":0,\"ignore_eos\":true}" >/dev/null
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

for round in $(seq "$rounds"); do
  for spec in "$@"; do
    IFS=: read -r name model extra <<<"$spec"
    p=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
model_id = m
threads = $threads
quantization = awq, squeezellm
${extra:+${extra/=/ = }}
[plugin.api]
module = inference-api
listener = api
engine = engine
INI
    "$build/bin/wharfd" --config "$work/$name.ini" >"$work/$name.log" 2>&1 & pid=$!
    for _ in $(seq 600); do curl -fs "http://127.0.0.1:$p/v1/models" >/dev/null 2>&1 && break; sleep 0.1; done
    complete "$p" 16 "The harbor" || { cat "$work/$name.log" >&2; exit 1; }
    t0=$(cpu_ticks "$pid") w0=$(date +%s.%N)
    for _ in 1 2 3; do complete "$p" 256 "The harbor at dawn"; done
    w1=$(date +%s.%N) t1=$(cpu_ticks "$pid")
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    "$python" -c "import os; w = $w1 - $w0; c = ($t1 - $t0) / os.sysconf('SC_CLK_TCK')
print('round %d %-24s wall_tok_s %6.1f cpu_ms_per_tok %6.2f' % ($round, '$name', 768 / w, c * 1000 / 768))"
  done
done
