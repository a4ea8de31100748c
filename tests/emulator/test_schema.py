#!/usr/bin/env python3
"""zic-emulator --collection NAME=SCHEMA.json: files `zic write` made for a collection's schema
import Completed with exact rows in all four formats, and files that do not fit it (a missing
field, an extra one without the dynamic field, an auto-id primary key given, a wrong type, a
wrong dim) fail in PreImporting with a reason naming the file and the field. A collection
without a schema takes them all, as before. Driven through the real binaries on loopback.

Environment: ZIC_CLI, ZIC_EMULATOR (the binaries).
"""
import json
import os
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import harness  # noqa: E402

ZIC = os.environ["ZIC_CLI"]
FORMATS = ("parquet", "json", "csv", "numpy")


def field(name, kind, **extra):
    f = {"fieldName": name, "dataType": kind}
    f.update(extra)
    return f


def schema(*fields, dynamic=False):
    return {"autoId": False, "enableDynamicField": dynamic, "fields": list(fields)}


ID = field("id", "Int64", isPrimary=True)
AUTO_ID = field("id", "Int64", isPrimary=True, autoId=True)
TITLE = field("title", "VarChar", elementTypeParams={"max_length": 32}, nullable=True)
VEC = field("vec", "FloatVector", elementTypeParams={"dim": 4})
BIN = field("bin", "BinaryVector", elementTypeParams={"dim": 16})
F16 = field("f16", "Float16Vector", elementTypeParams={"dim": 2})
I8V = field("i8v", "Int8Vector", elementTypeParams={"dim": 3})
FLAG = field("flag", "Bool")
SCORE = field("score", "Double")
SMALL = field("small", "Int16")
N = field("n", "Int32", defaultValue=7)
DOC = field("doc", "JSON")
SPARSE = field("sp", "SparseFloatVector")
TAGS = field("tags", "Array", elementDataType="Int16", elementTypeParams={"max_capacity": 3})

# NumPy files hold no Array or sparse vector: the every-format schema leaves them out, and a
# second one, for the row formats and Parquet, has them.
FULL = schema(ID, TITLE, VEC, BIN, F16, I8V, FLAG, SCORE, SMALL, N, DOC, dynamic=True)
WITH_ARRAY = schema(ID, VEC, TAGS, SPARSE)


def full_row(i):
    row = {"id": i, "vec": [0.5, -1.0, float(i), 2.25], "bin": [i % 256, 255], "f16": [1.5, -0.5],
           "i8v": [1, -2, i % 100], "flag": i % 2 == 0, "score": i / 3, "small": -i, "doc": {"k": i}}
    if i % 3:
        row["title"] = f"t{i}"
    if i % 4 == 0:
        row["n"] = i
    if i % 5 == 0:
        row["color"] = "red"
    return row


class SchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        probe = subprocess.run([ZIC, "write", "--schema", "-", "--out", "-"], capture_output=True, text=True,
                               timeout=30)
        if "built without the bulk writer" in probe.stderr:
            raise unittest.SkipTest("this zic has no bulk writer (libthrift, libsnappy or libzstd missing)")
        cls.dir = pathlib.Path(tempfile.mkdtemp(prefix="zic-emu-schema-"))
        cls.data = cls.dir / "data"
        cls.data.mkdir()
        collections = {"full": FULL, "arrays": WITH_ARRAY, "auto": schema(AUTO_ID, VEC),
                       "narrow": schema(ID, VEC), "strict": schema(ID, TITLE, VEC)}
        args = []
        for name, s in collections.items():
            path = cls.dir / f"{name}.json"
            path.write_text(json.dumps(s))
            args += ["--collection", f"{name}={path}"]
        cls.emu = harness.Emulator("--data-dir", str(cls.data), "--rows-per-second", "1000000000", *args)

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    # --- helpers -------------------------------------------------------------------------------

    def write(self, name, s, rows, fmt):
        """`zic write` of `rows` under schema `s` into data/NAME: the units, relative to data/."""
        schema_path = self.dir / f"{name}.schema.json"
        schema_path.write_text(json.dumps(s))
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZIC_")}
        p = subprocess.run([ZIC, "write", "--schema", str(schema_path), "--out", str(self.data / name),
                            "--format", fmt, "--json"], input="".join(json.dumps(r) + "\n" for r in rows),
                           capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [[f"{name}/{f}" for f in unit] for unit in json.loads(p.stdout)["units"]]

    def job(self, collection, units, options=None):
        body = {"collectionName": collection, "files": units}
        if options:
            body["options"] = options
        status, answer = self.emu.post("create", body)
        self.assertEqual((status, answer["code"]), (200, 0), answer)
        job = answer["data"]["jobId"]
        deadline = time.monotonic() + 60
        while True:
            status, answer = self.emu.post("describe", {"jobId": job})
            data = answer["data"]
            if data["state"] in ("Completed", "Failed"):
                return data
            self.assertLess(time.monotonic(), deadline, data)
            time.sleep(0.02)

    def assert_completed(self, data, rows):
        self.assertEqual(data["state"], "Completed", data.get("reason"))
        self.assertEqual(data["importedRows"], rows)
        self.assertEqual(data["totalRows"], rows)

    def assert_failed(self, data, *words):
        self.assertEqual(data["state"], "Failed", data)
        if os.environ.get("SHOW_REASONS"):
            print("\n   ", data["reason"])
        for w in words:
            self.assertIn(w, data["reason"])

    # --- files that fit -------------------------------------------------------------------------

    def test_every_format_written_for_the_schema_imports_its_exact_rows(self):
        rows = [full_row(i) for i in range(1, 58)]
        for fmt in FORMATS:
            with self.subTest(fmt):
                # NumPy files hold no nulls: there every row has its title.
                given = [{"title": "t", **r} for r in rows] if fmt == "numpy" else rows
                units = self.write(f"full-{fmt}", FULL, given, fmt)
                self.assert_completed(self.job("full", units), len(rows))

    def test_arrays_and_sparse_vectors_import_from_parquet_json_and_csv(self):
        rows = [{"id": i, "vec": [1, 2, 3, i], "tags": [i, -i][: i % 3], "sp": {str(i): 0.5, "7": 1.25}}
                for i in range(40)]
        for fmt in ("parquet", "json", "csv"):
            with self.subTest(fmt):
                self.assert_completed(self.job("arrays", self.write(f"arrays-{fmt}", WITH_ARRAY, rows, fmt)), 40)

    def test_an_auto_id_collection_takes_files_without_the_key(self):
        rows = [{"vec": [1, 2, 3, i]} for i in range(25)]
        for fmt in FORMATS:
            with self.subTest(fmt):
                self.assert_completed(self.job("auto", self.write(f"auto-{fmt}", schema(AUTO_ID, VEC), rows, fmt)), 25)

    def test_a_collection_without_a_schema_takes_any_file(self):
        rows = [{"id": i, "vec": [1, 2, 3, i]} for i in range(30)]
        units = self.write("other", schema(ID, VEC), rows, "parquet")
        self.assert_completed(self.job("no-schema-here", units), 30)
        units = self.write("other-wrong", schema(ID, field("vec", "FloatVector", elementTypeParams={"dim": 2})),
                           [{"id": i, "vec": [1, 2]} for i in range(30)], "json")
        self.assert_completed(self.job("no-schema-here", units), 30)

    # --- files that do not -------------------------------------------------------------------------

    def test_a_missing_field_fails_naming_file_and_field(self):
        # "strict" needs id and vec; these files have id and title only.
        rows = [{"id": i, "title": "x"} for i in range(10)]
        for fmt in FORMATS:
            with self.subTest(fmt):
                units = self.write(f"missing-{fmt}", schema(ID, TITLE), rows, fmt)
                data = self.job("strict", units)
                self.assert_failed(data, "'vec'", "is missing", f"missing-{fmt}/")

    def test_a_nullable_or_default_field_may_be_left_out(self):
        rows = [{"id": i, "vec": [1, 2, 3, 4]} for i in range(10)]
        for fmt in FORMATS:
            with self.subTest(fmt):
                self.assert_completed(self.job("strict", self.write(f"lean-{fmt}", schema(ID, VEC), rows, fmt)), 10)

    def test_an_extra_field_without_the_dynamic_field(self):
        rows = [{"id": i, "title": "x", "vec": [1, 2, 3, 4]} for i in range(10)]
        for fmt in ("json", "csv"):
            with self.subTest(fmt):
                units = self.write(f"extra-{fmt}", schema(ID, TITLE, VEC), rows, fmt)
                self.assert_failed(self.job("narrow", units), "'title'", "not in the collection's schema",
                                   f"extra-{fmt}/")
        # The newest server ignores Parquet columns outside the schema, and the NumPy reader opens
        # only the files of the schema's fields.
        for fmt in ("parquet", "numpy"):
            with self.subTest(fmt):
                units = self.write(f"extra-{fmt}", schema(ID, TITLE, VEC), rows, fmt)
                self.assert_completed(self.job("narrow", units), 10)

    def test_an_auto_id_primary_key_given_fails(self):
        rows = [{"id": i, "vec": [1, 2, 3, 4]} for i in range(10)]
        for fmt in FORMATS:
            with self.subTest(fmt):
                units = self.write(f"given-{fmt}", schema(ID, VEC), rows, fmt)
                self.assert_failed(self.job("auto", units), "'id'", "auto-id primary key", f"given-{fmt}")

    def test_a_wrong_type_fails(self):
        as_text = schema(field("id", "VarChar", isPrimary=True, elementTypeParams={"max_length": 8}), VEC)
        rows = [{"id": f"k{i}", "vec": [1, 2, 3, 4]} for i in range(10)]
        for fmt in FORMATS:
            with self.subTest(fmt):
                units = self.write(f"type-{fmt}", as_text, rows, fmt)
                self.assert_failed(self.job("narrow", units), "field 'id' (Int64)", f"type-{fmt}")
        as_float = schema(ID, field("vec", "BinaryVector", elementTypeParams={"dim": 32}))
        units = self.write("type-vec", as_float, [{"id": 1, "vec": [1, 2, 3, 4]}], "parquet")
        self.assert_failed(self.job("narrow", units), "field 'vec' (FloatVector, dim 4)", "list<uint8>",
                           "type-vec/")

    def test_a_wrong_dim_fails(self):
        wide = schema(ID, field("vec", "FloatVector", elementTypeParams={"dim": 6}))
        rows = [{"id": i, "vec": [1, 2, 3, 4, 5, i]} for i in range(12)]
        for fmt in FORMATS:
            with self.subTest(fmt):
                units = self.write(f"dim-{fmt}", wide, rows, fmt)
                self.assert_failed(self.job("narrow", units), "field 'vec' (FloatVector, dim 4)", "6",
                                   f"dim-{fmt}")

    def test_a_bad_row_deep_in_a_json_file_is_found(self):
        rows = [{"id": i, "vec": [1, 2, 3, 4]} for i in range(500)]
        rows[437]["vec"] = [1, 2, 3]
        path = self.data / "deep.json"
        path.write_text(json.dumps({"rows": rows}))
        self.assert_failed(self.job("narrow", [["deep.json"]]), "'deep.json'", "row 437", "field 'vec'",
                           "3 values")

    def test_csv_options_sep_and_nullkey_are_honoured(self):
        (self.data / "semi.csv").write_text('id;title;vec\n1;NULL;"[1,2,3,4]"\n2;x;[1,2,3,4]\n')
        self.assert_completed(self.job("strict", [["semi.csv"]], {"sep": ";", "nullkey": "NULL"}), 2)
        (self.data / "nulls.csv").write_text('id,title,vec\n1,x,\n')
        self.assert_failed(self.job("strict", [["nulls.csv"]]), "'nulls.csv'", "field 'vec'", "null")

    def test_a_hand_made_npy_with_the_wrong_dtype_fails(self):
        unit = self.data / "hand"
        unit.mkdir(exist_ok=True)

        def npy(name, descr, shape, item):
            header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
            header += " " * (63 - (10 + len(header)) % 64) + "\n"
            count = 1
            for d in shape:
                count *= d
            (unit / name).write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()
                                      + b"\0" * (count * item))

        npy("id.npy", "<i4", (5,), 4)
        npy("vec.npy", "<f4", (5, 4), 4)
        self.assert_failed(self.job("narrow", [["hand/id.npy", "hand/vec.npy"]]), "hand/id.npy",
                           "field 'id' (Int64)", "'<i4'")

    def test_the_cloud_flavour_checks_its_object_urls_too(self):
        bucket = self.dir / "cloud" / "bucket"
        bucket.mkdir(parents=True)
        (bucket / "ok.json").write_text(json.dumps([{"id": 1, "vec": [1, 2, 3, 4]}]))
        (bucket / "bad.json").write_text(json.dumps([{"id": 1, "vec": [1, 2]}]))
        with harness.Emulator("--flavor", "cloud", "--data-dir", str(self.dir / "cloud"), "--rows-per-second",
                              "1000000000", "--collection", f"narrow={self.dir / 'narrow.json'}") as emu:
            for name, state in (("ok.json", "Completed"), ("bad.json", "Failed")):
                status, answer = emu.post("create", {"clusterId": "inxx-emu", "collectionName": "narrow",
                                                     "objectUrls": [[f"s3://bucket/{name}"]]})
                self.assertEqual((status, answer["code"]), (200, 0), answer)
                job = answer["data"]["jobId"]
                deadline = time.monotonic() + 60
                while True:
                    _, answer = emu.post("getProgress", {"clusterId": "inxx-emu", "jobId": job})
                    data = answer["data"]
                    if data["state"] in ("Completed", "Failed"):
                        break
                    self.assertLess(time.monotonic(), deadline, data)
                    time.sleep(0.02)
                self.assertEqual(data["state"], state, data)
                if state == "Failed":
                    self.assertIn("bad.json", data["reason"])
                    self.assertIn("field 'vec'", data["reason"])

    def test_a_bad_collection_flag_is_refused(self):
        bad = self.dir / "bad-schema.json"
        bad.write_text(json.dumps(schema(field("vec", "FloatVector"))))
        for value, words in (("narrow", "NAME=SCHEMA.json"), (f"x={self.dir / 'absent.json'}", "cannot read"),
                             (f"x={bad}", "vec")):
            p = subprocess.run([os.environ["ZIC_EMULATOR"], "--collection", value], capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(words, p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
