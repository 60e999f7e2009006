"""A real wharfd serving SmolLM2 through engine-cpu and inference-api on loopback, shared by the
tests of a module (loading the model once)."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

WHARFD = os.environ.get("WHARFD", "wharfd")
PLUGIN_DIR = os.environ.get("WHARF_PLUGIN_DIR", "")
MODEL = os.environ.get("WHARF_TEST_MODEL", "")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp, extra_engine="", extra_api=""):
        if not MODEL or not os.path.exists(MODEL):
            pytest.skip(f"model not found: set WHARF_TEST_MODEL (packaging/fetch-model.sh models); got '{MODEL}'")
        self.api_port, self.admin_port = free_port(), free_port()
        self.config = tmp / "inference.ini"
        self.config.write_text(f"""
[host]
plugin_path = {PLUGIN_DIR}
data_dir = {tmp}/data
drain_timeout = 10s
metrics_listener = api
admin_listener = admin
[listener.api]
bind = 127.0.0.1:{self.api_port}
[listener.admin]
bind = 127.0.0.1:{self.admin_port}
[plugin.engine]
module = engine-cpu
model = {MODEL}
threads = 2
{extra_engine}
[plugin.openai]
module = inference-api
listener = api
engine = engine
served_model_name = smollm2
admin_listener = admin
{extra_api}
""")
        self.log_path = tmp / "wharfd.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([WHARFD, "--config", str(self.config)], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"wharfd exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}/ready", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("wharfd did not become ready:\n" + self.output())
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

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("wharfd did not stop after SIGTERM:\n" + self.output())
        return self.proc.returncode


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("inference"))
    yield s
    assert s.stop() == 0, s.output()


@pytest.fixture(scope="module")
def client(server):
    from openai import OpenAI
    return OpenAI(base_url=server.base_url, api_key="unused", max_retries=0, timeout=120)
