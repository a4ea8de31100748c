"""Reads an import file zic wrote, independently of zic, and compares it value for value with
the expected rows. Usage: read_back.py json|csv|numpy PATH EXPECTED.json [SEP NULLKEY]
(exit 0 = equal; SEP and NULLKEY are a CSV file's separator and null text, default "," and "")

EXPECTED holds "columns" (exactly the columns the file must have, in order for row formats),
"types" ({column: {"type": Milvus type, "element": ..., "nullable": bool}}) and "rows" (logical
values: Int64 as decimal strings, Float16/BFloat16 vectors as the floats they hold, sparse
vectors as {"index": value}, JSON as the value itself, null for null).
"""
import csv
import json
import math
import struct
import sys

import numpy as np


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def same(t, actual, expected, element=None):
    if expected is None or actual is None:
        return actual is None and expected is None
    if t == "Bool":
        return actual is expected or (isinstance(actual, (bool, np.bool_)) and bool(actual) == expected)
    if t in ("Int8", "Int16", "Int32"):
        return not isinstance(actual, (bool, float)) and int(actual) == expected
    if t == "Int64":
        return not isinstance(actual, (bool, float)) and str(int(actual)) == expected
    if t == "Float":
        return f32(float(actual)) == f32(float(expected))
    if t == "Double":
        return float(actual) == float(expected)
    if t in ("VarChar", "Text"):
        return isinstance(actual, str) and actual == expected
    if t in ("JSON", "$meta", "SparseFloatVector"):
        return actual == expected and type(actual) is type(expected)
    if t == "Array":
        return len(actual) == len(expected) and all(same(element, a, e) for a, e in zip(actual, expected))
    if t in ("FloatVector", "Float16Vector", "BFloat16Vector"):
        return len(actual) == len(expected) and all(f32(float(a)) == f32(float(e)) for a, e in zip(actual, expected))
    if t in ("BinaryVector", "Int8Vector"):
        return len(actual) == len(expected) and all(int(a) == e for a, e in zip(actual, expected))
    raise SystemExit(f"unknown type {t}")


def from_text(t, cell, nullable, null_key):
    """A CSV cell as the value it holds."""
    if nullable and cell == null_key:
        return None
    if t == "Bool":
        if cell not in ("True", "False"):
            raise ValueError(f"bool cell {cell!r}")
        return cell == "True"
    if t in ("Int8", "Int16", "Int32", "Int64"):
        return int(cell)
    if t in ("Float", "Double"):
        return float(cell)
    if t in ("VarChar", "Text"):
        return cell
    return json.loads(cell)


def halves(raw, kind):
    u16 = np.frombuffer(bytes(bytearray(int(b) for b in raw)), dtype="<u2")
    if kind == "Float16Vector":
        return [float(x) for x in u16.view("<f2")]
    return [float(x) for x in (u16.astype("<u4") << 16).view("<f4")]


NPY_DTYPES = {"Bool": "bool", "Int8": "int8", "Int16": "int16", "Int32": "int32", "Int64": "int64",
              "Float": "float32", "Double": "float64", "FloatVector": "float32", "BinaryVector": "uint8",
              "Float16Vector": "uint8", "BFloat16Vector": "uint8", "Int8Vector": "int8"}


def read_numpy(path, columns, types, nrows):
    import os
    files = sorted(os.listdir(path))
    if files != sorted(c + ".npy" for c in columns):
        raise SystemExit(f"files {files}, expected {sorted(c + '.npy' for c in columns)}")
    rows = [dict() for _ in range(nrows)]
    for c in columns:
        a = np.load(os.path.join(path, c + ".npy"), allow_pickle=False)
        t = types[c]["type"]
        if a.shape[0] != nrows:
            raise SystemExit(f"{c}.npy has {a.shape[0]} rows, expected {nrows}")
        if t in NPY_DTYPES:
            if a.dtype != np.dtype(NPY_DTYPES[t]):
                raise SystemExit(f"{c}.npy has dtype {a.dtype}, expected {NPY_DTYPES[t]}")
        elif a.dtype.kind != "U":
            raise SystemExit(f"{c}.npy has dtype {a.dtype}, expected a str dtype")
        want_dims = 2 if t.endswith("Vector") else 1
        if a.ndim != want_dims:
            raise SystemExit(f"{c}.npy has shape {a.shape}")
        for i in range(nrows):
            v = a[i]
            if t in ("Float16Vector", "BFloat16Vector"):
                v = halves(v, t)
            elif t.endswith("Vector"):
                v = list(v)
            elif t in ("JSON", "$meta"):
                v = json.loads(str(v))
            elif t in ("VarChar", "Text"):
                v = str(v)
            else:
                v = v.item()
            rows[i][c] = v
    return rows


def main():
    fmt, path, expected_path = sys.argv[1:4]
    sep, null_key = (sys.argv[4], sys.argv[5]) if len(sys.argv) > 5 else (",", "")
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    columns, types, want = expected["columns"], expected["types"], expected["rows"]
    if fmt == "json":
        with open(path, encoding="utf-8") as f:
            doc = json.load(f, parse_float=float)
        if not isinstance(doc, dict) or list(doc) != ["rows"]:
            raise SystemExit("not a {\"rows\": [...]} document")
        rows = doc["rows"]
        for r in rows:
            if list(r) != columns:
                raise SystemExit(f"row keys {list(r)}, expected {columns}")
    elif fmt == "csv":
        with open(path, encoding="utf-8", newline="") as f:
            table = list(csv.reader(f, delimiter=sep))
        if table[0] != columns:
            raise SystemExit(f"header {table[0]}, expected {columns}")
        rows = []
        for line in table[1:]:
            if len(line) != len(columns):
                raise SystemExit(f"a line has {len(line)} cells: {line}")
            rows.append({c: from_text(types[c]["type"], cell, types[c]["nullable"], null_key)
                         for c, cell in zip(columns, line)})
    elif fmt == "numpy":
        rows = read_numpy(path, columns, types, len(want))
    else:
        raise SystemExit(f"unknown format {fmt}")
    if len(rows) != len(want):
        raise SystemExit(f"{len(rows)} rows, expected {len(want)}")
    bad = 0
    for i, (got, exp) in enumerate(zip(rows, want)):
        for c in columns:
            t = types[c]
            if not same(t["type"], got[c], exp[c], t.get("element")):
                print(f"row {i} column {c}: got {got[c]!r}, expected {exp[c]!r}", file=sys.stderr)
                bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
