#!/usr/bin/env python3
"""Side-by-side peer benchmark: SymPy and PhysGrad on the Rosenbrock problem, in one run.

For each n it times, for both, deriving value + gradient + Hessian and turning them into a callable
(SymPy: sympy.hessian + lambdify; PhysGrad: derive + lower + compile), and the time per evaluation,
then prints the ratios. SymPy comes from Debian (apt-get install -y python3-sympy); run with the
system python3:

    dotnet build -c Release PhysGrad.Benchmarks
    /usr/bin/python3 PhysGrad.Benchmarks/peer/rosenbrock.py 10 50 100
"""
import os
import subprocess
import sys
import time

import sympy


def sympy_side(n):
    start = time.perf_counter()
    xs = sympy.symbols(f"x0:{n}")
    f = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1))
    grad = [sympy.diff(f, v) for v in xs]
    hess = sympy.hessian(f, xs)
    fn = sympy.lambdify(xs, [f, grad, hess.tolist()], modules="math")
    derive = time.perf_counter() - start
    x = [0.5 + 0.01 * i for i in range(n)]
    reps = 1
    while True:
        start = time.perf_counter()
        for _ in range(reps):
            fn(*x)
        t = time.perf_counter() - start
        if t > 0.2:
            return derive, t / reps
        reps *= 4


def physgrad_side(sizes):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(os.path.join(here, "..", ".."))
    dll = os.path.join(root, "PhysGrad.Benchmarks", "bin", "Release", "net10.0", "PhysGrad.Benchmarks.dll")
    out = subprocess.run(["dotnet", dll, "peer", *map(str, sizes)], check=True, capture_output=True, text=True).stdout
    result = {}
    for line in out.split("\n"):
        if line.strip():
            n, d, e = line.split()
            result[int(n)] = (float(d), float(e))
    return result


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [10, 50, 100]
    ours = physgrad_side(sizes)
    print(f"sympy {sympy.__version__}")
    print(f"{'n':>5} {'sympy derive+lambdify':>22} {'physgrad derive+compile':>24} {'ratio':>8} "
          f"{'sympy eval':>12} {'physgrad eval':>14} {'ratio':>8}")
    for n in sizes:
        sd, se = sympy_side(n)
        pd, pe = ours[n]
        print(f"{n:>5} {sd * 1e3:>19.1f} ms {pd * 1e3:>21.2f} ms {sd / pd:>7.0f}x "
              f"{se * 1e6:>9.2f} us {pe * 1e6:>11.3f} us {se / pe:>7.0f}x")


if __name__ == "__main__":
    main()
