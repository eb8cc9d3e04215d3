"""The PyTorch peer of bench/recommend.mjs: the same SASRec-style training step on CPU.

Same model as lib/src/recommend/sasrec.ts: item embeddings (token 0 = padding, item i = token
i + 1) plus learned positions plus the one segment embedding, layer norm, dropout; chapter 1's
post-norm encoder layers (bench/pretrain_torch.py's Layer) with causal attention and the padding
mask; next-item logits at the predicted positions = their vectors times the item embeddings
(shared with the input) plus a per-item bias; full-softmax cross-entropy. Same optimizer (AdamW,
no weight decay, eps 1e-6), global-norm clipping at 1, linear warm-up 5 % then linear decay to
10 %; the same batches (right-padded tokens, mask, positions, labels) handed over by the library
in a JSON file.

Usage: python3 bench/recommend_torch.py CONFIG.json THREADS -> one JSON line with tokens/s.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from pretrain_torch import Layer


class SasRec(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hiddenSize"]
        self.items = c["items"]
        self.word = nn.Embedding(c["items"] + 1, d)
        self.pos = nn.Embedding(c["maxLength"], d)
        self.typ = nn.Embedding(1, d)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.drop = nn.Dropout(c["dropout"])
        self.layers = nn.ModuleList(Layer(d, c["heads"], c["intermediateSize"], c["dropout"]) for _ in range(c["layers"]))
        self.out_bias = nn.Parameter(torch.zeros(c["items"]))
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.trunc_normal_(m.weight, std=c["initializerRange"], a=-2 * c["initializerRange"], b=2 * c["initializerRange"])
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, tokens, mask, positions, labels):
        b, s = tokens.shape
        x = self.word(tokens) + self.pos.weight[:s] + self.typ.weight[0]
        x = self.drop(self.ln(x))
        causal = torch.ones(s, s, dtype=torch.bool).tril()
        keep = causal[None, None, :, :] & (mask > 0)[:, None, None, :]
        mask_bias = (~keep).float() * -1e9
        for layer in self.layers:
            x = layer(x, mask_bias)
        rows = x.reshape(b * s, -1)[positions]
        logits = rows @ self.word.weight[1:].t() + self.out_bias
        return F.cross_entropy(logits, labels)


def main():
    c = json.load(open(sys.argv[1]))
    threads = int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(c["seed"])
    model = SasRec(c["config"])
    model.train()
    batches = [
        (
            torch.tensor(b["tokens"], dtype=torch.long).reshape(b["rows"], b["length"]),
            torch.tensor(b["mask"], dtype=torch.float32).reshape(b["rows"], b["length"]),
            torch.tensor(b["positions"], dtype=torch.long),
            torch.tensor(b["labels"], dtype=torch.long),
        )
        for b in c["batches"]
    ]
    opt = torch.optim.AdamW(model.parameters(), lr=c["learningRate"], weight_decay=0.0, eps=1e-6)
    total = len(batches)
    warm = total // 20
    peak, low = c["learningRate"], c["learningRate"] / 10

    def lr_at(step):
        if step <= warm:
            return peak * step / warm
        return peak - (peak - low) * min(1.0, (step - warm) / max(1, total - warm))

    losses, timed = [], []
    for i, (tokens, mask, positions, labels) in enumerate(batches):
        start = time.perf_counter()
        cpu = time.process_time()
        for g in opt.param_groups:
            g["lr"] = lr_at(i + 1)
        loss = model(tokens, mask, positions, labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if i >= c["warmup"]:
            timed.append((time.perf_counter() - start, time.process_time() - cpu, len(labels)))
    seconds = sum(t[0] for t in timed)
    cpu_seconds = sum(t[1] for t in timed)
    tokens = sum(t[2] for t in timed)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": threads,
        "tokensPerSecond": tokens / seconds,
        "tokensPerCpuSecond": tokens / max(cpu_seconds, 1e-9),
        "stepMs": 1000 * seconds / len(timed),
        "firstLoss": losses[0],
        "lastLoss": losses[-1],
    }))


if __name__ == "__main__":
    main()
