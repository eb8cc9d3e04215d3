"""The PyTorch peer of bench/pretrain-amazon.mjs: the same masked-LM recipe on the same token sequences.

The library hands over its tokenized training and held-out sequences and its settings (sizes,
steps, batch, peak learning rate, warm-up 10 % then linear decay, dropout, AdamW with decay 0.01
except biases and layer norms, clipping at 1, 15 % masking 80/10/10, a fresh shuffle each epoch).
The model and masking are bench/pretrain_torch.py's. Held-out metrics use one fixed set of masks.

Usage: python3 bench/mlm_torch.py SEQUENCES.json  -> JSON lines: one per evaluation, then the result.
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

from pretrain_torch import Mlm, mask_batch

SPECIAL = {"pad": 0, "unk": 1, "cls": 2, "sep": 3, "mask": 4}


def padded(seqs, length):
    ids = torch.zeros(len(seqs), length, dtype=torch.long)
    attention = torch.zeros(len(seqs), length)
    for i, s in enumerate(seqs):
        s = s[:length]
        ids[i, : len(s)] = torch.tensor(s)
        attention[i, : len(s)] = 1
    return ids, attention


def main():
    c = json.load(open(sys.argv[1]))
    if c["special"] != SPECIAL:
        raise SystemExit(f"mlm_torch.py expects special ids {SPECIAL} (mask_batch draws random tokens above them), got {c['special']}")
    torch.set_num_threads(c.get("threads", 1))
    torch.manual_seed(c["seed"])
    gen = torch.Generator().manual_seed(c["seed"])
    length = c["maxLength"]
    train, train_att = padded(c["train"], length)
    held, held_att = padded(c["heldOut"], length)
    model = Mlm({"vocab": c["vocab"], "hidden": c["hiddenSize"], "seq": length, "heads": c["heads"], "intermediate": c["intermediateSize"], "layers": c["layers"], "dropout": c["dropout"]})
    plain = lambda n: n.endswith("bias") or ".ln" in n or n.startswith("ln") or "head_ln" in n
    groups = [
        {"params": [p for n, p in model.named_parameters() if not plain(n)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if plain(n)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=c["learningRate"], eps=1e-6)
    steps = c["steps"]
    warm = max(1, round(0.1 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: (i + 1) / warm if i + 1 <= warm else max(0.0, (steps - i - 1) / max(1, steps - warm)))
    eval_gen = torch.Generator().manual_seed(c["seed"] + 1)
    eval_batches = [(*mask_batch(held[i : i + 64], c["vocab"], SPECIAL, eval_gen), held_att[i : i + 64]) for i in range(0, len(held), 64)]

    def evaluate(step):
        model.eval()
        loss_sum, correct, count = 0.0, 0, 0
        with torch.no_grad():
            for inputs, positions, labels, attention in eval_batches:
                logits = model.logits(inputs, attention, positions)
                loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
                count += len(labels)
                correct += int((logits.argmax(-1) == labels).sum())
        model.train()
        loss = loss_sum / count
        return {"step": step, "loss": loss, "perplexity": math.exp(loss), "accuracy": correct / count, "maskedTokens": count}

    started = time.perf_counter()
    batch, order, at = c["batchSize"], torch.randperm(len(train), generator=gen), 0
    every = c["evalEvery"]
    last = None
    model.train()
    for step in range(1, steps + 1):
        if at + batch > len(train):
            order, at = torch.randperm(len(train), generator=gen), 0
        rows = order[at : at + batch]
        at += batch
        inputs, positions, labels = mask_batch(train[rows], c["vocab"], SPECIAL, gen)
        loss = model(inputs, train_att[rows], positions, labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % every == 0 or step == steps:
            last = evaluate(step)
            print(json.dumps({"eval": last, "trainLoss": loss.item()}), flush=True)
    print(json.dumps({"heldOut": last, "seconds": time.perf_counter() - started, "torch": torch.__version__, "threads": torch.get_num_threads(), "parameters": sum(p.numel() for p in model.parameters())}), flush=True)


if __name__ == "__main__":
    main()
