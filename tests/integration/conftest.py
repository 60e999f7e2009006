"""Fixtures of the registry integration tests (the harness is registry_harness.py)."""

import pytest

from registry_harness import Wharfd


@pytest.fixture
def wharfd_factory(tmp_path):
    """Makes and starts wharfd instances; each must stop cleanly (exit 0) at teardown."""
    started = []

    def make(name="wharfd", start=True, **kwargs):
        w = Wharfd(tmp_path / name, **kwargs)
        started.append(w)
        return w.start() if start else w

    yield make
    for w in started:
        if w.proc is not None:
            rc = w.stop()
            assert rc == 0, f"wharfd exited with {rc}:\n{w.log_text()}"


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A registry with deletes enabled, shared by the tests of one module."""
    w = Wharfd(tmp_path_factory.mktemp("registry")).start()
    yield w
    rc = w.stop()
    assert rc == 0, f"wharfd exited with {rc}:\n{w.log_text()}"

