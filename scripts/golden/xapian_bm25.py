#!/usr/bin/python3
"""Xapian's BM25 (Debian python3-xapian) on the shop's catalog: the peer of the library's BM25F
(lib/src/rank/bm25.ts) for ranking quality (test/rank/bm25-xapian.test.ts) and speed
(bench/bm25_xapian.py imports `build_index` and `search`).

Reads one JSON object on stdin:
    {"fields": ["title", "description"],
     "fieldWeights": {"title": 2, "description": 1},       # integers (Xapian's wdf increments)
     "params": {"k1": 1.2, "b": 0.75, "min_normlen": 0.5},  # BM25Weight's k1, b, min_normlen (k2 = 0, k3 = 1)
     "tokenizer": "ours" | "xapian",
     "docs": [{"id": "...", "tokens": {"title": [...], ...}}]     # tokenizer "ours": the library's keywordTokens
          or [{"id": "...", "text": {"title": "...", ...}}],      # tokenizer "xapian": raw text
     "stopWords": [...],                                   # tokenizer "xapian": the library's stop words
     "queries": [{"terms": [...]} or {"text": "..."}, ...],  # with "pool": [ids] to score a candidate pool
     "k": 10}
and writes {"rankings": [[[id, score], ...] per query], "pools": [[score per pool id] per query],
"documents": N} to stdout (a query without "pool" gets a ranking, one with a pool gets
its pool's scores: 0 for a pool item Xapian does not match).

What differs from the library's BM25F, and why (Xapian 1.4, the BM25Weight class):
- Fields: Xapian scores one text per document. Each field's words are added with a
  within-document-frequency increment equal to the field's integer weight (title 2: every title
  word counts twice), so wdf = sum_f w_f tf_f and the document length is sum_f w_f len_f, with one
  length normalisation. BM25F normalises each field by its own average length before weighting.
- Length normalisation: K = k1 * ((1 - b) + b * max(len / avglen, min_normlen)); Xapian floors the
  normalised length at min_normlen (default 0.5), BM25F does not.
- Term weight: (k1 + 1) * wdf / (K + wdf), times Xapian's IDF, log((N - n + 0.5) / (n + 0.5)) with
  the ratio r replaced by r / 2 + 1 when r < 2 (so it never goes negative); the library uses
  Lucene's ln(1 + (N - n + 0.5) / (n + 0.5)). The (k1 + 1) factor is the same for every term.
- Query: OR of the distinct query terms (k3 = 1 with each term once, so the query-frequency part is 1).
- Defaults: Xapian's own defaults are k1 = 1, b = 0.5, min_normlen = 0.5; the caller states its own.
- Tokeniser "xapian": Xapian's TermGenerator and QueryParser (no stemming, the library's stop
  words), the engine end to end; "ours" gives both sides the same tokens, so only the formula
  differs.

Usage: /usr/bin/python3 scripts/golden/xapian_bm25.py < input.json > output.json
"""
import json
import sys

import xapian


def build_index(data, backend=None, path=None):
    """A Xapian database of data["docs"] (see the module docstring); in memory unless `path` is given."""
    fields = data["fields"]
    weights = {f: int(data.get("fieldWeights", {}).get(f, 1)) for f in fields}
    for f, w in weights.items():
        if w < 0:
            raise ValueError(f"xapian_bm25: fieldWeights.{f} must be an integer >= 0, got {w}")
    if path is None:
        db = xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
    else:
        db = xapian.WritableDatabase(path, xapian.DB_CREATE_OR_OVERWRITE | (backend or xapian.DB_BACKEND_GLASS))
    ours = data.get("tokenizer", "ours") == "ours"
    generator = None
    if not ours:
        generator = xapian.TermGenerator()
        generator.set_stemming_strategy(xapian.TermGenerator.STEM_NONE)
    for d in data["docs"]:
        doc = xapian.Document()
        if ours:
            for f in fields:
                w = weights[f]
                if w == 0:
                    continue
                for token in d["tokens"][f]:
                    doc.add_term(token, w)
        else:
            generator.set_document(doc)
            for f in fields:
                if weights[f] > 0:
                    generator.index_text(d["text"][f], weights[f])
                    generator.increase_termpos()
        doc.set_data(d["id"])
        doc.add_boolean_term("Q" + d["id"])
        db.add_document(doc)
    db.commit()
    return db


def make_enquire(db, params):
    enquire = xapian.Enquire(db)
    enquire.set_weighting_scheme(xapian.BM25Weight(params.get("k1", 1.0), 0.0, 1.0, params.get("b", 0.5), params.get("min_normlen", 0.5)))
    # Ties by document id (insertion order), as the library breaks them by id.
    enquire.set_docid_order(xapian.Enquire.ASCENDING)
    return enquire


def make_parser(db, stop_words):
    parser = xapian.QueryParser()
    parser.set_database(db)
    parser.set_stemming_strategy(xapian.QueryParser.STEM_NONE)
    stopper = xapian.SimpleStopper()
    for w in stop_words:
        stopper.add(w)
    parser.set_stopper(stopper)
    parser.set_default_op(xapian.Query.OP_OR)
    return parser


def to_query(q, parser):
    if "terms" in q:
        terms = [t for t in q["terms"] if t]
        return xapian.Query(xapian.Query.OP_OR, terms) if terms else None
    parsed = parser.parse_query(q["text"], 0)
    return None if parsed.empty() else parsed


def search(enquire, query, k):
    """The top k (id, weight) pairs of one query, best first."""
    if query is None or k == 0:
        return []
    enquire.set_query(query)
    return [(m.document.get_data().decode("utf-8"), m.weight) for m in enquire.get_mset(0, k)]


def score_pool(enquire, query, pool):
    scores = {i: 0.0 for i in pool}
    if query is not None:
        only = xapian.Query(xapian.Query.OP_OR, ["Q" + i for i in pool])
        enquire.set_query(xapian.Query(xapian.Query.OP_FILTER, query, only))
        for m in enquire.get_mset(0, len(pool)):
            scores[m.document.get_data().decode("utf-8")] = m.weight
    return [scores[i] for i in pool]


def main():
    data = json.load(sys.stdin)
    db = build_index(data)
    enquire = make_enquire(db, data.get("params", {}))
    parser = make_parser(db, data.get("stopWords", []))
    k = int(data.get("k", 10))
    rankings, pools = [], []
    for q in data["queries"]:
        query = to_query(q, parser)
        if "pool" in q:
            pools.append(score_pool(enquire, query, q["pool"]))
            rankings.append(None)
        else:
            rankings.append(search(enquire, query, k))
            pools.append(None)
    json.dump({"rankings": rankings, "pools": pools, "documents": db.get_doccount()}, sys.stdout)


if __name__ == "__main__":
    main()
