"""Fixtures that run a real wharfd on loopback: write an INI with free ports, start the process,
wait for /health, and stop it with SIGTERM at the end (asserting a clean exit)."""
import os
import pathlib
import signal
import subprocess
import sys
import urllib.request

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from wharf_testing import free_port, port_open, wait_until  # noqa: E402,F401

WHARFD = os.environ.get("WHARFD", "wharfd")
PLUGIN_DIRS = ":".join(p for p in (os.environ.get("WHARF_TEST_PLUGIN_DIR"), os.environ.get("WHARF_PLUGIN_DIR")) if p)


class Wharfd:
    def __init__(self, tmp_path, ini_body, ports, drain_timeout="10s"):
        self.tmp = tmp_path
        self.ports = ports
        self.data = tmp_path / "data"
        self.config = tmp_path / "wharf.ini"
        self.log_path = tmp_path / "wharfd.log"
        # drain_timeout stays below stop()'s wait, so a clean stop is never cut short
        head = f"[host]\nplugin_path = {PLUGIN_DIRS}\ndata_dir = {self.data}\ndrain_timeout = {drain_timeout}\n"
        self.config.write_text(head + ini_body.format(**ports, tmp=tmp_path))
        self.proc = None

    def start(self, env=None, wait=True):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([WHARFD, "--config", str(self.config)], stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})})
        if wait:
            self.wait_healthy()
        return self

    def url(self, listener, path="", scheme="http"):
        return f"{scheme}://127.0.0.1:{self.ports[listener]}{path}"

    def wait_healthy(self, listener=None, timeout=10):
        listener = listener or next(iter(self.ports))
        try:
            wait_until(lambda: port_open(self.ports[listener]), timeout=timeout,
                       what=f"wharfd to listen on {listener}", proc=self.proc)
        except AssertionError as e:
            raise AssertionError(f"{e}:\n{self.output()}") from None

    def output(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("wharfd did not stop after SIGTERM:\n" + self.output())
        return self.proc.returncode


@pytest.fixture
def wharfd(tmp_path):
    """wharfd(ini_body, listeners=[...]) -> started Wharfd. Ports are free loopback ports,
    available in the INI as {name}."""
    started = []

    def make(ini_body, listeners=("api",), start=True, env=None, drain_timeout="10s"):
        ports = {name: free_port() for name in listeners}
        w = Wharfd(tmp_path, ini_body, ports, drain_timeout)
        if start:
            w.start(env=env)
        started.append(w)
        return w

    yield make
    for w in started:
        if w.proc and w.proc.poll() is None:
            code = w.stop()
            assert code == 0, f"wharfd exited with {code} after SIGTERM:\n{w.output()}"


def http(method, url, body=None, headers=None, timeout=10):
    """-> (status, headers, body bytes), never raising on HTTP errors."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
