"""The PyTorch peer of bench/biencoder.mjs: the same bi-encoder training step on CPU.

Same model: the course encoder (finetune_torch.py's, from the same shoplm checkpoint) as one tower
for queries and products, mean pooling over the attention mask, L2-normalised vectors, in-batch
InfoNCE (cross-entropy of q p^T / tau against the diagonal); same method (full, or LoRA on the query
and value projections, as finetune_torch.py builds it); same optimizer (AdamW, decay 0.01 except
biases and layer norms, eps 1e-6), global-norm clipping at 1, linear warm-up 10 % then decay; and
the same batches, handed over by the library in a JSON file.

Usage: python3 bench/biencoder_torch.py CONFIG.json THREADS ROUND  -> one JSON line, one entry per method.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

from finetune_torch import Classifier, LoraLinear, load_checkpoint


def build(c, method, gen):
    # The classifier's encoder; its head is never used.
    model = Classifier(c["config"], 1, 0.0)
    load_checkpoint(model, c["checkpoint"])
    del model.head
    if method == "lora":
        for p in model.parameters():
            p.requires_grad_(False)
        for layer in model.layers:
            layer.q = LoraLinear(layer.q, c["loraRank"], c["loraAlpha"], gen)
            layer.v = LoraLinear(layer.v, c["loraRank"], c["loraAlpha"], gen)
    elif method != "full":
        raise SystemExit(f"biencoder_torch.py: method must be full or lora, got {method!r}")
    return model


def vectors(model, ids, att):
    """Unit vectors [batch, hidden]: the encoder, then the mean over real tokens."""
    x = model.word(ids) + model.pos.weight[: ids.shape[1]] + model.typ(torch.zeros_like(ids))
    x = model.drop(model.ln(x))
    mask_bias = ((1.0 - att) * -1e9)[:, None, None, :]
    for layer in model.layers:
        x = layer(x, mask_bias)
    pooled = (x * att[:, :, None]).sum(1) / att.sum(1, keepdim=True).clamp(min=1)
    return F.normalize(pooled, dim=1, eps=1e-12)


def texts(t):
    b, s = t["batch"], t["length"]
    return torch.tensor(t["inputIds"], dtype=torch.long).reshape(b, s), torch.tensor(t["attentionMask"], dtype=torch.float32).reshape(b, s)


def info_nce(model, batch, tau):
    (qi, qa), (pi, pa) = batch
    q, p = vectors(model, qi, qa), vectors(model, pi, pa)
    return F.cross_entropy(q @ p.t() / tau, torch.arange(q.shape[0]))


def run(c, method, round_index):
    torch.manual_seed(c["seed"])
    gen = torch.Generator().manual_seed(c["seed"])
    model = build(c, method, gen)
    batches = [(texts(b["queries"]), texts(b["positives"])) for b in c["batches"]]
    tau = c["temperature"]
    # The eval-mode loss of the first batch before any update: the same weights give the library's value.
    model.eval()
    with torch.no_grad():
        eval_loss = info_nce(model, batches[0], tau).item()
    model.train()
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    plain = lambda n: n.endswith("bias") or ".ln" in n or n.startswith("ln.")
    opt = torch.optim.AdamW(
        [{"params": [p for n, p in named if not plain(n)], "weight_decay": 0.01}, {"params": [p for n, p in named if plain(n)], "weight_decay": 0.0}],
        lr=c["learningRates"][method],
        eps=1e-6,
    )
    warmup, steps = c["warmup"], c["steps"]
    total = len(c["batches"])
    warm = max(1, total // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: (i + 1) / warm if i + 1 <= warm else max(0.0, (total - i - 1) / max(1, total - warm)))
    order = list(range(warmup)) + list(range(warmup + round_index * steps, warmup + (round_index + 1) * steps))
    params = [p for _, p in named]
    losses, tokens, start, cpu_start = [], 0, None, None
    for i, at in enumerate(order):
        if i == warmup:
            start, cpu_start = time.perf_counter(), time.process_time()
        loss = info_nce(model, batches[at], tau)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if i >= warmup:
            (_, qa), (_, pa) = batches[at]
            tokens += int(qa.sum().item() + pa.sum().item())
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    return {
        "method": method,
        "tokensPerSecond": tokens / seconds,
        "tokensPerCpuSecond": tokens / cpu_seconds,
        "stepMs": 1000 * seconds / steps,
        "tokens": tokens,
        "trainable": sum(p.numel() for p in params),
        "evalLoss": eval_loss,
        "firstLoss": losses[0],
        "lastLoss": losses[-1],
    }


def main():
    c = json.load(open(sys.argv[1]))
    threads, round_index = int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    out = [run(c, m, round_index) for m in c["methods"]]
    print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "methods": out}))


if __name__ == "__main__":
    main()
