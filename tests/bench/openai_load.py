#!/usr/bin/env python3
"""A small load generator for OpenAI-compatible servers, used side by side on wharfd and its
peers. Streams completions over raw HTTP (no SDK overhead) and measures:
  single: decode tokens/s of one stream (tokens after the first / time after the first)
  ttft:   time to first token for a prompt of --prompt-tokens tokens (median of --repeats)
  concurrent: aggregate completion tokens/s of --streams simultaneous streams, the slowest first
              token among them, and the most streams that were generating at the same moment
              (--streams max_num_seqs shows whether all of them start, not a first batch only)
Prints one JSON object."""
import argparse
import http.client
import json
import statistics
import threading
import time

WORDS = ("harbor vessel crane cargo container river tide anchor beacon signal window garden planet "
         "silver copper forest meadow winter summer lantern bridge market engine").split()


def text_of_tokens(n, salt):
    # Roughly one token per word for this vocabulary; the salt keeps prompts distinct so that no
    # server can answer from a prefix cache.
    return f"[{salt}] " + " ".join(WORDS[(i * 7 + salt) % len(WORDS)] for i in range(n))


def stream(host, port, model, prompt, max_tokens, extra):
    """-> (ttft seconds, [token arrival times], completion tokens)"""
    body = {"model": model, "prompt": prompt, "max_tokens": max_tokens, "temperature": 0, "stream": True,
            "stream_options": {"include_usage": True}, **extra}
    conn = http.client.HTTPConnection(host, port, timeout=600)
    start = time.perf_counter()
    conn.request("POST", "/v1/completions", json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()[:500]
    arrivals, usage = [], None
    buf = b""
    while True:
        chunk = resp.read1(65536)
        if not chunk:
            break
        buf += chunk
        while b"\n\n" in buf:
            event, buf = buf.split(b"\n\n", 1)
            line = event.strip()
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                continue
            obj = json.loads(data)
            if obj.get("usage"):
                usage = obj["usage"]
            for c in obj.get("choices", []):
                if c.get("text"):
                    arrivals.append(time.perf_counter())
    conn.close()
    tokens = usage["completion_tokens"] if usage else len(arrivals)
    return (arrivals[0] - start if arrivals else float("nan")), arrivals, tokens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--model", required=True)
    ap.add_argument("--decode-tokens", type=int, default=128)
    ap.add_argument("--prompt-tokens", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--streams", type=int, default=16)
    ap.add_argument("--stream-tokens", type=int, default=64)
    ap.add_argument("--ban-tokens", default="",
                    help="comma-separated token ids given a -100 logit bias (the model's end-of-text tokens), so "
                         "that every server generates the full length")
    ap.add_argument("--single-only", action="store_true", help="measure the single stream only")
    a = ap.parse_args()
    extra = {"logit_bias": {t: -100 for t in a.ban_tokens.split(",") if t}} if a.ban_tokens else {}
    out = {}

    stream(a.host, a.port, a.model, "Warm up.", 4, extra)  # first-request effects out of the way

    _, arrivals, tokens = stream(a.host, a.port, a.model, "Tell me a long story about a harbor.", a.decode_tokens, extra)
    out["single_stream_tokens"] = tokens
    out["single_stream_tok_s"] = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0
    if a.single_only:
        print(json.dumps(out))
        return

    ttfts = [stream(a.host, a.port, a.model, text_of_tokens(a.prompt_tokens, salt), 1, extra)[0]
             for salt in range(1, a.repeats + 1)]
    out["ttft_s"] = statistics.median(ttfts)

    results = [None] * a.streams

    def one(i):
        results[i] = stream(a.host, a.port, a.model, f"Story {i}: once upon a time", a.stream_tokens, extra)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(a.streams)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    total = sum(r[2] for r in results)
    out["concurrent_streams"] = a.streams
    out["concurrent_tokens"] = total
    out["concurrent_tok_s"] = total / wall
    spans = [(r[1][0], r[1][-1]) for r in results if r[1]]
    out["concurrent_max_ttft_s"] = max(r[0] for r in results)
    # The most streams between their first and last token at one moment.
    edges = sorted([(a0, 1) for a0, _ in spans] + [(b0, -1) for _, b0 in spans], key=lambda e: (e[0], -e[1]))
    live = peak = 0
    for _, step in edges:
        live += step
        peak = max(peak, live)
    out["concurrent_peak_generating"] = peak
    print(json.dumps(out))


if __name__ == "__main__":
    main()
