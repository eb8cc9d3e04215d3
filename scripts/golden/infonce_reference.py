#!/usr/bin/env python3
"""Independent reference for the InfoNCE loss of lib/src/embed/contrastive.ts.

Reads JSON from stdin: {"engine": "torch" | "numpy", "cases": [{"q": [[..]], "p": [[..]],
"hn": [[..]] or null, "temperature": t, "symmetric": bool, "exclude": [[0/1..]] or null}]}.
Writes {"engine": ..., "results": [{"loss", "grad_q", "grad_p", "grad_hn", "grad_temperature"}]}.

torch: torch.nn.functional.cross_entropy on the score matrix, gradients by autograd (float64).
numpy: the same loss and its gradients written out by hand (softmax minus one-hot), so that the
check runs where PyTorch is not installed.
"""
import json
import sys

import numpy as np

LEFT_OUT = -1e9


def with_torch(case):
    import torch
    import torch.nn.functional as F

    q = torch.tensor(case["q"], dtype=torch.float64, requires_grad=True)
    p = torch.tensor(case["p"], dtype=torch.float64, requires_grad=True)
    hn = torch.tensor(case["hn"], dtype=torch.float64, requires_grad=True) if case.get("hn") else None
    t = torch.tensor(case["temperature"], dtype=torch.float64, requires_grad=True)
    b = q.shape[0]
    products = torch.cat([p, hn], 0) if hn is not None else p
    scores = q @ products.T / t
    if case.get("exclude"):
        scores = scores + torch.tensor(case["exclude"], dtype=torch.float64) * LEFT_OUT
    labels = torch.arange(b)
    loss = F.cross_entropy(scores, labels)
    if case.get("symmetric"):
        loss = (loss + F.cross_entropy(scores[:, :b].T, labels)) / 2
    loss.backward()
    return {
        "loss": loss.item(),
        "grad_q": q.grad.tolist(),
        "grad_p": p.grad.tolist(),
        "grad_hn": hn.grad.tolist() if hn is not None else None,
        "grad_temperature": t.grad.item(),
    }


def softmax_rows(s):
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy_and_grad(s):
    """Mean cross-entropy of rows against the diagonal, and d loss / d s."""
    b = s.shape[0]
    prob = softmax_rows(s)
    loss = -np.mean(np.log(prob[np.arange(b), np.arange(b)]))
    grad = prob.copy()
    grad[np.arange(b), np.arange(b)] -= 1
    return loss, grad / b


def with_numpy(case):
    q = np.array(case["q"], dtype=np.float64)
    p = np.array(case["p"], dtype=np.float64)
    hn = np.array(case["hn"], dtype=np.float64) if case.get("hn") else None
    t = float(case["temperature"])
    b = q.shape[0]
    products = np.concatenate([p, hn], 0) if hn is not None else p
    raw = q @ products.T / t
    scores = raw + (np.array(case["exclude"], dtype=np.float64) * LEFT_OUT if case.get("exclude") else 0)
    loss, ds = cross_entropy_and_grad(scores)
    if case.get("symmetric"):
        loss_b, ds_b = cross_entropy_and_grad(scores[:, :b].T)
        loss = (loss + loss_b) / 2
        ds = ds / 2
        ds[:, :b] += ds_b.T / 2
    grad_q = ds @ products / t
    grad_products = ds.T @ q / t
    grad_t = float(np.sum(ds * (-raw / t)))
    return {
        "loss": float(loss),
        "grad_q": grad_q.tolist(),
        "grad_p": grad_products[:b].tolist(),
        "grad_hn": grad_products[b:].tolist() if hn is not None else None,
        "grad_temperature": grad_t,
    }


def main():
    request = json.load(sys.stdin)
    engine = request.get("engine", "torch")
    run = with_torch if engine == "torch" else with_numpy
    print(json.dumps({"engine": engine, "results": [run(c) for c in request["cases"]]}))


if __name__ == "__main__":
    main()
