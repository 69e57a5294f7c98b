# Compares hig-toy-gn-steps.txt (written by HigToyGnRounding.fsx) with the GN step from LAPACK's SVD (numpy):
# V Σ⁻¹ Uᵀ g with σ ≤ 1e-6·σ_max dropped. Run: python3 hig_toy_gn_lapack.py
import os, tempfile
import numpy as np
lines = open(os.path.join(tempfile.gettempdir(), 'hig-toy-gn-steps.txt')).read().split('\n')
tau = 1e-6
worst_u = worst_s = 0
for k in range(30):
    J = np.array([float(v) for v in lines[4*k].split()]).reshape(512, 30)
    g = np.array([float(v) for v in lines[4*k+1].split()])
    du = np.array([float(v) for v in lines[4*k+2].split()])
    ds = np.array([float(v) for v in lines[4*k+3].split()])
    U, s, Vt = np.linalg.svd(J, full_matrices=False)
    keep = s > tau * s[0]
    d = Vt[keep].T @ ((U[:, keep].T @ g) / s[keep])
    ru = np.linalg.norm(du - d) / np.linalg.norm(d); rs = np.linalg.norm(ds - d) / np.linalg.norm(d)
    worst_u = max(worst_u, ru); worst_s = max(worst_s, rs)
    if k < 8 or k % 5 == 0:
        print(f"step {k}: kept {keep.sum()}/30, s_max {s[0]:.3e}, smallest kept/s_max {s[keep][-1]/s[0]:.2e}, next {s[~keep][0]/s[0] if (~keep).any() else 0:.2e}; unscaled vs LAPACK {ru:.2e}, scaled vs LAPACK {rs:.2e}")
print("worst", worst_u, worst_s)
