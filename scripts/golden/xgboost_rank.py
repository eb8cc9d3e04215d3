#!/usr/bin/python3
"""XGBoost's LambdaMART (rank:ndcg) on the same feature rows and query folds as the library's.

Reference peer for lib/src/rank/lambdamart.ts (Debian python3-xgboost 1.7.4, python3-sklearn).

Input (JSON, in the file named by the first argument, or on stdin):
  {"data": "build/ltr/x.json",          # saveRankingDataset's header; values in "<data>.f32"
   "folds": [{"name": "fold 1", "train": [query indexes], "test": [query indexes]}, ...],
   "trees": 100, "depth": 6, "learningRate": 0.1, "lambda": 1.0, "minChildWeight": 1e-3,
   "maxBin": 256, "k": 10, "threads": 1,
   "objective": "rank:ndcg"}             # or "reg:squarederror": the pointwise GBRT's peer
Output (JSON on stdout):
  {"xgboost": "1.7.4", "folds": [{"name", "queries", "ndcg", "scores": [one per test row]}],
   "mean": mean over folds of the per-fold mean NDCG@k}

NDCG@k per query: exponential gain 2^label - 1, ties averaged over their orders, the ideal DCG
from every judged row of the query, 0 for a query without a positive label: sklearn's ndcg_score
on gains 2^label - 1 (its default ignore_ties=False is McSherry-Najork tie averaging), the same
definition as the library's datasetNdcg.

What differs from the library's LambdaMART (stated, not hidden):
- XGBoost 1.7 samples pairs: for every document, one (num_pairsample = 1) partner with another
  label drawn at random each round, instead of every pair; its pair hessian carries a factor 2.
- Its objective has no NDCG truncation (1.7 has no lambdarank truncation parameter): the pair
  weight is |dNDCG| over the whole list. The library runs with truncation Infinity to match.
- Its trees grow level by level (tree_method hist, grow_policy depthwise) on up to max_bin
  quantile bins (its sketch, not the library's cut points).
- XGBoost's weights for ranking are per query group, not per document, so the comparison uses
  no weights.
"""
import json
import sys

import numpy as np
import xgboost as xgb
from sklearn.metrics import ndcg_score


def query_ndcg(labels, scores, k):
    gains = np.power(2.0, labels) - 1.0
    if not np.any(gains > 0):
        return 0.0
    if len(labels) == 1:
        return 1.0
    return float(ndcg_score(gains[None, :], scores[None, :], k=k))


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf8") as f:
            spec = json.load(f)
    else:
        spec = json.load(sys.stdin)
    with open(spec["data"], encoding="utf8") as f:
        header = json.load(f)
    values = np.fromfile(spec["data"] + ".f32", dtype="<f4").reshape(header["rows"], header["columns"])
    labels = np.asarray(header["labels"], dtype=np.float64)
    sizes = np.asarray(header["groupSizes"], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    k = int(spec.get("k", 10))
    params = {
        "objective": spec.get("objective", "rank:ndcg"),
        "eta": float(spec.get("learningRate", 0.1)),
        "max_depth": int(spec.get("depth", 6)),
        "lambda": float(spec.get("lambda", 1.0)),
        "min_child_weight": float(spec.get("minChildWeight", 1e-3)),
        "tree_method": "hist",
        "max_bin": int(spec.get("maxBin", 256)),
        "eval_metric": f"ndcg@{k}",
        "nthread": int(spec.get("threads", 1)),
        "seed": int(spec.get("seed", 0)),
        "base_score": 0.0,
    }
    if params["objective"] not in ("rank:ndcg", "reg:squarederror"):
        sys.exit(f"xgboost_rank.py: objective must be rank:ndcg or reg:squarederror, got {params['objective']!r}")
    if params["objective"] == "reg:squarederror":
        del params["base_score"]  # XGBoost's default 0.5; the library starts from the mean label

    def rows_of(queries):
        idx = np.concatenate([np.arange(starts[q], starts[q + 1]) for q in queries])
        return idx, [int(sizes[q]) for q in queries]

    out = []
    for fold in spec["folds"]:
        tr, tr_sizes = rows_of(fold["train"])
        te, te_sizes = rows_of(fold["test"])
        dtrain = xgb.DMatrix(values[tr], label=labels[tr])
        dtrain.set_group(tr_sizes)
        dtest = xgb.DMatrix(values[te], label=labels[te])
        dtest.set_group(te_sizes)
        booster = xgb.train(params, dtrain, num_boost_round=int(spec.get("trees", 100)))
        scores = booster.predict(dtest).astype(np.float64)
        per = []
        at = 0
        for n in te_sizes:
            per.append(query_ndcg(labels[te][at:at + n], scores[at:at + n], k))
            at += n
        out.append({"name": fold["name"], "queries": len(te_sizes), "ndcg": float(np.mean(per)), "perQuery": per, "scores": scores.tolist()})
    json.dump({"xgboost": xgb.__version__, "folds": out, "mean": float(np.mean([f["ndcg"] for f in out]))}, sys.stdout)


if __name__ == "__main__":
    main()
