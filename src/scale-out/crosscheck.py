"""A checker for the lab's cross-check bundle, in PyTorch.

    python3 src/scale-out/crosscheck.py DIR [--dtype float64|float32]

reads DIR/weights.safetensors, DIR/batch.json, DIR/loss.json and DIR/gradients.safetensors (written by
`npm run crosscheck -- --out DIR`, i.e. tools/crosscheck.ts), recomputes the loss and the gradients
in PyTorch, prints the differences, and exits with status 1 if they exceed the tolerance.

The PyTorch model is the one of the lab's PyTorch package, src/scale-out/train.py (CbsLabLM, whose
state_dict names match the lab's export, and load_lab_model); it needs torch and numpy.
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import CbsLabLM, load_lab_model, read_safetensors  # noqa: E402,F401 - CbsLabLM re-exported

IGNORE_TARGET = 0xFFFFFFFF


def load_batch(path, device="cpu"):
    with open(path) as f:
        batch = json.load(f)
    tokens = torch.tensor(batch["tokens"], dtype=torch.int64, device=device)
    targets = torch.tensor(batch["targets"], dtype=torch.int64, device=device)
    targets[targets == batch["ignoreTarget"]] = -100
    return tokens, targets


def main(argv):
    folder = argv[1]
    dtype = torch.float64 if "--dtype" not in argv or argv[argv.index("--dtype") + 1] == "float64" else torch.float32
    model = load_lab_model(f"{folder}/weights.safetensors", dtype=dtype)
    tokens, targets = load_batch(f"{folder}/batch.json")
    with open(f"{folder}/loss.json") as f:
        lab = json.load(f)
    _, loss = model(tokens, targets)
    loss.backward()
    lab_grads = read_safetensors(f"{folder}/gradients.safetensors")[0]
    loss_err = abs(loss.item() - lab["loss"])
    print(f"loss: torch {loss.item():.12f}  lab {lab['loss']:.12f}  |diff| {loss_err:.3e}")
    # Lab gradients are float64 rounded to f32: relative rounding 6e-8, so compare against the
    # largest gradient of each tensor.
    atol_loss, rtol_grad = (1e-10, 1e-6) if dtype == torch.float64 else (1e-5, 1e-3)
    ok = loss_err <= atol_loss * max(1.0, abs(lab["loss"]))
    worst = 0.0
    for name, p in model.named_parameters():
        g = p.grad.to(torch.float64)
        ref = torch.from_numpy(lab_grads[name]).to(torch.float64)
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
