#!/usr/bin/python3
"""Golden file for span-level BIO evaluation (test/golden/spans/spans.json).

seqeval (the usual peer) is not packaged in Debian, so this is a short independent reference
written from seqeval's documented default (non-strict) behaviour, not from the TypeScript code:

- `get_entities`: scan the tags with a sentinel "O" at the end, remembering the previous tag's
  prefix and type ("O" has type "_"). A chunk ENDS before position i when the previous tag was B or
  I and the current one is B or O, or when the previous tag was not O and the types differ. A chunk
  STARTS at i when the current tag is B, when it is I after O, or when it is not O and its type
  differs from the previous type. Chunks are (type, first, last) with an inclusive last index.
- Several sentences are flattened with an "O" between them (so no chunk crosses a sentence).
- precision = correct / predicted, recall = correct / true, F1 = harmonic mean; 0 where a
  denominator is 0 (zero_division default). Per type over the types in truth or predictions;
  micro = summed counts; macro = unweighted mean of the per-type values.

Inputs are random tag sequences from Python's seeded `random`, biased towards the awkward cases
(I- after O, I- of another type, B- right after B-). Plain Python, no packages:
    /usr/bin/python3 scripts/golden/spans_reference.py [--out DIR]
The default DIR is test/golden/spans next to this repository's root.
"""
import argparse
import json
import os
import random


def split_tag(tag):
    if tag == "O":
        return "O", "_"
    return tag[0], tag[2:]


def end_of_chunk(prev_tag, tag, prev_type, type_):
    if prev_tag in ("B", "I") and tag in ("B", "O"):
        return True
    return prev_tag != "O" and prev_type != type_


def start_of_chunk(prev_tag, tag, prev_type, type_):
    if tag == "B":
        return True
    if prev_tag == "O" and tag == "I":
        return True
    return tag != "O" and prev_type != type_


def get_entities(sentences):
    seq = []
    for s in sentences:
        seq.extend(s)
        seq.append("O")
    chunks = []
    prev_tag, prev_type, begin = "O", "_", 0
    for i, chunk in enumerate(seq + ["O"]):
        tag, type_ = split_tag(chunk)
        if end_of_chunk(prev_tag, tag, prev_type, type_):
            chunks.append((prev_type, begin, i - 1))
        if start_of_chunk(prev_tag, tag, prev_type, type_):
            begin = i
        prev_tag, prev_type = tag, type_
    return chunks


def per_sentence_spans(sentence):
    """Spans of one sentence as [type, start, end_exclusive]."""
    return [[t, b, e + 1] for (t, b, e) in get_entities([sentence])]


def div(a, b):
    return a / b if b else 0.0


def report(y_true, y_pred):
    true = get_entities(y_true)
    pred = get_entities(y_pred)
    types = sorted({t for t, _, _ in true} | {t for t, _, _ in pred})
    true_set, pred_set = set(true), set(pred)
    per_type = {}
    for t in types:
        n_true = sum(1 for c in true if c[0] == t)
        n_pred = sum(1 for c in pred if c[0] == t)
        n_ok = sum(1 for c in pred_set if c[0] == t and c in true_set)
        p, r = div(n_ok, n_pred), div(n_ok, n_true)
        per_type[t] = {"precision": p, "recall": r, "f1": div(2 * p * r, p + r), "support": n_true, "predicted": n_pred, "correct": n_ok}
    ok = sum(v["correct"] for v in per_type.values())
    n_pred = sum(v["predicted"] for v in per_type.values())
    n_true = sum(v["support"] for v in per_type.values())
    p, r = div(ok, n_pred), div(ok, n_true)
    micro = {"precision": p, "recall": r, "f1": div(2 * p * r, p + r), "support": n_true, "predicted": n_pred, "correct": ok}
    k = len(types)
    macro = {m: (sum(v[m] for v in per_type.values()) / k if k else 0.0) for m in ("precision", "recall", "f1")}
    macro.update({"support": n_true, "predicted": n_pred, "correct": ok})
    return {"micro": micro, "macro": macro, "perType": per_type}


def random_tags(rng, n, types):
    tags = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.45:
            tags.append("O")
        elif roll < 0.7:
            tags.append("B-" + rng.choice(types))
        elif roll < 0.85 and tags and tags[-1] != "O":
            tags.append("I-" + tags[-1][2:])  # a proper continuation
        else:
            tags.append("I-" + rng.choice(types))  # I- after O or after another type
    return tags


def perturb(rng, tags, types):
    out = list(tags)
    for i in range(len(out)):
        if rng.random() < 0.25:
            out[i] = rng.choice(["O", "B-" + rng.choice(types), "I-" + rng.choice(types)])
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(here, "..", "..", "test", "golden", "spans"))
    args = parser.parse_args()
    rng = random.Random(20261204)
    cases = []
    for c in range(120):
        types = ["brand", "colour", "size", "material", "capacity", "compatibleWith"][: 1 + c % 6]
        sentences = rng.randint(1, 6)
        y_true = [random_tags(rng, rng.randint(0, 12), types) for _ in range(sentences)]
        y_pred = [perturb(rng, s, types) if rng.random() < 0.85 else random_tags(rng, len(s), types) for s in y_true]
        cases.append({"yTrue": y_true, "yPred": y_pred, "spans": [per_sentence_spans(s) for s in y_true], "report": report(y_true, y_pred)})
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "spans.json"), "w") as f:
        json.dump({"generator": "scripts/golden/spans_reference.py", "cases": cases}, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
