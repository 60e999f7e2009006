#!/usr/bin/env python3
"""Connection-flood bench: how fast wharfd answers legitimate requests while it holds a crowd of
idle connections and slowloris connections (one head byte per second each).

Starts wharfd on a free loopback port (echo plugin, max_connections = 30000,
max_connections_per_client = 0, header_timeout long enough that the crowd stays for the whole
run: the architecture is measured, not the timeouts), opens --idle silent connections from
127.0.0.2..127.0.0.50 (so that no per-client cap could be what saves the server) and --slowloris
connections that drip a never-ending head one byte a second (one background thread, a selector;
one that the server closes is opened again), then times --requests sequential GET /health from
127.0.0.1, each on a new connection, and as many again on one keep-alive connection. Prints a
Markdown table; exits 1 if any legitimate request failed. wharfd is killed on exit.

Not a test (nothing registers it with ctest). Build first, then from the repository root:
  python3 tests/bench/connections_bench.py --wharfd build/bin/wharfd \\
      --plugin-dir build/lib/wharf/plugins --test-plugin-dir build/test-plugins [--tls]
"""
import argparse
import atexit
import pathlib
import resource
import selectors
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
HEALTH_CLOSE = b"GET /health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
HEALTH_KEEP = b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n"
SLOW_HEAD = b"GET /health HTTP/1.1\r\nHost: bench\r\nX-Slowloris: "
CROWD_SOURCES = [f"127.0.0.{i}" for i in range(2, 51)]


def raise_nofile(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(needed, 65536)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    if soft != resource.RLIM_INFINITY and soft < needed:
        sys.exit(f"need about {needed} descriptors, RLIMIT_NOFILE allows {soft}: raise the hard limit (ulimit -Hn)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def connect(port, source="127.0.0.1", timeout=5.0):
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


class Server:
    def __init__(self, args, work):
        self.port = free_port()
        self.work = work
        self.config = work / "bench.ini"
        plugin_path = ":".join(str(pathlib.Path(p).resolve()) for p in (args.test_plugin_dir, args.plugin_dir) if p)
        tls = "tls = self-signed\n" if args.tls else ""
        self.config.write_text(f"""[host]
plugin_path = {plugin_path}
data_dir = {work}/data
metrics_listener = none
admin_listener = none
log_level = warning
[listener.api]
bind = 127.0.0.1:{self.port}
{tls}max_connections = 30000
max_connections_per_client = 0
header_timeout = {args.header_timeout}
idle_timeout = {args.header_timeout}
[plugin.echo]
module = test-echo
listener = api
""")
        self.log = open(work / "wharfd.log", "wb")
        self.proc = subprocess.Popen([args.wharfd, "--config", str(self.config)], stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def wait_listening(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.log.flush()
        sys.exit(f"wharfd did not listen on {self.port}:\n{(self.work / 'wharfd.log').read_text(errors='replace')}")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Slowloris(threading.Thread):
    """Keeps `n` connections dripping one head byte a second each, spread evenly over the second;
    a connection the server answers or closes is counted and replaced."""

    def __init__(self, port, n, tls):
        super().__init__(daemon=True)
        self.port, self.n, self.tls = port, n, tls
        self.stop = threading.Event()
        self.sel = selectors.DefaultSelector()
        self.conns = []  # [socket, bytes sent]
        self.opened = self.closed_by_server = self.answered = self.errors = self.dripped = 0

    def open_one(self):
        try:
            s = connect(self.port, CROWD_SOURCES[self.opened % len(CROWD_SOURCES)])
            if self.tls:
                s = self.tls.wrap_socket(s)
            s.setblocking(False)
        except OSError:
            self.errors += 1
            return
        self.opened += 1
        entry = [s, 0]
        self.conns.append(entry)
        self.sel.register(s, selectors.EVENT_READ, entry)

    def drop(self, entry):
        try:
            self.sel.unregister(entry[0])
        except (KeyError, ValueError):
            pass
        entry[0].close()
        if entry in self.conns:
            self.conns.remove(entry)

    def start_all(self):
        for _ in range(self.n):
            self.open_one()
        self.start()

    def run(self):
        gap = 1.0 / max(1, self.n)
        i, next_drip = 0, time.monotonic()
        while not self.stop.is_set():
            now = time.monotonic()
            if now >= next_drip:
                if self.conns:
                    entry = self.conns[i % len(self.conns)]
                    k = entry[1]
                    byte = SLOW_HEAD[k:k + 1] or b"a"
                    try:
                        entry[0].send(byte)
                        entry[1] += 1
                        self.dripped += 1
                    except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                        pass
                    except OSError:
                        self.closed_by_server += 1
                        self.drop(entry)
                    i += 1
                next_drip += gap
                if next_drip < now - 1:  # fell behind: do not burst
                    next_drip = now + gap
            for key, _ in self.sel.select(timeout=max(0.0, min(next_drip - time.monotonic(), 0.1))):
                entry = key.data
                try:
                    data = entry[0].recv(4096)
                except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    continue
                except OSError:
                    data = b""
                if data:
                    self.answered += 1  # a 408 (or any answer): the head deadline worked
                else:
                    self.closed_by_server += 1
                self.drop(entry)
            while len(self.conns) < self.n and not self.stop.is_set():
                self.open_one()
                if self.errors > 10 * self.n:
                    break
        for entry in list(self.conns):
            self.drop(entry)


def read_until_close(s, timeout):
    deadline = time.monotonic() + timeout
    out = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no close within {timeout} s after {out[:100]!r}")
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError):
            chunk = b""
        if not chunk:
            return out
        out += chunk


def read_one(s, timeout):
    """One Content-Length-framed response on a kept-alive connection -> status."""
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        end = data.find(b"\r\n\r\n")
        if end >= 0:
            head = data[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(data) - end - 4 >= length:
                return int(head[0].split()[1])
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no complete response within {timeout} s after {data[:100]!r}")
        s.settimeout(left)
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data[:100]!r}")
        data += chunk


def measure_new_connections(port, n, tls, timeout):
    lat, failures = [], []
    for _ in range(n):
        start = time.perf_counter()
        try:
            s = connect(port, timeout=timeout)
            try:
                if tls:
                    s = tls.wrap_socket(s)
                s.sendall(HEALTH_CLOSE)
                data = read_until_close(s, timeout)
            finally:
                s.close()
            if not data.startswith(b"HTTP/1.1 200 "):
                raise ValueError(f"answered {data[:80]!r}")
            lat.append(time.perf_counter() - start)
        except Exception as e:  # noqa: BLE001 -- every failure is counted and shown
            failures.append(f"{type(e).__name__}: {e}")
    return lat, failures


def measure_keep_alive(port, n, tls, timeout):
    lat, failures = [], []
    s = None
    for _ in range(n):
        start = time.perf_counter()
        try:
            if s is None:
                s = connect(port, timeout=timeout)
                if tls:
                    s = tls.wrap_socket(s)
            s.sendall(HEALTH_KEEP)
            status = read_one(s, timeout)
            if status != 200:
                raise ValueError(f"answered {status}")
            lat.append(time.perf_counter() - start)
        except Exception as e:  # noqa: BLE001
            failures.append(f"{type(e).__name__}: {e}")
            if s is not None:
                s.close()
            s = None
    if s is not None:
        s.close()
    return lat, failures


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def still_open(socks):
    """How many of the idle crowd the server has neither answered nor closed."""
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    ready = len(sel.select(timeout=0))
    sel.close()
    return len(socks) - ready


def proc_counts(pid):
    """-> (open descriptors, threads) of a process, from /proc (Linux)."""
    try:
        fds = len(list(pathlib.Path(f"/proc/{pid}/fd").iterdir()))
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
        threads = next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:"))
        return fds, threads
    except OSError:
        return "?", "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wharfd", default=str(ROOT / "build/bin/wharfd"))
    ap.add_argument("--plugin-dir", default=str(ROOT / "build/lib/wharf/plugins"))
    ap.add_argument("--test-plugin-dir", default=str(ROOT / "build/test-plugins"))
    ap.add_argument("--idle", type=int, default=10000, help="silent connections held open")
    ap.add_argument("--slowloris", type=int, default=300, help="connections dripping a head byte a second")
    ap.add_argument("--requests", type=int, default=200, help="legitimate requests timed, per mode")
    ap.add_argument("--tls", action="store_true", help="a TLS listener (tls = self-signed)")
    ap.add_argument("--header-timeout", default="300s", help="the listener's header_timeout and idle_timeout")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds a legitimate request may take")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds the slowloris drip before the timing")
    args = ap.parse_args()
    if not pathlib.Path(args.wharfd).is_file():
        sys.exit(f"build first: {args.wharfd} is missing")

    raise_nofile(args.idle + args.slowloris + 256)
    work = pathlib.Path(tempfile.mkdtemp(prefix="wharf-conn-bench-"))
    server = Server(args, work)
    crowd, loris = [], None

    def cleanup():
        if loris is not None:
            loris.stop.set()
            loris.join(timeout=5)
        for s in crowd:
            s.close()
        server.kill()
        shutil.rmtree(work, ignore_errors=True)
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))

    server.wait_listening()
    tls = tls_context() if args.tls else None
    t0 = time.monotonic()
    connect_errors = 0
    for i in range(args.idle):
        try:
            crowd.append(connect(server.port, CROWD_SOURCES[i % len(CROWD_SOURCES)]))
        except OSError:
            connect_errors += 1
    t_idle = time.monotonic() - t0
    loris = Slowloris(server.port, args.slowloris, tls)
    t0 = time.monotonic()
    loris.start_all()
    t_loris = time.monotonic() - t0
    time.sleep(args.warmup)  # a load generator's pause: the slowloris heads grow meanwhile

    fresh, fresh_fail = measure_new_connections(server.port, args.requests, tls, args.timeout)
    kept, kept_fail = measure_keep_alive(server.port, args.requests, tls, args.timeout)
    idle_left = still_open(crowd)
    alive = server.proc.poll() is None
    fds, threads = proc_counts(server.proc.pid) if alive else ("?", "?")

    scheme = "https" if args.tls else "http"
    print(f"\nwharfd {scheme} on 127.0.0.1:{server.port}: {len(crowd)} idle connections opened in {t_idle:.1f} s "
          f"({connect_errors} failed), {idle_left} still open at the end; {args.slowloris} slowloris connections "
          f"(opened {loris.opened} in all, {t_loris:.1f} s for the first {args.slowloris}; "
          f"{loris.answered} answered and {loris.closed_by_server} closed by the server; "
          f"{loris.dripped} bytes dripped); wharfd holds {fds} descriptors and {threads} threads\n")
    print("| legitimate GET /health | requests | failures | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, lat, fail in (("new connection each", fresh, fresh_fail), ("one keep-alive connection", kept, kept_fail)):
        print(f"| {name} | {len(lat) + len(fail)} | {len(fail)} | {percentile(lat, 50) * 1000:.2f} | "
              f"{percentile(lat, 99) * 1000:.2f} | {(max(lat) if lat else float('nan')) * 1000:.2f} |")
    failures = fresh_fail + kept_fail
    for f in failures[:5]:
        print(f"failure: {f}")
    if not alive:
        print(f"wharfd exited with {server.proc.returncode}")
    return 1 if failures or not alive else 0


if __name__ == "__main__":
    sys.exit(main())
