#!/usr/bin/python3
"""Independent numpy reference for chapter 4's recommendation evaluation and baselines
(lib/src/recommend/recommend-eval.ts, baselines.ts), written from the definitions, not the code.

Reads one JSON object on stdin:
    {"n_items": N, "k": 10, "exclude_history": true,
     "scores": [[score of item j for held-out i] ...] or null,
     "held_out": [{"history": [...], "target": t}, ...],
     "train": [[item, ...] per user],               # training sequences, oldest first
     "neighbours": 100}                            # item-kNN neighbours per item
and writes {"metrics": {...} or null, "ranks": [...], "popularity": [[...]], "item_knn": [[...]],
"markov": [[...]]} (baseline scores per held-out item; metrics of "scores" and of each baseline).

Definitions:
  rank of target t = 1 + #{j != t, not masked : s_j >= s_t}   (ties pessimistic); a masked target
  gets rank N + 1 (not ranked: a miss, reciprocal rank 0). Masked = the history's items when exclude_history.
  HR@k = mean[rank <= k], NDCG@k = mean[(rank <= k) / log2(rank + 1)], MRR = mean[1 / rank].
  popularity_j = #training interactions of j.
  item-kNN: X = binary users x items (training), C = X^T X, sim = C / sqrt(n_i n_j), diagonal 0;
  each row keeps its `neighbours` largest positive entries (ties: lower index; a stable argsort);
  score_j = sum over distinct history items h of sim_kept[h, j].
  Markov-1: T[a, b] = #(a followed by b in a training sequence); score_j = T[last, j] +
  pop_j / (1 + max pop); empty history: the popularity term alone.

Usage: /usr/bin/python3 scripts/golden/recommend_reference.py < input.json > output.json
"""
import json
import sys

import numpy as np


def ranks_of(scores, held_out, exclude):
    n = scores.shape[1]
    ranks = []
    for i, h in enumerate(held_out):
        s = scores[i].astype(np.float64)
        t = h["target"]
        mask = np.zeros(n, dtype=bool)
        if exclude:
            mask[list(h["history"])] = True
        if mask[t]:
            ranks.append(n + 1)  # out of the ranking: a miss at every k, reciprocal rank 0
            continue
        others = ~mask
        others[t] = False
        ranks.append(int(np.sum(s[others] >= s[t])) + 1)
    return np.array(ranks, dtype=np.float64)


def metrics(ranks, k, n):
    hit = ranks <= k
    return {
        "hr": float(np.mean(hit)),
        "ndcg": float(np.mean(np.where(hit, 1.0 / np.log2(ranks + 1.0), 0.0))),
        "mrr": float(np.mean(np.where(ranks <= n, 1.0 / ranks, 0.0))),
    }


def main():
    req = json.load(sys.stdin)
    n = req["n_items"]
    k = req["k"]
    exclude = req["exclude_history"]
    held_out = req["held_out"]
    out = {"metrics": None, "ranks": None}
    if req.get("scores") is not None:
        scores = np.array(req["scores"], dtype=np.float32)
        r = ranks_of(scores, held_out, exclude)
        out["metrics"] = metrics(r, k, n)
        out["ranks"] = r.astype(int).tolist()
    train = req.get("train")
    if train is None:
        json.dump(out, sys.stdout)
        return
    X = np.zeros((len(train), n))
    pop = np.zeros(n)
    T = np.zeros((n, n))
    for u, seq in enumerate(train):
        for p, item in enumerate(seq):
            X[u, item] = 1.0
            pop[item] += 1
            if p > 0:
                T[seq[p - 1], item] += 1
    C = X.T @ X
    users_per_item = np.diag(C).copy()
    norm = np.sqrt(users_per_item)
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = np.where(np.outer(norm, norm) > 0, C / np.outer(norm, norm), 0.0)
    np.fill_diagonal(sim, 0.0)
    kept = np.zeros_like(sim)
    for i in range(n):
        order = np.argsort(-sim[i], kind="stable")
        top = [j for j in order[: req["neighbours"]] if sim[i, j] > 0]
        kept[i, top] = sim[i, top]
    pop_scores, knn_scores, markov_scores = [], [], []
    backoff = pop / (1.0 + pop.max())
    for h in held_out:
        hist = list(h["history"])
        pop_scores.append(pop.tolist())
        knn_scores.append(kept[sorted(set(hist))].sum(axis=0).tolist() if hist else [0.0] * n)
        markov_scores.append((T[hist[-1]] + backoff).tolist() if hist else backoff.tolist())
    out["popularity"] = pop_scores
    out["item_knn"] = knn_scores
    out["markov"] = markov_scores
    out["baseline_metrics"] = {
        name: metrics(ranks_of(np.array(s, dtype=np.float32), held_out, exclude), k, n)
        for name, s in (("popularity", pop_scores), ("item-knn", knn_scores), ("markov-1", markov_scores))
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
