#!/usr/bin/env python3
"""The Python peer of `npm run bench -- eval` (run with /usr/bin/python3: numpy, scikit-learn).

Builds the same inputs as bench/eval.mjs from the same integer hash (no file is exchanged),
computes NDCG@10 (scikit-learn's ndcg_score and a numpy one), MAP and MRR (numpy) over a run of
Q queries x D documents, or IPS and SNIPS (numpy) over N logged events, and prints one JSON
line: the values, the best time of each computation over the repeats, and the peak resident
memory of the process (resource.getrusage).
"""
import argparse
import json
import resource
import time

import numpy as np

M32 = np.uint64(0xFFFFFFFF)


def h1(k):
    """(k * 2654435761) mod 2^32: a bijection on 32-bit integers, so scores are distinct."""
    return (k.astype(np.uint64) * np.uint64(2654435761)) & M32


def h2(k):
    """Low 32 bits of (k xor 0x9e3779b9) * 0x85ebca6b (what Math.imul gives in JavaScript)."""
    return ((k.astype(np.uint64) ^ np.uint64(0x9E3779B9)) * np.uint64(0x85EBCA6B)) & M32


def best(fn, repeats):
    times, value = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return value, min(times)


def ranking_inputs(q, d):
    k = np.arange(q * d, dtype=np.uint64)
    scores = (h1(k).astype(np.float64) / 2.0**32).reshape(q, d)
    grades = ((h2(k) >> np.uint64(24)) % np.uint64(4)).astype(np.float64).reshape(q, d)
    return scores, grades


def ndcg_numpy(scores, grades, k=10):
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(grades, order, 1)
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (top * disc[: top.shape[1]]).sum(1)
    ideal = -np.sort(-grades, axis=1)[:, :k]
    idcg = (ideal * disc[: ideal.shape[1]]).sum(1)
    return float(np.where(idcg > 0, dcg / np.where(idcg > 0, idcg, 1), 0).mean())


def map_mrr_numpy(scores, grades):
    order = np.argsort(-scores, axis=1, kind="stable")
    rel = np.take_along_axis(grades, order, 1) >= 1
    R = rel.sum(1)
    ranks = np.arange(1, rel.shape[1] + 1)
    ap = np.where(R > 0, (rel * np.cumsum(rel, 1) / ranks).sum(1) / np.maximum(R, 1), 0.0)
    rr = np.where(rel.any(1), 1.0 / (np.argmax(rel, 1) + 1), 0.0)
    return float(ap.mean()), float(rr.mean())


def offpolicy_inputs(n):
    k = np.arange(n, dtype=np.uint64)
    action = (h1(k) >> np.uint64(30)).astype(np.int64)  # 0..3, uniform
    u = h2(k).astype(np.float64) / 2.0**32
    logging = np.full(n, 0.25)
    target = np.where(action == 0, 0.7, 0.1)
    reward = (u < np.where(action == 0, 0.3, 0.1)).astype(np.float64)
    return reward, logging, target


def ips_snips_numpy(reward, logging, target):
    # The same checks the library makes, vectorised.
    if not (np.all((logging > 0) & (logging <= 1)) and np.all((target >= 0) & (target <= 1)) and np.all(np.isfinite(reward))):
        raise ValueError("bad propensities or rewards")
    w = target / logging
    x = w * reward
    n = len(x)
    ips = x.mean()
    ips_se = x.std(ddof=1) / np.sqrt(n)
    sw = w.sum()
    snips = x.sum() / sw
    snips_se = np.sqrt(np.sum(w * w * (reward - snips) ** 2)) / sw
    ess = sw * sw / np.sum(w * w)
    return {"ips": float(ips), "ipsSe": float(ips_se), "snips": float(snips), "snipsSe": float(snips_se), "ess": float(ess)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", choices=["ranking", "offpolicy"], required=True)
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--docs", type=int, default=100)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    out = {"values": {}, "seconds": {}}
    if a.task == "ranking":
        scores, grades = ranking_inputs(a.queries, a.docs)
        try:
            from sklearn.metrics import ndcg_score

            v, t = best(lambda: float(ndcg_score(grades, scores, k=10)), a.repeats)
            out["values"]["ndcg@10 (scikit-learn)"], out["seconds"]["ndcg@10 (scikit-learn)"] = v, t
        except ImportError as e:  # the numpy peer still runs
            out["sklearn"] = str(e)
        v, t = best(lambda: ndcg_numpy(scores, grades), a.repeats)
        out["values"]["ndcg@10 (numpy)"], out["seconds"]["ndcg@10 (numpy)"] = v, t
        (m, r), t = best(lambda: map_mrr_numpy(scores, grades), a.repeats)
        out["values"]["map"], out["values"]["mrr"], out["seconds"]["map+mrr (numpy)"] = m, r, t
    else:
        reward, logging, target = offpolicy_inputs(a.events)
        v, t = best(lambda: ips_snips_numpy(reward, logging, target), a.repeats)
        out["values"], out["seconds"]["ips+snips (numpy)"] = v, t
    out["maxRssKiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out))


if __name__ == "__main__":
    main()
