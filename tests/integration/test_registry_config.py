"""config/registry.ini is a valid configuration: with its paths pointed at temporary files it
passes `wharfd check-config` and serves."""

import pathlib
import re
import subprocess

import requests

from registry_harness import PLUGIN_DIR, WHARFD, free_port, wait_http

CONFIG = pathlib.Path(__file__).resolve().parents[2] / "config" / "registry.ini"


def _localised(tmp_path):
    text = CONFIG.read_text()
    (tmp_path / "htpasswd").write_text(
        subprocess.run(["htpasswd", "-nbB", "-C", "4", "alice", "pw"], capture_output=True,
                       text=True, check=True).stdout)
    port, mport, aport = free_port(), free_port(), free_port()
    repl = {
        "plugin_path": PLUGIN_DIR, "data_dir": tmp_path / "data", "root": tmp_path / "registry",
        "file": tmp_path / "htpasswd", "access_log": tmp_path / "access.log",
    }
    for key, value in repl.items():
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
    text = re.sub(r"(?m)^tls_cert = .*\n", "", text)
    text = re.sub(r"(?m)^tls_key = .*$", "tls = self-signed", text)
    text = text.replace("bind = 0.0.0.0:5000", f"bind = 127.0.0.1:{port}")
    text = text.replace("bind = 0.0.0.0:9100", f"bind = 127.0.0.1:{mport}")
    text = text.replace("bind = 127.0.0.1:8080", f"bind = 127.0.0.1:{aport}")
    path = tmp_path / "registry.ini"
    path.write_text(text)
    return path, port, mport


def test_registry_ini_checks_and_serves(tmp_path):
    path, port, mport = _localised(tmp_path)
    r = subprocess.run([WHARFD, "check-config", str(path)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    proc = subprocess.Popen([WHARFD, "--config", str(path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_http(f"https://127.0.0.1:{port}/health", proc=proc)
        assert requests.get(f"https://127.0.0.1:{port}/v2/", verify=False).status_code == 401
        assert requests.get(f"https://127.0.0.1:{port}/v2/", auth=("alice", "pw"),
                            verify=False).status_code == 200
        assert "registry_http_requests_total" in requests.get(
            f"http://127.0.0.1:{mport}/metrics").text
    finally:
        proc.terminate()
        assert proc.wait(20) == 0
