#!/usr/bin/env python3
"""Starts the object stores the storage tests upload to, all on 127.0.0.1, runs the test
program against them, and stops them.

- s3rver (tests/objectstore), an S3-compatible store; its default keys are S3RVER/S3RVER.
- A fault proxy in front of it, which answers 503 SlowDown or resets the connection on the
  requests a test names. s3rver implements neither ListMultipartUploads nor
  AbortMultipartUpload, so the proxy keeps the list of open multipart uploads it saw created
  and not yet completed or aborted, answers the abort, and lists what is still open.
- Azurite (tests/objectstore), an Azure Blob Storage emulator, when it is installed.

Usage: stores.py TEST_PROGRAM [ARGS...]; the program reads ZIC_S3_URL, ZIC_S3_PROXY_URL and
ZIC_AZURE_URL. Everything is bounded in time.
"""
import http.client
import http.server
import json
import os
import pathlib
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

OBJECTSTORE = pathlib.Path(__file__).resolve().parents[1] / "objectstore"
BIN = OBJECTSTORE / "node_modules" / ".bin"


def start_node(args, ready, timeout=60):
    """Starts a node tool and waits for a line matching `ready`; returns (process, match)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(ready, line)
        if m:
            # Keep draining its output so it never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, m
    stop(proc)
    raise RuntimeError(f"{args[1]} did not start")


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class FaultProxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream):
        self.upstream = upstream  # (host, port)
        self.lock = threading.Lock()
        self.fault = None  # {"mode": "503"|"reset", "match": str, "times": int}
        self.log = []
        self.open_uploads = {}  # upload id -> key
        super().__init__(("127.0.0.1", 0), ProxyHandler)

    def handle_error(self, request, client_address):
        # A client that drops a connection it kept alive is no fault of the test.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", content_type="application/xml"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        srv = self.server
        length = int(self.headers.get("Content-Length", "0") or "0")
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path == "/__fault":
            with srv.lock:
                mode = query.get("mode", [""])[0]
                srv.fault = None if not mode else {"mode": mode, "match": query.get("match", [""])[0],
                                                   "times": int(query.get("times", ["1"])[0])}
                srv.log.clear()
            return self.reply(200, b"ok", "text/plain")
        if url.path == "/__log":
            with srv.lock:
                return self.reply(200, json.dumps(srv.log).encode(), "application/json")
        with srv.lock:
            srv.log.append(f"{self.command} {self.path}")
            f = srv.fault
            hit = f is not None and f["times"] > 0 and f["match"] in self.path
            if hit:
                f["times"] -= 1
        if hit and f["mode"] == "503":
            return self.reply(503, b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                                   b"<Message>Please reduce your request rate.</Message></Error>")
        if hit and f["mode"] == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        # What s3rver lacks: AbortMultipartUpload and ListMultipartUploads.
        if self.command == "DELETE" and "uploadId" in query:
            with srv.lock:
                srv.open_uploads.pop(query["uploadId"][0], None)
            return self.reply(204)
        if self.command == "GET" and "uploads" in query:
            bucket = url.path.strip("/")
            with srv.lock:
                items = "".join(f"<Upload><Key>{k}</Key><UploadId>{u}</UploadId></Upload>"
                                for u, k in srv.open_uploads.items())
            return self.reply(200, (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListMultipartUploadsResult>"
                                    f"<Bucket>{bucket}</Bucket>{items}</ListMultipartUploadsResult>").encode())
        conn = http.client.HTTPConnection(*srv.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        if self.command == "POST" and "uploads" in query and resp.status == 200:
            m = re.search(rb"<UploadId>([^<]+)</UploadId>", data)
            if m:
                with srv.lock:
                    srv.open_uploads[m.group(1).decode()] = url.path
        if self.command == "POST" and "uploadId" in query and resp.status == 200:
            with srv.lock:
                srv.open_uploads.pop(query["uploadId"][0], None)
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "keep-alive"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    procs, dirs = [], []
    env = dict(os.environ)
    proxy = None
    try:
        d = tempfile.mkdtemp(prefix="zic-storage-s3-")
        dirs.append(d)
        s3, m = start_node(["node", str(BIN / "s3rver"), "-d", d, "-a", "127.0.0.1", "-p", "0", "--silent",
                            "--configure-bucket", "zic"], r"listening on (\S+)")
        procs.append(s3)
        host, port = m.group(1).rsplit(":", 1)
        env["ZIC_S3_URL"] = f"http://{host}:{port}"
        proxy = FaultProxy((host, int(port)))
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        env["ZIC_S3_PROXY_URL"] = f"http://127.0.0.1:{proxy.server_address[1]}"
        if (BIN / "azurite-blob").exists():
            d = tempfile.mkdtemp(prefix="zic-storage-azure-")
            dirs.append(d)
            az, m = start_node(["node", str(BIN / "azurite-blob"), "--blobHost", "127.0.0.1", "--blobPort", "0",
                                "--location", d, "--skipApiVersionCheck"],
                               r"listens on (http://\S+)")
            procs.append(az)
            env["ZIC_AZURE_URL"] = m.group(1).rstrip("/") + "/devstoreaccount1"
        return subprocess.run(sys.argv[1:], env=env, timeout=600).returncode
    finally:
        if proxy:
            proxy.shutdown()
        for p in procs:
            stop(p)
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
