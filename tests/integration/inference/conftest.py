"""A real wharfd serving SmolLM2 through engine-cpu and inference-api on loopback, shared by the
tests of a module (loading the model once)."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import urllib.request

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from wharf_testing import free_port, wait_until  # noqa: E402

WHARFD = os.environ.get("WHARFD", "wharfd")
PLUGIN_DIR = os.environ.get("WHARF_PLUGIN_DIR", "")
MODEL = os.environ.get("WHARF_TEST_MODEL", "")
HF_MODEL = os.environ.get("WHARF_TEST_HF_MODEL", "")


def ready(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as r:
        return r.status == 200


def config_text(tmp, api_port, admin_port, model, extra_engine="", extra_api="", extra_sections="",
                drain_timeout="10s"):
    """The INI of a Server: [plugin.engine] (engine-cpu over `model`, with `extra_engine` lines),
    [plugin.openai] (inference-api, with `extra_api` lines), then `extra_sections` (more plugin
    instances, e.g. a quant backend the engine names)."""
    return f"""
[host]
plugin_path = {PLUGIN_DIR}
data_dir = {tmp}/data
drain_timeout = {drain_timeout}
metrics_listener = api
admin_listener = admin
[listener.api]
bind = 127.0.0.1:{api_port}
[listener.admin]
bind = 127.0.0.1:{admin_port}
[plugin.engine]
module = engine-cpu
model = {model}
threads = 2
{extra_engine}
[plugin.openai]
module = inference-api
listener = api
engine = engine
served_model_name = smollm2
admin_listener = admin
{extra_api}
{extra_sections}
"""


def skip_without(model):
    """Skips the test when the model file or directory is not there."""
    if not model or not os.path.exists(model):
        pytest.skip(f"model not found: set WHARF_TEST_MODEL / WHARF_TEST_HF_MODEL "
                    f"(packaging/fetch-model.sh models, tests/fixtures/make_hf_model.sh); got '{model}'")


class Server:
    """wharfd with [plugin.engine] (engine-cpu over `model`) and [plugin.openai] (inference-api,
    served as "smollm2"); `drain_timeout` stays below stop()'s wait so a clean stop is never cut
    short. `extra_sections` is appended to the INI (e.g. a [plugin.awq] quant backend)."""

    def __init__(self, tmp, extra_engine="", extra_api="", model=None, drain_timeout="10s",
                 extra_sections=""):
        model = MODEL if model is None else model
        skip_without(model)
        self.api_port, self.admin_port = free_port(), free_port()
        self.config = tmp / "inference.ini"
        self.config.write_text(config_text(tmp, self.api_port, self.admin_port, model, extra_engine,
                                           extra_api, extra_sections, drain_timeout))
        self.log_path = tmp / "wharfd.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([WHARFD, "--config", str(self.config)], stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: ready(self.api_port), timeout=60, what="/ready", proc=self.proc)
        except AssertionError as e:
            raise AssertionError(f"{e}:\n{self.output()}") from None
        self.base_url = f"http://127.0.0.1:{self.api_port}/v1"

    def output(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def engine_stats(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/admin/engine", timeout=5) as r:
            return json.loads(r.read())

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}/metrics", timeout=5) as r:
            return r.read().decode()

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("wharfd did not stop after SIGTERM:\n" + self.output())
        return self.proc.returncode



def client_of(server):
    """An openai SDK client of `server` (no retries, generous timeout)."""
    from openai import OpenAI
    return OpenAI(base_url=server.base_url, api_key="unused", max_retries=0, timeout=120)


def start_fails(tmp, model, extra_engine, extra_sections):
    """Runs wharfd over `model` (with `extra_engine` lines and `extra_sections`, as a Server) until
    it exits; it must not become ready. Returns its exit status and output."""
    api_port = free_port()
    config = tmp / "inference.ini"
    config.write_text(config_text(tmp, api_port, free_port(), model, extra_engine, "", extra_sections))
    log_path = tmp / "wharfd.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([WHARFD, "--config", str(config)], stdout=log, stderr=subprocess.STDOUT)
        try:
            # wait_until retries while /ready refuses connections
            wait_until(lambda: proc.poll() is not None or ready(api_port), timeout=60,
                       what="wharfd to exit")
            served = proc.poll() is None
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.wait(timeout=60)
    output = log_path.read_text(errors="replace")
    assert not served, "wharfd served a checkpoint it should refuse:\n" + output
    return proc.returncode, output


def next_token_logprobs(server, prompts):
    """The top-20 next-token logprobs ({token text: logprob}) after each prompt, in one request."""
    r = client_of(server).completions.create(model="smollm2", prompt=list(prompts), max_tokens=1,
                                             temperature=0, logprobs=20)
    return [c.logprobs.top_logprobs[0] for c in sorted(r.choices, key=lambda c: c.index)]


def reference_tokens(reference, prompts, forced_tokens):
    """Teacher forcing's reference side: for each of `prompts` (whose continuations must be plain
    ASCII: the text is cut at byte offsets), the reference's greedy continuation of
    `forced_tokens` tokens cut after 0..forced_tokens-1 tokens. Returns, per prompt, a list of
    (prompt text, the reference's top next token, its logprob)."""
    per_prompt = []
    for prompt in prompts:
        r = client_of(reference).completions.create(
            model="smollm2", prompt=prompt, max_tokens=forced_tokens, temperature=0, logprobs=1)
        choice = r.choices[0]
        text = choice.text.encode()
        forced = [prompt + text[:off].decode(errors="replace") for off in choice.logprobs.text_offset]
        rows = []
        for f, top in zip(forced, next_token_logprobs(reference, forced)):
            token = max(top, key=top.get)
            rows.append((f, token, top[token]))
        per_prompt.append(rows)
    return per_prompt


def forced_scores(reference_rows, candidate):
    """The candidate's side: for reference_tokens' rows, per prompt a list of (agree, reference
    logprob of its top token, candidate logprob of that token); a token missing from the
    candidate's top 20 counts with the lowest of those 20 (a bound in its favour)."""
    per_prompt = []
    for rows in reference_rows:
        tops = next_token_logprobs(candidate, [f for f, _, _ in rows])
        per_prompt.append([(max(ct, key=ct.get) == token, lp, ct.get(token, min(ct.values())))
                           for (_, token, lp), ct in zip(rows, tops)])
    return per_prompt


def teacher_forced(reference, candidate, prompts, forced_tokens):
    """Both servers predict the next token of the same texts, the prompts followed by 0..n-1
    tokens of the reference's greedy continuation (so one divergence does not derail everything
    after it): forced_scores(reference_tokens(...), candidate)."""
    return forced_scores(reference_tokens(reference, prompts, forced_tokens), candidate)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("inference"))
    yield s
    assert s.stop() == 0, s.output()


@pytest.fixture(scope="module")
def client(server):
    from openai import OpenAI
    return OpenAI(base_url=server.base_url, api_key="unused", max_retries=0, timeout=120)
