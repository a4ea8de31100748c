#!/usr/bin/env python3
"""zic-emulator as a server: settings that would overflow are refused, an idempotency key is
forgotten with its job, cloud file:// URLs stay inside --data-dir, job ids differ per run, and
files are counted exactly in bounded memory, refusing counts and headers that cannot be real.
Driven through the real binaries on loopback.

Environment: ZIC_CLI, ZIC_EMULATOR (the binaries).
"""
import json
import os
import pathlib
import resource
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import sys
import unittest
from urllib.parse import urlparse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import harness  # noqa: E402

ZIC = os.environ["ZIC_CLI"]
EMULATOR = os.environ["ZIC_EMULATOR"]
KEY = "emulator-test-key-77"


def Emulator(*args, **popen):
    return harness.Emulator("--api-key", KEY, *args, **popen)


def zic(emu, *args, extra_env=None, cloud=False):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZIC_")}
    env.update({"ZIC_ENDPOINT": emu.url, "ZIC_API_KEY": KEY, **(extra_env or {})})
    flavor = ["--flavor", "cloud"] if cloud else []
    return subprocess.run([ZIC, *flavor, *args], capture_output=True, text=True, env=env, timeout=60)


def connect(emu):
    u = urlparse(emu.url)
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    return s


def status_of(s):
    """The status code of the answer on `s` (read until the headers end, or the peer closes)."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = s.recv(65536)
        if not piece:
            break
        data += piece
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0


def request_head(target="/v2/vectordb/jobs/import/list", extra=""):
    return (f"POST {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json\r\n{extra}").encode()


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def call(emu, op, body, cloud=False):
    """The `data` of a successful API call (cloud calls name a cluster)."""
    if cloud:
        body = {"clusterId": "inxx-emu", **body}
    status, answer = emu.post(op, body, {"Authorization": f"Bearer {KEY}"})
    assert status == 200 and answer["code"] == 0, (op, body, answer)
    return answer["data"]


def settled(emu, job, cloud=False, timeout=60):
    """describe's data once the job's files are read: it ended, or it is past PreImporting."""
    deadline = time.monotonic() + timeout
    while True:
        d = call(emu, "describe", {"jobId": job}, cloud)
        if d["state"] in ("Failed", "Completed") or d["progress"] >= 40:
            return d
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job} was still reading its files after {timeout} s: {d}")
        time.sleep(0.05)


def varint(n):
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def parquet_claiming(rows):
    """The smallest Parquet file a footer reader accepts: a FileMetaData (compact Thrift) with a
    version, a one-element schema and `rows`, and no data at all."""
    footer = (b"\x15\x02"                                   # 1 version: i32 1
              b"\x19\x1c\x48\x06schema\x15\x00\x00"        # 2 schema: [{4 name, 5 num_children 0}]
              b"\x16" + varint((rows << 1) ^ (rows >> 63)) +  # 3 num_rows: i64, zigzag
              b"\x00")
    return b"PAR1" + footer + struct.pack("<I", len(footer)) + b"PAR1"


def npy_file(descr, shape, data=b"", version=1, header_bytes=0):
    """A .npy file with this dtype and shape text, padded to `header_bytes` when given."""
    header = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape}, }}"
    prelude = 10 if version == 1 else 12
    total = max(header_bytes, prelude + len(header) + 1)
    header += " " * (total - prelude - len(header) - 1) + "\n"
    size = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header.encode() + data


class EmulatorTest(unittest.TestCase):
    def setUp(self):
        self.data = pathlib.Path(tempfile.mkdtemp(prefix="zic-emu-"))
        (self.data / "rows.json").write_text(json.dumps({"rows": [{"id": i} for i in range(10)]}))

    def tearDown(self):
        shutil.rmtree(self.data, ignore_errors=True)

    def test_settings_that_would_overflow_are_refused(self):
        for flag, value in [("--retention", "9.3e9"), ("--retention", "1e19"), ("--retention", "1e300"),
                            ("--retention", "inf"), ("--rows-per-second", "nan"), ("--rows-per-second", "1e-300"),
                            ("--rows-per-second", "inf"), ("--rows-per-second", "0")]:
            p = subprocess.run([EMULATOR, flag, value], capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 2, f"{flag} {value}: {p.stdout}{p.stderr}")
            self.assertIn(flag, p.stderr)

    def test_an_idempotency_key_is_forgotten_with_its_job(self):
        emu = Emulator("--data-dir", str(self.data), "--retention", "0", "--rows-per-second", "100000")
        try:
            args = ["import", "create", "--collection", "c", "--file", "rows.json", "--idempotency-key", "batch-1"]
            first = zic(emu, *args)
            self.assertEqual(first.returncode, 0, first.stderr)
            again = zic(emu, *args)
            self.assertEqual(again.stdout, first.stdout)  # the same job while it exists
            job = first.stdout.strip()
            for _ in range(100):  # it completes at once and, with retention 0, is removed at the next sweep
                if zic(emu, "import", "describe", job).returncode == 6:
                    break
                time.sleep(0.05)
            else:
                self.fail("the finished job was never removed")
            later = zic(emu, *args)
            self.assertEqual(later.returncode, 0, later.stderr)
            self.assertNotEqual(later.stdout.strip(), job)  # a new job, not the removed id
            self.assertEqual(zic(emu, "import", "describe", later.stdout.strip()).returncode, 0)
        finally:
            emu.stop()

    def test_cloud_file_urls_stay_inside_the_data_dir(self):
        emu = Emulator("--flavor", "cloud", "--data-dir", str(self.data), "--rows-per-second", "100000")
        try:
            env = {"ZIC_CLUSTER_ID": "inxx-emu"}
            inside = zic(emu, "import", "create", "--collection", "c", "--object-url",
                         "file://" + str(self.data / "rows.json"), extra_env=env, cloud=True)
            self.assertEqual(inside.returncode, 0, inside.stderr)
            done = zic(emu, "--json", "import", "wait", inside.stdout.strip(), "--interval", "0.1", extra_env=env, cloud=True)
            self.assertEqual(json.loads(done.stdout)["total_rows"], 10)
            for path in ["/etc/passwd", str(self.data / ".." / "elsewhere.json"), "/nonexistent/x.json"]:
                out = zic(emu, "import", "create", "--collection", "c", "--object-url", "file://" + path,
                          extra_env=env, cloud=True)
                self.assertEqual(out.returncode, 0, out.stderr)
                failed = zic(emu, "import", "wait", out.stdout.strip(), "--interval", "0.1", extra_env=env, cloud=True)
                self.assertEqual(failed.returncode, 5, failed.stdout + failed.stderr)
                self.assertIn("--data-dir", failed.stderr)
                self.assertNotIn("no such file", failed.stderr.lower())  # whether it exists stays unsaid
        finally:
            emu.stop()

    def test_malformed_requests_get_a_status_not_a_dropped_connection(self):
        emu = Emulator()
        try:
            cases = [
                (request_head(extra="Content-Length: 70000000\r\n\r\n"), 413),   # body over the cap
                (request_head(target="/" + "a" * 100_000, extra="Content-Length: 2\r\n\r\n{}"), 431),
                (request_head(extra="".join(f"X-H{i}: v\r\n" for i in range(10_000)) +
                              "Content-Length: 2\r\n\r\n{}"), 431),
                (request_head(extra="Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}"), 400),
                (request_head(extra="Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"), 400),
            ]
            for raw, want in cases:
                s = connect(emu)
                try:
                    s.sendall(raw)
                except OSError:
                    pass  # the server may answer and close before all of it went out
                self.assertEqual(status_of(s), want, raw[:80])
                s.close()
            # Still serving.
            self.assertEqual(zic(emu, "import", "list").returncode, 0)
        finally:
            emu.stop()

    def test_request_bytes_in_flight_are_bounded(self):
        emu = Emulator()
        try:
            promised = 61 << 20
            socks, statuses = [], []
            for _ in range(8):  # 8 × 61 MiB promised, none sent: past the 256 MiB budget
                s = connect(emu)
                s.sendall(request_head(extra=f"Content-Length: {promised}\r\n\r\n"))
                socks.append(s)
            time.sleep(0.3)
            for s in socks:
                s.setblocking(False)
                try:
                    statuses.append(status_of(s))
                except BlockingIOError:
                    statuses.append(None)  # still waiting for its body: admitted
            self.assertEqual(statuses.count(None), 4)  # 4 × 61 MiB fit in 256 MiB
            self.assertEqual(statuses.count(503), 4)
            for s in socks:
                s.close()
            time.sleep(0.2)
            self.assertEqual(zic(emu, "import", "list").returncode, 0)  # the budget came back
        finally:
            emu.stop()

    def test_out_of_descriptors_it_waits_instead_of_spinning(self):
        def few_descriptors():
            resource.setrlimit(resource.RLIMIT_NOFILE, (24, 24))
        emu = Emulator(preexec_fn=few_descriptors)
        try:
            socks = [socket.create_connection((emu.host, emu.port), timeout=5) for _ in range(40)]
            time.sleep(0.2)
            before = cpu_seconds(emu.proc.pid)
            time.sleep(1.0)
            self.assertLess(cpu_seconds(emu.proc.pid) - before, 0.5)  # a spinning accept burns the whole second
            for s in socks:
                s.close()
            time.sleep(0.5)
            self.assertEqual(zic(emu, "import", "list").returncode, 0)  # serving again
        finally:
            emu.stop()

    def test_a_large_file_is_read_off_the_serving_thread(self):
        big = self.data / "big.csv"
        with open(big, "w") as f:
            f.write("id,text\n")
            line = "1," + "x" * 90 + "\n"
            f.write(line * 1_000_000)  # about 92 MB, a million rows
        emu = Emulator("--data-dir", str(self.data), "--rows-per-second", "10000000")
        try:
            # Each call must be answered within its 2 s timeout while the file is read.
            created = zic(emu, "--timeout", "2", "import", "create", "--collection", "c", "--file", "big.csv",
                          "--file", "big.csv")
            self.assertEqual(created.returncode, 0, created.stderr)
            listed = zic(emu, "--timeout", "2", "--json", "import", "list")
            self.assertEqual(listed.returncode, 0, listed.stderr)
            self.assertEqual(len(json.loads(listed.stdout)["records"]), 1)
            done = zic(emu, "--json", "import", "wait", created.stdout.strip(), "--interval", "0.2",
                       "--deadline", "120")
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertEqual(json.loads(done.stdout)["total_rows"], 2_000_000)
        finally:
            emu.stop()

    def test_job_ids_differ_across_runs_unless_a_seed_is_given(self):
        def first_id(flavor, *args):
            with harness.Emulator("--flavor", flavor, *args) as emu:
                body = {"collectionName": "c"}
                body.update({"clusterId": "x", "objectUrls": [["s3://b/a.json"]]} if flavor == "cloud"
                            else {"files": [["a.json"]]})
                status, answer = emu.post("create", body)
                self.assertEqual(answer["code"], 0, answer)
                return answer["data"]["jobId"]
        for flavor in ("milvus", "cloud"):
            ids = [first_id(flavor) for _ in range(2)]
            self.assertNotEqual(ids[0], ids[1], flavor)
            if flavor == "milvus":
                self.assertTrue(all(i.isdigit() for i in ids), ids)
            else:
                self.assertTrue(all(i.startswith("job-") for i in ids), ids)
            self.assertEqual(first_id(flavor, "--seed", "7"), first_id(flavor, "--seed", "7"))
            self.assertNotEqual(first_id(flavor, "--seed", "7"), first_id(flavor, "--seed", "8"))
        for value in ["", "x", "-1", "1.5", "18446744073709551616"]:
            p = subprocess.run([EMULATOR, "--seed", value], capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 2, value)
            self.assertIn("--seed", p.stderr)

    def test_a_relative_data_dir_is_resolved_at_start(self):
        (self.data / "bkt").mkdir()
        (self.data / "bkt" / "rows.json").write_text(json.dumps([{"id": i} for i in range(7)]))
        relative = ["--data-dir", self.data.name, "--rows-per-second", "1000000"]
        emu = Emulator(*relative, cwd=str(self.data.parent))
        try:
            for name, rows in [("rows.json", 10), ("bkt/rows.json", 7)]:
                created = zic(emu, "import", "create", "--collection", "c", "--file", name)
                self.assertEqual(created.returncode, 0, created.stderr)
                d = settled(emu, created.stdout.strip())
                self.assertEqual((d.get("reason", ""), d["totalRows"]), ("", rows), name)
        finally:
            emu.stop()
        emu = Emulator("--flavor", "cloud", *relative, cwd=str(self.data.parent))
        try:
            job = call(emu, "create", {"collectionName": "c", "objectUrls": [["s3://bkt/rows.json"]]}, True)["jobId"]
            d = settled(emu, job, cloud=True)
            self.assertEqual((d["reason"], d["totalRows"]), ("", 7))
        finally:
            emu.stop()

    def test_a_json_array_past_2_24_rows_is_counted_exactly_in_bounded_memory(self):
        rows = (1 << 24) + 7  # past where a DOM array's size() stops counting
        with open(self.data / "big.json", "wb") as f:
            f.write(b"[" + b"{}," * (rows - 1) + b"{}]")
        size = (self.data / "big.json").stat().st_size
        emu = Emulator("--data-dir", str(self.data))
        try:
            created = zic(emu, "import", "create", "--collection", "c", "--file", "big.json")
            self.assertEqual(created.returncode, 0, created.stderr)
            d = settled(emu, created.stdout.strip(), timeout=120)
            self.assertEqual((d.get("reason", ""), d["totalRows"]), ("", rows))
            peak = harness.peak_rss(emu.proc.pid)
            print(f"\n  {size / 2**20:.0f} MiB JSON counted with a peak RSS of {peak / 2**20:.1f} MiB "
                  f"({peak / size:.2f} of the file)", file=sys.stderr)
            self.assertLess(peak, size // 2)  # bounded by the read buffer, not by the file
        finally:
            emu.stop()

    def test_json_files_are_checked_whole_and_counted_wherever_their_rows_are(self):
        valid = {
            "top.json": (' [ {"a": [1, {"b": "]}"}]}, {}, {"s": "\\"\\u00e9\\\\ \u00e9"} ] \n', 3),
            "rows.json": ('{"meta": {"rows": [1, 2, 3]}, "x": "rows", "rows": [{"id": -0.5e+3}, {"id": true},'
                          ' {"id": null}], "other": [[], {}]}', 3),
            "empty-array.json": ("[]", 0),
            "empty-rows.json": ('{"rows": []}', 0),
        }
        invalid = {
            "missing-comma.json": ("[1 2]", "not valid JSON"),
            "trailing-comma.json": ('{"rows": [1,]}', "not valid JSON"),
            "bad-literal.json": ('{"rows": [tru]}', "not valid JSON"),
            "after-end.json": ('{"rows": [1]} x', "not valid JSON"),
            "leading-zero.json": ('{"rows": [01]}', "not valid JSON"),
            "bare-dot.json": ('{"rows": [1.]}', "not valid JSON"),
            "control.json": ('["a\x01"]', "not valid JSON"),
            "unclosed.json": ('{"rows": [{"a": "b"}', "not valid JSON"),
            "bad-escape.json": ('["\\x"]', "not valid JSON"),
            "empty.json": ("", "not valid JSON"),
            "no-rows.json": ('{"data": [1]}', 'no "rows" array'),
            "rows-object.json": ('{"rows": {"a": 1}}', 'no "rows" array'),
            "scalar.json": ('"rows"', 'no "rows" array'),
        }
        for name, (text, _) in {**valid, **invalid}.items():
            (self.data / name).write_text(text, encoding="utf-8")
        (self.data / "bad-utf8.json").write_bytes(b'["\xff"]')
        invalid["bad-utf8.json"] = (None, "not valid JSON")
        emu = Emulator("--data-dir", str(self.data), "--rows-per-second", "1000000")
        try:
            job = call(emu, "create", {"collectionName": "c", "files": [[n] for n in valid]})["jobId"]
            d = settled(emu, job)
            self.assertEqual(d.get("reason", ""), "")
            self.assertEqual([x["totalRows"] for x in d["details"]], [rows for _, rows in valid.values()])
            jobs = {n: call(emu, "create", {"collectionName": "c", "files": [[n]]})["jobId"] for n in invalid}
            for name, (_, why) in invalid.items():
                d = settled(emu, jobs[name])
                self.assertEqual(d["state"], "Failed", name)
                self.assertIn(why, d["reason"], name)
                self.assertIn(name, d["reason"])
        finally:
            emu.stop()

    def test_row_counts_that_cannot_be_real_fail_the_job_and_large_ones_keep_the_clock(self):
        huge = 1 << 62
        (self.data / "huge.parquet").write_bytes(parquet_claiming(huge))  # 39 bytes
        (self.data / "huge.npy").write_bytes(npy_file("<f4", f"({huge}, 0)"))  # no data, none needed
        (self.data / "large.parquet").write_bytes(parquet_claiming(10 ** 10))  # within 16 GiB
        emu = Emulator("--data-dir", str(self.data), "--rows-per-second", "0.001")
        try:
            for name in ["huge.parquet", "huge.npy"]:
                job = call(emu, "create", {"collectionName": "c", "files": [[name]]})["jobId"]
                d = settled(emu, job)
                self.assertEqual(d["state"], "Failed", name)
                self.assertIn(f"'{name}'", d["reason"])
                self.assertIn(f"claims {huge} rows", d["reason"])
                time.sleep(0.2)
                self.assertEqual(call(emu, "describe", {"jobId": job})["state"], "Failed")  # still there
            # Counts the limits allow, summed over units, at the slowest speed: years of import,
            # and every stage's time still fits the clock.
            job = call(emu, "create", {"collectionName": "c",
                                       "files": [["large.parquet"], ["large.parquet"]]})["jobId"]
            d = settled(emu, job)
            self.assertEqual((d["state"], d["totalRows"], d["importedRows"]), ("Importing", 2 * 10 ** 10, 0))
            self.assertGreaterEqual(d["progress"], 40)
            time.sleep(0.2)
            d = call(emu, "describe", {"jobId": job})
            self.assertEqual((d["state"], d["totalRows"]), ("Importing", 2 * 10 ** 10))
            self.assertEqual(emu.stats()["running"], 1)
        finally:
            emu.stop()

    def test_numpy_dtypes_without_a_size_are_refused_and_long_headers_read(self):
        files = {
            "object.npy": (npy_file("|O", "(1000,)"), "Python objects"),
            "float0.npy": (npy_file("<f0", "(1000,)"), "items of 0 bytes"),
            "unicode0.npy": (npy_file("<U0", "(1000,)"), "items of 0 bytes"),
            "structured.npy": (npy_file([("a", "<f4")], "(1000,)"), "not a plain type"),
            "datetime.npy": (npy_file("<M8[ns]", "(1000,)", bytes(8000)), "not a plain type"),
            "huge-header.npy": (npy_file("<i8", "(300,)", bytes(2400), version=2, header_bytes=17 << 20),
                                "longer than the 16 MiB"),
            "cut-header.npy": (npy_file("<i8", "(300,)", version=2, header_bytes=4096)[:2000], "truncated"),
        }
        for name, (data, _) in files.items():
            (self.data / name).write_bytes(data)
        (self.data / "long-header.npy").write_bytes(
            npy_file("<i8", "(300,)", bytes(2400), version=2, header_bytes=2 << 20))  # valid, 2 MiB
        emu = Emulator("--data-dir", str(self.data), "--rows-per-second", "1000000")
        try:
            job = call(emu, "create", {"collectionName": "c", "files": [["long-header.npy"]]})["jobId"]
            d = settled(emu, job)
            self.assertEqual((d.get("reason", ""), d["totalRows"]), ("", 300))
            for name, (_, why) in files.items():
                job = call(emu, "create", {"collectionName": "c", "files": [[name]]})["jobId"]
                d = settled(emu, job)
                self.assertEqual(d["state"], "Failed", name)
                self.assertIn(why, d["reason"], name)
                self.assertIn(f"'{name}'", d["reason"])
        finally:
            emu.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
