#!/usr/bin/env python3
"""Side-by-side peer benchmark at scale: PyTorch's autograd and PhysGrad on Rosenbrock, in one run.

f(x) = sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 (THEORY.md section 4), float64, CPU, at
x = (-1.2, 1, -1.2, 1, ...) and v_i = sin(i + 1). For each n it times, on both sides: value + gradient,
the Hessian-vector product H v, and one gradient-descent step x <- x - eta grad f (eta = 1e-4),
and prints the ratios (PyTorch time / PhysGrad time: above 1 means PhysGrad is faster). PhysGrad's
side (`PhysGrad.Benchmarks scale N...`) also reports its derive and compile times and hand-written
C# for the same value + gradient and H v.

PyTorch comes from Debian (apt-get install -y python3-torch); run with the system python3:

    dotnet build -c Release PhysGrad.Benchmarks
    /usr/bin/python3 PhysGrad.Benchmarks/peer/torch_rosenbrock.py 1000 10000 100000

The two sides run back to back in this one process tree: PhysGrad first (a child process), then
PyTorch, so both see the same machine state as far as a shared machine allows.
"""
import math
import os
import subprocess
import sys
import time

import torch


def per_call(fn):
    """Seconds per call: repeats until a batch takes at least 0.2 s (after one warm-up call)."""
    fn()
    reps = 1
    while True:
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        t = time.perf_counter() - start
        if t > 0.2:
            return t / reps
        reps *= 4


def rosenbrock(x):
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


def torch_side(n):
    x0 = torch.tensor([-1.2 if i % 2 == 0 else 1.0 for i in range(n)], dtype=torch.float64)
    v = torch.tensor([math.sin(i + 1.0) for i in range(n)], dtype=torch.float64)

    def value_gradient():
        x = x0.detach().requires_grad_(True)
        f = rosenbrock(x)
        (g,) = torch.autograd.grad(f, x)
        return f, g

    def hessian_vector():
        x = x0.detach().requires_grad_(True)
        f = rosenbrock(x)
        (g,) = torch.autograd.grad(f, x, create_graph=True)
        (hv,) = torch.autograd.grad(g, x, v)
        return hv

    y = x0.clone().requires_grad_(True)

    def gd_step():
        f = rosenbrock(y)
        (g,) = torch.autograd.grad(f, y)
        with torch.no_grad():
            y.sub_(1e-4 * g)

    return per_call(value_gradient), per_call(hessian_vector), per_call(gd_step)


def physgrad_side(sizes):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(os.path.join(here, "..", ".."))
    dll = os.path.join(root, "PhysGrad.Benchmarks", "bin", "Release", "net10.0", "PhysGrad.Benchmarks.dll")
    out = subprocess.run(["dotnet", dll, "scale", *map(str, sizes)], check=True, capture_output=True, text=True).stdout
    result = {}
    for line in out.split("\n"):
        if line.strip():
            fields = dict(kv.split("=") for kv in line.split())
            result[int(fields["n"])] = {k: float(v) for k, v in fields.items()}
    return result


def us(seconds):
    return f"{seconds * 1e6:,.1f}"


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000, 100000]
    ours = physgrad_side(sizes)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); times in microseconds")
    print("PhysGrad: derive = value+gradient derived and lowered, compile = its kernel compiled (seconds)")
    print(f"{'n':>7} {'build s':>8} {'derive s':>9} {'compile s':>10} {'instr':>9} {'chunks':>7} {'Hv d+c s':>9}")
    for n in sizes:
        o = ours[n]
        print(f"{n:>7} {o['build']:>8.3f} {o['derive']:>9.3f} {o['compile']:>10.3f} {int(o['instructions']):>9} "
              f"{int(o['chunks']):>7} {o['hv_derive_compile']:>9.3f}")
    print()
    print(f"{'n':>7} | {'v+g PhysGrad':>12} {'hand C#':>9} {'ratio':>6} {'torch':>9} {'torch/PG':>8} | "
          f"{'Hv PhysGrad':>11} {'hand C#':>9} {'ratio':>6} {'torch':>9} {'torch/PG':>8} | "
          f"{'GD PhysGrad':>11} {'torch':>9} {'torch/PG':>8}")
    for n in sizes:
        o = ours[n]
        tg, th, ts = torch_side(n)
        print(f"{n:>7} | {us(o['eval']):>12} {us(o['hand_eval']):>9} {o.get('eval_ratio', o['eval'] / o['hand_eval']):>6.2f} "
              f"{us(tg):>9} {tg / o['eval']:>8.2f} | "
              f"{us(o['hv']):>11} {us(o['hand_hv']):>9} {o.get('hv_ratio', o['hv'] / o['hand_hv']):>6.2f} {us(th):>9} {th / o['hv']:>8.2f} | "
              f"{us(o['gd_step']):>11} {us(ts):>9} {ts / o['gd_step']:>8.2f}")


if __name__ == "__main__":
    main()
