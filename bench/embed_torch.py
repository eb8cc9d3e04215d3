"""The PyTorch peer of bench/embed.mjs: catalog embedding (inference) with the same BERT on CPU.

Same model: the course encoder rebuilt in torch.nn (bench/finetune_torch.py's model without its
head: bench/pretrain_torch.py's post-norm layers, separate q/k/v projections, exact GELU, eps from
the config) with the weights of the same shoplm checkpoint (finetune_torch.py's loader: dense
kernels [in, out] transposed into nn.Linear).
Same work: the library's token id batches (truncated at the same length, padded to each batch's
longest), forward in eval mode under torch.inference_mode, mean over the attention mask,
L2-normalised. Before timing, the first texts' vectors are compared with the library's
(max abs difference printed).

Usage: python3 bench/embed_torch.py CONFIG.json THREADS  -> one JSON line.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

from finetune_torch import Classifier, load_checkpoint


class Encoder(Classifier):
    """bench/finetune_torch.py's model without its head: the token vectors of the last layer (eval mode, so no dropout)."""

    def __init__(self, cfg):
        super().__init__(cfg, 1, 0.0)

    def forward(self, ids, attention):
        x = self.ln(self.word(ids) + self.pos.weight[: ids.shape[1]] + self.typ.weight[0])
        mask_bias = ((1.0 - attention) * -1e9)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask_bias)
        return x


def embed(model, ids, attention):
    """Masked mean of the token vectors, L2-normalised (the library's pooling: count clamped at 1, norm at 1e-12)."""
    hidden = model(ids, attention)
    m = attention[:, :, None]
    mean = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
    return F.normalize(mean, p=2.0, dim=1, eps=1e-12)


def main(config_path, threads):
    c = json.load(open(config_path))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Encoder(c["config"])
    load_checkpoint(model, c["checkpoint"])
    model.eval()
    batches = []
    for b in c["batches"]:
        rows, length = b["rows"], b["length"]
        batches.append((torch.tensor(b["inputIds"], dtype=torch.long).reshape(rows, length), torch.tensor(b["attentionMask"], dtype=torch.float32).reshape(rows, length)))
    with torch.inference_mode():
        # Same model: the first texts against the library's vectors.
        ids, att = batches[0]
        check = embed(model, ids, att)[: len(c["reference"])]
        ref = torch.tensor(c["reference"], dtype=torch.float32)
        max_abs = (check - ref).abs().max().item()
        for ids, att in batches[: c["warmup"]]:
            embed(model, ids, att)
        rounds = []
        for _ in range(c["rounds"]):
            t = time.perf_counter()
            texts = 0
            for ids, att in batches:
                embed(model, ids, att).numpy()
                texts += ids.shape[0]
            rounds.append(texts / (time.perf_counter() - t))
    print(json.dumps({"torch": torch.__version__, "threads": threads, "textsPerSecond": rounds, "maxAbsVsLibrary": max_abs}))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: embed_torch.py CONFIG.json THREADS")
    main(sys.argv[1], int(sys.argv[2]))
