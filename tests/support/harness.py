"""Processes the Python tests drive on loopback: zic-emulator, and an S3-compatible object store
(s3rver, installed pinned under tests/objectstore by tools/setup). Each stops with its test."""
import http.client
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time
from urllib.parse import urlparse

SOURCE = pathlib.Path(__file__).resolve().parents[2]
OBJECT_STORE_DIR = SOURCE / "tests" / "objectstore"


class Emulator:
    """zic-emulator with `args`; the first line it prints names its URL."""

    def __init__(self, *args, **popen):
        self.proc = subprocess.Popen([os.environ["ZIC_EMULATOR"], *args], stdout=subprocess.PIPE, text=True, **popen)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError("emulator did not start: " + line)
        self.url = line[len("listening on "):]
        u = urlparse(self.url)
        self.host, self.port = u.hostname, u.port

    def post(self, op, body, headers=None):
        """One raw API call: (HTTP status, decoded answer)."""
        c = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            c.request("POST", "/v2/vectordb/jobs/import/" + op, json.dumps(body),
                      {"Content-Type": "application/json", **(headers or {})})
            r = c.getresponse()
            return r.status, json.loads(r.read())
        finally:
            c.close()

    def stats(self):
        c = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            c.request("GET", "/_emulator/stats")
            return json.loads(c.getresponse().read())
        finally:
            c.close()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def peak_rss(pid):
    """The most memory the process has held resident so far (VmHWM), in bytes."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def node_tool(script):
    """A fixture from tests/objectstore/node_modules, or a clear failure when it is missing."""
    path = OBJECT_STORE_DIR / "node_modules" / script
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run tools/setup (it installs the pinned npm fixtures)")
    return path


class ObjectStore:
    """s3rver on 127.0.0.1 with one bucket; its default credentials are S3RVER:S3RVER."""

    KEY_ID = SECRET = "S3RVER"
    REGION = "us-east-1"

    def __init__(self, bucket="zic"):
        self.bucket = bucket
        self.dir = tempfile.mkdtemp(prefix="zic-s3-")
        self.proc = subprocess.Popen(["node", str(node_tool(".bin/s3rver")), "-d", self.dir, "-a", "127.0.0.1",
                                      "-p", "0", "--silent", "--configure-bucket", bucket],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if "listening on" in line or not line:
                break
        if "listening on" not in line:
            self.stop()
            raise RuntimeError("s3rver did not start: " + line)
        self.url = "http://" + line.rsplit(" ", 1)[1].strip()

    def put(self, key, data, key_id=KEY_ID, secret=SECRET):
        """Uploads with curl's own AWS Signature V4, as a user's tools would."""
        with tempfile.NamedTemporaryFile() as f:
            f.write(data if isinstance(data, bytes) else data.encode())
            f.flush()
            p = subprocess.run(["curl", "-sS", "-f", "-T", f.name, "--aws-sigv4", f"aws:amz:{self.REGION}:s3",
                                "--user", f"{key_id}:{secret}", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
                                f"{self.url}/{self.bucket}/{key}"], capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError(f"upload of {key} failed: {p.stderr}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def write_parquet(path, rows):
    """A Parquet file from an independent writer (hyparquet-writer)."""
    node_tool("hyparquet-writer")
    subprocess.run(["node", str(OBJECT_STORE_DIR / "write_parquet.mjs"), str(path), str(rows)], check=True,
                   cwd=OBJECT_STORE_DIR, timeout=60)
    return pathlib.Path(path).read_bytes()


def npy(rows, version=1, dtype="<f4", width=4):
    """A NumPy .npy file of `rows` × `width` elements (the format's header, then zero data)."""
    import struct
    shape = f"({rows}, {width})" if width > 1 else f"({rows},)"
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}"
    prelude = 10 if version == 1 else 12
    header += " " * ((64 - (prelude + len(header) + 1) % 64) % 64) + "\n"
    size = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    item = int(dtype[2:])
    return b"\x93NUMPY" + bytes([version, 0]) + size + header.encode() + bytes(rows * width * item)
