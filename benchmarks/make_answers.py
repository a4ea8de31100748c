#!/usr/bin/env python3
"""Writes realistic API answers for the parsing benchmarks into a directory:
progress_1.json and progress_100.json (a describe answer with 1 and 100 files, Milvus shape
with cloud's extra fields), list_10.json, list_1000.json and list_10000.json (a cloud list page).
Deterministic: the same bytes on every run.
"""
import json
import random
import sys
from pathlib import Path


def progress(files, rng):
    details = []
    total = imported = size = 0
    for i in range(files):
        rows = rng.randint(50_000, 2_000_000)
        done = rows if i < files // 2 else rng.randint(0, rows)
        fsize = rows * rng.randint(180, 900)
        total, imported, size = total + rows, imported + done, size + fsize
        details.append({
            "fileName": f"[embeddings/2024-04-01/part-{i:05d}.parquet]",
            "fileSize": fsize,
            "state": "Completed" if done == rows else "InProgress",
            "progress": done * 100 // rows,
            "importedRows": done,
            "totalRows": rows,
            "completeTime": "2024-04-01T06:17:53Z" if done == rows else "",
        })
    return {"code": 0, "data": {
        "jobId": "448761313698322011",
        "collectionName": "medium_articles",
        "fileName": details[0]["fileName"],
        "fileSize": size,
        "state": "Importing",
        "progress": imported * 100 // total,
        "importedRows": imported,
        "totalRows": total,
        "completeTime": "",
        "createTime": "2024-04-01T06:10:00Z",
        "reason": "",
        "details": details,
    }}


def page(records, rng):
    states = ["Completed", "InProgress", "Pending", "Failed"]
    recs = []
    for i in range(records):
        state = rng.choice(states)
        rec = {"collectionName": f"collection_{rng.randint(0, 40)}",
               "jobId": "job-" + "".join(rng.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(21)),
               "state": state,
               "progress": 100 if state == "Completed" else rng.randint(0, 99)}
        if state == "Failed":
            rec["reason"] = "failed to read file embeddings/part-00042.parquet: schema mismatch"
        recs.append(rec)
    return {"code": 0, "data": {"count": records, "currentPage": 1, "pageSize": records, "records": recs}}


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261130)
    for files in (1, 100):
        (out / f"progress_{files}.json").write_text(json.dumps(progress(files, rng), separators=(",", ":")))
    for records in (10, 1000, 10000):
        (out / f"list_{records}.json").write_text(json.dumps(page(records, rng), separators=(",", ":")))


if __name__ == "__main__":
    main()
