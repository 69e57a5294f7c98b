#!/usr/bin/env python3
"""Side-by-side peer benchmark: the coupled-oscillator training (issue 15) in PyTorch and in PhysGrad.

Both train the same network (4 -> 20 tanh -> 20 tanh -> 20 tanh -> 24, Glorot-uniform weights, zero
biases, float64) to return two coupled oscillators (coupling 0.2, 24 RK4 steps of dt = 0.5, one
control per step on the last velocity) to their initial state, on 4,096 initial states in [0, 1)^4,
with the mean loss L = mean over samples of 1/2 |end state - start|^2 (the notebook's loss is 2 L):

  adam  Adam 1e-3 (eps 1e-7), batch 256, on dL/dtheta
  hig   batch 32, eta 0.15, tau 1e-10: dtheta = -eta V S^(-1/2) U^T g for the stacked batch Jacobian
        of the residuals / sqrt(B) (PhysGrad's normalisation, see PhysicsTrainer)

The physics is linear, so both sides run RK4 once to get end = Phi s0 + Gamma u and train on that
(PhysGrad traces its simulator and compiles P(u) = Gamma u; here the same RK4 is run on the basis
vectors in torch). Each side reports the training time (evaluation excluded) until the evaluation loss
on all 4,096 states first reaches the threshold, checked 200 times per budget. PyTorch runs on one
thread (PhysGrad is single-threaded), CPU. Debian's torch (apt-get install -y python3-torch) needs the
system interpreter:

    dotnet build -c Release PhysGrad.Cli
    /usr/bin/python3 PhysGrad.Benchmarks/peer/oscillators.py --time 60 --threshold 1e-5
"""
import argparse
import json
import os
import subprocess
import time

import torch
from functorch import jacrev, make_functional, vmap

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

STEPS, DT, COUPLING = 24, 0.5, 0.2


def rhs(s, u):
    x1, x2, v1, v2 = s.unbind(-1)
    return torch.stack([v1, v2, -x1 + COUPLING * (x2 - x1), -x2 + COUPLING * (x1 - x2) + u], -1)


def simulate(s, controls):
    for t in range(STEPS):
        u = controls[..., t]
        k1 = rhs(s, u)
        k2 = rhs(s + DT / 2 * k1, u)
        k3 = rhs(s + DT / 2 * k2, u)
        k4 = rhs(s + DT * k3, u)
        s = s + DT / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return s


def linear_parts():
    """Phi (4x4) and Gamma (4x24) with end = Phi s0 + Gamma u, from the RK4 above."""
    eye4, eye24 = torch.eye(4), torch.eye(STEPS)
    phi = simulate(eye4, torch.zeros(4, STEPS)).T
    gamma = simulate(torch.zeros(STEPS, 4), eye24).T
    return phi, gamma


def network(seed):
    torch.manual_seed(seed)
    layers = []
    for a, b in [(4, 20), (20, 20), (20, 20)]:
        layers += [torch.nn.Linear(a, b), torch.nn.Tanh()]
    layers.append(torch.nn.Linear(20, STEPS))
    model = torch.nn.Sequential(*layers)
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    return model


def train(method, seconds, threshold, seed):
    phi, gamma = linear_parts()
    gen = torch.Generator().manual_seed(0)
    states = torch.rand(4096, 4, generator=gen)
    targets = states - states @ phi.T  # y* = s0 - Phi s0; residual = Gamma u - y*
    model = network(seed)
    batch = 256 if method == "adam" else 32
    picks = torch.Generator().manual_seed(seed + 1)

    def evaluate():
        with torch.no_grad():
            r = model(states) @ gamma.T - targets
            return 0.5 * (r * r).sum(1).mean().item()

    if method == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    else:
        fmodel, _ = make_functional(model)

        def residual(params, z, y):
            return fmodel(params, z.unsqueeze(0))[0] @ gamma.T - y

        per_sample = vmap(jacrev(residual), in_dims=(None, 0, 0))
    clock, steps, reached, history = 0.0, 0, None, [(0, 0.0, evaluate())]
    next_check = seconds / 200
    while clock < seconds:
        start = time.perf_counter()
        idx = torch.randint(0, 4096, (batch,), generator=picks)
        z, y = states[idx], targets[idx]
        if method == "adam":
            opt.zero_grad()
            r = model(z) @ gamma.T - y
            loss = 0.5 * (r * r).sum(1).mean()
            loss.backward()
            opt.step()
        else:
            params = tuple(model.parameters())
            with torch.no_grad():
                r = (model(z) @ gamma.T - y).reshape(-1) / batch ** 0.5
            jac = per_sample(params, z, y)
            j = torch.cat([t.reshape(batch * 4, -1) for t in jac], 1) / batch ** 0.5
            u, s, vh = torch.linalg.svd(j, full_matrices=False)
            keep = s > 1e-10 * s.max()
            step = vh[keep].T @ ((u[:, keep].T @ r) / s[keep].sqrt())
            with torch.no_grad():
                offset = 0
                for p in model.parameters():
                    p -= 0.15 * step[offset:offset + p.numel()].reshape(p.shape)
                    offset += p.numel()
        clock += time.perf_counter() - start
        steps += 1
        if clock >= next_check:
            next_check = clock + seconds / 200
            loss = evaluate()
            history.append((steps, clock, loss))
            if reached is None and loss <= threshold:
                reached = (clock, steps)
    history.append((steps, clock, evaluate()))
    return {"steps": steps, "seconds": clock, "final": history[-1][2], "reached": reached}


def physgrad(method, seconds, threshold, seed):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    dll = os.path.join(root, "PhysGrad.Cli", "bin", "Release", "net10.0", "physgrad.dll")
    out = subprocess.run(["dotnet", dll, "train", "--example", "oscillators", "--methods", method,
                          "--time", str(seconds), "--seed", str(seed), "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    run = json.loads(out)["methods"][0]
    reached = next(((t, k) for t, k, loss in zip(run["lossSeconds"], run["lossIterations"], run["losses"]) if loss <= threshold), None)
    return {"steps": run["iterations"], "seconds": run["wallTimeMs"] / 1000, "final": run["finalLoss"], "reached": reached}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--time", type=float, default=60)
    ap.add_argument("--threshold", type=float, default=1e-5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--methods", default="hig,adam")
    a = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread; load {os.getloadavg()[0]:.1f}")
    print(f"| method | side | steps | ms/step | final loss | time to loss {a.threshold:g} (steps) |")
    print("|---|---|---:|---:|---:|---:|")
    for method in a.methods.split(","):
        for side, fn in [("PhysGrad", physgrad), ("PyTorch", train)]:
            r = fn(method, a.time, a.threshold, a.seed)
            hit = f"{r['reached'][0]:.1f} s ({r['reached'][1]})" if r["reached"] else "not reached"
            print(f"| {method} | {side} | {r['steps']} | {1000 * r['seconds'] / max(1, r['steps']):.2f} | "
                  f"{r['final']:.3e} | {hit} |", flush=True)


if __name__ == "__main__":
    main()
