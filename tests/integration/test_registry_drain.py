"""SIGTERM while an upload is still arriving: wharfd waits drain_timeout for it, then cancels it
(nothing becomes visible, the blob answers 404 after a restart) and exits within drain_timeout +
2 s."""

import os
import signal
import socket
import time

import requests

from oci import digest
from registry_harness import Wharfd
from wharf_testing import wait_until

DRAIN = 2.0


def test_sigterm_cancels_a_slow_upload_at_the_drain_deadline(tmp_path):
    w = Wharfd(tmp_path / "w", drain_timeout=f"{DRAIN}s").start()
    data = os.urandom(4 << 20)
    d = digest(data)
    r = requests.post(f"{w.url}/v2/drain/slow/blobs/uploads/", timeout=10)
    assert r.status_code == 202, r.text
    path = r.headers["Location"]
    path += ("&" if "?" in path else "?") + f"digest={d}"
    head = (f"PUT {path} HTTP/1.1\r\nHost: {w.host}\r\nContent-Length: {len(data)}\r\n"
            "Content-Type: application/octet-stream\r\n\r\n")
    with socket.create_connection(("127.0.0.1", w.port)) as s:
        s.sendall(head.encode() + data[:65536])  # and then nothing more: a stalled client
        wait_until(lambda: w.requests_in_flight() >= 1, what="the upload to be in flight")
        start = time.monotonic()
        w.proc.send_signal(signal.SIGTERM)
        rc = w.proc.wait(timeout=30)
        elapsed = time.monotonic() - start
        w.proc = None
        w.log.close()
    log = w.log_text()
    assert rc == 0, log
    assert elapsed < DRAIN + 2, f"exited {elapsed:.1f} s after SIGTERM (drain_timeout {DRAIN} s):\n{log}"
    assert "ending them now" in log, log
    w.start()
    assert requests.head(f"{w.url}/v2/drain/slow/blobs/{d}", timeout=10).status_code == 404
    assert w.stop() == 0, w.log_text()
