#!/usr/bin/env python3
"""CBS Lab's training protocol in PyTorch: one run of an exported sweep, under DDP.

This file is the PyTorch twin of the lab's trainer (src/train/run.ts, gpu-engine.ts and the
float64 references they are tested against). It needs PyTorch and numpy, nothing else; it runs
on torch 1.13 and 2.x, on CPU (gloo) or CUDA (nccl), alone or under torchrun.

    python3 train.py --run 3                       # line 3 (0-based) of manifest.jsonl, one process
    torchrun --nproc_per_node=8 train.py --run 3   # the same run, data-parallel over 8 GPUs
    python3 train.py --list reference              # manifest lines of the reference runs
    python3 train.py --mark-failed --run 3 --reason "..."   # used by the launchers

What it reproduces exactly (same seeds, same arithmetic up to rounding): the lab's initial weights
(mulberry32 + Box-Muller per tensor), the lab's sampler (the per-epoch mulberry32 permutation of
src/data/pack.ts over the experiment's shared pool of training tokens) and validation set, the
model, AdamW with global-norm clipping and no weight decay on LayerNorm scales, the warmup
schedule, EWA weights with debias (several decays, the best one counts), the evaluation schedule,
stop-at-target, the divergence rules, and the target from the reference runs. Each run appends its
record, in the lab's results format (RunRecord of src/experiment/schema.ts), as one JSON line to
results/run-NNNNN.jsonl.
"""

import argparse
import contextlib
import decimal
import json
import math
import os
import struct
import sys
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))

# The lab's constants (src/model/config.ts, init.ts, src/train/divergence.ts, src/kernels/grad-norm.ref.ts).
LAYER_NORM_EPS = 1e-5
ROPE_BASE = 10000.0
MLP_RATIO = 4
INIT_STD = 0.02
IGNORE_TARGET = 0xFFFFFFFF
DIVERGENCE_MARGIN_NATS = 1.0
DIVERGENCE_WINDOW_TOKENS = 1024
CLIP_EPS = 1e-6
JS_EPSILON = 2.220446049250313e-16
MASK32 = 0xFFFFFFFF

# Statuses after which a run is not trained again (a failed or stopped run is retried, as the lab does).
DONE_STATUSES = ("finished", "reached-target", "diverged")


# ---------------------------------------------------------------------------------------------
# The run spec. The lab's RunSpec (src/experiment/schema.ts) is read here and only here, by name,
# accepting its older forms (one ewaDecay, isReference instead of role); fields the trainer does
# not use are carried into the record unchanged, so a newer lab's additions survive the round trip.
# ---------------------------------------------------------------------------------------------


class RunSettings:
    """The fields of one RunSpec that the trainer uses."""

    def __init__(self, spec):
        model = spec["model"]
        self.model = {k: model[k] for k in ("name", "layers", "dModel", "heads", "context", "vocabSize")}
        self.data_size = spec["dataSize"]
        self.batch_size = int(spec["batchSize"])
        self.micro_batch = int(spec.get("microBatch") or self.batch_size)
        self.peak_lr = float(spec["peakLr"])
        self.beta1 = float(spec["beta1"])
        self.beta2 = float(spec["beta2"])
        self.eps = float(spec["eps"])
        self.weight_decay = float(spec["weightDecay"])
        self.warmup_steps = int(spec["warmupSteps"])
        self.clip_norm = float(spec["clipNorm"])
        decays = spec.get("ewaDecays")
        self.ewa_decays = [float(d) for d in decays] if decays else [float(spec["ewaDecay"])]
        # The shared pool of training tokens every run reads a prefix of; None: the whole token file.
        self.pool_tokens = spec.get("poolTokens")
        self.max_steps = int(spec["maxSteps"])
        self.target_loss = spec.get("targetLoss")
        self.stop_at_target = bool(spec["stopAtTarget"])
        self.evaluation = spec["evaluation"]
        seeds = spec.get("seeds") or {}
        self.init_seed = int(seeds.get("init", spec.get("initSeed", 0)))
        self.data_seed = int(seeds.get("data", spec.get("dataSeed", 0)))
        role = spec.get("role")
        self.is_reference = role == "reference" if role is not None else bool(spec.get("isReference"))
        self.context = int(self.model["context"])
        self.tokens_per_step = self.batch_size * self.context
        self.validation_sequences = max(1, math.ceil(self.evaluation["validationTokens"] / self.context))
        # The probe that tracks progress far from the target (src/train/setup.ts); 0: the full set.
        self.probe_sequences = math.ceil(self.evaluation.get("probeTokens", 0) / self.context)


def measurement_key(spec):
    """Runs of the same model shape and data size share a target (src/experiment/plan.ts measurementKey)."""
    m = spec["model"]
    return f"L{m['layers']}d{m['dModel']}h{m['heads']}T{m['context']}V{m['vocabSize']}|D{spec['dataSize']}"


def is_reference(spec):
    return RunSettings(spec).is_reference


# ---------------------------------------------------------------------------------------------
# Seeded random numbers, bit-exact with src/util/random.ts. mulberry32's state is a counter, so a
# whole stream is computed at once with numpy's wrapping uint32 arithmetic.
# ---------------------------------------------------------------------------------------------


def imul32(a, b):
    return (a * b) & MASK32


def mulberry32_array(seed, count):
    """The first `count` outputs of the lab's mulberry32(seed), in [0, 1), as float64."""
    k = np.arange(1, count + 1, dtype=np.uint64)
    state = ((np.uint64(seed & MASK32) + k * np.uint64(0x6D2B79F5)) & np.uint64(MASK32)).astype(np.uint32)
    with np.errstate(over="ignore"):
        t = (state ^ (state >> np.uint32(15))) * (state | np.uint32(1))
        t = t ^ (t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61)))
        t = t ^ (t >> np.uint32(14))
    return t.astype(np.float64) / 4294967296.0


class Mulberry32:
    """The sequential generator, for the rare stream the vectorized path cannot take."""

    def __init__(self, seed):
        self.state = seed & MASK32

    def __call__(self):
        self.state = (self.state + 0x6D2B79F5) & MASK32
        t = self.state
        t = imul32(t ^ (t >> 15), t | 1)
        t = (t ^ (t + imul32(t ^ (t >> 7), t | 61))) & MASK32
        return ((t ^ (t >> 14)) & MASK32) / 4294967296.0


def normal_array(seed, count):
    """`count` draws of the lab's normalSampler(mulberry32(seed)): Box-Muller, cosine first."""
    pairs = (count + 1) // 2
    u = mulberry32_array(seed, 2 * pairs)
    first, second = u[0::2], u[1::2]
    if np.any(first <= JS_EPSILON):
        return _normal_sequential(seed, count)  # a rejected draw shifts the pairing: go one by one
    r = np.sqrt(-2.0 * np.log(first))
    angle = (2.0 * math.pi) * second
    out = np.empty(2 * pairs)
    out[0::2] = r * np.cos(angle)
    out[1::2] = r * np.sin(angle)
    return out[:count]


def _normal_sequential(seed, count):
    uniform = Mulberry32(seed)
    out = np.empty(count)
    i = 0
    while i < count:
        u = 0.0
        while u <= JS_EPSILON:
            u = uniform()
        v = uniform()
        r = math.sqrt(-2.0 * math.log(u))
        out[i] = r * math.cos(2.0 * math.pi * v)
        if i + 1 < count:
            out[i + 1] = r * math.sin(2.0 * math.pi * v)
        i += 2
    return out


def tensor_seed(seed, name):
    """FNV-1a over the tensor's name mixed with the run's seed, then murmur3's fmix32 (src/model/init.ts)."""
    h = (0x811C9DC5 ^ (seed & MASK32)) & MASK32
    for ch in name:
        h ^= ord(ch)
        h = imul32(h, 0x01000193)
    h ^= h >> 16
    h = imul32(h, 0x85EBCA6B)
    h ^= h >> 13
    h = imul32(h, 0xC2B2AE35)
    h ^= h >> 16
    return h & MASK32


# ---------------------------------------------------------------------------------------------
# The model (src/model/reference.ts, docs/model.md). Parameter names match the lab's safetensors
# export, so load_state_dict takes it as it is.
# ---------------------------------------------------------------------------------------------


def parameter_layout(config):
    """(name, shape, kind) of every tensor, in the lab's order (src/model/layout.ts)."""
    C, V, L = config["dModel"], config["vocabSize"], config["layers"]
    Fw = MLP_RATIO * C
    out = [("tok_embeddings.weight", (V, C), "embedding")]
    for layer in range(L):
        p = f"layers.{layer}."
        out += [
            (p + "attn_norm.weight", (C,), "norm"),
            (p + "attn.wq.weight", (C, C), "matrix"),
            (p + "attn.wk.weight", (C, C), "matrix"),
            (p + "attn.wv.weight", (C, C), "matrix"),
            (p + "attn.q_norm.weight", (C,), "norm"),
            (p + "attn.k_norm.weight", (C,), "norm"),
            (p + "attn.wo.weight", (C, C), "residual-out"),
            (p + "mlp_norm.weight", (C,), "norm"),
            (p + "mlp.w1.weight", (Fw, C), "matrix"),
            (p + "mlp.w2.weight", (C, Fw), "residual-out"),
        ]
    out += [("norm.weight", (C,), "norm"), ("output.weight", (V, C), "output")]
    return out


def init_parameters(config, seed):
    """The lab's initial weights (initParameters), float32, bit for bit: each tensor draws from its own stream."""
    weights = OrderedDict()
    for name, shape, kind in parameter_layout(config):
        size = int(np.prod(shape))
        if kind == "norm":
            weights[name] = np.ones(shape, dtype=np.float32)
            continue
        std = INIT_STD / math.sqrt(2 * config["layers"]) if kind == "residual-out" else INIT_STD
        weights[name] = (std * normal_array(tensor_seed(seed, name), size)).astype(np.float32).reshape(shape)
    return weights


class LayerNorm(nn.Module):
    """Scale-only LayerNorm (no bias), eps 1e-5."""

    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        # Under bf16 autocast the input is bf16 and the scale float32: normalize in float32 (as autocast
        # does on CUDA; CPU autocast of torch 1.13 does not) and hand bf16 on.
        y = F.layer_norm(x.to(self.weight.dtype), (x.shape[-1],), self.weight, None, LAYER_NORM_EPS)
        return y.to(x.dtype)


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def causal_attention(q, k, v):
    """softmax(q·kᵀ/√hd, causal)·v over (B, H, T, hd). torch 1.13 has no fused kernel: spell it out there."""
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    T = q.shape[-2]
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
    return torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1) @ v


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
        # RoPE, GPT-NeoX rotate-half (in the activations' dtype: bf16 under autocast).
        cos, sin = cos.to(q.dtype), sin.to(q.dtype)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        y = causal_attention(q, k, v)
        return self.wo(y.transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w1 = nn.Linear(d, MLP_RATIO * d, bias=False)
        self.w2 = nn.Linear(MLP_RATIO * d, d, bias=False)

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
    """The lab's decoder LM. config: the lab's ModelConfig dict (layers, dModel, heads, context, vocabSize)."""

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


# ---------------------------------------------------------------------------------------------
# safetensors, F32 only, with numpy: the format is small enough not to need the package.
# ---------------------------------------------------------------------------------------------


def read_safetensors(path):
    """(tensors as float32 numpy arrays by name, metadata dict)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    tensors = OrderedDict()
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} has dtype {entry['dtype']}; only F32 is read")
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=8 + n + begin)
        tensors[name] = array.reshape(entry["shape"]).astype(np.float32)
    return tensors, metadata


def load_lab_model(path, dtype=torch.float32, device="cpu"):
    """CbsLabLM from a lab safetensors export (the config is in its metadata)."""
    tensors, metadata = read_safetensors(path)
    model = CbsLabLM(json.loads(metadata["config"]))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()})
    return model.to(device=device, dtype=dtype)


# ---------------------------------------------------------------------------------------------
# Data: the token files written by the lab's prepare_data, and the lab's sampler (src/data/pack.ts).
# ---------------------------------------------------------------------------------------------


def load_token_files(data_dir):
    """(meta, train tokens, validation tokens), the token arrays memory-mapped."""
    meta_path = os.path.join(data_dir, "meta.json")
    if not os.path.exists(meta_path):
        raise FileNotFoundError(f"{meta_path} is missing: run prepare_data first (see README.md)")
    with open(meta_path) as f:
        meta = json.load(f)
    dtype = np.dtype(meta["dtype"]).newbyteorder("<")

    def tokens(split):
        path = os.path.join(data_dir, meta[split]["file"])
        array = np.memmap(path, dtype=dtype, mode="r")
        if array.shape[0] != meta[split]["tokens"]:
            raise ValueError(f"{path} holds {array.shape[0]} tokens, meta.json says {meta[split]['tokens']}")
        return array

    return meta, tokens("train"), tokens("validation")


def sequence_count(corpus_tokens, context):
    return (corpus_tokens - 1) // context if corpus_tokens > context else 0


def epoch_permutation(count, data_seed, epoch):
    """Fisher-Yates with mulberry32 seeded from (data seed, epoch): the lab's order of the sequences."""
    seed = imul32(data_seed & MASK32, 0x9E3779B1) ^ imul32(epoch + 1, 0x85EBCA6B)
    order = list(range(count))
    if count > 1:
        i = np.arange(count - 1, 0, -1)
        j = np.floor(mulberry32_array(seed, count - 1) * (i + 1)).astype(np.int64)
        for a, b in zip(i.tolist(), j.tolist()):
            order[a], order[b] = order[b], order[a]
    return np.asarray(order, dtype=np.int64)


class TokenStream:
    """Sequence i is tokens [i·C, i·C + C + 1); each epoch reads every sequence once, in a seeded order."""

    def __init__(self, tokens, context, data_seed, warn=print):
        self.tokens = tokens
        self.context = context
        self.data_seed = data_seed
        self.warn = warn
        self.sequences = sequence_count(len(tokens), context)
        if self.sequences == 0:
            raise ValueError(f"the corpus has {len(tokens)} tokens: too few for one sequence of {context + 1}")
        self.epoch = 0
        self.cursor = 0
        self.order = epoch_permutation(self.sequences, data_seed, 0)

    def next_indices(self, count):
        out = np.empty(count, dtype=np.int64)
        for s in range(count):
            if self.cursor == self.sequences:
                self.epoch += 1
                self.cursor = 0
                self.order = epoch_permutation(self.sequences, self.data_seed, self.epoch)
                self.warn(f"the training data ran out after {self.sequences} sequences; starting epoch {self.epoch + 1}: data now repeats")
            out[s] = self.order[self.cursor]
            self.cursor += 1
        return out

    def next_batch(self, count):
        """(inputs, targets): (count, C) int64 arrays."""
        rows = self.next_indices(count)[:, None] * self.context + np.arange(self.context + 1)[None, :]
        window = np.asarray(self.tokens[rows.ravel()], dtype=np.int64).reshape(count, self.context + 1)
        return window[:, :-1], window[:, 1:]


# The lab loads this many times a run's validation sequences and spreads them over it (src/data/corpus.ts).
VALIDATION_SPREAD = 64


def validation_batch(tokens, context, max_sequences):
    """The fixed validation set: non-overlapping sequences of C + 1 tokens, evenly spaced over the tokens."""
    available = len(tokens) // (context + 1)
    sequences = min(max_sequences, available)
    stride = available // sequences if sequences > 0 else 1
    starts = np.arange(sequences, dtype=np.int64) * stride * (context + 1)
    window = np.asarray(tokens[(starts[:, None] + np.arange(context + 1)[None, :]).ravel()], dtype=np.int64)
    window = window.reshape(sequences, context + 1)
    return window[:, :-1], window[:, 1:]


def _prefix(meta, tokens, split, needed, what):
    """The first `needed` tokens of a token file (all of them when the shards hold fewer)."""
    if len(tokens) < needed and not meta[split].get("exhausted", True):
        raise ValueError(
            f"{what} needs {needed} {split} tokens but the token file holds {len(tokens)} and prepare_data stopped before "
            "the end of the shards: run it again without --max-train-tokens, or with more shards"
        )
    return tokens[: min(needed, len(tokens))]


def run_corpus(meta, train_tokens, s):
    """The tokens the run's sampler permutes: the experiment's shared pool (poolTokens + 1 tokens, the
    last target included), or the whole training text, which is what the lab loads (src/data/corpus.ts)."""
    if s.pool_tokens is None:
        return _prefix(meta, train_tokens, "train", float("inf"), "this experiment reads the whole training text and")
    return _prefix(meta, train_tokens, "train", int(s.pool_tokens) + 1, "the shared pool")


def run_validation(meta, validation_tokens, s):
    """The run's validation sequences, spread over VALIDATION_SPREAD times the tokens they need."""
    loaded = _prefix(meta, validation_tokens, "validation", VALIDATION_SPREAD * s.validation_sequences * (s.context + 1), "the validation set")
    return validation_batch(loaded, s.context, s.validation_sequences)


# ---------------------------------------------------------------------------------------------
# The protocol's rules: src/optim/schedule.ts, src/train/eval-schedule.ts, src/train/divergence.ts.
# ---------------------------------------------------------------------------------------------


def learning_rate(step, peak_lr, warmup):
    """Linear warmup from 0.1× peak over `warmup` steps (1-based), then constant."""
    if warmup <= 0 or step >= warmup:
        return peak_lr
    return peak_lr * (0.1 + 0.9 * (max(0, step - 1) / warmup))


def is_near_target(evaluation, target_loss, last):
    """The last EWA loss is within nearMargin (relative) of the target."""
    return target_loss is not None and last is not None and last["ewaLoss"] <= target_loss * (1 + evaluation["nearMargin"])


def should_evaluate(step, evaluation, max_steps, target_loss, last):
    """At the last step, and once the step count has grown by the spacing factor since the last evaluation
    (nearSpacing near the target), at least one step later; the first evaluation at step 1."""
    if step <= 0:
        return False
    if step >= max_steps:
        return True
    if last is None:
        return True
    factor = evaluation["nearSpacing"] if is_near_target(evaluation, target_loss, last) else evaluation["spacing"]
    return step >= max(last["step"] + 1, math.ceil(last["step"] * factor))


def evaluation_plan(evaluation, target_loss, last, step, max_steps):
    """What one evaluation measures (src/train/eval-schedule.ts evaluationPlan): at the last step every decay
    and the raw weights on the full set; near the target the best decay on the full set; far from it every
    decay and the raw weights on the probe."""
    if step >= max_steps:
        return {"set": "full", "decays": "every", "raw": True}
    if is_near_target(evaluation, target_loss, last):
        return {"set": "full", "decays": "best", "raw": False}
    return {"set": "probe", "decays": "every", "raw": True}


def needs_full_anchor(evaluation, target_loss, step, probe_loss):
    """A far evaluation on a real probe that shows the target is near is repeated on the full set (needsFullAnchor)."""
    return is_near_target(evaluation, target_loss, {"step": step, "ewaLoss": probe_loss})


def spread_subset(inputs, targets, count):
    """`count` sequences evenly spaced over the set, every k-th (src/train/setup.ts spreadSubset)."""
    stride = inputs.shape[0] // count
    rows = np.arange(count, dtype=np.int64) * stride
    return inputs[rows], targets[rows]


def best_decay_index(point):
    """The decay with the lowest loss at an evaluation (the first on ties; untried and NaN losses lose)."""
    if point is None:
        return 0
    best = 0
    for i, loss in enumerate(point["ewaLosses"]):
        current = point["ewaLosses"][best]
        if loss is not None and (current is None or loss < current):
            best = i
    return best


def js_number(x):
    """A float as JavaScript prints it in messages (NaN, Infinity)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(x)


def js_fixed(x, digits):
    """JavaScript's x.toFixed(digits): the exact binary value rounded half away from zero."""
    return str(decimal.Decimal(x).quantize(decimal.Decimal(1).scaleb(-digits), rounding=decimal.ROUND_HALF_UP))


def divergence_window(tokens_per_step):
    """How many of the latest steps the divergence rule averages (src/train/divergence.ts)."""
    return max(1, -(-DIVERGENCE_WINDOW_TOKENS // tokens_per_step))


def divergence_reason(step, recent_losses, initial_loss, warmup_steps, margin=DIVERGENCE_MARGIN_NATS):
    """recent_losses: the latest steps' training losses, this step's last (the lab's window)."""
    loss = recent_losses[-1]
    if not math.isfinite(loss):
        return f"the training loss became {js_number(loss)} at step {step}"
    if step <= warmup_steps:
        return None
    mean = sum(recent_losses) / len(recent_losses)
    if mean <= initial_loss + margin:
        return None
    if len(recent_losses) == 1:
        over = f"the training loss {js_fixed(mean, 3)} at step {step}"
    else:
        over = f"the mean training loss {js_fixed(mean, 3)} over steps {step - len(recent_losses) + 1}\u2013{step}"
    return f"{over} is over {margin:g} nats above the initial loss {js_fixed(initial_loss, 3)}"


# ---------------------------------------------------------------------------------------------
# Distributed: one process, or torchrun's environment (gloo on CPU, nccl on CUDA).
# ---------------------------------------------------------------------------------------------


class Distributed:
    def __init__(self, device_kind):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.active = "RANK" in os.environ and "WORLD_SIZE" in os.environ
        if device_kind == "cuda":
            torch.cuda.set_device(self.local_rank)
            self.device = torch.device("cuda", self.local_rank)
        else:
            self.device = torch.device("cpu")
        if self.active:
            dist.init_process_group(backend="nccl" if device_kind == "cuda" else "gloo")

    def sum(self, values):
        """Sums float64 scalars over all ranks."""
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.active:
            dist.all_reduce(t)
        return t.tolist()

    def broadcast_text(self, text):
        """Rank 0's string, on every rank."""
        if not self.active:
            return text
        box = [text]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def exit(self, status):
        """Ends this process. Under torchrun, once every rank is done (a barrier, unless this rank failed and
        others may be stuck), without running destructors: torch 1.13's ProcessGroupGloo destructor joins its
        worker thread while holding the GIL, and at interpreter exit, with DDP's reducer holding the last
        reference, that deadlocked one exit in a few here."""
        if not self.active:
            return status
        sys.stdout.flush()
        sys.stderr.flush()
        if status == 0:
            dist.barrier()
        os._exit(status)


# ---------------------------------------------------------------------------------------------
# The trainer: forward, backward and accumulation over micro-batches, clipping, AdamW, EWA.
# ---------------------------------------------------------------------------------------------


def is_norm(name):
    return name.endswith("norm.weight")


class Trainer:
    def __init__(self, model, s, dist_env, precision):
        self.s = s
        self.dist = dist_env
        self.model = model
        self.ddp = None
        if dist_env.active:
            ids = [dist_env.local_rank] if dist_env.device.type == "cuda" else None
            self.ddp = nn.parallel.DistributedDataParallel(model, device_ids=ids, broadcast_buffers=False)
        self.autocast = precision == "bf16"
        named = list(model.named_parameters())
        self.params = [p for _, p in named]
        # LayerNorm scales take no weight decay (src/train/gpu-engine.ts).
        groups = [
            {"params": [p for n, p in named if not is_norm(n)], "weight_decay": s.weight_decay},
            {"params": [p for n, p in named if is_norm(n)], "weight_decay": 0.0},
        ]
        self.optimizer = torch.optim.AdamW(groups, lr=s.peak_lr, betas=(s.beta1, s.beta2), eps=s.eps)
        self.ewa = [[torch.zeros_like(p) for p in self.params] for _ in s.ewa_decays]

    def _forward_loss_sum(self, module, inputs, targets):
        with torch.autocast(device_type=self.dist.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            logits = module(inputs)
        return F.cross_entropy(logits.flatten(0, 1).float() if self.autocast else logits.flatten(0, 1),
                               targets.flatten(), ignore_index=-100, reduction="sum")

    def _grad_sq(self):
        return float(sum(p.grad.detach().double().pow(2).sum() for p in self.params))

    def step(self, micro_batches, total_valid, lr):
        """One optimizer step over this rank's micro-batches; total_valid counts the targets of the whole
        (all-rank) batch. Returns the lab's StepScalars: loss, gradNorm, microGradSq, batchGradSq."""
        world = self.dist.world
        module = self.ddp if self.ddp is not None else self.model
        # Each rank's loss is scaled so that DDP's average over ranks is the mean over the whole batch.
        scale = world / total_valid
        loss_sum = 0.0
        micro_sq = None
        for i, (inputs, targets) in enumerate(micro_batches):
            last = i == len(micro_batches) - 1
            sync = self.ddp.no_sync() if (self.ddp is not None and not last) else contextlib.nullcontext()
            with sync:
                loss = self._forward_loss_sum(module, inputs, targets)
                (loss * scale).backward()
            loss_sum += float(loss.detach())
            if i == 0 and len(micro_batches) > 1:
                # The first micro-batch's own mean gradient (not yet all-reduced): the small batch of
                # the gradient-noise-scale estimate.
                valid = int((targets != -100).sum())
                micro_sq = self._grad_sq() * (total_valid / (world * valid)) ** 2
        (loss_total,) = self.dist.sum([loss_sum])
        batch_sq = self._grad_sq()
        norm = math.sqrt(batch_sq)
        # PyTorch's clip_grad_norm_ (src/kernels/grad-norm.ref.ts): scale by min(1, max / (norm + 1e-6)).
        if self.s.clip_norm > 0:
            clip = min(1.0, self.s.clip_norm / (norm + CLIP_EPS))
            if clip < 1.0:
                for p in self.params:
                    p.grad.mul_(clip)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.step()
        self.optimizer.zero_grad()
        with torch.no_grad():
            for decay, buffers in zip(self.s.ewa_decays, self.ewa):
                for e, p in zip(buffers, self.params):
                    e.mul_(decay).add_(p, alpha=1 - decay)
        return loss_total / total_valid, norm, (batch_sq if micro_sq is None else micro_sq), batch_sq

    @torch.no_grad()
    def _validation_loss(self, batches):
        total, count = 0.0, 0
        for inputs, targets in batches:
            total += float(self._forward_loss_sum(self.model, inputs, targets))
            count += int((targets != -100).sum())
        total, count = self.dist.sum([total, count])
        if count == 0:
            raise RuntimeError("the validation set is empty")
        return total / count

    @torch.no_grad()
    def evaluate(self, batches, ewa_index=None, step=0):
        """Validation loss of the raw weights, or of EWA copy `ewa_index` debiased after `step` steps
        (w̄ / (1 − τ^step), swapped in and the raw weights put back after)."""
        self.model.eval()
        backup = None
        try:
            if ewa_index is not None:
                backup = [p.detach().clone() for p in self.params]
                factor = 1 / (1 - self.s.ewa_decays[ewa_index] ** step)
                for e, p in zip(self.ewa[ewa_index], self.params):
                    p.copy_(e * factor)
            return self._validation_loss(batches)
        finally:
            if backup is not None:
                for b, p in zip(backup, self.params):
                    p.copy_(b)
            self.model.train()


# ---------------------------------------------------------------------------------------------
# One run: the lab's loop (src/train/run.ts trainRun), writing the lab's RunRecord.
# ---------------------------------------------------------------------------------------------


def empty_record(spec, adapter):
    return {
        "spec": spec,
        "status": "queued",
        "evals": [],
        "steps": [],
        "stepsToTarget": None,
        "stepsDone": 0,
        "tokensDone": 0,
        "failure": None,
        "wallSeconds": 0,
        "adapter": adapter,
    }


def split_micro_batches(inputs, targets, rank, world, micro, device):
    """This rank's share of the step's batch (a contiguous slice), in micro-batches of `micro` sequences."""
    local = inputs.shape[0] // world
    lo = rank * local
    out = []
    for start in range(lo, lo + local, micro):
        x = torch.from_numpy(inputs[start : start + micro]).to(device)
        y = torch.from_numpy(targets[start : start + micro]).to(device)
        out.append((x, y))
    return out


def to_torch_targets(targets):
    out = targets.astype(np.int64, copy=True)
    out[targets == IGNORE_TARGET] = -100
    return out


def train_run(spec, s, trainer, stream, validation, micro, adapter, on_eval=None, log=print, clock=time.perf_counter):
    """Trains one run to its end and returns its record, whatever the outcome."""
    dist_env = trainer.dist
    record = empty_record(spec, adapter)
    record["status"] = "running"
    started = clock()
    step = 0
    initial_loss = None
    target = s.target_loss

    def finish(status, failure=None):
        record["status"] = status
        record["failure"] = failure
        record["wallSeconds"] = clock() - started
        return record

    try:
        while step < s.max_steps:
            step += 1
            inputs, targets = stream.next_batch(s.batch_size)
            targets = to_torch_targets(targets)
            total_valid = int((targets != -100).sum())
            if total_valid == 0:
                raise RuntimeError("a training step with no valid targets")
            batches = split_micro_batches(inputs, targets, dist_env.rank, dist_env.world, micro, dist_env.device)
            lr = learning_rate(step, s.peak_lr, s.warmup_steps)
            t0 = clock()
            loss, grad_norm, micro_sq, batch_sq = trainer.step(batches, total_valid, lr)
            seconds = max(clock() - t0, 1e-9)
            if initial_loss is None:
                initial_loss = loss
            record["steps"].append({
                "step": step,
                "trainLoss": loss,
                "lr": lr,
                "gradNorm": grad_norm,
                "microGradSq": micro_sq,
                "batchGradSq": batch_sq,
                "tokensPerSecond": s.tokens_per_step / seconds,
            })
            record["stepsDone"] = step
            record["tokensDone"] = step * s.tokens_per_step
            record["wallSeconds"] = clock() - started

            recent = [x["trainLoss"] for x in record["steps"][-divergence_window(s.tokens_per_step):]]
            diverged = divergence_reason(step, recent, initial_loss, s.warmup_steps)
            if diverged:
                return finish("diverged", {"step": step, "reason": diverged})

            previous = record["evals"][-1] if record["evals"] else None
            last = {"step": previous["step"], "ewaLoss": previous["ewaLoss"]} if previous else None
            if should_evaluate(step, s.evaluation, s.max_steps, target, last):
                decays = len(s.ewa_decays)

                def evaluate_on(chosen, tried, with_raw):
                    ewa_losses = [None] * decays
                    for index in tried:
                        ewa_losses[index] = trainer.evaluate(chosen["batches"], index, step)
                    measured = [x for x in ewa_losses if x is not None]
                    # The best decay is the run's EWA loss, as the authors' code takes it (NaN if any is NaN).
                    ewa = float("nan") if any(math.isnan(x) for x in measured) else min(measured)
                    raw = trainer.evaluate(chosen["batches"]) if with_raw else None
                    return {"step": step, "tokens": step * s.tokens_per_step, "validationTokens": chosen["tokens"],
                            "ewaLoss": ewa, "ewaLosses": ewa_losses, "rawLoss": raw}

                plan = evaluation_plan(s.evaluation, target, last, step, s.max_steps)
                chosen = validation["probe"] if plan["set"] == "probe" else validation["full"]
                tried = list(range(decays)) if plan["decays"] == "every" else [best_decay_index(previous)]
                point = evaluate_on(chosen, tried, plan["raw"])
                if chosen is not validation["full"] and needs_full_anchor(s.evaluation, target, step, point["ewaLoss"]):
                    point = evaluate_on(validation["full"], [best_decay_index(point)], False)
                ewa, raw = point["ewaLoss"], point["rawLoss"]
                record["evals"].append(point)
                log(f"step {step}/{s.max_steps}  train {loss:.4f}  ewa {ewa:.4f}" + (f"  raw {raw:.4f}" if raw is not None else "")
                    + (f"  target {target:.4f}" if target is not None else "")
                    + f"  {s.tokens_per_step / seconds:.0f} tokens/s")
                if on_eval:
                    on_eval(record)
                if not math.isfinite(ewa):
                    return finish("diverged", {"step": step, "reason": f"the EWA validation loss became {js_number(ewa)}"})
                # Only the full validation set decides the crossing (a probe evaluation never does).
                if target is not None and record["stepsToTarget"] is None and point["validationTokens"] == validation["full"]["tokens"] and ewa <= target:
                    record["stepsToTarget"] = step
                    if s.stop_at_target:
                        return finish("reached-target")
        return finish("reached-target" if record["stepsToTarget"] is not None else "finished")
    except Exception as error:  # noqa: BLE001 - a run that fails is recorded with its reason
        return finish("failed", {"step": step, "reason": describe_error(error)})


def describe_error(error):
    text = str(error) or type(error).__name__
    if "out of memory" in text.lower():
        return f"out of memory: {text.splitlines()[0]} (try a smaller --micro-batch)"
    return text.splitlines()[0] if text.splitlines() else text


# ---------------------------------------------------------------------------------------------
# Results files: results/run-NNNNN.jsonl, one RunRecord per line (the last line of an id wins).
# ---------------------------------------------------------------------------------------------


def run_file(results_dir, index):
    return os.path.join(results_dir, f"run-{index:05d}.jsonl")


def json_safe(value):
    """JSON has no NaN or Infinity: the lab writes them as null (and reads null back as NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def record_line(record):
    return json.dumps(json_safe(record), allow_nan=False, separators=(",", ":")) + "\n"


def append_record(path, record):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "a") as f:
        f.write(record_line(record))
        f.flush()
        os.fsync(f.fileno())


def write_atomic(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def last_record(path):
    """The last complete record of a run file, or None."""
    if not os.path.exists(path):
        return None
    found = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    found = json.loads(line)
                except json.JSONDecodeError:
                    pass  # a line cut short by a crash
    return found


def is_done(path, spec):
    """The run has a record that ends it for good (a failed or stopped run is trained again, as the lab retries it)."""
    done = last_record(path)
    return done is not None and done["spec"]["id"] == spec["id"] and done["status"] in DONE_STATUSES


def target_from_reference(record):
    """The loss a reference run sets: its final EWA validation loss after exactly D tokens (src/train/sweep.ts)."""
    if record["status"] not in ("finished", "reached-target") or not record["evals"]:
        return None
    last = record["evals"][-1]
    loss = last["ewaLoss"]
    return loss if last["step"] == record["spec"]["maxSteps"] and loss is not None and math.isfinite(loss) else None


def target_from_references(records):
    """A measurement's target from its reference records (targetFromReferences, src/experiment/results.ts):
    each seed replicate's best final loss over its learning rates, averaged over the replicates; None when
    none finished. (A mean over every reference run would average the learning-rate grid's losers in.)"""
    best = {}
    for record in records:
        loss = target_from_reference(record)
        if loss is None:
            continue
        replicate = record["spec"].get("replicate", 0)
        if replicate not in best or loss < best[replicate]:
            best[replicate] = loss
    if not best:
        return None
    return sum(best.values()) / len(best)


def reference_target(results_dir, spec, manifest):
    """(target, None): the target of this measurement from its reference runs' records (target_from_references);
    or (None, why there is none)."""
    key = measurement_key(spec)
    references = [(i, other) for i, other in enumerate(manifest) if is_reference(other) and measurement_key(other) == key]
    if not references:
        return None, "no target: the manifest has no reference run for this model and data size"
    records = []
    for index, _ in references:
        record = last_record(run_file(results_dir, index))
        if record is None:
            return None, (f"no target: the reference run of this model and data size on manifest line {index} has no "
                          f"record in {results_dir}; run the reference runs first")
        records.append(record)
    target = target_from_references(records)
    if target is None:
        return None, "no target: no reference run of this model and data size finished"
    return target, None


def read_manifest(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def write_experiment_line(results_dir, package_dir):
    """results/experiment.jsonl: the lab's config file on one line, so that `cat results/*.jsonl` is a whole sweep."""
    source = os.path.join(package_dir, "experiment.json")
    target = os.path.join(results_dir, "experiment.jsonl")
    if os.path.exists(source) and not os.path.exists(target):
        with open(source) as f:
            write_atomic(target, json.dumps(json.load(f), separators=(",", ":")) + "\n")


# ---------------------------------------------------------------------------------------------
# Command line.
# ---------------------------------------------------------------------------------------------

PRECISIONS = {"fp64": torch.float64, "fp32": torch.float32, "tf32": torch.float32, "bf16": torch.float32}


def parse_args(argv):
    p = argparse.ArgumentParser(description="Train one run of a CBS Lab sweep (see README.md).")
    p.add_argument("--run", help="manifest line (0-based) or run id")
    p.add_argument("--manifest", default=os.path.join(HERE, "manifest.jsonl"))
    p.add_argument("--spec", help="a single RunSpec JSON file instead of --manifest/--run")
    p.add_argument("--data", default=os.path.join(HERE, "data"), help="folder with meta.json, train.bin, validation.bin")
    p.add_argument("--results", default=os.path.join(HERE, "results"), help="folder of the run records")
    p.add_argument("--out", help="write the record to this JSON file (with --spec)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--precision", choices=sorted(PRECISIONS), default="fp32",
                   help="fp32 (the lab's arithmetic; default), tf32 (fp32 with TF32 matmuls), bf16 (autocast, fp32 weights), fp64")
    p.add_argument("--micro-batch", type=int, default=0,
                   help="sequences per micro-batch on each process (default: the manifest's, at most half of the process's share of B)")
    p.add_argument("--eval-batch", type=int, default=0, help="sequences per evaluation forward pass (default: 4 micro-batches)")
    p.add_argument("--init", help="initial weights (a lab safetensors export) instead of the lab's seeded init")
    p.add_argument("--threads", type=int, default=0, help="CPU threads per process (default: torch's)")
    p.add_argument("--force", action="store_true", help="train even if the run already has a finished record")
    p.add_argument("--list", choices=["reference", "sweep", "all"], help="print manifest line numbers and exit")
    p.add_argument("--pending", action="store_true", help="with --list: only the runs without a finished record in --results")
    p.add_argument("--mark-failed", action="store_true", help="record --run as failed with --reason, unless it finished")
    p.add_argument("--reason", default="the run's processes exited with an error")
    p.add_argument("--torchrun-flags", action="store_true", help="print the torchrun flags this PyTorch needs (launchers)")
    p.add_argument("--benchmark", type=int, default=0, metavar="STEPS",
                   help="train STEPS steps of the run, print its throughput and write no record (to size a sweep)")
    args = p.parse_args(argv)
    if not (args.list or args.spec or args.torchrun_flags) and args.run is None:
        p.error("--run (or --spec, or --list) is required")
    return args


def resolve_run(manifest, run):
    if run.isdigit():
        index = int(run)
        if not 0 <= index < len(manifest):
            raise SystemExit(f"--run {index}: the manifest has {len(manifest)} runs (0 to {len(manifest) - 1})")
        return index
    for index, spec in enumerate(manifest):
        if spec["id"] == run:
            return index
    raise SystemExit(f"--run {run!r}: no run with that id in the manifest")


def choose_micro_batch(s, world, requested):
    """Per-process micro-batch: the largest divisor of this process's share of the batch up to the request.
    Two or more micro-batches per step where the share allows, as in the lab: the first one's gradient is
    the small batch of the noise-scale estimate."""
    if s.batch_size % world != 0:
        raise ValueError(f"batch size {s.batch_size} is not divisible by the {world} processes")
    local = s.batch_size // world
    cap = requested or min(s.micro_batch, max(1, local // 2))
    cap = max(1, min(cap, local))
    return next(m for m in range(cap, 0, -1) if local % m == 0)


def pick_device(choice):
    if choice == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if choice == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: PyTorch sees no CUDA device")
    return choice


def partial_file(path):
    """The record of an attempt in flight: it exists from the start of an attempt until its record is appended."""
    return path.replace(".jsonl", ".partial.json")


def mark_failed(args):
    """Called by the launchers when a run's processes exited with an error. An attempt that recorded its own
    end (a failure included) has left no partial record: then there is nothing to add."""
    manifest = read_manifest(args.manifest)
    index = resolve_run(manifest, args.run)
    path = run_file(args.results, index)
    partial = partial_file(path)
    if os.path.exists(partial):
        with open(partial) as f:
            record = json.load(f)
    else:
        done = last_record(path)
        if done is not None and done["spec"]["id"] == manifest[index]["id"]:
            return 0
        record = empty_record(manifest[index], "")
    reasons = [args.reason]
    prefix = os.path.basename(path).replace(".jsonl", ".rank")
    for name in sorted(os.listdir(args.results)) if os.path.isdir(args.results) else []:
        if name.startswith(prefix) and name.endswith(".error"):
            with open(os.path.join(args.results, name)) as f:
                reasons.append(f.read().strip())
    record["status"] = "failed"
    record["failure"] = {"step": record["stepsDone"], "reason": "; ".join(r for r in reasons if r)}
    append_record(path, record)
    if os.path.exists(partial):
        os.remove(partial)
    print(f"run {index}: recorded as failed ({record['failure']['reason']})")
    return 0


def resolve_target(args, spec, manifest, dist_env):
    """(spec with its target, None), or (spec, why there is none). A run whose target comes from its
    group's reference run reads that run's record; every rank takes rank 0's reading."""
    s = RunSettings(spec)
    if s.target_loss is not None or s.is_reference or manifest is None:
        return spec, None
    target, why = reference_target(args.results, spec, manifest)
    target, why = json.loads(dist_env.broadcast_text(json.dumps([target, why])))
    return ({**spec, "targetLoss": target}, None) if why is None else (spec, why)


def setup_run(args, spec, dist_env, log):
    """Everything before the first step: the micro-batch, the run's data, this rank's share of the
    validation set, the model with its initial weights, and the trainer. Returns (spec, pieces)."""
    s = RunSettings(spec)
    micro = choose_micro_batch(s, dist_env.world, args.micro_batch)
    # The record names the micro-batch whose gradient is microGradSq (all of B when a process has one).
    spec = {**spec, "microBatch": micro if s.batch_size // dist_env.world > micro else s.batch_size}
    meta, train_tokens, validation_tokens = load_token_files(args.data)
    if meta["vocabSize"] != s.model["vocabSize"]:
        raise ValueError(f"the token files have a vocabulary of {meta['vocabSize']}, the model {s.model['vocabSize']}")
    corpus = run_corpus(meta, train_tokens, s)
    if s.max_steps * s.tokens_per_step > sequence_count(len(corpus), s.context) * s.context:
        log(f"warning: the training data holds {len(corpus)} tokens but the run needs {s.max_steps * s.tokens_per_step}: data repeats")
    stream = TokenStream(corpus, s.context, s.data_seed, warn=lambda m: log(f"warning: {m}"))
    val_inputs, val_targets = run_validation(meta, validation_tokens, s)
    if val_inputs.shape[0] < s.validation_sequences:
        log(f"warning: the validation tokens hold only {val_inputs.shape[0]} of the {s.validation_sequences} sequences asked for")
    val_targets = to_torch_targets(val_targets)
    # Each process evaluates every world-th sequence; the loss sums are added over processes.
    eval_batch = args.eval_batch or 4 * micro
    def eval_set(inputs, targets):
        mine = np.arange(dist_env.rank, inputs.shape[0], dist_env.world)
        batches = [
            (torch.from_numpy(inputs[mine[i : i + eval_batch]]).to(dist_env.device),
             torch.from_numpy(targets[mine[i : i + eval_batch]]).to(dist_env.device))
            for i in range(0, len(mine), eval_batch)
        ]
        return {"batches": batches, "tokens": int(inputs.shape[0]) * s.context}

    full = eval_set(val_inputs, val_targets)
    probe_count = min(val_inputs.shape[0], s.probe_sequences)
    probe = eval_set(*spread_subset(val_inputs, val_targets, probe_count)) if 0 < probe_count < val_inputs.shape[0] else full
    validation = {"full": full, "probe": probe}
    model = CbsLabLM(s.model)
    weights = read_safetensors(args.init)[0] if args.init else init_parameters(s.model, s.init_seed)
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in weights.items()})
    model = model.to(device=dist_env.device, dtype=PRECISIONS[args.precision])
    trainer = Trainer(model, s, dist_env, args.precision)
    log(f"{spec['id']}: B {s.batch_size} = {dist_env.world} process(es) × {s.batch_size // dist_env.world // micro} "
        f"micro-batch(es) × {micro}, at most {s.max_steps} steps, on {trainer_adapter(dist_env, args.precision)}")
    return spec, (trainer, stream, validation, micro)


def benchmark(trainer, stream, s, micro, steps):
    """Throughput of `steps` training steps of the run (the first one, which warms up, is left out)."""
    dist_env = trainer.dist
    seconds, cpu = [], []
    for step in range(1, steps + 1):
        inputs, targets = stream.next_batch(s.batch_size)
        targets = to_torch_targets(targets)
        batches = split_micro_batches(inputs, targets, dist_env.rank, dist_env.world, micro, dist_env.device)
        t0, c0 = time.perf_counter(), time.process_time()
        trainer.step(batches, int((targets != -100).sum()), learning_rate(step, s.peak_lr, s.warmup_steps))
        seconds.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    median = sorted(seconds[1:] or seconds)[len(seconds[1:] or seconds) // 2]
    # CPU time of this process too: on a shared machine it measures the work, where wall time measures the queue.
    out = {"run": s.model["name"], "batchSize": s.batch_size, "processes": dist_env.world, "microBatch": micro,
           "stepSeconds": median, "tokensPerSecond": s.tokens_per_step / median,
           "stepProcessSeconds": sorted(cpu[1:] or cpu)[len(cpu[1:] or cpu) // 2], "steps": steps}
    if dist_env.device.type == "cuda":
        out["peakMemoryBytes"] = torch.cuda.max_memory_allocated(dist_env.device)
    return out


def trainer_adapter(dist_env, precision):
    if dist_env.device.type == "cuda":
        what = torch.cuda.get_device_name(dist_env.device)
    else:
        what = f"CPU, {torch.get_num_threads()} threads"
    return f"PyTorch {torch.__version__} DDP × {dist_env.world}, {what}, {precision}"


def failed_record(spec, adapter, reason, step=0):
    record = empty_record(spec, adapter)
    record["status"] = "failed"
    record["failure"] = {"step": step, "reason": reason}
    return record


def torchrun_flags():
    """torchrun of torch 1.13 on Python 3.11 (Debian 12) cannot parse its own default --redirects/--tee "0"
    (IntFlag iteration skips 0): there, redirect and tee stderr instead, which every version accepts."""
    try:
        from torch.distributed.elastic.multiprocessing.api import Std

        return "" if Std.from_str("0") is not None else "--redirects 2 --tee 2"
    except Exception:  # noqa: BLE001 - a torch without that module needs nothing
        return ""


def main(argv):
    args = parse_args(argv)
    if args.torchrun_flags:
        print(torchrun_flags())
        return 0
    if args.list:
        for index, spec in enumerate(read_manifest(args.manifest)):
            if args.list != "all" and (args.list == "reference") != is_reference(spec):
                continue
            if args.pending and is_done(run_file(args.results, index), spec):
                continue
            print(index)
        return 0
    if args.mark_failed:
        return mark_failed(args)

    if args.spec:
        with open(args.spec) as f:
            spec, manifest, index = json.load(f), None, None
    else:
        manifest = read_manifest(args.manifest)
        index = resolve_run(manifest, args.run)
        spec = manifest[index]
    path = run_file(args.results, index) if index is not None else None
    if path and not args.force and is_done(path, spec):
        print(f"run {index} ({spec['id']}) already has a finished record: skipped (--force trains it again)")
        return 0

    dist_env = Distributed(pick_device(args.device))
    rank0 = dist_env.rank == 0
    log = print if rank0 else (lambda *_: None)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.precision in ("fp32", "tf32"):
        torch.set_float32_matmul_precision("high" if args.precision == "tf32" else "highest")
    adapter = trainer_adapter(dist_env, args.precision)
    error_path = path.replace(".jsonl", f".rank{dist_env.rank}.error") if path else None
    if error_path and os.path.exists(error_path):
        os.remove(error_path)
    if args.benchmark:
        _, (trainer, stream, _, micro) = setup_run(args, spec, dist_env, log)
        log(json.dumps(benchmark(trainer, stream, RunSettings(spec), micro, args.benchmark)))
        return dist_env.exit(0)
    partial = partial_file(path) if (path and rank0) else None
    if partial:
        os.makedirs(args.results, exist_ok=True)
        write_experiment_line(args.results, os.path.dirname(os.path.abspath(args.manifest)))
        write_atomic(partial, record_line({**empty_record(spec, adapter), "status": "running"}))
    try:
        spec, why = resolve_target(args, spec, manifest, dist_env)
        if why:
            record = failed_record(spec, adapter, why)
        else:
            spec, (trainer, stream, validation, micro) = setup_run(args, spec, dist_env, log)
            on_eval = (lambda r: write_atomic(partial, record_line(r))) if partial else None
            record = train_run(spec, RunSettings(spec), trainer, stream, validation, micro, adapter, on_eval=on_eval, log=log)
    except Exception as error:  # noqa: BLE001 - setup failures are recorded too
        record = failed_record(spec, adapter, describe_error(error))
    failed_here = record["status"] == "failed"
    if failed_here and error_path:
        # Another rank may be stuck in a collective: leave the reason where the launcher finds it.
        with open(error_path, "w") as f:
            f.write(f"rank {dist_env.rank}: {record['failure']['reason']}\n")
    if rank0:
        if args.out:
            write_atomic(args.out, json.dumps(json_safe(record), allow_nan=False) + "\n")
        if path:
            append_record(path, record)
            os.remove(partial)
        log(f"{spec['id']}: {record['status']}" + (f" ({record['failure']['reason']})" if record["failure"] else "")
            + (f", steps to target {record['stepsToTarget']}" if record["stepsToTarget"] is not None else ""))
    # A failed rank exits with an error, which makes torchrun stop the ranks that may wait on it.
    return dist_env.exit(1 if failed_here and dist_env.world > 1 else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
