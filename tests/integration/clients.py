"""Real registry clients started by the tests: OCI layouts made with umoci, skopeo, podman and
buildah with the vfs storage driver, and a private dockerd with its own roots and socket."""

import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest


def run(cmd, timeout=300, check=True, env=None, text=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=text, timeout=timeout, env=env, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n"
                             f"{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


def require(tool):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (tests/integration/install-deps.sh installs it)")


def umoci_layout(path, tag="v1", files=None):
    """An OCI image layout at `path` with one layer holding `files` ({name: bytes})."""
    require("umoci")
    path = pathlib.Path(path)
    bundle = path.parent / (path.name + "-bundle")
    run(["umoci", "init", "--layout", str(path)])
    run(["umoci", "new", "--image", f"{path}:{tag}"])
    run(["umoci", "unpack", "--rootless", "--image", f"{path}:{tag}", str(bundle)])
    for name, data in (files or {"hello.txt": os.urandom(4096)}).items():
        (bundle / "rootfs" / name).write_bytes(data)
    run(["umoci", "repack", "--image", f"{path}:{tag}", str(bundle)])
    shutil.rmtree(bundle, ignore_errors=True)
    return path


def podman(tmp_path, tool="podman"):
    """The command prefix and environment for podman or buildah with private roots and vfs."""
    require(tool)
    root = pathlib.Path(tmp_path) / f"{tool}-root"
    runroot = tempfile.mkdtemp(prefix="wr-")  # podman wants a runroot under 50 characters
    base = [tool, "--storage-driver", "vfs", "--root", str(root / "root"), "--runroot", runroot]
    env = {**os.environ, "XDG_RUNTIME_DIR": str(root / "xdg"), "HOME": str(root / "home"),
           "REGISTRIES_CONFIG_PATH": str(root / "registries.conf")}
    (root / "xdg").mkdir(parents=True, exist_ok=True)
    (root / "home").mkdir(parents=True, exist_ok=True)
    (root / "registries.conf").write_text("unqualified-search-registries = []\n")
    return base, env


def podman_round_trip(tmp_path, target, creds=None):
    """Loads a umoci-made image into podman, pushes it to `target` (over TLS without verifying
    the self-signed certificate; with `creds` after checking that no credentials are refused),
    removes it, pulls it back and compares image ids."""
    base, env = podman(tmp_path)
    src = umoci_layout(pathlib.Path(tmp_path) / "podman-src", files={"p.txt": os.urandom(50_000)})
    r = run(base + ["pull", f"oci:{src}:v1"], env=env, check=False)
    if r.returncode != 0:
        pytest.skip(f"podman cannot use vfs storage here: {r.stderr[-500:]}")
    image_id = run(base + ["images", "-q", "--no-trunc"], env=env).stdout.split()[0]
    auth = []
    if creds:
        r = run(base + ["push", "--tls-verify=false", image_id, target], env=env, check=False)
        assert r.returncode != 0, "a push without credentials was accepted"
        auth = ["--creds", creds]
    run(base + ["push", "--tls-verify=false", *auth, image_id, target], env=env)
    run(base + ["rmi", "-a", "-f"], env=env)
    run(base + ["pull", "--tls-verify=false", *auth, target], env=env)
    inspect = json.loads(run(base + ["image", "inspect", target], env=env).stdout)[0]
    assert inspect["Id"].replace("sha256:", "") == image_id.replace("sha256:", "")


def skopeo(*args, creds=None, cert_dir=None, timeout=300):
    require("skopeo")
    cmd = ["skopeo", "--insecure-policy", *args]
    return run(cmd, timeout=timeout)


def tls_flags(direction, tls_verify, cert_dir=None, creds=None):
    flags = [f"--{direction}-tls-verify={'true' if tls_verify else 'false'}"]
    if cert_dir:
        flags.append(f"--{direction}-cert-dir={cert_dir}")
    if creds:
        flags.append(f"--{direction}-creds={creds}")
    return flags


def layout_manifest(path, tag="v1"):
    index = json.loads((pathlib.Path(path) / "index.json").read_text())
    for m in index["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return m["digest"]
    return index["manifests"][0]["digest"]


class Dockerd:
    """A dockerd of our own (vfs, no iptables, no bridge, private roots and socket)."""

    def __init__(self, workdir):
        self.dir = pathlib.Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        # Sockets live under exec-root: keep it short (unix socket paths stop at 108 bytes).
        self.short = pathlib.Path(tempfile.mkdtemp(prefix="wd-"))
        self.sock = self.short / "docker.sock"
        self.host = f"unix://{self.sock}"
        self.proc = None
        self.log = self.dir / "dockerd.log"

    def start(self, timeout=60, insecure=()):
        for tool in ("dockerd", "containerd"):
            if shutil.which(tool) is None:
                pytest.skip(f"{tool} not installed")
        docker = "/usr/bin/docker" if os.path.exists("/usr/bin/docker") else shutil.which("docker")
        if docker is None:
            pytest.skip("docker CLI not installed")
        self.docker = docker
        cmd = ["dockerd", "--storage-driver=vfs", "--iptables=false", "--ip6tables=false",
               "--bridge=none", f"--data-root={self.dir / 'data'}",
               f"--exec-root={self.short / 'x'}", f"--pidfile={self.dir / 'docker.pid'}",
               f"--host={self.host}", "--log-level=warn"]
        for reg in insecure:
            cmd.append(f"--insecure-registry={reg}")
        self.logf = open(self.log, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                pytest.skip("dockerd cannot start in this sandbox:\n" +
                            self.log.read_text(errors="replace")[-2000:])
            try:
                if run(self.cli_args("version"), check=False, timeout=10).returncode == 0:
                    return self
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.5)
        self.stop()
        pytest.skip("dockerd did not become ready:\n" + self.log.read_text(errors="replace")[-2000:])

    def cli_args(self, *args):
        return [getattr(self, "docker", "docker"), "--host", self.host, *args]

    def cli(self, *args, timeout=300, check=True, input=None):
        return run(self.cli_args(*args), timeout=timeout, check=check, input=input,
                   env={**os.environ, "DOCKER_CONFIG": str(self.dir / "config")})

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
            self.logf.close()
        # dockerd bind-mounts its data root; a daemon that died early may leave the mount behind.
        data = str(self.dir / "data")
        with open("/proc/mounts") as f:
            if any(line.split()[1] == data for line in f):
                subprocess.run(["umount", "-l", data], check=False)
        shutil.rmtree(self.short, ignore_errors=True)
