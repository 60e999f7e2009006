#!/usr/bin/env python3
"""Starts and stops wharfd many times with a little traffic on two listeners and reports every
stop that takes long; for a hung stop it saves all threads' stacks (gdb). A manual tool, not a
test (pytest does not collect it): the race it found needs a loaded machine to show.

It found Poco's TCPServerDispatcher missing its stop notification: with a 60 s thread idle time,
14 of 150 stops hung for the whole idle time while two `yes > /dev/null` loaded the 2 cores; with
the 1 s idle time the listeners now use, 0 of 150.

Usage: stress_stop.py [BUILD_DIR] [CYCLES]     (load it with e.g. `yes > /dev/null &` twice)
"""
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from wharf_testing import free_port  # noqa: E402


def request(method, url, body=None):
    try:
        urllib.request.urlopen(urllib.request.Request(url, data=body, method=method), timeout=5).read()
    except (urllib.error.URLError, OSError):
        pass


def main():
    build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "build").resolve()
    cycles = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    slow = 0
    for i in range(cycles):
        work = pathlib.Path(tempfile.mkdtemp(prefix="wharf-stop-"))
        api, admin = free_port(), free_port()
        (work / "wharf.ini").write_text(
            f"[host]\nplugin_path = {build}/lib/wharf/plugins\ndata_dir = {work}/data\n"
            "drain_timeout = 10s\nmetrics_listener = api\nadmin_listener = admin\n"
            f"[listener.api]\nbind = 127.0.0.1:{api}\n[listener.admin]\nbind = 127.0.0.1:{admin}\n")
        with open(work / "wharfd.log", "wb") as log:
            proc = subprocess.Popen([str(build / "bin/wharfd"), "--config", str(work / "wharf.ini")],
                                    stdout=log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", api), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.02)
        for method, port, path, body in (("GET", api, "/health", None), ("GET", api, "/metrics", None),
                                         ("GET", admin, "/admin/plugins", None),
                                         ("PUT", admin, "/admin/log-level", b'{"level":"debug"}'),
                                         ("GET", admin, "/admin/log-level", None)):
            request(method, f"http://127.0.0.1:{port}{path}", body)
        start = time.time()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            stacks = subprocess.run(["gdb", "-p", str(proc.pid), "-batch", "-nx",
                                     "-ex", "thread apply all bt"], capture_output=True, text=True)
            (work / "stacks.txt").write_text(stacks.stdout)
            proc.kill()
            proc.wait()
            print(f"cycle {i}: no exit 15 s after SIGTERM; stacks in {work}/stacks.txt", flush=True)
        took = time.time() - start
        if took > 2:
            slow += 1
            print(f"cycle {i}: the stop took {took:.1f} s", flush=True)
    print(f"{slow} of {cycles} stops took more than 2 s")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
