"""SIGTERM during a long streaming generation: wharfd waits drain_timeout, then ends the generation
(finish_reason "abort", then [DONE], the stream closed cleanly) and exits within drain_timeout +
2 s instead of waiting for the generation to run to its end."""
import json
import signal
import threading
import time
import urllib.request

from conftest import Server
from wharf_testing import wait_until

DRAIN = 2.0


def test_sigterm_aborts_a_running_stream_at_the_drain_deadline(tmp_path):
    s = Server(tmp_path, drain_timeout=f"{DRAIN}s")
    try:
        req = urllib.request.Request(
            s.base_url + "/completions", method="POST",
            data=json.dumps({"model": "smollm2", "prompt": "Write a long essay.", "max_tokens": 4000,
                             "stream": True, "ignore_eos": True}).encode(),
            headers={"Content-Type": "application/json"})
        events = []

        def read_stream():
            with urllib.request.urlopen(req, timeout=60) as r:
                for line in r:
                    line = line.decode().strip()
                    if line.startswith("data: "):
                        events.append(line[len("data: "):])

        reader = threading.Thread(target=read_stream)
        reader.start()
        wait_until(lambda: s.engine_stats()["num_requests_running"] == 1, timeout=30,
                   what="the generation to run")
        start = time.monotonic()
        s.proc.send_signal(signal.SIGTERM)
        rc = s.proc.wait(timeout=60)
        elapsed = time.monotonic() - start
        reader.join(timeout=10)
        assert not reader.is_alive(), "the stream was not closed"
    finally:
        s.stop()
    log = s.output()
    assert rc == 0, log
    assert elapsed < DRAIN + 2, f"exited {elapsed:.1f} s after SIGTERM (drain_timeout {DRAIN} s):\n{log}"
    assert elapsed >= DRAIN - 0.5, f"exited {elapsed:.1f} s after SIGTERM, before drain_timeout"
    assert events and events[-1] == "[DONE]", events[-3:]
    chunks = [json.loads(e) for e in events[:-1]]
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert finishes == ["abort"], finishes
    assert "ending them now" in log
