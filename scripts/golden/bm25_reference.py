#!/usr/bin/python3
"""Independent reference for the library's BM25F scores (lib/src/rank/bm25.ts), plain Python.

Reads one JSON object on stdin:
    {"fields": ["title", "description"],
     "docs": [{"id": "...", "tokens": {"title": [...], "description": [...]}}, ...],
     "queries": [[term, ...], ...],            # distinct query terms, already tokenised
     "params": [{"k1": 1.2, "b": 0.75 or {"title": .., ..}, "fieldWeights": {"title": 2}}, ...]}
and writes {"scores": [[[score of doc j for query i] for j] for i] per params entry} to stdout.

The formula, written from the papers rather than from the TypeScript code:
  BM25F (Robertson, Zaragoza and Taylor, CIKM 2004):
    tf~(t, d) = sum_f w_f * tf_f(t, d) / (1 - b_f + b_f * len_f(d) / avglen_f)
    score(q, d) = sum_{t in q} idf(t) * tf~ / (k1 + tf~)
  IDF, Lucene's Robertson-Sparck Jones with +1 inside the log:
    idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)), df = documents holding t in any field.
A field missing from fieldWeights weighs 1; b given as a number applies to every field.
Scores are computed by brute force over every (query, document) pair: no inverted index.

With "mode": "xapian" and "pools": [{"terms": [...], "ids": [...]}, ...] and one "params" object
instead, it scores each pool with Xapian's BM25 instead (see xapian_pool_scores).

Usage: /usr/bin/python3 scripts/golden/bm25_reference.py < input.json > output.json
"""
import json
import math
import sys
from collections import Counter


def reference_scores(fields, docs, queries, params):
    n = len(docs)
    counts = [{f: Counter(d["tokens"][f]) for f in fields} for d in docs]
    lengths = [{f: len(d["tokens"][f]) for f in fields} for d in docs]
    avglen = {f: sum(l[f] for l in lengths) / n for f in fields}
    df = Counter()
    for c in counts:
        vocabulary = set()
        for f in fields:
            vocabulary.update(c[f].keys())
        df.update(vocabulary)

    def idf(term):
        if df[term] == 0:
            return 0.0
        return math.log(1.0 + (n - df[term] + 0.5) / (df[term] + 0.5))

    k1 = params["k1"]
    weights = {f: params.get("fieldWeights", {}).get(f, 1.0) for f in fields}
    b_param = params["b"]
    b = {f: (b_param if isinstance(b_param, (int, float)) else b_param.get(f, 0.75)) for f in fields}

    out = []
    for terms in queries:
        row = []
        for j in range(n):
            score = 0.0
            for term in terms:
                pseudo_tf = 0.0
                for f in fields:
                    tf = counts[j][f][term]
                    if tf == 0:
                        continue
                    norm = 1.0 - b[f] + b[f] * lengths[j][f] / avglen[f] if avglen[f] > 0 else 1.0
                    pseudo_tf += weights[f] * tf / norm
                if pseudo_tf > 0:
                    score += idf(term) * pseudo_tf / (k1 + pseudo_tf)
            row.append(score)
        out.append(row)
    return out


def xapian_pool_scores(fields, docs, pools, params):
    """Xapian's own BM25 (Debian python3-xapian) on the same tokens, re-ranking each pool.

    Fields the Xapian way: each field's words are added to one document with a within-document
    frequency increment equal to the field's (integer) weight, so Xapian sees one weighted text
    with a single length normalisation (its BM25Weight(k1, k2=0, k3=1, b, min_normlen=0.5), and
    its own IDF). Not the same formula as BM25F: the rankings are compared, not the scores.
    A pool item Xapian does not match scores 0.
    """
    import xapian

    db = xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
    docid = {}
    for d in docs:
        doc = xapian.Document()
        for f in fields:
            w = int(params.get("fieldWeights", {}).get(f, 1))
            for token in d["tokens"][f]:
                doc.add_term(token, w)
        doc.add_boolean_term("Q" + d["id"])
        doc.set_data(d["id"])
        docid[d["id"]] = db.add_document(doc)
    enquire = xapian.Enquire(db)
    enquire.set_weighting_scheme(xapian.BM25Weight(params["k1"], 0, 1, params["b"], 0.5))
    out = []
    for pool in pools:
        terms = [t for t in pool["terms"] if t]
        scores = {i: 0.0 for i in pool["ids"]}
        if terms:
            match = xapian.Query(xapian.Query.OP_OR, terms)
            only = xapian.Query(xapian.Query.OP_OR, ["Q" + i for i in pool["ids"]])
            enquire.set_query(xapian.Query(xapian.Query.OP_FILTER, match, only))
            for m in enquire.get_mset(0, len(pool["ids"])):
                scores[m.document.get_data().decode("utf-8")] = m.weight
        out.append([scores[i] for i in pool["ids"]])
    return out


def main():
    data = json.load(sys.stdin)
    if data.get("mode") == "xapian":
        json.dump({"scores": xapian_pool_scores(data["fields"], data["docs"], data["pools"], data["params"])}, sys.stdout)
        return
    result = [reference_scores(data["fields"], data["docs"], data["queries"], p) for p in data["params"]]
    json.dump({"scores": result}, sys.stdout)


if __name__ == "__main__":
    main()
