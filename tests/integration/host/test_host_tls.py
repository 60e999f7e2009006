"""TLS listeners: the self-signed default verified with curl, TLS < 1.2 refused, certificate reuse."""
import subprocess

TLS = """
metrics_listener = none
admin_listener = none
[listener.api]
bind = 127.0.0.1:{api}
tls = self-signed
"""


def curl(*args):
    return subprocess.run(["curl", "-sS", "--max-time", "10", *args], capture_output=True, text=True)


def test_self_signed_tls_verifies_with_its_certificate(wharfd):
    w = wharfd(TLS)
    cert = w.data / "tls" / "api.crt"
    assert cert.exists() and (w.data / "tls" / "api.key").stat().st_mode & 0o077 == 0
    for host in ("localhost", "127.0.0.1"):
        r = curl("--cacert", str(cert), "--resolve", f"localhost:{w.ports['api']}:127.0.0.1",
                 f"https://{host}:{w.ports['api']}/health", "-w", " %{http_code}")
        assert r.returncode == 0 and r.stdout.endswith(" 200"), r.stderr
    assert curl(f"https://127.0.0.1:{w.ports['api']}/health").returncode != 0  # unknown CA refused
    r = curl("-k", "--tls-max", "1.1", f"https://127.0.0.1:{w.ports['api']}/health")
    assert r.returncode != 0
    r = curl("-k", "--tlsv1.3", f"https://127.0.0.1:{w.ports['api']}/health", "-w", " %{http_code}")
    assert r.stdout.endswith(" 200")
    plain = curl(f"http://127.0.0.1:{w.ports['api']}/health")
    assert "200" not in plain.stdout


def test_certificate_is_reused_across_restarts(wharfd):
    w = wharfd(TLS)
    first = (w.data / "tls" / "api.crt").read_bytes()
    assert w.stop() == 0
    w.start()
    assert (w.data / "tls" / "api.crt").read_bytes() == first
