"""The registry test harness: a real wharfd on ephemeral loopback ports, configured from an INI file
written into a temporary directory, stopped with SIGTERM. Imported by conftest.py and the tests
(a module of its own, so that it never clashes with other suites' conftest modules)."""

import os
import pathlib
import re
import shutil
import signal
import subprocess
import time

import requests

from wharf_testing import free_port

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent


def _default_build_file(*parts):
    """The file in the first build tree that has the registry plugin (ctest sets the env)."""
    for build in sorted(REPO.glob("build*")):
        if (build / "lib/wharf/plugins/libwharf-registry.so").exists():
            return str(build.joinpath(*parts))
    return str(REPO.joinpath("build", *parts))


WHARFD = os.environ.get("WHARFD") or _default_build_file("bin", "wharfd")
PLUGIN_DIR = os.environ.get("WHARF_PLUGIN_DIR") or _default_build_file("lib", "wharf", "plugins")


def wait_http(url, timeout=20.0, verify=False, proc=None):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            r = requests.get(url, timeout=1, verify=verify)
            if r.status_code < 500:
                return r
        except requests.RequestException as e:  # not up yet
            last = e
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer in {timeout}s: {last}")


def ini_section(name, values):
    lines = [f"[{name}]"]
    lines += [f"{k} = {v}" for k, v in values.items() if v is not None]
    return "\n".join(lines) + "\n"


class Wharfd:
    """One wharfd process serving a registry over storage-fs in `workdir`."""

    def __init__(self, workdir, registry=None, listener=None, sections=None, storage_root=None,
                 storage=None, log_level="information", drain_timeout="10s"):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.metrics_port = free_port()
        self.admin_port = free_port()
        self.storage_root = pathlib.Path(storage_root or self.workdir / "storage")
        listener = dict(listener or {})
        self.tls = listener.get("tls") not in (None, "off", "false") or "tls_cert" in listener
        self.scheme = "https" if self.tls else "http"
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"{self.scheme}://{self.host}"
        self.metrics_url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        text = ini_section("host", {
            "plugin_path": PLUGIN_DIR,
            "data_dir": self.workdir / "data",
            "log_level": log_level,
            # stop() waits longer than this: wharfd may use all of it before it exits 0
            "drain_timeout": drain_timeout,
            "metrics_listener": "metrics",
            "admin_listener": "admin",
        })
        text += ini_section("listener.api", {"bind": self.host, "max_threads": 64, **listener})
        text += ini_section("listener.metrics", {"bind": f"127.0.0.1:{self.metrics_port}"})
        text += ini_section("listener.admin", {"bind": f"127.0.0.1:{self.admin_port}"})
        text += ini_section("plugin.fs", storage or {"module": "storage-fs",
                                                     "root": self.storage_root})
        for name, values in (sections or {}).items():
            text += ini_section(name, values)
        reg = {"module": "registry", "listener": "api", "storage": "fs", "delete": "true"}
        reg.update(registry or {})
        text += ini_section("plugin.registry", reg)
        self.config = self.workdir / "wharf.ini"
        self.config.write_text(text)
        self.proc = None
        self.log_path = self.workdir / "wharfd.log"

    def start(self, timeout=20.0):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([WHARFD, "--config", str(self.config)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        try:
            wait_http(f"{self.url}/health", timeout, proc=self.proc)
        except Exception:
            self.kill()
            raise RuntimeError("wharfd did not start:\n" + self.log_text())
        return self

    def requests_in_flight(self, listener="api"):
        """wharf_http_requests_in_flight of `listener`, from the metrics listener."""
        text = requests.get(self.metrics_url, timeout=5).text
        m = re.search(r'^wharf_http_requests_in_flight\{listener="%s"\} (\S+)$' % listener, text, re.M)
        return float(m.group(1)) if m else 0.0

    def log_text(self):
        try:
            text = self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            text = ""
        stacks = self.workdir / "wharfd-stacks.txt"
        if stacks.exists():
            text += "\n--- threads of wharfd when it did not stop ---\n"
            text += stacks.read_text(errors="replace")[-12000:]
        return text

    def _dump_stacks(self):
        """Writes every thread's stack (gdb, else the kernel's wait channels) for the failure
        message of a wharfd that does not stop."""
        out = self.workdir / "wharfd-stacks.txt"
        pid = self.proc.pid
        if shutil.which("gdb"):
            r = subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt"],
                               capture_output=True, text=True, timeout=60, check=False)
            out.write_text("\n".join(l for l in r.stdout.splitlines()
                                     if l.startswith(("Thread ", "#"))))
            return
        lines = []
        for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
            wchan = (task / "wchan").read_text(errors="replace")
            lines.append(f"{task.name} {(task / 'comm').read_text().strip()} {wchan}")
        out.write_text("\n".join(lines))

    def stop(self, timeout=30.0):
        """SIGTERM and wait (longer than drain_timeout); returns the exit code."""
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                self._dump_stacks()
            except (OSError, subprocess.SubprocessError):
                pass
            self.proc.kill()
            self.proc.wait()
            rc = -9
        self.proc = None
        self.log.close()
        return rc

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.log.close()

    def run_command(self, *args):
        return subprocess.run([WHARFD, *args, "--config", str(self.config)], capture_output=True,
                              text=True, timeout=120)



def have(tool):
    return shutil.which(tool) is not None
