"""Start-up failures, SIGTERM drain, SIGHUP reload, systemd notify and the CLI sub-commands."""
import signal
import socket
import subprocess
import threading
import time

from conftest import WHARFD, PLUGIN_DIRS, free_port, http, wait_until

API = """
metrics_listener = none
admin_listener = none
[listener.api]
bind = 127.0.0.1:{api}
[plugin.echo]
module = test-echo
listener = api
order_log = {tmp}/order.log
"""


def run(*args, timeout=20):
    return subprocess.run([WHARFD, *args], capture_output=True, text=True, timeout=timeout)


def test_sigterm_drain_lets_in_flight_finish(wharfd):
    w = wharfd(API)
    result = {}

    def slow():
        result["reply"] = http("GET", w.url("api", "/echo/slow?ms=1500"), timeout=10)

    t = threading.Thread(target=slow)
    t.start()
    deadline = time.time() + 20  # until the slow request is being served
    while time.time() < deadline and "slow 1500" not in (w.tmp / "order.log").read_text():
        time.sleep(0.02)
    w.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    # New connections are no longer accepted while the slow request finishes.
    refused = False
    try:
        status = http("GET", w.url("api", "/echo/x"), timeout=2)[0]
        refused = status == 503
    except OSError:
        refused = True
    assert refused
    t.join()
    status, _, body = result["reply"]
    assert status == 200 and body == b"slow done after 1500 ms\n"
    assert w.proc.wait(timeout=10) == 0
    assert "draining" in w.output() and "stopped" in w.output()


def test_a_handler_that_ignores_the_stop_does_not_hold_the_exit(wharfd):
    """test-echo's /slow sleeps through everything: at drain_timeout the host asks it to stop,
    and when it still runs the last-resort timer ends the process (exit 1) within drain + 2 s."""
    w = wharfd(API, drain_timeout="1s")
    def slow():
        try:
            http("GET", w.url("api", "/echo/slow?ms=20000"), timeout=30)
        except OSError:
            pass  # the connection goes with the process

    threading.Thread(target=slow, daemon=True).start()
    wait_until(lambda: "slow 20000" in (w.tmp / "order.log").read_text(), what="the slow request")
    start = time.monotonic()
    w.proc.send_signal(signal.SIGTERM)
    rc = w.proc.wait(timeout=30)
    elapsed = time.monotonic() - start
    assert rc == 1, w.output()
    assert elapsed < 1 + 2, f"exited {elapsed:.1f} s after SIGTERM:\n{w.output()}"
    assert "stop did not complete in time" in w.output()


def test_sighup_reloads_instances(wharfd, tmp_path):
    w = wharfd(API)
    w.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 20
    while time.time() < deadline and "reload echo" not in (tmp_path / "order.log").read_text():
        time.sleep(0.05)
    assert (tmp_path / "order.log").read_text().splitlines()[:2] == ["create echo", "reload echo"]
    assert http("GET", w.url("api", "/health"))[0] == 200
    assert w.stop() == 0
    assert (tmp_path / "order.log").read_text().splitlines()[-1] == "destroy echo"


def test_port_in_use_stops_start_up(wharfd):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        w = wharfd(API.replace("{api}", str(port)), start=False)
        w.start(wait=False)
        assert w.proc.wait(timeout=10) == 78
        assert f"[listener.api] bind: address 127.0.0.1:{port} is already in use" in w.output()
        r = run("check-config", str(w.config))
        assert r.returncode == 78 and f"address 127.0.0.1:{port} is not available" in r.stderr
        r = run("check-config", "--no-bind", str(w.config))
        assert r.returncode == 0, r.stderr


def test_bad_config_exits_non_zero_with_the_line(tmp_path):
    bad = tmp_path / "bad.ini"
    bad.write_text(f"[host]\nplugin_path = {PLUGIN_DIRS}\n[listener.api]\nbind = 127.0.0.1:1\n"
                   "[plugin.echo]\nmodule = test-echo\nlistener = api\nprefixx = /e\n")
    r = run("--config", str(bad))
    assert r.returncode == 78
    assert f"{bad}:8: [plugin.echo] prefixx: unknown key for module test-echo" in r.stderr
    r = run("check-config", str(bad))
    assert r.returncode == 78 and "prefixx: unknown key" in r.stderr
    r = run("--config", str(tmp_path / "missing.ini"))
    assert r.returncode == 78 and "cannot open the configuration file" in r.stderr
    failing = tmp_path / "failing.ini"
    failing.write_text(f"[host]\nplugin_path = {PLUGIN_DIRS}\ndata_dir = {tmp_path}/d\nmetrics_listener = none\n"
                       f"admin_listener = none\n[listener.api]\nbind = 127.0.0.1:{free_port()}\n"
                       "[plugin.boom]\nmodule = test-echo\nlistener = api\nfail_create = true\n")
    r = run("--config", str(failing))
    assert r.returncode == 78 and "[plugin.boom] (module test-echo): start-up failed: told to fail" in r.stderr


def test_cli_version_check_config_and_plugins(tmp_path):
    r = run("version")
    assert r.returncode == 0 and r.stdout.startswith("wharfd ") and "ABI 1.3" in r.stdout
    good = tmp_path / "good.ini"
    good.write_text(f"[host]\nplugin_path = {PLUGIN_DIRS}\nmetrics_listener = none\nadmin_listener = none\n"
                    f"[listener.api]\nbind = 127.0.0.1:{free_port()}\n[plugin.mem]\nmodule = storage-memory\n")
    r = run("check-config", str(good))
    assert r.returncode == 0 and "OK (1 listeners, 1 plugin instances)" in r.stdout
    r = run("plugins", "--config", str(good))
    lines = r.stdout.splitlines()
    assert any(l.startswith("http-service\ttest-echo\t1.0.0\tABI 1.3") for l in lines), r.stdout
    assert any(l.startswith("storage\tstorage-memory\t") for l in lines), r.stdout
    # The deliberately incompatible test modules are reported, not loaded.
    assert any(l.startswith("error\ttest-abi-major\t") and "incompatible" in l for l in lines), r.stdout
    assert r.returncode == 1
    assert run("frobnicate").returncode == 64


def test_systemd_notify_ready_and_watchdog(wharfd, tmp_path):
    sock_path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(5)
    w = wharfd(API, env={"NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": "200000"})
    messages = []
    deadline = time.time() + 20
    while time.time() < deadline and sum("WATCHDOG=1" in m for m in messages) < 3:
        messages.append(sock.recv(4096).decode())
    assert any("READY=1" in m for m in messages)
    assert sum("WATCHDOG=1" in m for m in messages) >= 3
    assert w.stop() == 0
    tail = []
    try:
        while True:
            tail.append(sock.recv(4096).decode())
    except socket.timeout:
        pass
    assert any("STOPPING=1" in m for m in tail)
    sock.close()


def test_json_logs_and_access_log(wharfd, tmp_path):
    w = wharfd(API.replace("[listener.api]", "log_format = json\n[listener.api]").replace(
        "bind = 127.0.0.1:{api}", "bind = 127.0.0.1:{api}\naccess_log = {tmp}/access.log"))
    assert http("GET", w.url("api", "/echo/logged?x=1"), headers={"User-Agent": "probe/1"})[0] == 200
    assert w.stop() == 0
    import json
    lines = [json.loads(l) for l in w.output().splitlines() if l.startswith("{")]
    assert any(l["logger"] == "wharf.host" and l["msg"] == "wharfd ready" and l["level"] == "info" for l in lines)
    (entry,) = [json.loads(l) for l in (tmp_path / "access.log").read_text().splitlines()]
    assert entry["method"] == "GET" and entry["path"] == "/echo/logged" and entry["status"] == 200
    assert entry["route"] == "/echo" and entry["user_agent"] == "probe/1" and entry["client"] == "127.0.0.1"


def test_log_file_lines_are_on_disk_while_running_and_after_sigkill(wharfd, tmp_path):
    # The log file used to be flushed only at exit: 0 bytes after 20 minutes, everything lost on
    # SIGKILL.
    log = tmp_path / "wharf.log"
    access = tmp_path / "access.log"
    body = API.replace("admin_listener = none", f"admin_listener = none\nlog_file = {log}")
    body = body.replace("bind = 127.0.0.1:{api}", f"bind = 127.0.0.1:{{api}}\naccess_log = {access}")
    w = wharfd(body)
    assert http("GET", w.url("api", "/echo/logged"))[0] == 200
    wait_until(lambda: access.exists() and "/echo/logged" in access.read_text(), timeout=10,
               what="the access line on disk")
    wait_until(lambda: "wharfd ready" in log.read_text(), timeout=10, what="the log line on disk")
    w.proc.kill()
    w.proc.wait(timeout=10)
    assert "wharfd ready" in log.read_text() and "/echo/logged" in access.read_text()
