#!/usr/bin/env python3
"""Runs the real `zic` binary against `zic-emulator`: every subcommand in both flavours, --json
parsed back, each exit code provoked for real, progress output off a terminal, the Quickstart's
demo, and the API key never printed.

Environment: ZIC_CLI, ZIC_EMULATOR (the binaries), ZIC_SOURCE_DIR (the checkout).
"""
import json
import os
import pty
import select
import pathlib
import re
import shutil
import subprocess
import tempfile
import time
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import harness  # noqa: E402

ZIC = os.environ["ZIC_CLI"]
SOURCE = pathlib.Path(os.environ["ZIC_SOURCE_DIR"])
KEY = "cli-test-key-5e4d3c2b1a"
SECRETS = [KEY, "AKIA-CLI-ACCESS", "CLI-SECRET-KEY", "CLI-SESSION-TOKEN", "Sup3rSecretPw"]
OUTPUTS = []  # every stdout and stderr, for the secrets check


class Emulator(harness.Emulator):
    def __init__(self, *args, flavor="milvus", data_dir=None, key=KEY):
        cmd = ["--flavor", flavor, "--rows-per-second", "20000"]
        if key:
            cmd += ["--api-key", key]
        if data_dir:
            cmd += ["--data-dir", str(data_dir)]
        super().__init__(*cmd, *args)


def run(*args, env=None, check=None, timeout=60):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ZIC_")}
    full_env.update(env or {})
    p = subprocess.run([ZIC, *args], capture_output=True, text=True, env=full_env, timeout=timeout)
    OUTPUTS.append(p.stdout)
    OUTPUTS.append(p.stderr)
    if check is not None and p.returncode != check:
        raise AssertionError(f"zic {' '.join(args)} exited {p.returncode}, wanted {check}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def read_terminal(master):
    """All a program wrote to the terminal whose master side is `master`, until it closed (or
    30 s of silence); closes `master`."""
    screen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        screen += chunk
    os.close(master)
    return screen.decode()


def http_answer(body, status="200 OK"):
    data = body.encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


class ScriptServer:
    """An HTTP server on 127.0.0.1 that answers every request with `respond(head)` as raw bytes,
    on kept-alive connections; `seen` holds the request heads and `bodies` their bodies. Stops
    when the block ends."""

    def __init__(self, respond):
        import socket
        import threading
        self.respond, self.seen, self.bodies, self.stop = respond, [], [], threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self):
        self.acceptor.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.acceptor.join()
        self.listener.close()

    def _accept(self):
        import socket
        import threading
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        import socket
        buf = b""
        conn.settimeout(0.2)
        while not self.stop.is_set():
            head_end = buf.find(b"\r\n\r\n")
            if head_end >= 0:
                m = re.search(rb"(?i)content-length: *(\d+)", buf[:head_end])
                length = int(m.group(1)) if m else 0
                if len(buf) >= head_end + 4 + length:
                    head = buf[:head_end]
                    self.seen.append(head)
                    self.bodies.append(buf[head_end + 4:head_end + 4 + length])
                    buf = buf[head_end + 4 + length:]
                    conn.sendall(self.respond(head))
                    continue
            try:
                got = conn.recv(65536)
            except socket.timeout:
                continue
            if not got:
                break
            buf += got
        conn.close()


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = pathlib.Path(tempfile.mkdtemp(prefix="zic-cli-"))
        with open(cls.data / "rows.json", "w") as f:
            json.dump({"rows": [{"id": i} for i in range(2500)]}, f)
        (cls.data / "more.csv").write_text("id\n1\n2\n3\n")
        (cls.data / "broken.parquet").write_bytes(b"PAR1")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.data, ignore_errors=True)

    def env(self, emu, **extra):
        e = {"ZIC_ENDPOINT": emu.url, "ZIC_API_KEY": KEY}
        e.update(extra)
        return e

    def test_milvus_every_subcommand(self):
        emu = Emulator(data_dir=self.data)
        try:
            env = self.env(emu, ZIC_DB="sales")
            job = run("import", "create", "--collection", "c", "--file", "rows.json", "--file", "more.csv",
                      env=env, check=0).stdout.strip()
            self.assertRegex(job, r"^\d+$")
            waited = run("import", "wait", job, "--interval", "0.1", env=env, check=0)
            lines = waited.stdout.splitlines()
            self.assertIn("Completed 100% 2503/2503 rows", "\n".join(lines))
            self.assertTrue(any(l.startswith("Pending") or l.startswith("Importing") for l in lines))
            self.assertNotIn("\r", waited.stdout)  # no progress bar off a terminal
            self.assertIn("completed: 2503 rows", lines[-1])

            described = run("import", "describe", job, env=env, check=0).stdout
            self.assertIn("Completed", described)
            self.assertIn("[rows.json]", described)
            as_json = json.loads(run("--json", "import", "progress", job, env=env, check=0).stdout)
            self.assertEqual(as_json["job_id"], job)
            self.assertEqual(as_json["state"], "Completed")
            self.assertEqual(as_json["total_rows"], 2503)
            self.assertEqual(len(as_json["details"]), 2)

            # Two-phase: stop at Uncommitted, commit, then Completed; abort another.
            staged = run("import", "create", "--collection", "c", "--file", "more.csv",
                         "--option", "auto_commit=false", env=env, check=0).stdout.strip()
            run("import", "wait", staged, "--two-phase", "--interval", "0.1", env=env, check=0)
            committed = json.loads(run("import", "commit", staged, "--json", env=env, check=0).stdout)
            self.assertEqual(committed, {"job_id": staged, "result": "committed"})
            final = json.loads(run("import", "wait", staged, "--json", "--interval", "0.1", env=env, check=0).stdout)
            self.assertEqual(final["state"], "Completed")
            doomed = run("import", "create", "--collection", "c", "--file", "more.csv",
                         "--option", "auto_commit=false", env=env, check=0).stdout.strip()
            self.assertIn("Aborted", run("import", "abort", doomed, env=env, check=0).stdout)
            self.assertEqual(run("import", "wait", doomed, "--interval", "0.1", env=env).returncode, 5)

            listed = json.loads(run("import", "list", "--json", env=env, check=0).stdout)
            self.assertEqual({r["job_id"] for r in listed["records"]}, {job, staged, doomed})
            self.assertIn("JOB ID", run("import", "list", "--collection", "c", env=env, check=0).stdout)
            # DB-Name selects the database: the default one holds none of these jobs.
            self.assertEqual(run("import", "describe", job, "--db", "default", env=env).returncode, 6)
            # The curl transport gives the same answers.
            self.assertIn("Completed", run("--transport", "curl", "import", "describe", job, env=env, check=0).stdout)
        finally:
            emu.stop()

    def test_cloud_every_subcommand(self):
        emu = Emulator(flavor="cloud", data_dir=self.data)  # file:// URLs are read under --data-dir
        try:
            env = self.env(emu, ZIC_CLUSTER_ID="inxx-cli")
            url = "file://" + str(self.data / "rows.json")
            job = run("import", "create", "--collection", "articles", "--object-url", url,
                      "--access-key", "AKIA-CLI-ACCESS", "--secret-key", "CLI-SECRET-KEY",
                      "--token", "CLI-SESSION-TOKEN", "--flavor", "cloud", env=env, check=0).stdout.strip()
            self.assertTrue(job.startswith("job-"))
            done = json.loads(run("--flavor", "cloud", "import", "wait", job, "--json", "--interval", "0.1",
                                  env=env, check=0).stdout)
            self.assertEqual(done["total_rows"], 2500)
            # The cloud does not say; a Completed job has every row in, marked as inferred, as the
            # text view shows it too.
            self.assertEqual(done["imported_rows"], 2500)
            self.assertTrue(done["imported_rows_inferred"])
            text = run("--flavor", "cloud", "import", "describe", job, env=env, check=0).stdout
            self.assertIn("2500/2500", text)
            self.assertEqual(done["file_name"], "rows.json")
            for _ in range(3):
                run("--flavor", "cloud", "import", "create", "--collection", "other",
                    "--object-url", "s3://bucket/x.parquet", env=env, check=0)
            page = json.loads(run("--flavor", "cloud", "import", "list", "--page-size", "2", "--page", "2",
                                  "--json", env=env, check=0).stdout)
            self.assertEqual(len(page["records"]), 2)
            self.assertEqual(page["current_page"], 2)
            self.assertEqual(page["page_size"], 2)
            every = json.loads(run("--flavor", "cloud", "import", "list", "--all", "--page-size", "3", "--json",
                                   env=env, check=0).stdout)
            self.assertEqual(len(every["records"]), 4)
            mine = json.loads(run("--flavor", "cloud", "import", "list", "--all", "--collection", "articles",
                                  "--json", env=env, check=0).stdout)
            self.assertEqual([r["job_id"] for r in mine["records"]], [job])
            described = run("--flavor", "cloud", "import", "describe", job, env=env, check=0).stdout
            self.assertIn("Completed", described)
            self.assertIn("2500/2500", described)  # once Completed, every row is in
            self.assertNotIn("0/2500", described.replace("2500/2500", ""))
            # Two-phase calls are Milvus-only: a usage error before any request.
            self.assertEqual(run("--flavor", "cloud", "import", "commit", job, env=env).returncode, 2)
            # Without a cluster id the cloud flavour cannot address anything.
            env.pop("ZIC_CLUSTER_ID")
            self.assertEqual(run("--flavor", "cloud", "import", "list", env=env).returncode, 2)
        finally:
            emu.stop()

    def test_exit_codes(self):
        emu = Emulator(data_dir=self.data)
        try:
            env = self.env(emu)
            # 2: usage errors name the flag or the problem.
            for args, words in [(["import", "create", "--colection", "x"], "--colection"),
                                (["import", "describe"], "JOB_ID"),
                                (["import", "list", "--page"], "--page"),
                                (["import", "list", "--page", "zero"], "--page"),
                                (["import", "frobnicate"], "frobnicate"),
                                (["import", "describe", "1", "--file", "x"], "--file"),
                                (["import", "create", "--collection", "c"], "data source"),
                                ([], "no command"),
                                (["--transport", "telnet", "import", "list"], "telnet"),
                                (["import", "create", "--collection", "c", "--file", "a", "--option", "novalue"], "KEY=VALUE"),
                                (["--endpoint", "ftp://x", "import", "list"], "http")]:
                p = run(*args, env=env)
                self.assertEqual(p.returncode, 2, args)
                self.assertIn(words, p.stderr, args)
            # 3: the server answered with an error (a bad key), with a hint.
            bad = run("import", "list", env=self.env(emu, ZIC_API_KEY="wrong-key"))
            self.assertEqual(bad.returncode, 3)
            self.assertIn("1800", bad.stderr)
            self.assertIn("API key", bad.stderr)
            # 5: the job failed.
            failing = run("import", "create", "--collection", "c", "--file", "broken.parquet", env=env, check=0)
            p = run("import", "wait", failing.stdout.strip(), "--interval", "0.1", env=env)
            self.assertEqual(p.returncode, 5)
            self.assertIn("not a Parquet file", p.stderr)
            # 6: the job never existed.
            self.assertEqual(run("import", "describe", "123456", env=env).returncode, 6)
        finally:
            emu.stop()
        # 4: nothing listens there any more.
        closed = run("import", "list", "--timeout", "2", env={"ZIC_ENDPOINT": emu.url, "ZIC_API_KEY": KEY})
        self.assertEqual(closed.returncode, 4)
        self.assertIn("cannot connect", closed.stderr)
        # 4: the wait's deadline passes.
        slow = Emulator("--rows-per-second", "1", data_dir=self.data)
        try:
            env = self.env(slow)
            job = run("import", "create", "--collection", "c", "--file", "rows.json", env=env, check=0).stdout.strip()
            p = run("import", "wait", job, "--interval", "0.1", "--deadline", "0.5", env=env)
            self.assertEqual(p.returncode, 4)
            self.assertIn("timed out", p.stderr)
        finally:
            slow.stop()
        # 6: the job expired after the retention period.
        short = Emulator("--retention", "1", data_dir=self.data)
        try:
            env = self.env(short)
            job = run("import", "create", "--collection", "c", "--file", "more.csv", env=env, check=0).stdout.strip()
            run("import", "wait", job, "--interval", "0.1", env=env, check=0)
            time.sleep(1.3)
            gone = run("import", "describe", job, env=env)
            self.assertEqual(gone.returncode, 6)
            self.assertIn("retention", gone.stderr)
        finally:
            short.stop()

    def test_wait_never_takes_stray_bytes_for_an_answer(self):
        # A server that only ever says Importing, and after each answer sends an unasked-for
        # whole answer saying Failed: the wait must run to its deadline (4), never fail (5).
        def progress(state, pct):
            return json.dumps({"code": 0, "data": {"jobId": "job-A", "state": state, "progress": pct}})

        with ScriptServer(lambda head: http_answer(progress("Importing", 50)) +
                          http_answer(progress("Failed", 0))) as server:
            for transport in ("beast", "curl"):
                server.seen.clear()
                p = run("--transport", transport, "import", "wait", "job-A", "--interval", "0.1",
                        "--deadline", "1.2", env={"ZIC_ENDPOINT": server.url, "ZIC_API_KEY": KEY})
                self.assertEqual(p.returncode, 4, (transport, p.stdout, p.stderr))
                self.assertNotIn("Failed", p.stdout, transport)
                self.assertGreaterEqual(len(server.seen), 3, transport)

    def test_no_form_of_a_milvus_password_is_printed(self):
        # A server that echoes the password alone, percent-encoded and upper-cased.
        password = "Sup3rSecretPw"
        message = (f"user root password {password} rejected; root%3A{password}; "
                   f"ROOT:{password.upper()}; root%3a{password}")
        body = json.dumps({"code": 1800, "message": message})
        with ScriptServer(lambda head: http_answer(body)) as server:
            for transport in ("beast", "curl"):
                p = run("--verbose", "--transport", transport, "import", "list",
                        env={"ZIC_ENDPOINT": server.url, "ZIC_API_KEY": "root:" + password})
                self.assertEqual(p.returncode, 3, p.stderr)
                self.assertIn("user root password *** rejected", p.stderr)
                self.assertNotIn(password.lower(), (p.stdout + p.stderr).lower())

    def test_bucket_keys_from_the_environment_and_the_flavour_from_zic_flavor(self):
        created = json.dumps({"code": 0, "data": {"jobId": "job-1"}})
        with ScriptServer(lambda head: http_answer(created)) as server:
            base = {"ZIC_ENDPOINT": server.url, "ZIC_API_KEY": KEY, "ZIC_CLUSTER_ID": "inxx-env"}
            args = ("import", "create", "--collection", "c", "--object-url", "s3://b/rows.json")
            # A loopback endpoint is Milvus unless told: refused before sending, with a hint.
            p = run(*args, env=base)
            self.assertEqual(p.returncode, 2)
            self.assertIn("--flavor cloud|milvus or ZIC_FLAVOR", p.stderr)
            self.assertEqual(server.bodies, [])
            no_cluster = dict(base, ZIC_FLAVOR="cloud")
            del no_cluster["ZIC_CLUSTER_ID"]
            p = run(*args, env=no_cluster)
            self.assertEqual(p.returncode, 2)
            self.assertIn("ZIC_FLAVOR", p.stderr)
            # ZIC_FLAVOR chooses cloud; the keys come from AWS_*, and ZIC_* win over them.
            env = dict(base, ZIC_FLAVOR="cloud", AWS_ACCESS_KEY_ID="AKIA-CLI-ACCESS",
                       AWS_SECRET_ACCESS_KEY="CLI-SECRET-KEY", AWS_SESSION_TOKEN="CLI-SESSION-TOKEN")
            self.assertEqual(run(*args, env=env, check=0).stdout.strip(), "job-1")
            body = json.loads(server.bodies[-1])
            self.assertEqual((body["accessKey"], body["secretKey"], body["token"]),
                             ("AKIA-CLI-ACCESS", "CLI-SECRET-KEY", "CLI-SESSION-TOKEN"))
            run(*args, env=dict(env, ZIC_SECRET_KEY="CLI-SECRET-KEY-2"), check=0)
            self.assertEqual(json.loads(server.bodies[-1])["secretKey"], "CLI-SECRET-KEY-2")
            run(*args, "--secret-key", "CLI-SECRET-KEY-3", env=dict(env, ZIC_SECRET_KEY="CLI-SECRET-KEY-2"), check=0)
            self.assertEqual(json.loads(server.bodies[-1])["secretKey"], "CLI-SECRET-KEY-3")
            # --flavor still wins over ZIC_FLAVOR, and a bad value names both.
            p = run("--flavor", "milvus", *args, env=env)
            self.assertEqual(p.returncode, 2)
            p = run(*args, env=dict(env, ZIC_FLAVOR="clod"))
            self.assertEqual(p.returncode, 2)
            self.assertIn("ZIC_FLAVOR", p.stderr)

    def test_wait_draws_a_live_bar_on_a_terminal(self):
        emu = Emulator("--rows-per-second", "5000", data_dir=self.data)
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("ZIC_")}
            env.update(self.env(emu))
            job = run("import", "create", "--collection", "c", "--file", "rows.json", env=self.env(emu), check=0)
            master, slave = pty.openpty()
            p = subprocess.Popen([ZIC, "import", "wait", job.stdout.strip(), "--interval", "0.1"],
                                 stdout=slave, stderr=slave, env=env)
            os.close(slave)
            text = read_terminal(master)
            self.assertEqual(p.wait(timeout=30), 0)
            OUTPUTS.append(text)
            self.assertGreaterEqual(text.count("\r["), 3)  # redrawn in place
            self.assertIn("\x1b[K", text)
            self.assertRegex(text, r"\[#{30}\] 100%  2500/2500 rows  \d\d:\d\d  Completed")
            self.assertIn("completed: 2500 rows", text)
        finally:
            emu.stop()

    def test_a_job_id_that_cannot_be_written_is_not_lost(self):
        emu = Emulator(data_dir=self.data)
        try:
            env = self.env(emu)
            full_env = {k: v for k, v in os.environ.items() if not k.startswith("ZIC_")}
            full_env.update(env)
            args = [ZIC, "import", "create", "--collection", "c", "--file", "more.csv"]
            # A full device.
            with open("/dev/full", "w") as full:
                p = subprocess.run(args, stdout=full, stderr=subprocess.PIPE, text=True, env=full_env, timeout=60)
            OUTPUTS.append(p.stderr)
            self.assertEqual(p.returncode, 7, p.stderr)
            job = re.search(r"import job (\d+) was created", p.stderr).group(1)
            # A pipe whose reader is gone, SIGPIPE or not.
            r, w = os.pipe()
            os.close(r)
            p = subprocess.run(args, stdout=w, stderr=subprocess.PIPE, text=True, env=full_env, timeout=60)
            os.close(w)
            OUTPUTS.append(p.stderr)
            self.assertEqual(p.returncode, 7, p.stderr)
            self.assertRegex(p.stderr, r"import job \d+ was created")
            # Both jobs exist, and the first id printed on stderr names one of them.
            listed = json.loads(run("import", "list", "--json", env=env, check=0).stdout)
            self.assertIn(job, {r["job_id"] for r in listed["records"]})
            # Any other command's lost output fails too.
            with open("/dev/full", "w") as full:
                p = subprocess.run([ZIC, "import", "list"], stdout=full, stderr=subprocess.PIPE, text=True,
                                   env=full_env, timeout=60)
            self.assertEqual(p.returncode, 7)
        finally:
            emu.stop()

    def test_list_all_walks_pages_the_server_capped(self):
        emu = Emulator(flavor="cloud", data_dir=self.data)
        try:
            env = self.env(emu, ZIC_CLUSTER_ID="inxx-cli")
            for _ in range(150):
                run("--flavor", "cloud", "import", "create", "--collection", "c", "--object-url", "s3://b/rows.json",
                    env=env, check=0)
            listed = json.loads(run("--flavor", "cloud", "import", "list", "--all", "--page-size", "200", "--json",
                                    env=env, check=0).stdout)
            self.assertEqual(len(listed["records"]), 150)
        finally:
            emu.stop()

    def test_a_wait_interval_below_the_floor_is_refused(self):
        emu = Emulator(data_dir=self.data)
        try:
            p = run("import", "wait", "448761313698322012", "--interval", "0.0001", env=self.env(emu))
            self.assertEqual(p.returncode, 2)
            self.assertIn("--interval must be at least 0.1 seconds", p.stderr)
        finally:
            emu.stop()

    def test_insecure_warns(self):
        emu = Emulator(data_dir=self.data)
        try:
            p = run("--insecure", "import", "list", env=self.env(emu), check=0)
            self.assertIn("warning: --insecure", p.stderr)
        finally:
            emu.stop()

    def test_help_at_every_level(self):
        self.assertIn("usage: zic", run("--help", check=0).stdout)
        for cmd, words in [("create", "--collection"), ("describe", "JOB_ID"), ("list", "--page-size"),
                           ("wait", "--deadline"), ("commit", "two-phase"), ("abort", "Failed")]:
            self.assertIn(words, run("import", cmd, "--help", check=0).stdout)
        self.assertIn("commands", run("import", "--help", check=0).stdout)

    def test_verbose_logs_attempts_without_secrets(self):
        emu = Emulator("--fault", "503:on=list,count=1", data_dir=self.data)
        try:
            p = run("--verbose", "import", "list", env=self.env(emu), check=0)
            self.assertIn("list POST /v2/vectordb/jobs/import/list attempt 1: HTTP 503", p.stderr)
            self.assertIn("retry after", p.stderr)
            self.assertIn("attempt 2: HTTP 200", p.stderr)
            self.assertIn("API key set", p.stderr)
        finally:
            emu.stop()

    def test_quickstart_demo(self):
        bin_dir = str(pathlib.Path(ZIC).parent)
        env = dict(os.environ, ZIC_BIN_DIR=bin_dir, ZIC_DEMO_ROWS="4000")
        p = subprocess.run([str(SOURCE / "tools" / "demo")], capture_output=True, text=True, env=env, timeout=120)
        OUTPUTS.append(p.stdout)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"Import job \d+ completed: 4000 rows")
        self.assertIn("Completed 100% 4000/4000 rows", p.stdout)
        self.assertRegex(p.stdout, r"\d+\s+articles\s+Completed\s+100%")

    def test_zz_no_secret_in_any_output(self):
        self.assertGreater(len(OUTPUTS), 40)
        for text in OUTPUTS:
            for secret in SECRETS:
                self.assertNotIn(secret, text)


WRITE_SCHEMA = {"autoId": False, "enableDynamicField": True, "fields": [
    {"fieldName": "id", "dataType": "Int64", "isPrimary": True},
    {"fieldName": "title", "dataType": "VarChar", "elementTypeParams": {"max_length": 16}, "nullable": True},
    {"fieldName": "vec", "dataType": "FloatVector", "elementTypeParams": {"dim": 3}},
    {"fieldName": "bin", "dataType": "BinaryVector", "elementTypeParams": {"dim": 16}},
    {"fieldName": "sp", "dataType": "SparseFloatVector"},
    {"fieldName": "tags", "dataType": "Array", "elementDataType": "Int16",
     "elementTypeParams": {"max_capacity": 3}},
    {"fieldName": "n", "dataType": "Int32", "defaultValue": 7}]}


def write_row(i):
    return {"id": i, "title": None if i % 4 == 0 else f"t{i}", "vec": [1, 0.1, i], "bin": [1, 255],
            "sp": {str(i): 0.5}, "tags": [i % 100, -1][: i % 3], "color": "red" if i % 2 else "blue"}


class WriteTest(unittest.TestCase):
    """`zic write`: JSON rows in, import units out; exit 8 on a row that does not fit, exit 2 on a
    bad schema or flag, and never a partial file."""

    @classmethod
    def setUpClass(cls):
        probe = subprocess.run([ZIC, "write", "--schema", "-", "--out", "-"], capture_output=True, text=True)
        if "built without the bulk writer" in probe.stderr:
            raise unittest.SkipTest("this zic has no bulk writer (libthrift, libsnappy or libzstd missing)")

    def setUp(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="zic-write-"))
        (self.dir / "schema.json").write_text(json.dumps(WRITE_SCHEMA))
        self.rows = [write_row(i) for i in range(1, 61)]
        (self.dir / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in self.rows))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, *args, check=None, stdin=None):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("ZIC_")}
        p = subprocess.run([ZIC, "write", "--schema", str(self.dir / "schema.json"), *args], capture_output=True,
                           text=True, env=full_env, timeout=60, input=stdin)
        OUTPUTS.extend([p.stdout, p.stderr])
        if check is not None and p.returncode != check:
            raise AssertionError(f"zic write {' '.join(args)} exited {p.returncode}, wanted {check}\n"
                                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def assert_no_partial(self, out):
        left = [p.name for p in out.rglob("*") if ".partial" in p.name]
        self.assertEqual(left, [])

    def test_json_lines_to_parquet_units(self):
        out = self.dir / "out"
        p = self.write("--out", str(out), "--chunk-size", "1KiB", str(self.dir / "rows.jsonl"), check=0)
        units = p.stdout.split()
        self.assertGreater(len(units), 2)
        self.assertEqual(units, [f"{n}.parquet" for n in range(1, len(units) + 1)])
        for u in units:
            data = (out / u).read_bytes()
            self.assertEqual(data[:4], b"PAR1")
            self.assertEqual(data[-4:], b"PAR1")
        self.assert_no_partial(out)
        p = self.write("--out", str(self.dir / "out2"), "--json", "--compression", "zstd",
                       str(self.dir / "rows.jsonl"), check=0)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["units"], [["1.parquet"]])
        self.assertEqual(doc["rows"], 60)
        self.assertEqual(doc["bytes"], (self.dir / "out2" / "1.parquet").stat().st_size)

    def test_rows_read_back_as_json(self):
        out = self.dir / "out"
        self.write("--out", str(out), "--format", "json", check=0, stdin=(self.dir / "rows.jsonl").read_text())
        rows = json.loads((out / "1.json").read_text())["rows"]
        self.assertEqual(len(rows), len(self.rows))
        for got, want in zip(rows, self.rows):
            meta = {"color": want["color"]}
            self.assertEqual(got["$meta"], meta)
            self.assertEqual(got["id"], want["id"])
            self.assertEqual(got["title"], want["title"])
            self.assertEqual(got["vec"], [1, 0.1, want["id"]])
            self.assertEqual(got["bin"], want["bin"])
            self.assertEqual(got["sp"], want["sp"])
            self.assertEqual(got["tags"], want["tags"])
            self.assertEqual(got["n"], 7)

    def test_documents_and_csv(self):
        doc = self.dir / "doc.json"
        doc.write_text(json.dumps({"rows": self.rows[:3]}, indent=2))
        arr = self.dir / "arr.json"
        arr.write_text(json.dumps(self.rows[3:5]))
        out = self.dir / "out"
        p = self.write("--out", str(out), "--format", "csv", str(doc), str(arr), "--json", check=0)
        self.assertEqual(json.loads(p.stdout)["rows"], 5)
        import csv as csv_module
        with open(out / "1.csv", newline="") as f:
            table = list(csv_module.reader(f))
        self.assertEqual(table[0], ["id", "title", "vec", "bin", "sp", "tags", "n", "$meta"])
        self.assertEqual([r[0] for r in table[1:]], ["1", "2", "3", "4", "5"])
        self.assertEqual(table[4][1], "")  # row 4's title is null: the empty nullkey
        self.assertEqual(json.loads(table[1][2]), [1, 0.1, 1])

    def test_exit_8_names_the_input_line_and_field_and_keeps_finished_chunks(self):
        bad = dict(self.rows[40])
        bad["vec"] = [1, 2]
        lines = [json.dumps(r) for r in self.rows[:40]] + [json.dumps(bad)] + [json.dumps(r) for r in self.rows[41:]]
        (self.dir / "bad.jsonl").write_text("\n".join(lines) + "\n")
        out = self.dir / "out"
        p = self.write("--out", str(out), "--chunk-size", "1KiB", str(self.dir / "bad.jsonl"), check=8)
        self.assertIn("bad.jsonl:41: field 'vec': the vector's length is not dim", p.stderr)
        units = p.stdout.split()
        self.assertGreater(len(units), 0)
        self.assertEqual(sorted(x.name for x in out.iterdir()), sorted(units))
        self.assert_no_partial(out)
        for extra, why in ((['{"id": 1, "vec": [1,2,3], "bin": [1,256]}'], "field 'bin'"),
                           (['{"id": 1, "vec": "no", "bin": [1,2], "sp": {"1": 1}, "tags": []}'], "field 'vec'"),
                           (['{"id": 1, "vec": [1,2,3], "bin": [1,2], "sp": {"1": 1}, "tags": [1,2,3,4]}'], "field 'tags'"),
                           (['{"id": 1, "vec": [1,2,3], "bin": [1,2], "sp": {"1": 1}, "tags": []}', 'not json'],
                            "stdin:2: not a JSON row"),
                           (['{"id": 1', '}'], "stdin: a JSON document that is neither")):
            p = self.write("--out", str(self.dir / "o2"), check=8, stdin="\n".join(extra) + "\n")
            self.assertIn(why, p.stderr)

    def test_units_import_through_the_emulator_with_exact_row_counts(self):
        schema = dict(WRITE_SCHEMA)
        schema["fields"] = [f for f in WRITE_SCHEMA["fields"] if f["dataType"] not in ("Array", "SparseFloatVector")]
        (self.dir / "schema.json").write_text(json.dumps(schema))
        rows = [{k: v for k, v in r.items() if k not in ("tags", "sp")} | {"title": f"t{r['id']}"} for r in self.rows]
        (self.dir / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        for fmt in ("parquet", "json", "csv", "numpy"):
            with self.subTest(fmt=fmt):
                out = self.dir / fmt
                units = self.write("--out", str(out), "--format", fmt, "--chunk-size", "2KiB",
                                   str(self.dir / "rows.jsonl"), check=0).stdout.split()
                self.assertGreater(len(units), 1)
                emu = Emulator(data_dir=out)
                try:
                    env = {"ZIC_ENDPOINT": emu.url, "ZIC_API_KEY": KEY}
                    args = ["import", "create", "--collection", "c"]
                    for u in units:
                        args += ["--file", u]
                    job = run(*args, env=env, check=0).stdout.strip()
                    done = json.loads(run("import", "wait", job, "--json", "--interval", "0.1", env=env, check=0).stdout)
                    self.assertEqual(done["state"], "Completed")
                    self.assertEqual(done["total_rows"], len(rows))
                    self.assertEqual(len(done["details"]), len(units))
                finally:
                    emu.stop()

    def test_progress_line_on_a_terminal_only(self):
        master, slave = pty.openpty()
        p = subprocess.Popen([ZIC, "write", "--schema", str(self.dir / "schema.json"), "--out", str(self.dir / "out"),
                              "--chunk-size", "1KiB", str(self.dir / "rows.jsonl")],
                             stdout=subprocess.PIPE, stderr=slave, text=True)
        os.close(slave)
        text = read_terminal(master)
        out, _ = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0)
        OUTPUTS.append(text)
        self.assertRegex(text, r"\rzic: 60 rows, [\d.]+ MB/s, \d+ files\x1b\[K")
        self.assertNotIn("rows,", out)  # the units alone on stdout
        self.assertTrue(out.split()[0].endswith(".parquet"))
        off = self.write("--out", str(self.dir / "out2"), str(self.dir / "rows.jsonl"), check=0)
        self.assertEqual(off.stderr, "")  # off a terminal: no progress

    def test_exit_2_for_bad_schema_or_flags(self):
        rows = str(self.dir / "rows.jsonl")
        p = self.write("--out", str(self.dir / "o"), "--format", "xml", rows, check=2)
        self.assertIn("--format", p.stderr)
        self.write("--out", str(self.dir / "o"), "--chunk-size", "12XB", rows, check=2)
        self.write("--out", str(self.dir / "o"), "--compression", "lz4", rows, check=2)
        self.write("--out", str(self.dir / "o"), "--endpoint", "http://x", rows, check=2)
        self.write(rows, check=2)  # no --out
        (self.dir / "schema.json").write_text(json.dumps({"fields": [{"fieldName": "v", "dataType": "FloatVector"}]}))
        p = self.write("--out", str(self.dir / "o"), rows, check=2)
        self.assertIn("'v'", p.stderr)
        self.assertFalse((self.dir / "o").exists() and any((self.dir / "o").iterdir()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
