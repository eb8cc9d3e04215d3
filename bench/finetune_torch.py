"""The PyTorch peer of bench/finetune.mjs: the same sequence-classification fine-tuning step on CPU.

Same model: the course encoder (bench/pretrain_torch.py's post-norm layers) loaded from the same
shoplm checkpoint (kernels [in, out] transposed into nn.Linear), a [CLS] head (dropout 0.1, dense
to the labels) with the library's initial head weights; same method (full: every weight trains;
LoRA: the encoder frozen, x W + b + (alpha / r) x A B on the query and value projections, A
truncated-normal with std 1 / sqrt(in), B zero); same optimizer (AdamW, decay 0.01 except biases
and layer norms, eps 1e-6), global-norm clipping at 1, linear warm-up 10 % then decay; and the
same batches (token ids, attention mask, labels), handed over by the library in a JSON file.

Usage: python3 bench/finetune_torch.py CONFIG.json THREADS ROUND  -> one JSON line, one entry per method.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from pretrain_torch import Layer


class Classifier(nn.Module):
    def __init__(self, cfg, labels, dropout):
        super().__init__()
        d = cfg["hiddenSize"]
        self.word = nn.Embedding(cfg["vocabSize"], d)
        self.pos = nn.Embedding(cfg["maxPositions"], d)
        self.typ = nn.Embedding(cfg["typeVocabSize"], d)
        self.ln = nn.LayerNorm(d, eps=cfg["layerNormEps"])
        self.drop = nn.Dropout(cfg["dropout"])
        self.layers = nn.ModuleList(Layer(d, cfg["heads"], cfg["intermediateSize"], cfg["dropout"]) for _ in range(cfg["layers"]))
        for layer in self.layers:
            layer.ln1.eps = layer.ln2.eps = cfg["layerNormEps"]
        self.head_drop = nn.Dropout(dropout)
        self.head = nn.Linear(d, labels)

    def forward(self, ids, attention, types):
        b, s = ids.shape
        x = self.word(ids) + self.pos.weight[:s] + self.typ(types)
        x = self.drop(self.ln(x))
        mask_bias = ((1.0 - attention) * -1e9)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask_bias)
        return self.head(self.head_drop(x[:, 0]))


class LoraLinear(nn.Module):
    """A frozen nn.Linear plus (alpha / r) x A B (A [in, r], B [r, out]: the library's layout)."""

    def __init__(self, base, rank, alpha, gen):
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        a = torch.empty(base.in_features, rank)
        with torch.no_grad():
            # The library's truncated normal: std 1 / sqrt(in), redrawn beyond two standard deviations.
            z = torch.randn(a.shape, generator=gen)
            while (out := z.abs() > 2).any():
                z[out] = torch.randn(int(out.sum()), generator=gen)
            a.copy_(z / math.sqrt(base.in_features))
        self.lora_A = nn.Parameter(a)
        self.lora_B = nn.Parameter(torch.zeros(rank, base.out_features))

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A @ self.lora_B) * self.scale


def load_checkpoint(model, ckpt_dir):
    """The shoplm checkpoint's encoder weights into the modules (names as in the library)."""
    manifest = json.load(open(f"{ckpt_dir}/checkpoint.json"))
    raw = open(f"{ckpt_dir}/{manifest['weights']['file']}", "rb").read()
    w = {}
    for t in manifest["weights"]["tensors"]:
        if t["dtype"] != "float32":
            raise SystemExit(f"finetune_torch.py: tensor {t['name']} is {t['dtype']}, expected float32")
        w[t["name"]] = torch.frombuffer(bytearray(raw[t["offset"] : t["offset"] + t["byteLength"]]), dtype=torch.float32).reshape(t["shape"])

    def linear(mod, name):
        mod.weight.copy_(w[f"{name}.kernel"].t())
        mod.bias.copy_(w[f"{name}.bias"])

    def norm(mod, name):
        mod.weight.copy_(w[f"{name}.gamma"])
        mod.bias.copy_(w[f"{name}.beta"])

    with torch.no_grad():
        model.word.weight.copy_(w["embeddings.word_embeddings"])
        model.pos.weight.copy_(w["embeddings.position_embeddings"])
        model.typ.weight.copy_(w["embeddings.token_type_embeddings"])
        norm(model.ln, "embeddings.LayerNorm")
        for i, layer in enumerate(model.layers):
            p = f"encoder.layer_{i}"
            linear(layer.q, f"{p}.attention.self.query")
            linear(layer.k, f"{p}.attention.self.key")
            linear(layer.v, f"{p}.attention.self.value")
            linear(layer.o, f"{p}.attention.output.dense")
            norm(layer.ln1, f"{p}.attention.output.LayerNorm")
            linear(layer.fc1, f"{p}.intermediate.dense")
            linear(layer.fc2, f"{p}.output.dense")
            norm(layer.ln2, f"{p}.output.LayerNorm")


def build(c, method, gen):
    model = Classifier(c["config"], c["labels"], c["headDropout"])
    load_checkpoint(model, c["checkpoint"])
    with torch.no_grad():
        model.head.weight.copy_(torch.tensor(c["headKernel"]).reshape(c["config"]["hiddenSize"], c["labels"]).t())
        model.head.bias.zero_()
    if method == "lora":
        for p in model.parameters():
            p.requires_grad_(False)
        for p in model.head.parameters():
            p.requires_grad_(True)
        for layer in model.layers:
            layer.q = LoraLinear(layer.q, c["loraRank"], c["loraAlpha"], gen)
            layer.v = LoraLinear(layer.v, c["loraRank"], c["loraAlpha"], gen)
    elif method != "full":
        raise SystemExit(f"finetune_torch.py: method must be full or lora, got {method!r}")
    return model


def tensors(batch):
    b, s = batch["batch"], batch["length"]
    return (
        torch.tensor(batch["inputIds"], dtype=torch.long).reshape(b, s),
        torch.tensor(batch["attentionMask"], dtype=torch.float32).reshape(b, s),
        torch.tensor(batch["tokenTypeIds"], dtype=torch.long).reshape(b, s),
        torch.tensor(batch["labels"], dtype=torch.long),
    )


def train(c, method, model, batches, loss_of, tokens_of, round_index, weight_decay=0.01, warmup_divisor=10):
    """The timed training loop, shared with biencoder_torch.py and twotower_torch.py: AdamW (decay
    `weight_decay` except biases and layer norms, eps 1e-6), clipping at 1, linear warm-up
    (the first 1 / `warmup_divisor` of the steps, 10 % by default) then decay over the run's
    batches; warm-up steps on the first batches, the timed steps on this round's slice (the
    library's round `round_index`). `loss_of(model, batch)` is the step's loss, `tokens_of(batch)`
    its real tokens; the eval-mode loss of the first batch comes first, before any update (the same
    weights give the library's value)."""
    model.eval()
    with torch.no_grad():
        eval_loss = loss_of(model, batches[0]).item()
    model.train()
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    plain = lambda n: n.endswith("bias") or ".ln" in n or n.startswith("ln.")
    opt = torch.optim.AdamW(
        [{"params": [p for n, p in named if not plain(n)], "weight_decay": weight_decay}, {"params": [p for n, p in named if plain(n)], "weight_decay": 0.0}],
        lr=c["learningRates"][method],
        eps=1e-6,
    )
    warmup, steps = c["warmup"], c["steps"]
    total = len(batches)
    warm = max(1, total // warmup_divisor)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: (i + 1) / warm if i + 1 <= warm else max(0.0, (total - i - 1) / max(1, total - warm)))
    order = list(range(warmup)) + list(range(warmup + round_index * steps, warmup + (round_index + 1) * steps))
    params = [p for _, p in named]
    losses, tokens, start, cpu_start = [], 0, None, None
    for i, at in enumerate(order):
        if i == warmup:
            start, cpu_start = time.perf_counter(), time.process_time()
        loss = loss_of(model, batches[at])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if i >= warmup:
            tokens += tokens_of(batches[at])
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    return {
        "method": method,
        "tokensPerSecond": tokens / seconds,
        # Per second of CPU time (all threads together): barely moved by other work on the machine.
        "tokensPerCpuSecond": tokens / cpu_seconds,
        "stepMs": 1000 * seconds / steps,
        "tokens": tokens,
        "trainable": sum(p.numel() for p in params),
        "evalLoss": eval_loss,
        "firstLoss": losses[0],
        "lastLoss": losses[-1],
    }


def run(c, method, round_index):
    torch.manual_seed(c["seed"])
    gen = torch.Generator().manual_seed(c["seed"])
    model = build(c, method, gen)
    batches = [tensors(b) for b in c["batches"]]
    loss_of = lambda m, b: F.cross_entropy(m(b[0], b[1], b[2]), b[3])
    return train(c, method, model, batches, loss_of, lambda b: int(b[1].sum().item()), round_index)


def main(run):
    """CONFIG.json THREADS ROUND from the command line -> one JSON line, `run`'s result per method."""
    c = json.load(open(sys.argv[1]))
    threads, round_index = int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    out = [run(c, m, round_index) for m in c["methods"]]
    print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "methods": out}))


if __name__ == "__main__":
    main(run)
