"""The PyTorch peer of bench/twotower.mjs: the same two-tower recommender training step on CPU.

Same model (lib/src/recommend/two-tower.ts): item vectors normalize(t_i W + b + e_i), the id
embedding e_i dropped per distinct item of the batch with probability idDropout while training;
user vectors normalize(mean of the history's item vectors U + c); InfoNCE of u . v / tau against
each example's next item, another example with the same next item left out. Same initial weights
(W from the library, the rest zeros and the identity), same item text vectors, same batches; the
same optimizer (AdamW without decay, eps 1e-6), clipping at 1, linear warm-up 5 % then decay
(finetune_torch.py's `train`).

Usage: python3 bench/twotower_torch.py CONFIG.json THREADS ROUND  -> one JSON line.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from finetune_torch import main, train


def floats(path, shape):
    return torch.frombuffer(bytearray(open(path, "rb").read()), dtype=torch.float32).reshape(shape)


def unit_rows(x):
    return x / (x.norm(dim=1, keepdim=True) + 1e-12)


class TwoTower(nn.Module):
    def __init__(self, c):
        super().__init__()
        s, n, dim = c["settings"], c["items"], c["dimension"]
        d = s["hiddenSize"]
        self.text = floats(c["textFile"], (n, dim))
        self.kernel = nn.Parameter(floats(c["kernelFile"], (dim, d)).clone())
        self.bias = nn.Parameter(torch.zeros(d))
        self.ids = nn.Parameter(torch.zeros(n, d))
        self.user = nn.Parameter(torch.eye(d))
        self.user_bias = nn.Parameter(torch.zeros(d))
        self.id_dropout, self.tau = s["idDropout"], s["temperature"]

    def loss(self, batch):
        ids, history, weight, targets, exclude = batch
        e = self.ids[ids]
        if self.training and self.id_dropout > 0:
            e = e * (torch.rand(ids.shape[0], 1) >= self.id_dropout).float()
        v = unit_rows(self.text[ids] @ self.kernel + self.bias + e)
        users = unit_rows((v[history] * weight[:, :, None]).sum(1) @ self.user + self.user_bias)
        scores = users @ v[targets].t() / self.tau + exclude
        return F.cross_entropy(scores, torch.arange(targets.shape[0]))


def tensors(b):
    """The batch's distinct items, the histories and targets as rows of them (as the library does)."""
    row_of = {}
    add = lambda item: row_of.setdefault(item, len(row_of))
    targets = [add(t) for t in b["targets"]]
    histories = [[add(i) for i in h] for h in b["histories"]]
    length = max(1, max(len(h) for h in histories))
    history = torch.zeros(len(histories), length, dtype=torch.long)
    weight = torch.zeros(len(histories), length)
    for r, h in enumerate(histories):
        if h:
            history[r, : len(h)] = torch.tensor(h)
            weight[r, : len(h)] = 1 / len(h)
    t = torch.tensor(b["targets"])
    exclude = ((t[:, None] == t[None, :]) & ~torch.eye(len(t), dtype=torch.bool)).float() * -1e9
    return torch.tensor(list(row_of.keys())), history, weight, torch.tensor(targets), exclude


def run(c, method, round_index):
    torch.manual_seed(c["seed"])
    model = TwoTower(c)
    batches = [tensors(b) for b in c["batches"]]
    return train(c, method, model, batches, lambda m, b: m.loss(b), lambda b: int(b[3].shape[0]), round_index, weight_decay=0.0, warmup_divisor=20)


if __name__ == "__main__":
    main(run)
