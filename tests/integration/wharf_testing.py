"""What every integration suite needs to run a real wharfd on loopback: free ports, waiting for a
state (never for a fixed time), and reading a process's log. Imported by the suites' conftest
modules and harnesses (a module of its own, so that it never clashes with a suite's conftest)."""

import socket
import time


def free_port():
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=20.0, what="the condition", interval=0.05, proc=None):
    """Polls `predicate` until it returns a true value (which is returned) or `timeout` passes
    (AssertionError naming `what`). With `proc`, a process that exits meanwhile fails at once."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode} while waiting for {what}")
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # not there yet: keep the reason for the failure message
            last_error = e
        if time.monotonic() >= deadline:
            suffix = f" (last error: {last_error!r})" if last_error else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{suffix}")
        time.sleep(interval)


def port_open(port, host="127.0.0.1"):
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False
