"""CBS Lab's decoder LM in PyTorch, and a checker for the lab's cross-check bundle.

The model (CbsLabLM) loads the lab's safetensors export directly with load_state_dict.

    python src/model/crosscheck.py DIR [--dtype float64|float32]

reads DIR/weights.safetensors, DIR/batch.json, DIR/loss.json and DIR/gradients.safetensors (written by
`npm run crosscheck -- --out DIR`, i.e. tools/crosscheck.ts), recomputes the loss and the gradients
in PyTorch, prints the differences, and exits with status 1 if they exceed the tolerance.
Needs torch and safetensors.
"""

import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-5
ROPE_BASE = 10000.0
IGNORE_TARGET = 0xFFFFFFFF


class LayerNorm(nn.Module):
    """Scale-only LayerNorm (no bias), eps 1e-5."""

    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return F.layer_norm(x, (x.shape[-1],), self.weight, None, EPS)


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.wq = nn.Linear(d, d, bias=False)
        self.wk = nn.Linear(d, d, bias=False)
        self.wv = nn.Linear(d, d, bias=False)
        self.wo = nn.Linear(d, d, bias=False)
        # QK-LayerNorm over the full width d, before the split into heads.
        self.q_norm = LayerNorm(d)
        self.k_norm = LayerNorm(d)

    def forward(self, x, cos, sin):
        B, T, C = x.shape
        hd = C // self.heads
        q = self.q_norm(self.wq(x)).view(B, T, self.heads, hd).transpose(1, 2)
        k = self.k_norm(self.wk(x)).view(B, T, self.heads, hd).transpose(1, 2)
        v = self.wv(x).view(B, T, self.heads, hd).transpose(1, 2)
        # RoPE, GPT-NeoX rotate-half.
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # scale 1/sqrt(hd)
        return self.wo(y.transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w1 = nn.Linear(d, 4 * d, bias=False)
        self.w2 = nn.Linear(4 * d, d, bias=False)

    def forward(self, x):
        return self.w2(F.gelu(self.w1(x)))  # exact (erf) GELU


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.attn_norm = LayerNorm(d)
        self.attn = Attention(d, heads)
        self.mlp_norm = LayerNorm(d)
        self.mlp = MLP(d)

    def forward(self, x, cos, sin):
        x = x + self.attn(self.attn_norm(x), cos, sin)
        return x + self.mlp(self.mlp_norm(x))


class CbsLabLM(nn.Module):
    """config: the lab's ModelConfig dict (layers, dModel, heads, context, vocabSize)."""

    def __init__(self, config):
        super().__init__()
        d, heads, V = config["dModel"], config["heads"], config["vocabSize"]
        self.config = config
        self.tok_embeddings = nn.Embedding(V, d)
        self.layers = nn.ModuleList([Block(d, heads) for _ in range(config["layers"])])
        self.norm = LayerNorm(d)
        self.output = nn.Linear(d, V, bias=False)  # untied from tok_embeddings

    def rope(self, T, device, dtype):
        hd = self.config["dModel"] // self.config["heads"]
        inv_freq = ROPE_BASE ** (-torch.arange(0, hd, 2, device=device, dtype=torch.float64) / hd)
        angles = torch.outer(torch.arange(T, device=device, dtype=torch.float64), inv_freq)
        angles = torch.cat((angles, angles), dim=-1)  # (T, hd)
        return angles.cos().to(dtype), angles.sin().to(dtype)

    def forward(self, tokens, targets=None):
        """tokens (B, T) int64; targets (B, T) int64 with -100 for ignored positions."""
        x = self.tok_embeddings(tokens)
        cos, sin = self.rope(tokens.shape[1], x.device, x.dtype)
        for layer in self.layers:
            x = layer(x, cos, sin)
        logits = self.output(self.norm(x))
        if targets is None:
            return logits
        # Mean over non-ignored targets.
        loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-100)
        return logits, loss


def load_lab_model(path, dtype=torch.float32, device="cpu"):
    """Builds CbsLabLM from a lab safetensors export (the config is in its metadata)."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(path, framework="pt") as f:
        config = json.loads(f.metadata()["config"])
    model = CbsLabLM(config)
    model.load_state_dict(load_file(path))
    return model.to(device=device, dtype=dtype)


def load_batch(path, device="cpu"):
    with open(path) as f:
        batch = json.load(f)
    tokens = torch.tensor(batch["tokens"], dtype=torch.int64, device=device)
    targets = torch.tensor(batch["targets"], dtype=torch.int64, device=device)
    targets[targets == batch["ignoreTarget"]] = -100
    return tokens, targets


def main(argv):
    from safetensors.torch import load_file

    folder = argv[1]
    dtype = torch.float64 if "--dtype" not in argv or argv[argv.index("--dtype") + 1] == "float64" else torch.float32
    model = load_lab_model(f"{folder}/weights.safetensors", dtype=dtype)
    tokens, targets = load_batch(f"{folder}/batch.json")
    with open(f"{folder}/loss.json") as f:
        lab = json.load(f)
    _, loss = model(tokens, targets)
    loss.backward()
    lab_grads = load_file(f"{folder}/gradients.safetensors")
    loss_err = abs(loss.item() - lab["loss"])
    print(f"loss: torch {loss.item():.12f}  lab {lab['loss']:.12f}  |diff| {loss_err:.3e}")
    # Lab gradients are float64 rounded to f32: relative rounding 6e-8, so compare against the
    # largest gradient of each tensor.
    atol_loss, rtol_grad = (1e-10, 1e-6) if dtype == torch.float64 else (1e-5, 1e-3)
    ok = loss_err <= atol_loss * max(1.0, abs(lab["loss"]))
    worst = 0.0
    for name, p in model.named_parameters():
        g = p.grad.to(torch.float64)
        ref = lab_grads[name].to(torch.float64)
        scale = max(ref.abs().max().item(), 1e-12)
        err = (g - ref).abs().max().item() / scale
        worst = max(worst, err)
        flag = "" if err <= rtol_grad else "  <-- MISMATCH"
        ok = ok and err <= rtol_grad
        print(f"{name:32s} max|grad| {scale:.3e}  max|diff|/max|grad| {err:.2e}{flag}")
    print(f"worst relative gradient difference {worst:.2e} (tolerance {rtol_grad:g}); {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
