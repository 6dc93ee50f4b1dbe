#!/usr/bin/python3
"""PyTorch CPU peer of `cgx bench ml`.

Runs the reference discriminator (3x3 conv 3->32, ReLU, 2x2 max-pool; 3x3 conv
32->64, ReLU, pool; 3x3 conv 64->64, ReLU, pool; flatten; linear -> 2 logits)
on 64x64 RGB batches of 32 and measures, like cgx:

  train_img_per_s  one training step: forward, cross-entropy, backward, Adam
  manip_img_per_s  one fitting step for per-channel brightness/contrast
                   (x' = x*(1+c)+b, 6 parameters per image): forward, backward
                   to the parameters with frozen weights, Adam on the parameters

Each figure is the median over --rounds timed rounds of --steps steps, after
--warmup untimed steps. PyTorch is measured at its default thread count and,
when that differs, with one thread per core; `threads` and the figures at
the top level are those of the faster setting, every setting is listed under
`settings`.

Usage: /usr/bin/python3 bench/torch_disc.py [--json] [--steps N] [--rounds N]
Needs Debian's python3-torch (apt-get install -y python3-torch).
"""
import argparse
import json
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH, SIZE = 32, 64


class Disc(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.c3 = nn.Conv2d(64, 64, 3, padding=1)
        self.fc = nn.Linear(64 * (SIZE // 8) ** 2, 2)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = F.max_pool2d(F.relu(self.c3(x)), 2)
        return self.fc(torch.flatten(x, 1))


def timed(step, warmup, steps, rounds):
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        rates.append(steps * BATCH / (time.perf_counter() - t0))
    return statistics.median(rates), rates


def measure(threads, args):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(2)
    x = torch.rand(BATCH, 3, SIZE, SIZE, generator=gen)
    y = torch.arange(BATCH) % 2

    model = Disc()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    train, train_rounds = timed(train_step, args.warmup, args.steps, args.rounds)

    for p in model.parameters():
        p.requires_grad_(False)
    contrast = torch.zeros(BATCH, 3, 1, 1, requires_grad=True)
    brightness = torch.zeros(BATCH, 3, 1, 1, requires_grad=True)
    popt = torch.optim.Adam([contrast, brightness], lr=1e-2)
    target = torch.ones(BATCH, dtype=torch.long)  # class 1 = real

    def manip_step():
        popt.zero_grad(set_to_none=True)
        xm = x * (1 + contrast) + brightness
        loss = F.cross_entropy(model(xm), target)
        loss.backward()
        popt.step()

    manip, manip_rounds = timed(manip_step, args.warmup, args.steps, args.rounds)
    return {
        "threads": threads,
        "train_img_per_s": train,
        "manip_img_per_s": manip,
        "train_rounds": train_rounds,
        "manip_rounds": manip_rounds,
    }


def kernels():
    """Names the convolution library and SIMD level this PyTorch build uses."""
    parts = []
    for line in torch.__config__.show().splitlines():
        line = line.strip().lstrip("- ")
        if line.startswith("Intel(R) MKL-DNN") or line.startswith("CPU capability usage"):
            parts.append(line.replace("Intel(R) MKL-DNN", "oneDNN"))
    return ", ".join(parts) or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--steps", type=int, default=20, help="steps per timed round")
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds (median)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    args = ap.parse_args()

    default_threads = torch.get_num_threads()
    cores = os.cpu_count() or 1
    settings = [measure(default_threads, args)]
    if cores != default_threads:
        settings.append(measure(cores, args))
    best = max(settings, key=lambda s: s["train_img_per_s"] + s["manip_img_per_s"])

    out = {
        "peer": "pytorch",
        "version": torch.__version__,
        "kernels": kernels(),
        "batch": BATCH,
        "size": SIZE,
        "steps": args.steps,
        "rounds": args.rounds,
        "default_threads": default_threads,
        "threads": best["threads"],
        "train_img_per_s": best["train_img_per_s"],
        "manip_img_per_s": best["manip_img_per_s"],
        "settings": settings,
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print("pytorch %s  %s" % (out["version"], out["kernels"]))
    for s in settings:
        print("threads %d: train %.0f img/s, manip %.0f img/s" % (
            s["threads"], s["train_img_per_s"], s["manip_img_per_s"]))
    print("train_img_per_s %.1f" % out["train_img_per_s"])
    print("manip_img_per_s %.1f" % out["manip_img_per_s"])
    print("threads %d (default %d)" % (out["threads"], default_threads))


if __name__ == "__main__":
    main()
