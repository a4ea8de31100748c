#!/usr/bin/env python3
"""zic-emulator imports what users import: objects from a real S3-compatible store (s3rver on
loopback) read with the request's keys, Parquet footers from an independent writer, NumPy units,
the server's file rules (refused by the client too), and a job's stages in order; and stores that
misbehave: one that drips, one that ignores Range, and keys whose dot segments name another bucket.

Environment: ZIC_CLI, ZIC_EMULATOR (the binaries).
"""
import http.server
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
from harness import Emulator, ObjectStore, npy, peak_rss, write_parquet  # noqa: E402

ZIC = os.environ["ZIC_CLI"]
S3_KEYS = ["--access-key", ObjectStore.KEY_ID, "--secret-key", ObjectStore.SECRET]


def zic(emu, *args, cloud=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZIC_")}
    env.update({"ZIC_ENDPOINT": emu.url, "ZIC_CLUSTER_ID": "inxx-emu"} if cloud else {"ZIC_ENDPOINT": emu.url})
    flavor = ["--flavor", "cloud" if cloud else "milvus"]
    return subprocess.run([ZIC, *flavor, *args], capture_output=True, text=True, env=env, timeout=120)


def describe(emu, job, cloud=True):
    body = {"clusterId": "inxx-emu", "jobId": job} if cloud else {"jobId": job}
    status, answer = emu.post("describe", body)
    assert status == 200 and answer["code"] == 0, answer
    return answer["data"]


class ObjectStoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = pathlib.Path(tempfile.mkdtemp(prefix="zic-fidelity-"))
        cls.parquet = write_parquet(cls.tmp / "articles.parquet", 2345)
        cls.store = ObjectStore()
        cls.store.put("docs/ten.json", json.dumps({"rows": [{"id": i} for i in range(10)]}))
        cls.store.put("docs/articles.parquet", cls.parquet)
        cls.emu = Emulator("--flavor", "cloud", "--object-store", cls.store.url, "--rows-per-second", "1000000")

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        cls.store.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def import_and_wait(self, *urls, keys=S3_KEYS):
        args = ["import", "create", "--collection", "c"]
        for u in urls:
            args += ["--object-url", u]
        created = zic(self.emu, *args, *keys)
        self.assertEqual(created.returncode, 0, created.stderr)
        job = created.stdout.strip()
        return job, zic(self.emu, "--json", "import", "wait", job, "--interval", "0.1", "--deadline", "60")

    def test_the_seed_flow_upload_import_with_keys_and_verify(self):
        job, done = self.import_and_wait(f"s3://{self.store.bucket}/docs/ten.json",
                                         f"s3://{self.store.bucket}/docs/articles.parquet")
        self.assertEqual(done.returncode, 0, done.stderr)
        result = json.loads(done.stdout)
        self.assertEqual(result["state"], "Completed")
        self.assertEqual(result["total_rows"], 10 + 2345)
        details = describe(self.emu, job)["details"]
        self.assertEqual([d["totalRows"] for d in details], [10, 2345])
        self.assertEqual(details[1]["fileSize"], len(self.parquet))
        self.assertEqual(details[1]["columns"], ["id", "title", "score"])  # from the footer
        self.assertTrue(all("simulated" not in d for d in details))

    def test_an_unknown_access_key_fails_with_the_stores_reason(self):
        job, done = self.import_and_wait(f"s3://{self.store.bucket}/docs/ten.json",
                                         keys=["--access-key", "AKIANOTKNOWN", "--secret-key", "wrong-secret"])
        self.assertEqual(done.returncode, 5, done.stdout + done.stderr)
        reason = describe(self.emu, job)["reason"]
        self.assertIn("docs/ten.json", reason)
        self.assertIn("InvalidAccessKeyId", reason)
        self.assertIn("does not exist in our records", reason)
        self.assertNotIn("wrong-secret", done.stdout + done.stderr + reason)

    def test_a_missing_object_fails_in_pre_importing_with_the_stores_reason(self):
        job, done = self.import_and_wait(f"s3://{self.store.bucket}/docs/absent.parquet")
        self.assertEqual(done.returncode, 5)
        data = describe(self.emu, job)
        self.assertEqual(data["state"], "Failed")
        self.assertEqual(data["reason"], f"failed to get file size of 's3://{self.store.bucket}/docs/absent.parquet': "
                                         "NoSuchKey: The specified key does not exist.")

    def test_files_that_are_not_what_they_say_fail_with_a_reason(self):
        cases = {
            "bad/json-inside.parquet": (b'{"rows": []}', "no PAR1 magic"),
            "bad/truncated.parquet": (self.parquet[:-3], "not a Parquet file"),
            "bad/footer.parquet": (self.parquet[:-40] + b"\xff" * 32 + self.parquet[-8:], "corrupt Parquet footer"),
            "bad/short.npy": (npy(10)[:100], "truncated"),
            "bad/not.npy": (b"plain text", "not a NumPy file"),
            "bad/broken.json": (b'{"rows": [', "not valid JSON"),
        }
        for key, (data, _) in cases.items():
            self.store.put(key, data)
        for key, (_, why) in cases.items():
            job, done = self.import_and_wait(f"s3://{self.store.bucket}/{key}")
            self.assertEqual(done.returncode, 5, key)
            reason = describe(self.emu, job)["reason"]
            self.assertIn(why, reason, key)
            self.assertIn(key, reason)

    def test_numpy_units_count_rows_once_and_refuse_mismatched_columns(self):
        for version in (1, 2, 3):
            self.store.put(f"np/v{version}/id.npy", npy(300, version, "<i8", 1))
            self.store.put(f"np/v{version}/vector.npy", npy(300, version, "<f4", 8))
        self.store.put("np/odd/id.npy", npy(300, 1, "<i8", 1))
        self.store.put("np/odd/vector.npy", npy(299, 1, "<f4", 8))
        b = self.store.bucket
        for version in (1, 2, 3):
            job, done = self.import_and_wait(f"s3://{b}/np/v{version}/id.npy")  # one column alone is a unit too
            self.assertEqual(json.loads(done.stdout)["total_rows"], 300)
        status, answer = self.emu.post("create", {
            "clusterId": "inxx-emu", "collectionName": "c", "accessKey": "S3RVER", "secretKey": "S3RVER",
            "objectUrls": [[f"s3://{b}/np/v{v}/id.npy", f"s3://{b}/np/v{v}/vector.npy"] for v in (1, 2, 3)] +
                          [[f"s3://{b}/np/odd/id.npy", f"s3://{b}/np/odd/vector.npy"]]})
        self.assertEqual(answer["code"], 0, answer)
        job = answer["data"]["jobId"]
        done = zic(self.emu, "import", "wait", job, "--interval", "0.1")
        self.assertEqual(done.returncode, 5)
        data = describe(self.emu, job)
        self.assertEqual([d.get("reason", "") for d in data["details"][:3]], ["", "", ""])
        self.assertEqual(data["details"][0]["columns"], ["id", "vector"])
        self.assertIn("different numbers of rows: id.npy has 300, vector.npy has 299", data["reason"])


class RecordingServer:
    """An http:// origin on loopback that serves `files` and records each request's headers and
    the bytes it answered. With `ranges` it honours `Range: bytes=A-B`; without, it answers the
    whole object, as some servers do."""

    def __init__(self, files, ranges=False):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = files.get(self.path)
                if body is None:
                    seen.append((self.path, dict(self.headers), 0))
                    self.send_response(404)
                    self.end_headers()
                    return
                wanted = self.headers.get("Range", "")
                if ranges and wanted.startswith("bytes="):
                    first, last = (int(x) for x in wanted[len("bytes="):].split("-"))
                    last = min(last, len(body) - 1)
                    part = body[first:last + 1]
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {first}-{last}/{len(body)}")
                else:
                    part = body
                    self.send_response(200)
                seen.append((self.path, dict(self.headers), len(part)))
                self.send_header("Content-Length", str(len(part)))
                self.end_headers()
                self.wfile.write(part)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class MisbehavingOrigin:
    """An http:// origin on loopback that ignores Range and records each request's path and the
    bytes it got out. `/drip/...` sends its headers, then a byte every quarter second; `/silent/...`
    never answers; `/stream/...` answers 200 with `stream` (a prefix, then `length` bytes in all,
    zeros after it) and writes until the reader leaves; other paths serve `files` whole. Each
    answer ends by itself within `lasts` seconds, or when the origin stops."""

    def __init__(self, files=None, stream=None, lasts=30):
        files, seen, stopping = files or {}, [], threading.Event()
        self.seen, self.stopping = seen, stopping

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                record = [self.path, 0]
                seen.append(record)
                end = time.monotonic() + lasts
                try:
                    if self.path.startswith("/silent/"):
                        stopping.wait(lasts)
                    elif self.path.startswith("/drip/"):
                        self.send_response(200)
                        self.send_header("Content-Length", "100000")
                        self.end_headers()
                        while time.monotonic() < end and not stopping.is_set():
                            self.wfile.write(b" ")
                            record[1] += 1
                            stopping.wait(0.25)
                    elif self.path.startswith("/stream/"):
                        prefix, length = stream
                        self.send_response(200)
                        self.send_header("Content-Length", str(length))
                        self.end_headers()
                        self.wfile.write(prefix)
                        record[1] += len(prefix)
                        chunk = bytes(64 << 10)
                        while record[1] < length and time.monotonic() < end and not stopping.is_set():
                            piece = chunk[:length - record[1]]
                            self.wfile.write(piece)
                            record[1] += len(piece)
                    else:
                        body = files.get(self.path)
                        self.send_response(200 if body is not None else 404)
                        self.send_header("Content-Length", str(len(body or b"")))
                        self.end_headers()
                        self.wfile.write(body or b"")
                        record[1] += len(body or b"")
                except OSError:
                    pass  # the reader left, as it should
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for(self, path, timeout=10):
        deadline = time.monotonic() + timeout
        while not any(p == path for p, _ in self.seen):
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} was never requested: {self.seen}")
            time.sleep(0.02)

    def stop(self):
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def create(emu, urls):
    status, answer = emu.post("create", {"clusterId": "x", "collectionName": "c", "objectUrls": urls})
    assert answer["code"] == 0, answer
    return answer["data"]["jobId"]


class MisbehavingStoreTest(unittest.TestCase):
    def test_a_slow_object_fails_its_job_at_the_deadline_and_holds_up_no_other_job(self):
        origin = MisbehavingOrigin({"/fast.json": b'[{"id": 1}, {"id": 2}]'})
        try:
            with Emulator("--flavor", "cloud", "--object-store", origin.url, "--read-timeout", "4",
                          "--rows-per-second", "1000000") as emu:
                drip = create(emu, [[origin.url + "/drip/a.json"], [origin.url + "/drip/b.json"]])
                silent = create(emu, [[origin.url + "/silent/c.json"]])
                origin.wait_for("/drip/a.json")
                origin.wait_for("/silent/c.json")
                fast = create(emu, [[origin.url + "/fast.json"]])
                done = zic(emu, "--json", "import", "wait", fast, "--interval", "0.1", "--deadline", "30")
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertEqual(json.loads(done.stdout)["total_rows"], 2)
                for job in (drip, silent):  # the slow ones are still being read
                    d = describe(emu, job)
                    self.assertEqual(d["state"], "Importing")
                    self.assertLess(d["progress"], 40)
                for job, name in [(drip, "a.json"), (silent, "c.json")]:
                    failed = zic(emu, "import", "wait", job, "--interval", "0.1", "--deadline", "30")
                    self.assertEqual(failed.returncode, 5, failed.stdout + failed.stderr)
                    reason = describe(emu, job)["reason"]
                    self.assertIn(name, reason)
                    self.assertIn("took longer than the 4 s", reason)
                self.assertNotIn("/drip/b.json", [p for p, _ in origin.seen])  # its job had already failed
        finally:
            origin.stop()

    def test_a_store_that_ignores_range_is_read_only_as_far_as_needed(self):
        rows = 1 << 28  # float32: a GiB of data
        head = npy(rows, 1, "<f4", 1)[:128]
        prefix = head[:head.index(b"\n") + 1]
        origin = MisbehavingOrigin(stream=(prefix, len(prefix) + 4 * rows))
        try:
            with Emulator("--flavor", "cloud", "--object-store", origin.url, "--rows-per-second", "1000000") as emu:
                job = create(emu, [[origin.url + "/stream/big.npy"]])
                deadline = time.monotonic() + 60
                while True:
                    d = describe(emu, job)
                    if d["state"] != "Pending" and (d["progress"] >= 40 or d["state"] == "Failed"):
                        break
                    self.assertLess(time.monotonic(), deadline, d)
                    time.sleep(0.05)
                self.assertEqual((d["reason"], d["totalRows"]), ("", rows))
                self.assertEqual(d["details"][0]["fileSize"], len(prefix) + 4 * rows)  # from Content-Length
                peak = peak_rss(emu.proc.pid)
            print(f"\n  a {(len(prefix) + 4 * rows) / 2**30:.0f} GiB object that ignores Range: "
                  f"{len(origin.seen)} requests, at most {max(n for _, n in origin.seen) / 2**20:.1f} MiB "
                  f"written to each; peak RSS {peak / 2**20:.1f} MiB", file=sys.stderr)
            self.assertLess(peak, 64 << 20)
            self.assertTrue(origin.seen)
            # Each answer was left after a few KiB (the rest sat in socket buffers), not read whole.
            self.assertLess(max(n for _, n in origin.seen), 64 << 20)
        finally:
            origin.stop()

    def test_dot_segments_in_an_s3_url_are_refused_never_resolved(self):
        secret = b'[{"id": 1}]'
        origin = RecordingServer({"/otherbucket/secret.json": secret, "/userbucket/ok.json": secret})
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="zic-dots-"))
        (tmp / "otherbucket").mkdir()
        (tmp / "userbucket").mkdir()
        (tmp / "otherbucket" / "secret.json").write_bytes(secret)
        urls = ["s3://userbucket/../otherbucket/secret.json", "s3://userbucket/a/../../otherbucket/secret.json",
                "s3://userbucket/./../otherbucket/secret.json", "s3://../otherbucket/secret.json",
                "s3://userbucket/docs/./secret.json", "s3://userbucket/docs/.."]
        try:
            for where in (["--object-store", origin.url], ["--data-dir", str(tmp)]):
                with Emulator("--flavor", "cloud", *where, "--rows-per-second", "1000000") as emu:
                    for url in urls:
                        job = create(emu, [[url]])
                        zic(emu, "import", "wait", job, "--interval", "0.1", "--deadline", "20")
                        d = describe(emu, job)
                        self.assertEqual(d["state"], "Failed", (where, url))
                        self.assertIn(url, d["reason"])
                        self.assertIn("'.' or '..' segment", d["reason"])
                    ok = create(emu, [["s3://userbucket/ok.json" if where[0] == "--object-store"
                                       else "s3://otherbucket/secret.json"]])
                    done = zic(emu, "--json", "import", "wait", ok, "--interval", "0.1", "--deadline", "20")
                    self.assertEqual(json.loads(done.stdout)["total_rows"], 1)
            self.assertEqual([path for path, _, _ in origin.seen], ["/userbucket/ok.json"])
        finally:
            origin.stop()
            shutil.rmtree(tmp, ignore_errors=True)


class FetchTest(unittest.TestCase):
    def test_a_parquet_object_is_read_in_ranges_not_whole(self):
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="zic-ranges-"))
        try:
            parquet = write_parquet(tmp / "big.parquet", 20000)
            origin = RecordingServer({"/big.parquet": parquet}, ranges=True)
            store = ObjectStore()
            try:
                with Emulator("--flavor", "cloud", "--object-store", store.url, "--rows-per-second", "1000000") as emu:
                    status, answer = emu.post("create", {"clusterId": "x", "collectionName": "c",
                                                         "objectUrls": [[origin.url + "/big.parquet"]]})
                    done = zic(emu, "--json", "import", "wait", answer["data"]["jobId"], "--interval", "0.1")
                    self.assertEqual(json.loads(done.stdout)["total_rows"], 20000)
                self.assertTrue(all("Range" in headers for _, headers, _ in origin.seen))
                served = sum(n for _, _, n in origin.seen)
                self.assertLess(served, len(parquet) // 10)  # the size, the magic and the footer only
            finally:
                store.stop()
                origin.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_http_urls_are_fetched_as_given_signed_when_keys_are_given_and_read_once(self):
        origin = RecordingServer({"/rows.csv": b"id,name\n1,a\n2,b\n3,c\n"})
        store = ObjectStore()
        try:
            with Emulator("--flavor", "cloud", "--object-store", store.url, "--rows-per-second", "1000000") as emu:
                url = origin.url + "/rows.csv"
                status, answer = emu.post("create", {"clusterId": "x", "collectionName": "c",
                                                     "objectUrls": [[url], [url], [url]],
                                                     "accessKey": "AKIAEXAMPLE", "secretKey": "s3cr3t-value",
                                                     "token": "session-token-1"})
                self.assertEqual(answer["code"], 0, answer)
                done = zic(emu, "--json", "import", "wait", answer["data"]["jobId"], "--interval", "0.1")
                self.assertEqual(json.loads(done.stdout)["total_rows"], 9)
                self.assertEqual(len(origin.seen), 1)  # the three units name one object: read once
                headers = {k.lower(): v for k, v in origin.seen[0][1].items()}  # the one request: 200, whole
                self.assertTrue(headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/"))
                self.assertNotIn("s3cr3t-value", headers["authorization"])
                self.assertEqual(headers["x-amz-security-token"], "session-token-1")

                status, answer = emu.post("create", {"clusterId": "x", "collectionName": "c",
                                                     "objectUrls": [[url]]})
                zic(emu, "import", "wait", answer["data"]["jobId"], "--interval", "0.1")
                self.assertNotIn("Authorization", origin.seen[-1][1])  # no keys: anonymous
        finally:
            store.stop()
            origin.stop()


class MilvusStoreTest(unittest.TestCase):
    def test_milvus_reads_files_from_its_own_bucket_with_its_own_keys(self):
        with ObjectStore(bucket="milvus-bucket") as store:
            store.put("batch/1/id.npy", npy(50, 1, "<i8", 1))
            store.put("batch/1/vector.npy", npy(50, 1, "<f4", 16))
            store.put("batch/rows.json", json.dumps([{"id": i} for i in range(7)]))
            with Emulator("--object-store", store.url, "--bucket", "milvus-bucket",
                          "--object-store-key", "S3RVER:S3RVER", "--rows-per-second", "1000000") as emu:
                created = zic(emu, "import", "create", "--collection", "c", "--file",
                              "batch/1/id.npy,batch/1/vector.npy", "--file", "batch/rows.json", cloud=False)
                self.assertEqual(created.returncode, 0, created.stderr)
                done = zic(emu, "--json", "import", "wait", created.stdout.strip(), "--interval", "0.1", cloud=False)
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertEqual(json.loads(done.stdout)["total_rows"], 57)
            with Emulator("--object-store", store.url, "--bucket", "milvus-bucket",
                          "--object-store-key", "WRONGKEY:S3RVER") as emu:
                created = zic(emu, "import", "create", "--collection", "c", "--file", "batch/rows.json", cloud=False)
                done = zic(emu, "import", "wait", created.stdout.strip(), "--interval", "0.1", cloud=False)
                self.assertEqual(done.returncode, 5)
                self.assertIn("InvalidAccessKeyId", describe(emu, created.stdout.strip(), cloud=False)["reason"])


class RulesTest(unittest.TestCase):
    def test_several_row_files_in_one_unit_are_refused_by_the_client_and_the_server(self):
        with Emulator() as emu:
            refused = zic(emu, "import", "create", "--collection", "c", "--file", "a.parquet,b.parquet", cloud=False)
            self.assertEqual(refused.returncode, 2, refused.stderr)
            self.assertIn("give each file its own group", refused.stderr)
            self.assertEqual(emu.stats()["jobs"], 0)  # nothing was sent
            mixed = zic(emu, "import", "create", "--collection", "c", "--file", "id.npy,rows.json", cloud=False)
            self.assertEqual(mixed.returncode, 2)
            self.assertIn("mixes file types", mixed.stderr)

            for files, message in [([["a.parquet", "b.parquet"]], "for Parquet import, accepts only one file"),
                                   ([["a.json", "b.json"]], "for JSON import, accepts only one file"),
                                   ([["a.csv", "b.csv"]], "for CSV import, accepts only one file"),
                                   ([["id.npy", "b.json"]], "inconsistency in file types"),
                                   ([["data.txt"]], "unexpected file type")]:
                status, answer = emu.post("create", {"collectionName": "c", "files": files})
                self.assertEqual((status, answer["code"]), (200, 2100), files)
                self.assertIn(message, answer["message"])
            status, answer = emu.post("create", {"collectionName": "c", "files": [["x.json"]],
                                                 "options": {"auto_commit": False}})
            self.assertEqual(answer["code"], 1801)  # option values are strings
            status, answer = emu.post("create", {"collectionName": "c", "files": [[f"{i}.json"] for i in range(1025)]})
            self.assertIn("should not exceed 1024, but got 1025", answer["message"])

    def test_the_milvus_job_cap_counts_unfinished_jobs_across_the_cluster(self):
        with Emulator("--rows-per-second", "1000000") as emu:
            self.assertEqual(emu.stats()["retention"], 10800)  # the server's taskRetention
            body = {"collectionName": "c", "files": [["a.json"]], "options": {"auto_commit": "false"}}
            jobs = []
            for i in range(1024):  # two-phase jobs stay Uncommitted: unfinished
                body["collectionName"] = f"c{i % 7}"
                status, answer = emu.post("create", body)
                self.assertEqual(answer["code"], 0, answer)
                jobs.append(answer["data"]["jobId"])
            status, answer = emu.post("create", body)
            self.assertEqual(answer["code"], 2100)
            self.assertIn("The number of jobs has reached the limit", answer["message"])
            self.assertEqual(emu.post("abort", {"jobId": jobs[0]})[1]["code"], 0)
            time.sleep(0.05)
            self.assertEqual(emu.post("create", body)[1]["code"], 0)  # room again
            # The cap is kept by counting: the creates did not visit the jobs.
            self.assertLess(emu.stats()["visits"], 50)
            # A repeated abort is answered as the first was (a retry's), but a job that ended
            # otherwise cannot be aborted.
            self.assertEqual(emu.post("abort", {"jobId": jobs[0]})[1]["code"], 0)
            self.assertEqual(emu.post("commit", {"jobId": jobs[1]})[1]["code"], 0)
            for _ in range(100):
                if describe(emu, jobs[1], cloud=False)["state"] == "Completed":
                    break
                time.sleep(0.05)
            status, answer = emu.post("abort", {"jobId": jobs[1]})
            self.assertEqual(answer["code"], 1100)
            self.assertIn("already ended (Completed)", answer["message"])
        with Emulator("--flavor", "cloud") as emu:
            self.assertEqual(emu.stats()["retention"], 86400)
        with Emulator("--rows-per-second", "1000000", "--data-dir", tempfile.gettempdir()) as emu:
            job = emu.post("create", {"collectionName": "c", "files": [["zic-surely-absent.json"]]})[1]["data"]["jobId"]
            zic(emu, "import", "wait", job, "--interval", "0.1", cloud=False)
            status, answer = emu.post("abort", {"jobId": job})
            self.assertIn("already ended (Failed)", answer["message"])

    def test_stages_show_their_bands_in_order(self):
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="zic-stages-"))
        try:
            (tmp / "rows.json").write_text(json.dumps({"rows": [{"id": i} for i in range(300)]}))
            with Emulator("--data-dir", str(tmp), "--rows-per-second", "200") as emu:
                status, answer = emu.post("create", {"collectionName": "c", "files": [["rows.json"]],
                                                     "options": {"auto_commit": "false"}})
                job = answer["data"]["jobId"]
                seen = []
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    d = describe(emu, job, cloud=False)
                    seen.append((d["state"], d["progress"], d["importedRows"], d["totalRows"]))
                    if d["state"] == "Uncommitted":
                        break
                    time.sleep(0.01)
                self.assertEqual(emu.post("commit", {"jobId": job})[1]["code"], 0)
                while d["state"] != "Completed" and time.monotonic() < deadline:
                    d = describe(emu, job, cloud=False)
                    seen.append((d["state"], d["progress"], d["importedRows"], d["totalRows"]))
                    time.sleep(0.02)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

        def band(state, progress, imported, total):
            if state == "Pending":
                self.assertEqual((imported, total), (0, 0))
                return "pending"
            if state == "Importing" and progress < 40:
                self.assertEqual(imported, 0)
                return "pre-importing"
            if state == "Importing" and progress < 70:
                return "importing"
            if state == "Importing":
                self.assertEqual(imported, total)
                return "sorting" if progress < 80 else "index-building"
            self.assertEqual(imported, 300)
            return {"Uncommitted": "uncommitted", "Committing": "committing", "Completed": "completed"}[state]

        progress = [p for _, p, _, _ in seen]
        self.assertEqual(progress, sorted(progress))  # never goes back
        order = []
        for sample in seen:
            b = band(*sample)
            if not order or order[-1] != b:
                order.append(b)
        self.assertEqual(order, ["pending", "pre-importing", "importing", "sorting", "index-building",
                                 "uncommitted", "committing", "completed"])
        self.assertEqual(seen[-1][1:], (100, 300, 300))

    def test_a_url_that_no_store_holds_is_simulated_and_says_so(self):
        with Emulator("--flavor", "cloud", "--rows-per-second", "1000000") as emu:
            status, answer = emu.post("create", {"clusterId": "x", "collectionName": "c",
                                                 "objectUrls": [["s3://bucket/a.parquet"]]})
            job = answer["data"]["jobId"]
            zic(emu, "import", "wait", job, "--interval", "0.1")
            detail = describe(emu, job)["details"][0]
            self.assertIs(detail["simulated"], True)
            self.assertEqual(detail["totalRows"], 10000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
