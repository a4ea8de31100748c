#!/usr/bin/env python3
"""zic-emulator as a server: settings that would overflow are refused, an idempotency key is
forgotten with its job, and cloud file:// URLs stay inside --data-dir. Driven through the real
binaries on loopback.

Environment: ZIC_CLI, ZIC_EMULATOR (the binaries).
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time
import unittest

ZIC = os.environ["ZIC_CLI"]
EMULATOR = os.environ["ZIC_EMULATOR"]
KEY = "emulator-test-key-77"


class Emulator:
    def __init__(self, *args):
        self.proc = subprocess.Popen([EMULATOR, "--api-key", KEY, *args], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError("emulator did not start: " + line)
        self.url = line[len("listening on "):]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


def zic(emu, *args, extra_env=None, cloud=False):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZIC_")}
    env.update({"ZIC_ENDPOINT": emu.url, "ZIC_API_KEY": KEY, **(extra_env or {})})
    flavor = ["--flavor", "cloud"] if cloud else []
    return subprocess.run([ZIC, *flavor, *args], capture_output=True, text=True, env=env, timeout=60)


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


if __name__ == "__main__":
    unittest.main(verbosity=2)
