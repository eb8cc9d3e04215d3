"""The PyTorch peer of bench/biencoder.mjs: the same bi-encoder training step on CPU.

Same model: the course encoder (finetune_torch.py's, from the same shoplm checkpoint) as one tower
for queries and products, mean pooling over the attention mask, L2-normalised vectors, in-batch
InfoNCE (cross-entropy of q p^T / tau against the diagonal); same method (full, or LoRA on the query
and value projections, as finetune_torch.py builds it); same optimizer (AdamW, decay 0.01 except
biases and layer norms, eps 1e-6), global-norm clipping at 1, linear warm-up 10 % then decay; and
the same batches, handed over by the library in a JSON file.

Usage: python3 bench/biencoder_torch.py CONFIG.json THREADS ROUND  -> one JSON line, one entry per method.
"""
import torch
import torch.nn.functional as F

from finetune_torch import Classifier, LoraLinear, load_checkpoint, main, train


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
    tokens_of = lambda b: int(b[0][1].sum().item() + b[1][1].sum().item())
    return train(c, method, model, batches, lambda m, b: info_nce(m, b, c["temperature"]), tokens_of, round_index)


if __name__ == "__main__":
    main(run)
