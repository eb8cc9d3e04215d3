#!/usr/bin/python3
"""Regenerates the golden files of the evaluation library (test/golden/eval/*.json).

Every expected value comes from a trusted or independent implementation:
  - scikit-learn: ndcg_score, average_precision_score, roc_auc_score, roc_curve,
    precision_recall_fscore_support, confusion_matrix, accuracy_score, log_loss,
    brier_score_loss, calibration_curve, pairwise cosine / hamming distances;
  - SciPy: ttest_rel, wilcoxon, permutation_test, bootstrap, and the special functions
    (stats.t, stats.norm, special.betainc, gammainc, gammaincc, gammaln, erf, erfc);
  - mpmath at 40 digits for the Student t quantile (SciPy 1.10's t.ppf is off by up to ~1e-8)
    and for the t CDF at very large degrees of freedom;
  - plain-Python definitions written here, independently of the TypeScript code, for the
    trec_eval conventions (tie order by doc id descending, precision@k divides by k, ...) and,
    for tied scores, a brute-force average over every order of the tied documents.

Inputs are drawn from numpy's seeded RandomState, so the files are reproducible.
Run with Debian's python (it has python3-sklearn and python3-scipy):
    /usr/bin/python3 scripts/golden/eval_reference.py [--out DIR]
The default DIR is test/golden/eval next to this repository's root.
"""
import argparse
import itertools
import json
import math
import os
import sys
import warnings

import mpmath as mp
import numpy as np
import scipy
import scipy.special as sp
import scipy.stats as st
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    log_loss,
    ndcg_score,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)
from sklearn.metrics.pairwise import cosine_distances, pairwise_distances

warnings.filterwarnings("ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def f(x):
    """A JSON-safe float (None for NaN / inf, which the golden files never need)."""
    x = float(x)
    return x if math.isfinite(x) else None


# ----------------------------------------------------------------------------------------
# Ranking: independent definitions (trec_eval conventions).

def trec_order(docs):
    """docs: list of (doc_id, score). Score descending, then doc id descending (strcmp)."""
    return sorted(docs, key=lambda d: (-d[1], tuple(-ord(c) for c in d[0]) + (1,)))


def gain(grade, kind):
    g = max(grade, 0)
    return g if kind == "linear" else 2.0 ** g - 1.0


def metrics_for_order(ordered_ids, judgments, threshold, ks):
    """Every metric of one fixed order (a list of doc ids)."""
    rel = [1 if judgments.get(d, 0) >= threshold and d in judgments else 0 for d in ordered_ids]
    grades = [judgments.get(d, 0) for d in ordered_ids]
    R = sum(1 for g in judgments.values() if g >= threshold)
    out = {}

    def prec(k):
        return sum(rel[:k]) / k

    def recall(k):
        return sum(rel[:k]) / R if R else 0.0

    def ap(k):
        if R == 0:
            return 0.0
        s, found = 0.0, 0
        for i, r in enumerate(rel[:k]):
            if r:
                found += 1
                s += found / (i + 1)
        return s / R

    def rr(k):
        for i, r in enumerate(rel[:k]):
            if r:
                return 1.0 / (i + 1)
        return 0.0

    def dcg(k, kind):
        return sum(gain(g, kind) / math.log2(i + 2) for i, g in enumerate(grades[:k]))

    def idcg(k, kind):
        gs = sorted((gain(g, kind) for g in judgments.values() if gain(g, kind) > 0), reverse=True)
        return sum(g / math.log2(i + 2) for i, g in enumerate(gs[:k]))

    def ndcg(k, kind):
        i = idcg(k, kind)
        return dcg(k, kind) / i if i > 0 else 0.0

    big = 10 ** 9
    out["rprec"] = (sum(rel[:R]) / R) if R else 0.0
    out["ap"] = ap(big)
    out["rr"] = rr(big)
    out["ndcg"] = ndcg(big, "linear")
    out["ndcg_exp"] = ndcg(big, "exponential")
    out["dcg"] = dcg(big, "linear")
    out["dcg_exp"] = dcg(big, "exponential")
    for k in ks:
        out[f"precision@{k}"] = prec(k)
        out[f"recall@{k}"] = recall(k)
        out[f"hit@{k}"] = 1.0 if sum(rel[:k]) > 0 else 0.0
        out[f"ap@{k}"] = ap(k)
        out[f"rr@{k}"] = rr(k)
        out[f"ndcg@{k}"] = ndcg(k, "linear")
        out[f"ndcg_exp@{k}"] = ndcg(k, "exponential")
        out[f"dcg@{k}"] = dcg(k, "linear")
    return out


def tie_averaged(docs, judgments, threshold, ks):
    """Mean of every metric over all orders of the tied documents (brute force)."""
    ordered = trec_order(docs)
    groups = [list(g) for _, g in itertools.groupby(ordered, key=lambda d: d[1])]
    total, count = None, 0
    for perm in itertools.product(*[itertools.permutations(g) for g in groups]):
        ids = [d[0] for grp in perm for d in grp]
        m = metrics_for_order(ids, judgments, threshold, ks)
        if total is None:
            total = dict.fromkeys(m, 0.0)
        for key, v in m.items():
            total[key] += v
        count += 1
    if total is None:  # empty ranking
        return metrics_for_order([], judgments, threshold, ks)
    return {key: v / count for key, v in total.items()}


def ranking_cases(rng):
    cases = []
    scales = [[0, 1], [0, 3], [0, 4]]
    for c in range(180):
        scale = scales[c % 3]
        n_docs = int(rng.randint(0, 13)) if c % 17 else 0
        pool = [f"d{i:02d}" for i in range(int(rng.randint(max(n_docs, 1), 20)))]
        rng.shuffle(pool)
        retrieved = pool[:n_docs]
        # ties: draw scores from a small grid, but keep every tie group small (brute force)
        levels = int(rng.randint(1, 8))
        grid = np.round(rng.uniform(-2, 2, size=levels), 3)
        scores = [float(grid[rng.randint(levels)]) for _ in retrieved]
        docs = list(zip(retrieved, scores))
        groups = {}
        for d, s in docs:
            groups.setdefault(s, []).append(d)
        if math.prod(math.factorial(len(g)) for g in groups.values()) > 3000:
            docs = [(d, s + 1e-3 * i) for i, (d, s) in enumerate(docs)]
        # judgments: mostly over retrieved docs, sometimes over unretrieved ones too
        judged_from = pool if c % 2 else retrieved
        judgments = {}
        for d in judged_from:
            if rng.rand() < 0.75:
                judgments[d] = int(rng.randint(scale[0], scale[1] + 1))
        if c % 23 == 0:
            judgments = {d: 0 for d in judgments}  # no relevant document
        threshold = 1 if scale[1] <= 1 or c % 4 else 2
        ks = sorted(set([1, int(rng.randint(1, 8)), int(rng.randint(1, 20))]))
        case = {
            "docs": [[d, s] for d, s in docs],
            "judgments": judgments,
            "scale": scale,
            "threshold": threshold,
            "ks": ks,
            "trec": metrics_for_order([d for d, _ in trec_order(docs)], judgments, threshold, ks),
            "average": tie_averaged(docs, judgments, threshold, ks),
        }
        case["sklearn"] = sklearn_ranking(docs, judgments, threshold, ks)
        cases.append(case)
    return cases


def sklearn_ranking(docs, judgments, threshold, ks):
    """scikit-learn's view, where it applies: all judged documents retrieved, 2+ documents."""
    ids = [d for d, _ in docs]
    if len(docs) < 2 or any(d not in ids for d in judgments):
        return None
    grades = np.array([[max(judgments.get(d, 0), 0) for d in ids]], dtype=float)
    exp_gains = 2.0 ** grades - 1.0
    scores = np.array([[s for _, s in docs]])
    # trec order as distinct scores, so that sklearn sees the same order without ties
    rank_of = {d: i for i, (d, _) in enumerate(trec_order(docs))}
    trec_scores = np.array([[len(docs) - rank_of[d] for d in ids]], dtype=float)
    out = {}
    for k in [None] + ks:
        key = "" if k is None else f"@{k}"
        out[f"ndcg{key}:average"] = f(ndcg_score(grades, scores, k=k, ignore_ties=False))
        out[f"ndcg{key}:trec"] = f(ndcg_score(grades, trec_scores, k=k))
        out[f"ndcg_exp{key}:average"] = f(ndcg_score(exp_gains, scores, k=k, ignore_ties=False))
        out[f"ndcg_exp{key}:trec"] = f(ndcg_score(exp_gains, trec_scores, k=k))
    binary = np.array([1 if judgments.get(d, -1) >= threshold and d in judgments else 0 for d in ids])
    if binary.sum() > 0:
        out["ap:trec"] = f(average_precision_score(binary, trec_scores[0]))
    return out


# ----------------------------------------------------------------------------------------
# Classification.

def classification_cases(rng):
    cases = []
    for c in range(90):
        n = int(rng.randint(1, 50))
        n_classes = int(rng.randint(2, 6))
        string_labels = c % 3 == 0
        names = ["shoes", "bags", "tops", "jeans", "hats", "socks"][:n_classes] if string_labels else list(range(n_classes))
        y_true = [names[rng.randint(n_classes)] for _ in range(n)]
        # predictions: mostly right, sometimes a class never predicted or never true
        y_pred = [t if rng.rand() < 0.55 else names[rng.randint(n_classes)] for t in y_true]
        if c % 7 == 0:
            y_pred = [names[0] if p == names[-1] else p for p in y_pred]
        labels = None
        if c % 5 == 0 and n_classes >= 3:
            labels = names[: n_classes - 1] if c % 10 else names[::-1]
        zd = int(c % 2)
        case = {"y_true": y_true, "y_pred": y_pred, "labels": labels, "zero_division": zd}
        case["accuracy"] = f(accuracy_score(y_true, y_pred))
        case["confusion"] = confusion_matrix(y_true, y_pred, labels=labels).tolist()
        case["confusion_labels"] = labels if labels is not None else sorted(set(y_true) | set(y_pred))
        for avg in ["micro", "macro", "weighted"]:
            p, r, fs, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=avg, zero_division=zd)
            case[avg] = [f(p), f(r), f(fs)]
        p, r, fs, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=zd)
        case["per_class"] = {"precision": [f(x) for x in p], "recall": [f(x) for x in r], "fscore": [f(x) for x in fs], "support": [int(x) for x in s]}
        p, r, fs, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average="macro", beta=2.0, zero_division=zd)
        case["macro_beta2"] = [f(p), f(r), f(fs)]
        present = sorted(set(y_true) | set(y_pred))
        if not string_labels and len(present) <= 2 and set(present) <= {0, 1}:
            p, r, fs, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=zd)
            case["binary"] = [f(p), f(r), f(fs)]
        cases.append(case)
    # a binary block, so that average="binary" is exercised often
    for c in range(40):
        n = int(rng.randint(1, 40))
        y_true = [int(x) for x in rng.randint(0, 2, size=n)]
        y_pred = [t if rng.rand() < 0.6 else int(rng.randint(0, 2)) for t in y_true]
        if c % 9 == 0:
            y_pred = [0] * n
        zd = int(c % 2)
        p, r, fs, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=zd)
        case = {"y_true": y_true, "y_pred": y_pred, "labels": None, "zero_division": zd, "binary": [f(p), f(r), f(fs)]}
        case["accuracy"] = f(accuracy_score(y_true, y_pred))
        case["confusion"] = confusion_matrix(y_true, y_pred).tolist()
        case["confusion_labels"] = sorted(set(y_true) | set(y_pred))
        for avg in ["micro", "macro", "weighted"]:
            p, r, fs, _ = precision_recall_fscore_support(y_true, y_pred, average=avg, zero_division=zd)
            case[avg] = [f(p), f(r), f(fs)]
        p, r, fs, s = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=zd)
        case["per_class"] = {"precision": [f(x) for x in p], "recall": [f(x) for x in r], "fscore": [f(x) for x in fs], "support": [int(x) for x in s]}
        p, r, fs, _ = precision_recall_fscore_support(y_true, y_pred, average="macro", beta=2.0, zero_division=zd)
        case["macro_beta2"] = [f(p), f(r), f(fs)]
        cases.append(case)
    return cases


def score_cases(rng):
    cases = []
    for c in range(90):
        n = int(rng.randint(2, 60))
        y = rng.randint(0, 2, size=n)
        if y.min() == y.max():
            y[0] = 1 - y[0]
        raw = np.round(rng.normal(size=n) + 0.8 * y, 5)
        if c % 3 == 0:
            raw = np.round(raw, 1)  # ties
        if c % 11 == 0:
            raw = np.round(raw)  # many ties
        probs = np.round(1.0 / (1.0 + np.exp(-raw)), 5)
        if c % 4 == 0:
            probs = np.round(probs, 1)  # values on the bin edges, and exact 0 / 1 after clipping
        if c % 13 == 0:
            probs[0] = float(y[0] == 0)  # a confident mistake: clipping matters
        fpr, tpr, thr = roc_curve(y, raw, drop_intermediate=False)
        case = {
            "y": [int(v) for v in y],
            "scores": [float(v) for v in raw],
            "probs": [float(v) for v in probs],
            "roc_auc": f(roc_auc_score(y, raw)),
            "average_precision": f(average_precision_score(y, raw)),
            "roc_fpr": [f(v) for v in fpr],
            "roc_tpr": [f(v) for v in tpr],
            "roc_thresholds_after_first": [f(v) for v in thr[1:]],
            "log_loss": f(log_loss(y, probs)),
            "brier": f(brier_score_loss(y, probs)),
            "calibration": {},
        }
        for strategy in ["uniform", "quantile"]:
            for bins in [5, 10]:
                prob_true, prob_pred = calibration_curve(y, probs, n_bins=bins, strategy=strategy)
                case["calibration"][f"{strategy}:{bins}"] = {"prob_true": [f(v) for v in prob_true], "prob_pred": [f(v) for v in prob_pred]}
        cases.append(case)
    multi = []
    for c in range(40):
        n = int(rng.randint(1, 40))
        k = int(rng.randint(2, 6))
        y = [int(v) for v in rng.randint(0, k, size=n)]
        logits = rng.normal(size=(n, k)) * 2
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        p = np.round(p, 6)
        p[:, -1] = 1.0 - p[:, :-1].sum(axis=1)  # rows still sum to 1 after rounding
        p = np.clip(p, 0.0, 1.0)
        if c % 5 == 0:
            p[0] = 0.0
            p[0, (y[0] + 1) % k] = 1.0  # certain and wrong
        labels = list(range(k))
        case = {"y": y, "probs": p.tolist(), "labels": labels, "log_loss": f(log_loss(y, p, labels=labels))}
        if len(set(y)) == k and k > 2:  # sklearn treats two classes as the binary case
            case["roc_auc_ovr_macro"] = f(roc_auc_score(y, p, multi_class="ovr", labels=labels, average="macro"))
            case["roc_auc_ovr_weighted"] = f(roc_auc_score(y, p, multi_class="ovr", labels=labels, average="weighted"))
        multi.append(case)
    return cases, multi


# ----------------------------------------------------------------------------------------
# Significance and distributions.

mp.mp.dps = 40


def t_cdf(t, df):
    """Student t CDF in 40-digit arithmetic, from its incomplete-beta form."""
    t, df = mp.mpf(t), mp.mpf(df)
    tail = mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + t * t), regularized=True) / 2
    return tail if t < 0 else 1 - tail


def t_quantile(p, df):
    """Student t quantile in 40-digit arithmetic (root of the CDF, started from SciPy's value)."""
    if p == 0.5:
        return mp.mpf(0)
    return mp.findroot(lambda t: t_cdf(t, df) - mp.mpf(p), mp.mpf(float(st.t.ppf(p, df))))


def significance_cases(rng):
    t_cases = []
    for c in range(90):
        n = int([2, 3, 5, 8, 15, 30, 100, 400][c % 8])
        a = np.round(rng.normal(0.5, 0.2, size=n), 6)
        b = np.round(a + rng.normal(0.03 * (c % 3 - 1), 0.1, size=n), 6)
        alt = ["two-sided", "greater", "less"][c % 3]
        res = st.ttest_rel(a, b, alternative=alt)
        half = float(t_quantile(0.975, n - 1)) * st.sem(a - b)
        ci = (np.mean(a - b) - half, np.mean(a - b) + half)
        t_cases.append({"a": a.tolist(), "b": b.tolist(), "alternative": alt, "statistic": f(res.statistic), "pvalue": f(res.pvalue), "ci95": [f(ci[0]), f(ci[1])]})

    w_cases = []
    for c in range(120):
        kind = ["exact", "zeros", "ties", "large"][c % 4]
        n = int(rng.randint(3, 45)) if kind != "large" else int(rng.randint(51, 150))
        a = np.round(rng.normal(0.5, 0.2, size=n), 6)
        b = np.round(a + rng.normal(0.02 * (c % 3 - 1), 0.1, size=n), 6)
        if kind == "zeros":
            b[: max(1, n // 5)] = a[: max(1, n // 5)]
            if n // 5 >= 2:
                b[1] = a[1] + 0.25  # one tie group besides the zeros, sometimes
                b[2] = a[2] - 0.25
        if kind == "ties":
            # differences on a grid of multiples of 1/8: many tied |d|, none zero
            d = (rng.randint(1, 5, size=n) * rng.choice([-1, 1], size=n)) / 8.0
            b = a - d
        alt = ["two-sided", "greater", "less"][c % 3]
        d = a - b
        nonzero = np.abs(d[d != 0])
        tied = len(np.unique(nonzero)) < len(nonzero)
        # SciPy 1.10's exact mode mishandles tied |d| (it truncates W+); use its approximation there.
        method = "approx" if tied else "auto"
        res = st.wilcoxon(a, b, alternative=alt, method=method)
        w_cases.append({"a": a.tolist(), "b": b.tolist(), "alternative": alt, "kind": kind, "scipy_method": method, "statistic": f(res.statistic), "pvalue": f(res.pvalue)})

    perm_cases = []
    for c in range(36):
        n = int(rng.randint(2, 13))
        # dyadic values: every sum is exact, so counting ties is unambiguous
        a = rng.randint(0, 64, size=n) / 64.0
        b = rng.randint(0, 64, size=n) / 64.0
        if c % 6 == 0:
            b = a.copy()
            b[0] += 1 / 64.0
        alt = ["two-sided", "greater", "less"][c % 3]
        res = st.permutation_test(
            (a, b),
            lambda x, y, axis: np.mean(x - y, axis=axis),
            permutation_type="samples",
            vectorized=True,
            n_resamples=2 ** 16,
            alternative=alt,
        )
        perm_cases.append({"a": a.tolist(), "b": b.tolist(), "alternative": alt, "statistic": f(res.statistic), "pvalue": f(res.pvalue)})

    boot = []
    for c in range(4):
        n = [10, 30, 60, 200][c]
        x = np.round(rng.exponential(1.0, size=n), 6)
        res = st.bootstrap((x,), np.mean, n_resamples=40000, method="percentile", confidence_level=0.95, random_state=np.random.RandomState(c))
        boot.append({"x": x.tolist(), "low": f(res.confidence_interval.low), "high": f(res.confidence_interval.high), "standard_error": f(res.standard_error)})
    return {"ttest": t_cases, "wilcoxon": w_cases, "permutation": perm_cases, "bootstrap": boot}


def distribution_cases():
    ts = [-40.0, -12.5, -6.0, -3.0, -2.1, -1.0, -0.3, -1e-8, 0.0, 1e-6, 0.25, 0.7, 1.5, 2.0, 2.58, 4.0, 9.0, 25.0, 300.0]
    dfs = [0.5, 1.0, 1.5, 2.0, 3.0, 4.5, 7.0, 10.0, 29.0, 30.0, 99.0, 250.0, 1000.0, 1e4]
    t_grid = [{"t": t, "df": df, "cdf": f(st.t.cdf(t, df)), "sf": f(st.t.sf(t, df))} for t in ts for df in dfs]
    t_big = [{"t": t, "df": df, "cdf": f(t_cdf(t, df)), "scipy_cdf": f(st.t.cdf(t, df))} for t in [-3.0, -0.5, 0.4, 2.0] for df in [1e5, 1e6]]
    ps = [1e-12, 1e-6, 0.001, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 0.6, 0.9, 0.95, 0.975, 0.99, 0.999999]
    t_ppf = [{"p": p, "df": df, "ppf": f(t_quantile(p, df)), "scipy_ppf": f(st.t.ppf(p, df))} for p in ps for df in [1.0, 2.0, 5.0, 10.0, 30.0, 200.0]]
    zs = [-38.0, -20.0, -8.0, -5.0, -3.0, -1.96, -1.0, -0.5, -1e-3, 0.0, 0.1, 0.6744897501960817, 1.0, 1.64, 2.5, 4.0, 7.5, 12.0, 30.0]
    normal = [{"z": z, "cdf": f(st.norm.cdf(z)), "sf": f(st.norm.sf(z))} for z in zs]
    n_ppf = [{"p": p, "ppf": f(st.norm.ppf(p))} for p in ps + [1e-300, 1e-100, 1 - 1e-10]]
    beta = []
    for a in [0.1, 0.5, 1.0, 2.5, 10.0, 60.0, 500.0]:
        for b in [0.2, 0.5, 1.0, 3.0, 20.0, 400.0]:
            for x in [1e-6, 0.01, 0.2, 0.5, 0.77, 0.95, 0.999]:
                beta.append({"x": x, "a": a, "b": b, "value": f(sp.betainc(a, b, x))})
    gamma = []
    for a in [0.1, 0.5, 1.0, 2.0, 7.5, 30.0, 200.0]:
        for x in [1e-5, 0.1, 0.9, 1.0, 3.0, 10.0, 45.0, 300.0]:
            gamma.append({"a": a, "x": x, "p": f(sp.gammainc(a, x)), "q": f(sp.gammaincc(a, x))})
    lgamma = [{"x": x, "value": f(sp.gammaln(x))} for x in [1e-8, 0.01, 0.1, 0.5, 1.0, 1.5, 2.0, 3.7, 10.0, 33.3, 171.5, 1e3, 1e5, 1e7]]
    erf = [{"x": x, "erf": f(sp.erf(x)), "erfc": f(sp.erfc(x))} for x in [-6.0, -2.0, -0.5, -1e-9, 0.0, 1e-4, 0.3, 1.0, 2.2, 5.0, 10.0, 26.0]]
    return {"t": t_grid, "t_large_df": t_big, "t_ppf": t_ppf, "normal": normal, "normal_ppf": n_ppf, "betainc": beta, "gammainc": gamma, "gammaln": lgamma, "erf": erf}


# ----------------------------------------------------------------------------------------
# Beyond accuracy.

def beyond_cases(rng):
    ild = []
    for c in range(40):
        n = int(rng.randint(2, 12))
        dim = int(rng.randint(2, 9))
        vecs = np.round(rng.normal(size=(n, dim)), 6)
        if c % 5 == 0:
            vecs[1] = vecs[0] * 3.0  # same direction: distance 0
        dist = cosine_distances(vecs)
        iu = np.triu_indices(n, 1)
        cats = rng.randint(0, int(rng.randint(1, 5)), size=n)
        ham = pairwise_distances(cats.reshape(-1, 1), metric="hamming")
        ild.append({
            "vectors": vecs.tolist(),
            "embedding_ild": f(dist[iu].mean()),
            "categories": [f"c{v}" for v in cats],
            "category_ild": f(ham[iu].mean()),
        })
    gini = []
    for c in range(40):
        n = int(rng.randint(1, 50))
        x = np.round(rng.pareto(1.2, size=n), 6) if c % 2 else rng.randint(0, 5, size=n).astype(float)
        mad = np.abs(x[:, None] - x[None, :]).mean()  # mean absolute difference over all n^2 pairs
        g = mad / (2 * x.mean()) if x.sum() > 0 else 0.0
        gini.append({"values": x.tolist(), "gini": f(g)})
    return {"ild": ild, "gini": gini}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "test", "golden", "eval"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    meta = {
        "generator": "scripts/golden/eval_reference.py",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
    }
    rng = np.random.RandomState(20261127)
    scored, multi = score_cases(rng)
    files = {
        "ranking.json": {"meta": meta, "cases": ranking_cases(rng)},
        "classification.json": {"meta": meta, "labels": classification_cases(rng), "scores": scored, "multiclass_log_loss": multi},
        "significance.json": {"meta": meta, **significance_cases(rng)},
        "distributions.json": {"meta": meta, **distribution_cases()},
        "beyond.json": {"meta": meta, **beyond_cases(rng)},
    }
    for name, content in files.items():
        with open(os.path.join(args.out, name), "w") as fh:
            json.dump(content, fh, separators=(",", ":"))
            fh.write("\n")
    print(f"wrote {len(files)} golden files to {args.out}")


if __name__ == "__main__":
    main()
