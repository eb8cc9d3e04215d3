#!/usr/bin/python3
"""The peer of `npm run bench -- bm25`: Xapian's BM25 (Debian python3-xapian) on the same catalog
text and queries, timed. Index and query code are scripts/golden/xapian_bm25.py's (the module
docstring there says how Xapian's BM25 differs from the library's BM25F).

Usage: /usr/bin/python3 bench/bm25_xapian.py INPUT.json
INPUT: {"fields", "fieldWeights", "params", "stopWords", "k", "repeats",
        "docs": [{"id", "tokens": {...}, "text": {...}}], "queries": [{"terms": [...], "text": "..."}]}
Prints JSON: for each configuration (backend in memory / glass on disk x tokens given / Xapian's
own tokeniser) the index build seconds (best of `repeats`) and the query pass seconds (best of
`repeats`: every query, top k, results read), and the top-k ids of the first configuration.
"""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "golden"))
import xapian  # noqa: E402
from xapian_bm25 import build_index, make_enquire, make_parser, search, to_query  # noqa: E402


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    repeats = int(data.get("repeats", 3))
    k = int(data.get("k", 10))
    out = {"xapian": xapian.version_string(), "configs": []}
    tmp = tempfile.mkdtemp(prefix="bm25-xapian-")
    try:
        for backend in ["inmemory", "glass"]:
            for tokenizer in ["ours", "xapian"]:
                spec = dict(data, tokenizer=tokenizer)
                builds = []
                db = None
                for r in range(repeats):
                    path = None if backend == "inmemory" else os.path.join(tmp, f"db-{tokenizer}-{r}")
                    start = time.perf_counter()
                    db = build_index(spec, path=path)
                    builds.append(time.perf_counter() - start)
                if backend == "glass":
                    db.close()
                    db = xapian.Database(os.path.join(tmp, f"db-{tokenizer}-{repeats - 1}"))
                enquire = make_enquire(db, data.get("params", {}))
                parser = make_parser(db, data.get("stopWords", []))
                asked = [{"terms": q["terms"]} if tokenizer == "ours" else {"text": q["text"]} for q in data["queries"]]
                passes = []
                first = None
                for r in range(repeats + 1):  # the first pass warms caches and is not counted
                    start = time.perf_counter()
                    results = [search(enquire, to_query(q, parser), k) for q in asked]
                    elapsed = time.perf_counter() - start
                    if r > 0:
                        passes.append(elapsed)
                    first = results
                config = {"backend": backend, "tokenizer": tokenizer, "build_seconds": builds, "query_seconds": passes, "queries": len(asked)}
                if not out["configs"]:
                    config["top"] = [[i for i, _ in hits] for hits in first]
                out["configs"].append(config)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
