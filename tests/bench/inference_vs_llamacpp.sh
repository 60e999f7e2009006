#!/usr/bin/env bash
# Inference benchmark: wharfd (engine-cpu + inference-api) and llama.cpp's OpenAI server
# (python -m llama_cpp.server, from llama-cpp-python[server]) on the same GGUF with the same
# thread count, driven one after the other by the same load generator (tests/bench/openai_load.py):
# single-stream decode tokens/s, TTFT of a 512-token prompt, aggregate tokens/s of 16 streams,
# peak RSS. Prints a table with the ratio wharfd / llama.cpp.
#   tests/bench/inference_vs_llamacpp.sh [build-dir]    env: THREADS (2), MODEL, PYTHON (.venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"
threads="${THREADS:-2}"
model="${MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}"
python="${PYTHON:-.venv/bin/python}"
[[ -f "$model" ]] || packaging/fetch-model.sh models
if ! "$python" -c "import llama_cpp.server.app" 2>/dev/null; then
  echo "installing llama-cpp-python[server] (compiles llama.cpp; takes a while)" >&2
  "$python" -m pip install -q "llama-cpp-python[server]"
fi

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {
  for _ in $(seq 600); do curl -fs "http://127.0.0.1:$1/v1/models" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "server on $1 did not come up" >&2; return 1
}
peak_rss_mib() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

# wharfd
wp=$(port)
cat >"$work/wharf.ini" <<INI
[host]
data_dir = $work/data
metrics_listener = none
admin_listener = none
log_level = warning
[listener.api]
bind = 127.0.0.1:$wp
[plugin.engine]
module = engine-cpu
model = $model
model_id = bench
threads = $threads
[plugin.api]
module = inference-api
listener = api
engine = engine
INI
"$build/bin/wharfd" --config "$work/wharf.ini" & wpid=$!; pids+=($wpid)
wait_ready "$wp"
# SmolLM2's special tokens <|endoftext|>, <|im_start|>, <|im_end|> are banned so that both servers
# generate every requested token.
ban="${BAN_TOKENS:-0,1,2}"
"$python" tests/bench/openai_load.py --port "$wp" --model bench --ban-tokens "$ban" >"$work/wharf.json"
wrss=$(peak_rss_mib "$wpid")
kill "$wpid"; wait "$wpid" 2>/dev/null || true

# llama.cpp
lp=$(port)
"$python" -m llama_cpp.server --model "$model" --model_alias bench --n_threads "$threads" \
  --n_threads_batch "$threads" --n_ctx 2048 --interrupt_requests False --host 127.0.0.1 --port "$lp" >"$work/llama.log" 2>&1 & lpid=$!; pids+=($lpid)
wait_ready "$lp"
"$python" tests/bench/openai_load.py --port "$lp" --model bench --ban-tokens "$ban" >"$work/llama.json"
lrss=$(peak_rss_mib "$lpid")

"$python" - "$work/wharf.json" "$work/llama.json" "$wrss" "$lrss" "$threads" <<'PY'
import json, sys
w, l = (json.load(open(p)) for p in sys.argv[1:3])
wrss, lrss, threads = float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
rows = [("single-stream decode tok/s", w["single_stream_tok_s"], l["single_stream_tok_s"], "higher"),
        ("TTFT 512-token prompt (s)", w["ttft_s"], l["ttft_s"], "lower"),
        (f"{w['concurrent_streams']} concurrent streams tok/s", w["concurrent_tok_s"], l["concurrent_tok_s"], "higher"),
        ("peak RSS (MiB)", wrss, lrss, "lower")]
print(f"threads={threads}  model=SmolLM2-135M-Instruct Q4_1")
print(f"{'figure':36} {'wharfd':>10} {'llama.cpp':>10} {'ratio':>7}")
for name, a, b, better in rows:
    print(f"{name:36} {a:10.3f} {b:10.3f} {a / b if b else float('nan'):7.2f}  ({better} is better)")
PY
