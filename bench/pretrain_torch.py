"""The PyTorch peer of bench/pretrain.mjs: the same BERT-style MLM training step, on the CPU or
on CUDA ("device": "cuda"; masks are drawn on the CPU, as the library draws them, then copied).

Same model (post-norm encoder, learned position and segment embeddings, separate q/k/v
projections, exact GELU, dropout), same head (masked rows gathered first, dense + GELU + layer
norm, output tied to the word embeddings plus a bias), same masking (15 % per sequence, 80/10/10),
AdamW without decay on biases and layer norms, linear warm-up and decay, global-norm clipping at 1.

Usage: python3 bench/pretrain_torch.py '{"vocab": 8000, ...}'  -> one JSON line with tokens/s.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, d, heads, ff, p):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=1e-12), nn.LayerNorm(d, eps=1e-12)
        self.fc1, self.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.drop = nn.Dropout(p)

    def forward(self, x, mask_bias):
        b, s, d = x.shape
        h = self.heads
        split = lambda t: t.view(b, s, h, d // h).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // h) + mask_bias
        probs = self.drop(scores.softmax(-1))
        ctx = (probs @ v).transpose(1, 2).reshape(b, s, d)
        x = self.ln1(x + self.drop(self.o(ctx)))
        return self.ln2(x + self.drop(self.fc2(F.gelu(self.fc1(x)))))


class Mlm(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden"]
        self.word = nn.Embedding(c["vocab"], d)
        self.pos = nn.Embedding(c["seq"], d)
        self.typ = nn.Embedding(2, d)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.drop = nn.Dropout(c["dropout"])
        self.layers = nn.ModuleList(Layer(d, c["heads"], c["intermediate"], c["dropout"]) for _ in range(c["layers"]))
        self.transform = nn.Linear(d, d)
        self.head_ln = nn.LayerNorm(d, eps=1e-12)
        self.out_bias = nn.Parameter(torch.zeros(c["vocab"]))
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.trunc_normal_(m.weight, std=0.02, a=-0.04, b=0.04)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, ids, attention, positions, labels):
        return F.cross_entropy(self.logits(ids, attention, positions), labels)

    def logits(self, ids, attention, positions):
        """Scores over the vocabulary at the flat positions (row * length + column) only."""
        b, s = ids.shape
        x = self.word(ids) + self.pos.weight[:s] + self.typ.weight[0]
        x = self.drop(self.ln(x))
        mask_bias = ((1.0 - attention) * -1e9)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask_bias)
        rows = x.reshape(b * s, -1)[positions]
        h = self.head_ln(F.gelu(self.transform(rows)))
        return h @ self.word.weight.t() + self.out_bias


def mask_batch(ids, vocab, special, gen, p=0.15):
    """15 % of the non-special tokens of each sequence (rounded), then 80 % [MASK], 10 % random, 10 % kept."""
    b, s = ids.shape
    candidates = torch.ones_like(ids, dtype=torch.bool)
    for sid in special.values():
        candidates &= ids != sid
    count = (candidates.sum(1).float() * p).round().clamp(min=1).long()
    scores = torch.rand(b, s, generator=gen).masked_fill(~candidates, 2.0)
    rank = scores.argsort(1).argsort(1)
    chosen = rank < count[:, None]
    positions = chosen.reshape(-1).nonzero().squeeze(1)
    labels = ids.reshape(-1)[positions]
    inputs = ids.clone().reshape(-1)
    u = torch.rand(len(positions), generator=gen)
    inputs[positions[u < 0.8]] = special["mask"]
    rnd = positions[(u >= 0.8) & (u < 0.9)]
    inputs[rnd] = torch.randint(len(special), vocab, (len(rnd),), generator=gen)
    return inputs.reshape(b, s), positions, labels


def main():
    c = json.loads(sys.argv[1])
    device = torch.device(c.get("device", "cpu"))
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("CUDA is not available to this PyTorch (torch.cuda.is_available() is False)")
    torch.set_num_threads(c["threads"])
    torch.manual_seed(c.get("seed", 1))
    gen = torch.Generator().manual_seed(c.get("seed", 1))
    special = {"pad": 0, "unk": 1, "cls": 2, "sep": 3, "mask": 4}
    model = Mlm(c).to(device)
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or ".ln" in n or n.startswith("ln") or "head_ln" in n)]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or ".ln" in n or n.startswith("ln") or "head_ln" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=c["lr"], eps=1e-6)
    total = c["warmup"] + c["steps"]
    warm = max(1, total // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: (i + 1) / warm if i + 1 <= warm else max(0.0, (total - i - 1) / max(1, total - warm)))
    b, s = c["batch"], c["seq"]
    data = torch.randint(len(special), c["vocab"], (c["sequences"], s), generator=gen)
    data[:, 0] = special["cls"]
    attention = torch.ones(b, s, device=device)
    model.train()
    losses, start, cpu_start, masked = [], None, None, 0
    for step in range(total):
        if step == c["warmup"]:
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            cpu_start = time.process_time()
        rows = torch.randint(0, c["sequences"], (b,), generator=gen)
        inputs, positions, labels = mask_batch(data[rows], c["vocab"], special, gen)
        inputs, positions, labels = inputs.to(device), positions.to(device), labels.to(device)
        loss = model(inputs, attention, positions, labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())  # one read per step, as the library's trainStep (it also waits for the GPU)
        if step >= c["warmup"]:
            masked += len(positions)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    print(json.dumps({
        "tokensPerSecond": c["steps"] * b * s / seconds,
        # Per second of CPU time (all threads together): barely moved by other work on the machine.
        "tokensPerCpuSecond": c["steps"] * b * s / cpu_seconds,
        "seconds": seconds,
        "stepMs": 1000 * seconds / c["steps"],
        "maskedPerStep": masked / c["steps"],
        "threads": torch.get_num_threads(),
        "device": device.type,
        "deviceName": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "parameters": sum(p.numel() for p in model.parameters()),
        "firstLoss": losses[0],
        "lastLoss": losses[-1],
    }))


if __name__ == "__main__":
    main()
