"""The admin service: plugins, config with secrets redacted, log level, drain, bearer token."""
import json
import subprocess

import pytest

from conftest import WHARFD, http

CONFIG = """
metrics_listener = none
admin_listener = admin
admin_token_file = {tmp}/token
[listener.api]
bind = 127.0.0.1:{api}
[listener.admin]
bind = 127.0.0.1:{admin}
[plugin.echo]
module = test-echo
listener = api
secret_token = hunter2
size = 2M
admin_listener = admin
"""


def start(wharfd, tmp_path):
    (tmp_path / "token").write_text("s3cret-admin\n")
    return wharfd(CONFIG, ("api", "admin"))


AUTH = {"Authorization": "Bearer s3cret-admin"}


def test_token_guard(wharfd, tmp_path):
    w = start(wharfd, tmp_path)
    status, headers, _ = http("GET", w.url("admin", "/admin/plugins"))
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    assert http("GET", w.url("admin", "/admin/plugins"), headers={"Authorization": "Bearer wrong"})[0] == 401
    assert http("GET", w.url("admin", "/admin/plugins"), headers=AUTH)[0] == 200
    assert http("GET", w.url("admin", "/health"))[0] == 200  # health stays open


def test_plugins_and_config(wharfd, tmp_path):
    w = start(wharfd, tmp_path)
    _, _, body = http("GET", w.url("admin", "/admin/plugins"), headers=AUTH)
    info = json.loads(body)
    (echo,) = info["instances"]
    assert echo["instance"] == "echo" and echo["module"] == "test-echo" and echo["kind"] == "http-service"
    assert echo["abi"] == "1.3" and echo["listener"] == "api"
    assert any(m["module"] == "test-echo" for m in info["modules"])
    _, _, body = http("GET", w.url("admin", "/admin/config"), headers=AUTH)
    cfg = json.loads(body)["sections"]
    assert cfg["plugin.echo"]["secret_token"] == "<redacted>"
    assert cfg["plugin.echo"]["size"] == "2M"
    assert "hunter2" not in body.decode()


def test_log_level(wharfd, tmp_path):
    w = start(wharfd, tmp_path)
    status, _, body = http("PUT", w.url("admin", "/admin/log-level"), body=b'{"level":"debug"}', headers=AUTH)
    assert status == 200 and json.loads(body) == {"logger": "wharf", "level": "debug"}
    status, _, body = http("PUT", w.url("admin", "/admin/log-level"), body=b'{"level":"loud"}', headers=AUTH)
    assert status == 400 and "unknown level" in json.loads(body)["error"]["message"]
    assert http("GET", w.url("admin", "/admin/log-level"), headers=AUTH)[0] == 405


def test_drain_makes_ready_fail_and_refuses_new_work(wharfd, tmp_path):
    w = start(wharfd, tmp_path)
    assert http("GET", w.url("api", "/ready"))[0] == 200
    status, _, body = http("POST", w.url("admin", "/admin/drain"), headers=AUTH)
    assert status == 202 and json.loads(body)["draining"] is True
    status, _, body = http("GET", w.url("api", "/ready"))
    assert status == 503 and json.loads(body)["status"] == "draining"
    status, headers, _ = http("GET", w.url("api", "/echo/x"))
    assert status == 503 and headers["Retry-After"] == "5"
    assert http("GET", w.url("api", "/health"))[0] == 200


def test_plugin_routes_on_the_admin_listener_share_its_guard(wharfd, tmp_path):
    w = start(wharfd, tmp_path)
    assert http("GET", w.url("admin", "/echo-admin"))[0] == 401
    status, _, body = http("GET", w.url("admin", "/echo-admin"), headers=AUTH)
    assert status == 200 and body == b"admin side of echo\n"
    assert http("GET", w.url("api", "/echo-admin"))[0] == 404


@pytest.mark.parametrize("content", ["", "\n", "   \n", "\nthe-token\n", "two words\n", "tok\0en\n",
                                     "first\nsecond\n"],
                         ids=["empty", "newline", "spaces", "blank-first-line", "space-inside", "nul",
                              "two-lines"])
def test_an_unusable_admin_token_file_stops_start_up(wharfd, tmp_path, content):
    # An empty token file used to turn the admin token off: /admin/* answered without a token.
    (tmp_path / "token").write_text(content)
    w = wharfd(CONFIG, ("api", "admin"), start=False)
    r = subprocess.run([WHARFD, "check-config", "--no-bind", str(w.config)], capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 78, r.stderr
    assert "[host] admin_token_file" in r.stderr and str(tmp_path / "token") in r.stderr, r.stderr
    w.start(wait=False)
    assert w.proc.wait(timeout=10) == 78
    assert str(tmp_path / "token") in w.output()
