#!/usr/bin/env python3
"""Perplexity of a text through any OpenAI-compatible server, from the server's own scores:
/v1/completions with echo, logprobs and max_tokens 0 returns each prompt token's logprob (the first
is null). The server counts the tokens: the text is tokenized by its tokenize route, and texts
longer than a window are scored with the standard strided method: windows of --window tokens,
--stride apart, each scoring only the tokens the previous window did not (those keep at least
window - stride tokens of context). Prints one JSON object: {"perplexity", "tokens", "windows",
"nll"} (tokens: the tokens scored, the text's first excepted; nll: their mean negative
log-likelihood in nats).

  tests/bench/perplexity.py --base-url http://127.0.0.1:8000/v1 --model smollm2 --text wiki.txt \\
      [--window 1024 --stride 512] [--api-key KEY]

Servers: wharfd (inference-api) and vLLM take the windows as token ids (exact). A server whose
completions take text only (llama-cpp-python's `python -m llama_cpp.server`, started with
--logits_all true) gets each window as text, detokenized by the server, and the tokens it scores
are those after the window's context (by text_offset): the same method, up to re-tokenization at
window edges. llama.cpp's llama-server refuses echo ("Only no echo is supported"), so it cannot be
measured this way; this tool says so.
"""
import argparse
import json
import math
import sys
import urllib.error
import urllib.request


class ServerError(Exception):
    def __init__(self, status, message):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class Client:
    def __init__(self, base_url, model, api_key=None, timeout=600):
        self.base = base_url.rstrip("/")
        self.root = self.base[:-3] if self.base.endswith("/v1") else self.base
        self.model = model
        self.api_key = api_key
        self.timeout = timeout

    def post(self, url, body):
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raw = e.read().decode(errors="replace")
            try:
                err = json.loads(raw)
                message = err.get("error", err) if isinstance(err, dict) else err
                if isinstance(message, dict):
                    message = message.get("message", json.dumps(message))
                elif not isinstance(message, str):
                    message = json.dumps(message)
            except ValueError:
                message = raw
            raise ServerError(e.code, message) from None

    def first_of(self, attempts, what, accept=lambda value: True):
        """The first (url, body, key) attempt that answers with an accepted `key`: servers name
        their routes and fields differently."""
        errors = []
        for url, body, key in attempts:
            try:
                reply = self.post(url, body)
            except ServerError as e:
                errors.append(f"{url}: {e}")
                continue
            except urllib.error.URLError as e:
                raise SystemExit(f"cannot reach {url}: {e.reason}")
            if isinstance(reply, dict) and key in reply and accept(reply[key]):
                return reply[key]
            errors.append(f"{url}: no usable '{key}' in the answer")
        raise SystemExit(f"the server has no {what} route that works: " + "; ".join(errors))

    def tokenize(self, text):
        return self.first_of([
            (self.root + "/tokenize", {"model": self.model, "prompt": text}, "tokens"),  # vLLM, wharfd
            (self.root + "/tokenize", {"content": text, "add_special": True}, "tokens"),  # llama-server
            (self.root + "/extras/tokenize", {"model": self.model, "input": text}, "tokens"),  # llama-cpp-python
        ], "tokenize", accept=lambda tokens: isinstance(tokens, list) and len(tokens) > 0)

    def detokenize(self, tokens):
        return self.first_of([
            (self.root + "/detokenize", {"model": self.model, "tokens": tokens}, "prompt"),
            (self.root + "/detokenize", {"tokens": tokens}, "content"),
            (self.root + "/extras/detokenize", {"model": self.model, "tokens": tokens}, "text"),
        ], "detokenize")

    def score(self, prompt, max_tokens=0):
        """The echoed prompt's logprobs: (tokens, token_logprobs, text_offset)."""
        try:
            reply = self.post(self.base + "/completions", {
                "model": self.model, "prompt": prompt, "echo": True, "logprobs": 1,
                "max_tokens": max_tokens, "temperature": 0})
        except ServerError as e:
            if "echo" in str(e.message).lower():
                raise SystemExit(f"the server does not support echo with logprobs ({e}); it cannot "
                                 "score a text this way") from None
            raise
        lp = (reply.get("choices") or [{}])[0].get("logprobs") or {}
        values = lp.get("token_logprobs")
        if not isinstance(values, list):
            raise SystemExit("the server answered echo without legacy logprobs "
                             "(choices[0].logprobs.token_logprobs); it cannot score a text this way")
        return lp.get("tokens") or [], values, lp.get("text_offset") or []


def windows(n, window, stride):
    """(begin, end, targets): standard strided perplexity, each window scoring its last `targets`
    tokens, those after the previous window's end."""
    prev_end = 0
    for begin in range(0, n, stride):
        end = min(begin + window, n)
        yield begin, end, end - prev_end
        prev_end = end
        if end == n:
            break


def perplexity(client, text, window, stride, log=None):
    ids = client.tokenize(text)
    if len(ids) < 2:
        raise SystemExit("the text has fewer than 2 tokens")
    by_ids = True
    total, count, done = 0.0, 0, 0
    for begin, end, targets in windows(len(ids), window, stride):
        chunk = ids[begin:end]
        if by_ids:
            try:
                _, values, _ = client.score(chunk)
            except ServerError as e:
                # Completions that take text only refuse a list of ids (a validation error, which
                # llama-cpp-python answers with a 500): try the window as text.
                message = str(e.message).lower()
                if begin != 0 or "context" in message or "echo" in message:
                    raise
                by_ids = False
        if by_ids:
            if len(values) == len(chunk) + 1:  # a BOS the server put in front
                values = values[1:]
            if len(values) != len(chunk):
                raise SystemExit(f"the server scored {len(values)} tokens of a {len(chunk)}-token window")
            scored = [v for v in values[len(chunk) - targets:] if v is not None]
        else:
            # max_tokens 1, the generated token dropped: llama-cpp-python reads 0 as "unbounded".
            context = client.detokenize(chunk[:len(chunk) - targets]) if targets < len(chunk) else ""
            window_text = client.detokenize(chunk)
            _, values, offsets = client.score(window_text, max_tokens=1)
            if len(offsets) != len(values):
                raise SystemExit("the server's logprobs have no text_offset per token")
            scored = [v for v, o in zip(values, offsets)
                      if v is not None and len(context) <= o < len(window_text)]
        total += sum(scored)
        count += len(scored)
        done += 1
        if log:
            print(f"window {done}: tokens [{begin}, {end}), scored {len(scored)}", file=log)
    nll = -total / count
    return {"perplexity": math.exp(nll), "tokens": count, "windows": done, "nll": nll}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", required=True, help="the server's OpenAI base URL, e.g. http://host:8000/v1")
    ap.add_argument("--model", required=True)
    ap.add_argument("--text", required=True, help="UTF-8 text file")
    ap.add_argument("--window", type=int, default=1024, help="tokens per request (at most the context)")
    ap.add_argument("--stride", type=int, default=512, help="tokens between window starts")
    ap.add_argument("--api-key")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per request")
    ap.add_argument("--verbose", action="store_true", help="one line per window on stderr")
    args = ap.parse_args(argv)
    if args.window < 2 or not 1 <= args.stride <= args.window:
        ap.error("need --window >= 2 and 1 <= --stride <= --window")
    with open(args.text, encoding="utf-8") as f:
        text = f.read()
    client = Client(args.base_url, args.model, args.api_key, args.timeout)
    try:
        result = perplexity(client, text, args.window, args.stride, sys.stderr if args.verbose else None)
    except ServerError as e:
        raise SystemExit(f"scoring failed: {e}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
