"""Bad input and faults: clients that vanish mid-upload, concurrent pushes of one blob, SIGKILL
during 50 concurrent pushes (then every visible blob must verify), a full disk."""

import concurrent.futures
import hashlib
import os
import socket
import subprocess
import threading
import time

import pytest
import requests

from oci import digest, error_codes, push_blob
from wharf_testing import wait_until


def _blob_dirs(w):
    root = w.storage_root / "docker/registry/v2/blobs"
    return [p for p in root.glob("*/*/*") if p.is_dir()]


def _raw_request(w, head, body_part):
    """Sends the head and part of the body, goes away once the server is reading it, and returns
    when the server has finished with the request."""
    s = socket.create_connection(("127.0.0.1", w.port))
    s.sendall(head.encode() + body_part)
    wait_until(lambda: w.requests_in_flight() >= 1, what="the request to be served")
    s.close()
    wait_until(lambda: w.requests_in_flight() == 0, what="the server to see the disconnect")


def test_disconnect_mid_monolithic_upload(registry):
    data = os.urandom(1_000_000)
    d = digest(data)
    head = (f"POST /v2/fault/mono/blobs/uploads/?digest={d} HTTP/1.1\r\nHost: x\r\n"
            f"Content-Length: {len(data)}\r\nContent-Type: application/octet-stream\r\n\r\n")
    _raw_request(registry, head, data[:300_000])
    assert requests.head(f"{registry.url}/v2/fault/mono/blobs/{d}").status_code == 404
    assert not any(p.name == d.split(":")[1] for p in _blob_dirs(registry))
    # no upload session is left behind either
    uploads = registry.storage_root / "docker/registry/v2/repositories/fault/mono/_uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_disconnect_mid_patch_keeps_previous_chunks(registry):
    data = os.urandom(600_000)
    d = digest(data)
    r = requests.post(f"{registry.url}/v2/fault/patch/blobs/uploads/")
    loc = r.headers["Location"]
    r = requests.patch(registry.url + loc, data=data[:200_000],
                       headers={"Content-Range": "0-199999"})
    assert r.status_code == 202
    loc = r.headers["Location"]
    head = (f"PATCH {loc} HTTP/1.1\r\nHost: x\r\nContent-Length: 400000\r\n"
            f"Content-Range: 200000-599999\r\n\r\n")
    _raw_request(registry, head, data[200_000:300_000])
    status = requests.get(registry.url + loc)
    assert status.status_code == 204 and status.headers["Range"] == "0-199999"
    r = requests.patch(registry.url + loc, data=data[200_000:],
                       headers={"Content-Range": "200000-599999"})
    assert r.status_code == 202
    r = requests.put(registry.url + r.headers["Location"], params={"digest": d})
    assert r.status_code == 201
    assert requests.get(f"{registry.url}/v2/fault/patch/blobs/{d}").content == data


def test_concurrent_pushes_of_one_blob(registry):
    data = os.urandom(3_000_000)
    d = digest(data)

    def push(i):
        s = requests.Session()
        if i % 2:
            return push_blob(registry.url, f"fault/same{i % 3}", data, session=s)
        r = s.post(f"{registry.url}/v2/fault/same{i % 3}/blobs/uploads/")
        loc = registry.url + r.headers["Location"]
        half = len(data) // 2
        r = s.patch(loc, data=data[:half], headers={"Content-Range": f"0-{half - 1}"})
        r = s.put(registry.url + r.headers["Location"], params={"digest": d}, data=data[half:],
                  headers={"Content-Range": f"{half}-{len(data) - 1}"})
        assert r.status_code == 201, r.text
        return d

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert set(pool.map(push, range(16))) == {d}
    for i in range(3):
        r = requests.get(f"{registry.url}/v2/fault/same{i}/blobs/{d}")
        assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == d.split(":")[1]


def test_sigkill_during_50_concurrent_pushes(wharfd_factory):
    w = wharfd_factory()
    blobs = [os.urandom(200_000 + i * 37_000) for i in range(50)]
    stop = False

    def push(data):
        s = requests.Session()
        try:
            r = s.post(f"{w.url}/v2/fault/kill/blobs/uploads/", timeout=10)
            loc = w.url + r.headers["Location"]

            def gen():
                for i in range(0, len(data), 32768):
                    if stop:
                        raise IOError("stopped")
                    time.sleep(0.02)
                    yield data[i:i + 32768]
            r = s.patch(loc, data=gen(), timeout=10)
            r = s.put(w.url + r.headers["Location"], params={"digest": digest(data)}, timeout=10)
            return r.status_code
        except (requests.RequestException, IOError, KeyError):
            return None

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        futures = [pool.submit(push, b) for b in blobs]
        # the kill lands while most pushes are sending their bodies
        wait_until(lambda: w.requests_in_flight() >= 25, timeout=20, what="25 pushes in flight")
        w.proc.kill()
        w.proc.wait()
        w.proc = None
        w.log.close()
        stop = True
        results = [f.result() for f in futures]
    assert results.count(201) < 50, "the kill came too late to interrupt any push"
    w.start()
    # every blob file verifies against its digest; no partial blob is visible. A kill between
    # the creation of a blob's directory and the rename of its data into it leaves the directory
    # empty (as with distribution's driver): the blob must then be unknown, and GC prunes it.
    for p in _blob_dirs(w):
        if (p / "data").exists():
            assert hashlib.sha256((p / "data").read_bytes()).hexdigest() == p.name
        else:
            assert not any(p.iterdir()), f"{p} holds something other than a committed blob"
            r = requests.head(f"{w.url}/v2/fault/kill/blobs/sha256:{p.name}")
            assert r.status_code == 404
    for data, result in zip(blobs, results):
        r = requests.get(f"{w.url}/v2/fault/kill/blobs/{digest(data)}")
        if result == 201:
            assert r.status_code == 200 and r.content == data
        else:
            assert r.status_code in (200, 404)
            if r.status_code == 200:
                assert r.content == data


def _kill(w):
    w.proc.kill()
    w.proc.wait()
    w.proc = None
    w.log.close()


def _verify_blob_dirs(w, repo):
    """Every blob directory holds a committed blob whose data verifies against its name, or is
    empty (a kill between its creation and the rename of the data into it) and unknown."""
    for p in _blob_dirs(w):
        if (p / "data").exists():
            assert hashlib.sha256((p / "data").read_bytes()).hexdigest() == p.name, \
                f"{p}/data does not verify against its digest"
        else:
            assert not any(p.iterdir()), f"{p} holds something other than a committed blob"
            r = requests.head(f"{w.url}/v2/{repo}/blobs/sha256:{p.name}", timeout=10)
            assert r.status_code == 404, f"HEAD of the empty blob dir {p.name}: {r.status_code}"


def _assert_served_exactly_or_unknown(w, repo, data, committed):
    d = digest(data)
    head = requests.head(f"{w.url}/v2/{repo}/blobs/{d}", timeout=10)
    r = requests.get(f"{w.url}/v2/{repo}/blobs/{d}", timeout=10)
    if committed:
        assert head.status_code == 200 and r.status_code == 200, (d, head.status_code, r.status_code)
    else:
        assert head.status_code in (200, 404) and r.status_code == head.status_code, \
            (d, head.status_code, r.status_code)
    if r.status_code == 200:
        assert int(head.headers["Content-Length"]) == len(data), (d, head.headers, len(data))
        assert len(r.content) == len(data) and r.content == data, \
            f"{d}: {len(r.content)} bytes served for {len(data)} (a partial or wrong blob)"


def test_sigkill_rounds_during_concurrent_pushes(wharfd_factory, tmp_path):
    """8 rounds on one storage root: 20 slow chunked pushes (6 small ones that finish, 14 larger
    ones that take seconds to send), SIGKILL once some have been answered 201 and 10 or more requests are in
    flight, restart on the same root: nothing partial is ever served, every committed blob (of
    this round and the earlier ones) is served exactly, and the registry still works after."""
    root = tmp_path / "shared-storage"
    repo = "fault/rounds"
    committed = []  # blobs answered 201 in any round
    interrupted = 0
    for rnd in range(8):
        w = wharfd_factory(name=f"round{rnd}", storage_root=root)
        # (data, pause between 16 KB pieces): a load generator's pacing, not a wait for a state
        blobs = [(os.urandom(100_000 + i * 1_000), 0.005) for i in range(6)]
        blobs += [(os.urandom(250_000 + (i * 10_007 + rnd * 7_919) % 150_000), 0.1)
                  for i in range(14)]
        stop = threading.Event()
        done = []

        def push(data, pause):
            s = requests.Session()
            try:
                r = s.post(f"{w.url}/v2/{repo}/blobs/uploads/", timeout=10)
                loc = w.url + r.headers["Location"]

                def gen():
                    for i in range(0, len(data), 16384):
                        if stop.is_set():
                            raise IOError("stopped")
                        time.sleep(pause)
                        yield data[i:i + 16384]
                r = s.patch(loc, data=gen(), timeout=10)
                if r.status_code != 202:
                    return r.status_code
                r = s.put(w.url + r.headers["Location"], params={"digest": digest(data)},
                          timeout=10)
                if r.status_code == 201:
                    done.append(data)
                return r.status_code
            except (requests.RequestException, IOError, KeyError):
                return None

        with concurrent.futures.ThreadPoolExecutor(len(blobs)) as pool:
            futures = [pool.submit(push, *b) for b in blobs]
            wait_until(lambda: len(done) >= 3 and w.requests_in_flight() >= 10, timeout=20,
                       proc=w.proc, what=f"3 pushes done and 10 requests in flight (round {rnd})")
            _kill(w)
            stop.set()
            results = [f.result() for f in futures]
        blobs = [data for data, _ in blobs]
        assert all(r in (201, None) for r in results), f"round {rnd}: {results}"
        assert results.count(201) < len(blobs), f"round {rnd}: the kill interrupted no push"
        interrupted += results.count(None)
        w.start()
        _verify_blob_dirs(w, repo)
        for data, result in zip(blobs, results):
            _assert_served_exactly_or_unknown(w, repo, data, committed=result == 201)
            if result == 201:
                committed.append(data)
        for data in committed:  # the earlier rounds' blobs survive the later kills
            _assert_served_exactly_or_unknown(w, repo, data, committed=True)
        rc = w.stop()
        assert rc == 0, f"round {rnd}: wharfd exited with {rc}:\n{w.log_text()}"
    assert interrupted > 0 and committed
    w = wharfd_factory(name="after", storage_root=root)
    data = os.urandom(250_000)
    assert push_blob(w.url, repo, data) == digest(data)
    r = requests.get(f"{w.url}/v2/{repo}/blobs/{digest(data)}", timeout=10)
    assert r.status_code == 200 and r.content == data
    _verify_blob_dirs(w, repo)


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {r.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_full(wharfd_factory, small_disk):
    w = wharfd_factory(storage_root=small_disk)
    big = os.urandom(5 * 1024 * 1024)
    d = digest(big)
    r = requests.post(f"{w.url}/v2/fault/full/blobs/uploads/", params={"digest": d}, data=big)
    assert r.status_code == 507
    assert error_codes(r) == ["UNAVAILABLE"]
    assert str(small_disk) not in r.text and "wharf-tmp" not in r.text  # no storage path leaks
    assert str(small_disk) in w.log_text()  # ...the log has it
    assert requests.head(f"{w.url}/v2/fault/full/blobs/{d}").status_code == 404
    assert not any(p.name == d.split(":")[1] for p in _blob_dirs(w))
    # the space of the failed write is given back: a small push works
    assert push_blob(w.url, "fault/full", b"small") == digest(b"small")
